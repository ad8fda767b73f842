"""Resolve a LogQL stream selector against the ``streams`` table.

In: a ``StreamSelector`` (and a tenant). Out: the matching streams as ``(stream_id, labels)``
in stream-id order. Equality matchers narrow the candidates in SQL (``labels->>'k' = ?``);
every matcher is then checked in Python with Prometheus semantics (a missing label is "",
regexes fully anchored), so the answer never depends on how much SQL could express.

A cursor from a ``Store`` uses the store's in-memory stream index (read once per store
generation) instead of a DuckDB round trip per query; any other connection reads the table.
"""

from __future__ import annotations

import json

import duckdb

from logcopilot.engine.matchers import compile_matcher
from logcopilot.engine.store import DEFAULT_TENANT, store_of
from logcopilot.logql.ast import Matcher, StreamSelector

__all__ = ["ResolvedStream", "matches_labels", "resolve_streams"]

ResolvedStream = tuple[int, dict[str, str]]


def matches_labels(matchers: tuple[Matcher, ...], labels: dict[str, str]) -> bool:
    """True when every matcher accepts the label set (a missing label reads as "")."""
    for m in matchers:
        if not compile_matcher(m.op, m.value)(labels.get(m.name, "")):
            return False
    return True


def resolve_streams(
    cur: duckdb.DuckDBPyConnection, selector: StreamSelector, tenant: str = DEFAULT_TENANT
) -> list[ResolvedStream]:
    """The streams of ``tenant`` whose labels satisfy every matcher of ``selector``."""
    store = store_of(cur)
    if store is not None:
        idx = store.stream_index(tenant)
        candidates = idx.rows
        for m in selector.matchers:
            if m.op == "=" and m.value != "":
                candidates = idx.by_pair.get((m.name, m.value), ())
                break
        # copies: callers may add labels to what they get back
        return [(sid, dict(labels)) for sid, labels in candidates if matches_labels(selector.matchers, labels)]
    sql = "SELECT stream_id, labels FROM streams WHERE tenant = ?"
    params: list[object] = [tenant]
    for m in selector.matchers:
        if m.op == "=" and m.value != "":
            # Bound parameters: a label value can never alter the SQL text.
            sql += " AND json_extract_string(labels, ?) = ?"
            params.extend([_json_path(m.name), m.value])
    rows = cur.execute(sql + " ORDER BY stream_id", params).fetchall()
    out: list[ResolvedStream] = []
    for sid, raw in rows:
        labels = json.loads(raw)
        if matches_labels(selector.matchers, labels):
            out.append((int(sid), labels))
    return out


def _json_path(name: str) -> str:
    return "$." + json.dumps(name)
