"""Bulk append of parsed lines into the store: streams, entries, rejects, sources.

In: a ``Store`` and a staged query of candidate entries (columns ``line_no, line, ts,
lab_0..lab_n, attached``) plus a query of rejected lines (``line_no, reason, raw``).
Out: rows in ``streams`` (through ``Store.stream_id``), ``entries``, ``rejects`` and one row in
``sources``, all written by set-based ``INSERT ... SELECT`` inside one transaction, so a
failed ingest leaves nothing half-written.

How identical lines stay apart: an entry is identified by ``(source_id, line_no)``; two equal
lines with equal timestamps in one file are two rows. ``seq`` (= the file's base sequence
number + line number) is the global push order that breaks timestamp ties, as Loki keeps
push order. Loki itself drops an exact (timestamp, line) repeat within a stream, so a push to a
real Loki must make the pair unique: ``logcopilot.engine.writer.loki_timestamps`` adds 1 ns
per earlier repeat of the same (stream, ts, line), which keeps both events, their order, and
their time to within nanoseconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from logcopilot.engine.store import Store

DISABLED_COMPRESSION = "fsst,dict_fsst"

__all__ = [
    "append_entries",
    "append_rejects",
    "finish_source",
    "loki_timestamps",
    "new_source",
    "register_streams",
]


def register_streams(store: Store, system: str, label_names: Sequence[str], candidates_sql: str) -> int:
    """Register every label set of the candidate entries; build temp table ``_ing_streams``.

    Labels with an empty value are left out, as Loki does. Returns the number of streams.
    """
    con = store.con
    cols = [f"lab_{i}" for i in range(len(label_names))]
    distinct = con.execute(
        f"SELECT DISTINCT {', '.join(cols) if cols else '1'} FROM ({candidates_sql})"
    ).fetchall()
    rows: list[tuple[object, ...]] = []
    for combo in distinct:
        labels = {"system": system}
        for name, value in zip(label_names, combo if cols else (), strict=True):
            if value:
                labels[name] = str(value)
        rows.append((*((combo if cols else ())), store.stream_id(labels)))
    col_defs = ", ".join([f"{c} VARCHAR" for c in cols] + ["sid INTEGER"])
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ing_streams ({col_defs})")
    if rows:
        marks = ", ".join("?" for _ in range(len(cols) + 1))
        con.executemany(f"INSERT INTO _ing_streams VALUES ({marks})", [list(r) for r in rows])
    return len(rows)


def new_source(store: Store, system: str, path: str, sha256: str, size: int, fmt: str) -> int:
    """Insert the ``sources`` row for one file (inside the caller's transaction)."""
    row = store.con.execute("SELECT coalesce(max(source_id), 0) + 1 FROM sources").fetchone()
    source_id = int(row[0]) if row else 1
    store.con.execute(
        "INSERT INTO sources (source_id, system, path, sha256, bytes, format) VALUES (?, ?, ?, ?, ?, ?)",
        [source_id, system, path, sha256, size, fmt],
    )
    return source_id


def append_entries(
    store: Store, source_id: int, seq0: int, n_labels: int, candidates_sql: str, notes_table: str | None
) -> int:
    """``INSERT ... SELECT`` the candidates joined to their streams; returns rows written."""
    con = store.con
    on = " AND ".join(f"c.lab_{i} = s.lab_{i}" for i in range(n_labels)) or "true"
    meta = "n.metadata" if notes_table else "NULL"
    join_notes = f" LEFT JOIN {notes_table} n ON n.line_no = c.line_no" if notes_table else ""
    # FSST string compression costs ~3/4 of the insert time and makes line scans slower;
    # without it DuckDB still dictionary-compresses repeated values. The store is ~2.5x
    # larger than with FSST, and `LIKE`/regex scans over lines are faster.
    sids = con.execute("SELECT sid FROM _ing_streams").fetchall()
    if len(sids) == 1:  # one stream (OpenSSH, access logs...): no join needed
        sid, streams = str(int(sids[0][0])), ""
    else:
        sid, streams = "s.sid", f" JOIN _ing_streams s ON {on}"
    con.execute(f"SET disabled_compression_methods = '{DISABLED_COMPRESSION}'")
    try:
        row = con.execute(
            "INSERT INTO entries (stream_id, ts, seq, line, source_id, line_no, metadata) "
            f"SELECT {sid}, c.ts, {int(seq0)} + c.line_no, c.line, {int(source_id)}, c.line_no, {meta} "
            f"FROM ({candidates_sql}) c{streams}{join_notes}"
        ).fetchone()
    finally:
        con.execute("RESET disabled_compression_methods")
    return int(row[0]) if row else 0


def append_rejects(store: Store, source_id: int, rejects_sql: str) -> dict[str, int]:
    """Write rejected lines (raw text cut to 64 KiB); return counts per reason."""
    con = store.con
    con.execute(
        "INSERT INTO rejects (source_id, line_no, reason, raw) "
        f"SELECT {int(source_id)}, line_no, reason, left(raw, 65536) FROM ({rejects_sql})"
    )
    rows = con.execute(
        "SELECT reason, count(*) FROM rejects WHERE source_id = ? GROUP BY reason ORDER BY 2 DESC", [source_id]
    ).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


def finish_source(store: Store, source_id: int, read: int, stored: int, rejected: int, report: dict[str, object]) -> None:
    store.con.execute(
        "UPDATE sources SET lines_read = ?, lines_stored = ?, lines_rejected = ?, report = ? WHERE source_id = ?",
        [read, stored, rejected, json.dumps(report, default=str), source_id],
    )


def loki_timestamps(entries: Iterable[tuple[int, str]]) -> list[int]:
    """Timestamps for pushing one stream's entries (in push order) to a real Loki.

    Loki keeps only the first of two entries with the same timestamp and line; adding 1 ns per
    earlier repeat keeps every event.

    >>> loki_timestamps([(5, "a"), (5, "a"), (5, "b"), (5, "a")])
    [5, 6, 5, 7]
    """
    seen: dict[tuple[int, str], int] = {}
    taken: set[tuple[int, str]] = set()
    out: list[int] = []
    for ts, line in entries:
        bump = seen.get((ts, line), 0)
        new = ts + bump
        while (new, line) in taken:
            bump += 1
            new = ts + bump
        seen[(ts, line)] = bump + 1
        taken.add((new, line))
        out.append(new)
    return out
