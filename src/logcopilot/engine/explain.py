"""``--explain``: how the executor will evaluate a query, as readable text.

In: a parsed ``Expr`` and the query's time range. Out: one block per log selection with the
streams the selector matched, the SQL DuckDB runs (every literal a bound parameter, listed
separately), the stages left to Python, and for range aggregations whether the SQL counting
fast path applies.
"""

from __future__ import annotations

import duckdb
import numpy as np

from logcopilot.engine.fastcount import can_fast_count
from logcopilot.engine.logquery import log_scan_plan
from logcopilot.engine.scan import scan_sql
from logcopilot.logql import ast

__all__ = ["explain"]


def _children(e: object) -> list[object]:
    return [getattr(e, a) for a in ("expr", "lhs", "rhs") if hasattr(e, a)]


def explain(
    cur: duckdb.DuckDBPyConnection, expr: ast.Expr, start_ns: int, end_ns: int, step_ns: int, direction: str
) -> str:
    from logcopilot.logql import to_logql

    lines = [f"query: {to_logql(expr)}", f"kind: {'log query' if isinstance(expr, ast.LogQuery) else 'metric query'}"]
    steps = np.arange(start_ns, end_ns + 1, step_ns, dtype=np.int64)
    stack: list[tuple[object, ast.Grouping | None]] = [(expr, None)]
    while stack:
        node, injected = stack.pop()
        query: ast.LogQuery | None = None
        if isinstance(node, ast.LogQuery):
            query = node
        elif isinstance(node, ast.RangeAggregation):
            query = node.range.query
            fast = can_fast_count(node, steps if len(steps) else np.array([end_ns]), node.grouping or injected)
            lines.append(f"range aggregation {node.op} [{node.range.range_ns / 1e9:g}s]: "
                         + ("counted in SQL (fast path)" if fast else "samples extracted per line"))
        if query is not None:
            plan, pipeline, by_sid = log_scan_plan(cur, query, start_ns, end_ns, direction)
            sql, params = scan_sql(plan)
            lines.append(f"  selector {to_logql(ast.LogQuery(query.selector))}: {len(by_sid)} streams")
            lines.append(f"  sql: {sql}")
            lines.append(f"  bound parameters: {params}")
            names = [type(s).__name__ for s in pipeline.stages]
            lines.append(f"  python stages: {', '.join(names) if names else '(none)'}")
        inject = None
        if isinstance(node, ast.VectorAggregation) and node.op == "sum":
            inject = node.grouping or ast.Grouping(False, ())  # sum pushes its grouping down
        stack.extend((child, inject) for child in reversed(_children(node)))
    return "\n".join(lines)
