"""Metadata endpoints: label names and values, series, index stats and volume.

In: the store, an optional selector (``query=``/``match[]``) and a time range. Out: the
``data`` of Loki's answers. As in the corpus setup (all data in the ingester), label names and
values ignore the time range, ``/series`` respects it, and structured metadata is never a label
here (corpus notes 10 and 29).
"""

from __future__ import annotations

from typing import Any

from logcopilot.engine.selectors import resolve_streams
from logcopilot.engine.store import Store
from logcopilot.errors import InputError
from logcopilot.logql import ast

__all__ = ["index_stats", "label_names", "label_values", "series", "volume"]


def _selector(text: str) -> ast.StreamSelector:
    from logcopilot.logql import parse

    expr = parse(text)
    if not isinstance(expr, ast.LogQuery):
        raise InputError("only stream selectors are accepted here")
    return expr.selector


def _streams(store: Store, query: str | None, tenant: str) -> list[tuple[int, dict[str, str]]]:
    cur = store.cursor()
    try:
        if query:
            return resolve_streams(cur, _selector(query), tenant)
        return [(s.stream_id, s.labels) for s in store.streams(tenant)]
    finally:
        cur.close()


def label_names(store: Store, query: str | None, tenant: str) -> list[str]:
    names: set[str] = set()
    for _sid, labels in _streams(store, query, tenant):
        names.update(labels)
    return sorted(names)


def label_values(store: Store, name: str, query: str | None, tenant: str) -> list[str]:
    values = {labels[name] for _sid, labels in _streams(store, query, tenant) if name in labels}
    return sorted(values)


def _with_entries(store: Store, sids: list[int], start: int, end: int) -> set[int]:
    if not sids:
        return set()
    cur = store.cursor()
    try:
        rows = cur.execute(
            "SELECT DISTINCT stream_id FROM entries WHERE list_contains(?::INTEGER[], stream_id) AND ts >= ? AND ts <= ?",
            [sids, start, end],
        ).fetchall()
    finally:
        cur.close()
    return {int(r[0]) for r in rows}


def series(store: Store, matches: list[str], start: int, end: int, tenant: str) -> list[dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for m in matches or [""]:
        for sid, labels in _streams(store, m or None, tenant):
            found[sid] = labels
    live = _with_entries(store, list(found), start, end)
    return [found[sid] for sid in sorted(found) if sid in live]


def index_stats(store: Store, query: str, start: int, end: int, tenant: str) -> dict[str, int]:
    """Streams, entries and bytes in range (the corpus' Loki answers zeros: it reads only flushed chunks)."""
    sids = [sid for sid, _ in _streams(store, query or None, tenant)]
    if not sids:
        return {"streams": 0, "chunks": 0, "bytes": 0, "entries": 0}
    cur = store.cursor()
    try:
        row = cur.execute(
            "SELECT count(DISTINCT stream_id), count(*), coalesce(sum(strlen(line)), 0) FROM entries "
            "WHERE list_contains(?::INTEGER[], stream_id) AND ts >= ? AND ts <= ?",
            [sids, start, end],
        ).fetchone()
    finally:
        cur.close()
    assert row is not None
    return {"streams": int(row[0]), "chunks": int(row[0]), "bytes": int(row[2]), "entries": int(row[1])}


def volume(store: Store, query: str, start: int, end: int, limit: int, tenant: str) -> dict[str, Any]:
    """Bytes per value set of the selector's label names, largest first, stamped at ``end``."""
    selector = _selector(query)
    names = sorted({m.name for m in selector.matchers})
    cur = store.cursor()
    try:
        streams = resolve_streams(cur, selector, tenant)
        sids = [sid for sid, _ in streams]
        rows = (
            cur.execute(
                "SELECT stream_id, sum(strlen(line)) FROM entries "
                "WHERE list_contains(?::INTEGER[], stream_id) AND ts >= ? AND ts < ? GROUP BY stream_id",
                [sids, start, end],
            ).fetchall()
            if sids
            else []
        )
    finally:
        cur.close()
    by_sid = dict(streams)
    totals: dict[tuple[tuple[str, str], ...], int] = {}
    for sid, nbytes in rows:
        labels = by_sid[int(sid)]
        key = tuple((n, labels[n]) for n in names if n in labels)
        totals[key] = totals.get(key, 0) + int(nbytes)
    ordered = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    ts = end // 10**9 if end % 10**9 == 0 else end / 1e9
    return {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [{"metric": dict(k), "value": [ts, str(v)]} for k, v in ordered],
        },
    }
