"""What the store holds, per system: streams, entry counts, time span, sources.

In: a ``Store`` (and optionally one system name). Out: one JSON-able dict per system, the
shape ``logcopilot stats --json`` prints and ``GET /api/v1/systems`` extends:
``system``, ``entries``, ``streams`` (``stream_id``, ``labels``, ``entries`` each),
``ts_min``/``ts_max`` (ns), ``time_span`` (two readable UTC times), ``sources``,
``lines_read``, ``lines_rejected``, ``formats`` and ``labels`` (name -> sorted values).

Also the two ways times are written for people: ``iso_ns`` (``2015-12-10 06:55:46.000Z``,
the stats layout) and ``rfc3339_ns`` (``2015-12-10T06:55:46Z``, for the API and ``ask``).

Example::

    >>> with Store(":memory:") as store:
    ...     system_stats(store)
    []
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from logcopilot.engine.store import Store

__all__ = ["iso_ns", "rfc3339_ns", "system_stats"]


def iso_ns(ns: int | None) -> str:
    """``2015-12-10 06:55:46.000Z`` (milliseconds), or ``-`` for no time."""
    if ns is None:
        return "-"
    whole = datetime.fromtimestamp(ns // 10**9, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"{whole}.{(ns // 10**6) % 1000:03d}Z"  # integer maths: floats would round ns away


def rfc3339_ns(ns: int) -> str:
    """RFC3339 UTC: ``2015-12-10T06:55:46Z``, with ``.001`` etc. only when there is a fraction.

    >>> rfc3339_ns(1449730546_001_000_000)
    '2015-12-10T06:55:46.001Z'
    """
    whole = datetime.fromtimestamp(ns // 10**9, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    frac = ns % 10**9
    if not frac:
        return whole + "Z"
    digits = f"{frac:09d}".rstrip("0")
    digits += "0" * (-len(digits) % 3)  # milli, micro or nano: whole groups of three
    return f"{whole}.{digits}Z"


def system_stats(store: Store, system: str | None = None) -> list[dict[str, Any]]:
    """Per system: entries, sources, time span, and each stream with its labels and count."""
    con = store.cursor()
    try:
        return _system_stats(con, system)
    finally:
        con.close()


def _system_stats(con: Any, system: str | None) -> list[dict[str, Any]]:
    where, params = ("WHERE s.labels->>'system' = ?", [system.lower()]) if system else ("", [])
    rows = con.execute(
        "SELECT s.labels->>'system' AS system, s.stream_id, s.labels, count(e.ts), min(e.ts), max(e.ts) "
        f"FROM streams s LEFT JOIN entries e USING (stream_id) {where} "
        "GROUP BY s.stream_id, s.labels, s.labels_key ORDER BY system, s.labels_key",
        params,
    ).fetchall()
    out: dict[str, dict[str, Any]] = {}
    for sys_name, sid, labels, n, lo, hi in rows:
        item = out.setdefault(str(sys_name), {"system": sys_name, "entries": 0, "streams": [], "ts_min": None, "ts_max": None})
        item["entries"] += int(n)
        item["streams"].append({"stream_id": sid, "labels": json.loads(labels), "entries": int(n)})
        if lo is not None:
            item["ts_min"] = lo if item["ts_min"] is None else min(item["ts_min"], lo)
            item["ts_max"] = hi if item["ts_max"] is None else max(item["ts_max"], hi)
    for sys_name, item in out.items():
        src = con.execute(
            "SELECT count(*), coalesce(sum(lines_read), 0), coalesce(sum(lines_rejected), 0), "
            "string_agg(DISTINCT format, ', ') FROM sources WHERE system = ?",
            [sys_name],
        ).fetchone()
        n_src, read, rejected, formats = src if src is not None else (0, 0, 0, None)
        item.update(sources=int(n_src), lines_read=int(read), lines_rejected=int(rejected), formats=formats or "")
        label_names: dict[str, set[str]] = {}
        for s in item["streams"]:
            for k, v in s["labels"].items():
                label_names.setdefault(k, set()).add(v)
        item["labels"] = {k: sorted(v) for k, v in sorted(label_names.items())}
        item["time_span"] = [iso_ns(item["ts_min"]), iso_ns(item["ts_max"])]
    return list(out.values())
