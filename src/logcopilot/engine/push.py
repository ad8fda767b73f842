"""Loki push API payloads into the store.

In: the body of ``POST /loki/api/v1/push`` as JSON
(``{"streams":[{"stream":{labels},"values":[["<ns>","line",{metadata}?], ...]}]}``).
Out: entries appended to the store with the next push-order numbers (``seq``); the number of
entries stored. An exact repeat of an entry (same stream, timestamp and line) is dropped, as
Loki's ingester does. Structured metadata is kept as a JSON object per entry.
"""

from __future__ import annotations

import json
import re
from typing import Any

from logcopilot.engine.store import DEFAULT_TENANT, Store
from logcopilot.errors import InputError

__all__ = ["push_json", "push_payload"]

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def push_json(store: Store, body: bytes, tenant: str = DEFAULT_TENANT) -> int:
    """Decode a JSON push body and store it; returns the number of entries stored."""
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise InputError(f"loghttp.PushRequest.Streams: {exc}") from None
    return push_payload(store, doc, tenant)


def _parse_entry(value: Any) -> tuple[int, str, dict[str, str] | None]:
    if not isinstance(value, list) or len(value) < 2:
        raise InputError("each entry must be [\"<ns timestamp>\", \"<line>\"(, {metadata})]")
    ts_raw, line = value[0], value[1]
    if not isinstance(ts_raw, str):
        raise InputError("timestamp must be a string of nanoseconds since the epoch")
    try:
        ts = int(ts_raw)
    except ValueError:
        raise InputError(f"invalid timestamp {ts_raw!r}") from None
    if not -(2**63) <= ts < 2**63:
        raise InputError(f"timestamp {ts_raw!r} is out of range for nanoseconds since the epoch")
    if not isinstance(line, str):
        raise InputError("log line must be a string")
    md = None
    if len(value) > 2 and value[2]:
        if not isinstance(value[2], dict) or not all(isinstance(v, str) for v in value[2].values()):
            raise InputError("structured metadata must be an object of strings")
        md = dict(value[2])
    return ts, line, md


def push_payload(store: Store, doc: Any, tenant: str = DEFAULT_TENANT) -> int:
    if not isinstance(doc, dict) or not isinstance(doc.get("streams", []), list):
        raise InputError("push body must be an object with a 'streams' list")
    sids: list[int] = []
    tss: list[int] = []
    lines: list[str] = []
    mds: list[str | None] = []
    seen: set[tuple[int, int, str]] = set()
    # validate the whole body before registering any stream: a rejected push changes nothing
    parsed: list[tuple[dict[str, str], list[tuple[int, str, dict[str, str] | None]]]] = []
    for st in doc.get("streams", []):
        labels = st.get("stream") if isinstance(st, dict) else None
        if not isinstance(labels, dict) or not labels:
            raise InputError("error at least one label pair is required per stream")
        for k, v in labels.items():
            if not _LABEL_NAME.match(k) or not isinstance(v, str):
                raise InputError(f"invalid label {k!r}")
        values = st.get("values", []) or []
        if not isinstance(values, list):
            raise InputError("'values' must be a list of entries")
        parsed.append((labels, [_parse_entry(value) for value in values]))
    with store._lock:
        for labels, entries in parsed:
            sid = store.stream_id(labels, tenant)
            for ts, line, md in entries:
                key = (sid, ts, line)
                if key in seen:
                    continue
                seen.add(key)
                sids.append(sid)
                tss.append(ts)
                lines.append(line)
                mds.append(json.dumps(md, ensure_ascii=False, sort_keys=True) if md else None)
        if not sids:
            return 0
        cur = store.cursor()
        first_seq = store.next_seq()
        seqs = list(range(first_seq, first_seq + len(sids)))
        cur.execute("BEGIN TRANSACTION")
        try:
            cur.execute(
                "CREATE TEMP TABLE IF NOT EXISTS push_batch (stream_id INTEGER, ts BIGINT, seq BIGINT, line VARCHAR, metadata VARCHAR)"
            )
            cur.execute("DELETE FROM push_batch")
            cur.execute(
                "INSERT INTO push_batch SELECT unnest(?::INTEGER[]), unnest(?::BIGINT[]), unnest(?::BIGINT[]), "
                "unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
                [sids, tss, seqs, lines, mds],
            )
            # Loki drops an exact repeat of an entry already stored (same stream, ts, line)
            cur.execute(
                "INSERT INTO entries (stream_id, ts, seq, line, metadata) "
                "SELECT b.stream_id, b.ts, b.seq, b.line, b.metadata::JSON FROM push_batch b "
                "WHERE NOT EXISTS (SELECT 1 FROM entries e WHERE e.stream_id = b.stream_id "
                "AND e.ts = b.ts AND e.line = b.line)"
            )
            row = cur.execute("SELECT count(*) FROM push_batch").fetchone()
            cur.execute("DELETE FROM push_batch")
            cur.execute("COMMIT")
        except Exception:
            cur.execute("ROLLBACK")
            raise
        return int(row[0]) if row else 0
