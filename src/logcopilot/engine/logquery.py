"""Log query evaluation: scan, pipeline, global limit, Loki's stream and entry order.

In: a ``LogQuery``, ``[start, end)`` in ns, ``limit``, ``direction`` and an optional
``interval``. Out: a ``StreamsResult``.

Order (corpus note 7): the scan runs in direction order (``ts, seq`` ascending for forward,
descending for backward, so equal timestamps keep push order or its reverse); the first
``limit`` entries that pass the pipeline are kept across all streams; the output streams are
sorted by their label string in byte order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import duckdb

from logcopilot.engine.pipeline import Pipeline, hoist_line_filters
from logcopilot.engine.results import Stream, StreamsResult, labels_string
from logcopilot.engine.scan import ScanPlan, iter_rows, split_pushable
from logcopilot.engine.selectors import resolve_streams
from logcopilot.engine.store import DEFAULT_TENANT
from logcopilot.logql import ast

__all__ = ["SPLIT_NS", "eval_log_query", "log_scan_plan"]

SPLIT_NS = 3600 * 10**9  # the corpus server's split_queries_by_interval


def log_scan_plan(
    cur: duckdb.DuckDBPyConnection,
    query: ast.LogQuery,
    start_ns: int,
    end_ns: int,
    direction: str,
    tenant: str = DEFAULT_TENANT,
) -> tuple[ScanPlan, Pipeline, dict[int, dict[str, str]]]:
    """The SQL scan, the Python pipeline for what SQL cannot do, and the streams' labels."""
    streams = resolve_streams(cur, query.selector, tenant)
    leading, rest = hoist_line_filters(query.pipeline)
    pushed, py_filters = split_pushable(list(leading))
    pipeline = Pipeline(tuple(py_filters) + tuple(rest), hoisted=True)
    by_sid = {sid: labels for sid, labels in streams}
    return ScanPlan(list(by_sid), start_ns, end_ns, pushed, order=direction), pipeline, by_sid


def _passing(
    cur: duckdb.DuckDBPyConnection, plan: ScanPlan, pipeline: Pipeline, by_sid: dict[int, dict[str, str]], limit: int
) -> Iterator[tuple[tuple[tuple[str, str], ...], dict[str, str], int, str]]:
    """Up to ``limit`` entries that pass the pipeline, in scan order: (key, labels, ts, line)."""
    n = 0
    # Loki's merge drops an entry equal (timestamp and line) to one already in the same
    # output stream, e.g. twins that line_format made identical.
    seen: dict[tuple[tuple[str, str], ...], tuple[int, set[str]]] = {}
    for sid, ts, _seq, line, md in iter_rows(cur, plan, first_limit=limit + 16):
        metadata = json.loads(md) if md else {}
        res = pipeline.process(ts, line, by_sid[sid], metadata)
        if res is None:
            continue
        key = tuple(sorted(res.labels.items()))
        last = seen.get(key)
        if last is not None and last[0] == ts:
            if res.line in last[1]:
                continue
            last[1].add(res.line)
        else:
            seen[key] = (ts, {res.line})
        yield key, res.labels, ts, res.line
        n += 1
        if n >= limit:
            return


def _splits(start: int, end: int, direction: str) -> list[tuple[int, int]]:
    """Loki's frontend split of ``[start, end)`` at multiples of the 1h split interval."""
    out: list[tuple[int, int]] = []
    lo = start
    while lo < end:
        hi = min((lo // SPLIT_NS + 1) * SPLIT_NS, end)
        out.append((lo, hi))
        lo = hi
    return out if direction == "forward" else out[::-1]


def eval_log_query(
    cur: duckdb.DuckDBPyConnection,
    query: ast.LogQuery,
    start_ns: int,
    end_ns: int,
    limit: int,
    direction: str = "backward",
    interval_ns: int = 0,
    tenant: str = DEFAULT_TENANT,
) -> StreamsResult:
    plan, pipeline, by_sid = log_scan_plan(cur, query, start_ns, end_ns, direction, tenant)
    picked: list[tuple[tuple[tuple[str, str], ...], dict[str, str], int, str]] = []
    if interval_ns <= 0:
        picked = list(_passing(cur, plan, pipeline, by_sid, limit))
    else:
        # With ``interval`` Loki's answer shows its query splitting: each 1h split takes its
        # first ``limit`` entries, then keeps one entry per ``interval`` (across streams).
        for lo, hi in _splits(start_ns, end_ns, direction):
            sub = ScanPlan(plan.stream_ids, lo, hi, plan.filters, order=direction)
            last: int | None = None
            for item in _passing(cur, sub, pipeline, by_sid, limit):
                ts = item[2]
                if last is None or (ts >= last + interval_ns if direction == "forward" else ts <= last - interval_ns):
                    picked.append(item)
                    last = ts
        picked = picked[:limit]
    streams: dict[tuple[tuple[str, str], ...], Stream] = {}
    for key, labels, ts, line in picked:
        s = streams.get(key)
        if s is None:
            s = streams[key] = Stream(dict(labels))
        s.entries.append((ts, line))
    by_text = {labels_string(s.labels): s for s in streams.values()}
    ordered = [by_text[k] for k in sorted(by_text, key=lambda k: k.encode("utf-8", "surrogateescape"))]
    return StreamsResult(ordered)
