"""SQL pushdown: turn stream ids, a time range and leading line filters into one DuckDB scan.

In: a ``ScanPlan`` (stream ids, ``[lo_ns, hi_ns)``, the line filters SQL can evaluate exactly,
the wanted order). Out: the SQL text with bound parameters, and an iterator of entry rows
``(stream_id, ts, seq, line, metadata_json)``.

Exactness: ``|=``/``!=`` are substring tests on the raw line (``strpos``), ``|~``/``!~`` use
DuckDB's ``regexp_matches``, which is RE2 with Go's defaults (unanchored search, ``.`` stops at
``\\n`` unless ``(?s)``, ``^``/``$`` at the text ends unless ``(?m)``). Pattern filters ``|>``
and ``ip()`` filters are not pushed down; the pipeline evaluates them. Every literal is a bound
parameter, so no label value or filter text can change the SQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from logcopilot.engine.matchers import compile_regex
from logcopilot.errors import QueryError
from logcopilot.logql.ast import LineFilter

__all__ = ["Row", "ScanPlan", "filter_sql", "is_pushable", "iter_rows", "scan_sql", "split_pushable"]

Row = tuple[int, int, int, str, Any]  # stream_id, ts, seq, line, metadata (JSON text or None)


def is_pushable(lf: LineFilter) -> bool:
    """Whether SQL evaluates this line filter with exactly Loki's semantics."""
    return lf.op in ("|=", "!=", "|~", "!~") and not any(a.is_ip for a in lf.args)


def split_pushable(filters: Sequence[LineFilter]) -> tuple[list[LineFilter], list[LineFilter]]:
    """Split leading line filters into (pushed to SQL, evaluated in Python). Order is free:
    line filters commute, they only ever drop lines."""
    pushed = [f for f in filters if is_pushable(f)]
    rest = [f for f in filters if not is_pushable(f)]
    return pushed, rest


def filter_sql(lf: LineFilter) -> tuple[str, list[object]]:
    """One line filter as a SQL predicate over ``line`` with its parameters."""
    values = [a.value for a in lf.args]
    if lf.op in ("|=", "!="):
        if "" in values:
            # |= "" keeps every line; != "" drops every line (corpus note 12)
            return ("TRUE" if lf.op == "|=" else "FALSE"), []
        any_sql = " OR ".join("strpos(line, ?) > 0" for _ in values)
    else:
        for v in values:
            compile_regex(v)  # a bad regex is the user's error, never DuckDB's
        any_sql = " OR ".join("regexp_matches(line, ?)" for _ in values)
    if lf.op in ("|=", "|~"):
        return f"({any_sql})", list(values)
    return f"(NOT ({any_sql}))", list(values)


@dataclass
class ScanPlan:
    stream_ids: list[int]
    lo_ns: int  # inclusive
    hi_ns: int  # exclusive
    filters: list[LineFilter] = field(default_factory=list)
    order: str | None = None  # "forward", "backward" or None


def scan_sql(plan: ScanPlan, columns: str = "stream_id, ts, seq, line, metadata") -> tuple[str, list[object]]:
    """The SELECT for a plan: ``(sql, params)``."""
    where = ["list_contains(?::INTEGER[], stream_id)", "ts >= ?", "ts < ?"]
    params: list[object] = [plan.stream_ids, plan.lo_ns, plan.hi_ns]
    for lf in plan.filters:
        sql, p = filter_sql(lf)
        where.append(sql)
        params.extend(p)
    sql = f"SELECT {columns} FROM entries WHERE " + " AND ".join(where)
    if plan.order == "forward":
        sql += " ORDER BY ts, seq"
    elif plan.order == "backward":
        sql += " ORDER BY ts DESC, seq DESC"
    return sql, params


def iter_rows(
    cur: duckdb.DuckDBPyConnection, plan: ScanPlan, batch: int = 20_000, first_limit: int | None = None
) -> Iterator[Row]:
    """Stream the rows of a plan in batches (callers may stop early, e.g. at a limit).

    With ``first_limit`` and an ordered plan, rows are read in growing ``LIMIT``/``OFFSET``
    pages, so DuckDB runs a top-N instead of sorting every match when the caller needs only
    the first few (a log query with ``limit``); the total order ``ts, seq`` keeps pages exact.
    """
    if not plan.stream_ids or plan.hi_ns <= plan.lo_ns:
        return
    sql, params = scan_sql(plan)
    if first_limit is None or plan.order is None:
        _execute(cur, sql, params)
        while True:
            rows = cur.fetchmany(batch)
            if not rows:
                return
            yield from rows
    page = max(first_limit, 1)
    offset = 0
    while True:
        _execute(cur, sql + " LIMIT ? OFFSET ?", params + [page, offset])
        rows = cur.fetchall()
        yield from rows
        if len(rows) < page:
            return
        offset += page
        page *= 8


def _execute(cur: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> None:
    try:
        cur.execute(sql, params)
    except duckdb.Error as exc:
        raise QueryError(f"scan failed: {exc}", status=500) from None
