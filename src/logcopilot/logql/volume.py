"""The log volume behind a query, and a query check for editors -- pure functions over the AST.

In: a parsed query (``ast.Expr``) or its text, and a step in nanoseconds. Out:

- ``first_log_query(expr)``: the query's first log selection (stream selector + pipeline):
  the query itself for a log query, else the log query of the leftmost range aggregation
  (the lines it reads), or None for queries that read no lines (``vector(1)``, ``2 * 3``);
- ``volume_expr(expr, step_ns)``: ``sum(count_over_time(<that selection> [<step>]))`` as an
  AST, the number of those lines per step (``offset`` and ``unwrap`` dropped: the volume
  shows when the lines were written, not what was computed from them);
- ``check_query(text, step_ns)``: what an editor shows -- ``{"ok": true, "formatted",
  "kind": "log"|"metric", "volume_query"}`` or ``{"ok": false, "error": {"message",
  "reason", "line", "col"}}`` (line/col 0 when the error has no position).

Example::

    >>> check_query('{app="a"} |= "x"', 60 * 10**9)["volume_query"]
    'sum(count_over_time({app="a"} |= "x" [1m]))'
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError, LogQLError, ParseError
from . import ast as A
from .parser import parse
from .printer import to_logql

__all__ = ["check_query", "first_log_query", "volume_expr"]

_MS = 1_000_000


def first_log_query(expr: A.Expr) -> A.LogQuery | None:
    """The log selection ``expr`` reads first (depth first, left to right), or None."""
    if isinstance(expr, A.LogQuery):
        return expr
    from . import walk

    return next((node.query for node in walk(expr) if isinstance(node, A.LogRange)), None)


def volume_expr(expr: A.Expr, step_ns: int) -> A.SampleExpr | None:
    """``sum(count_over_time(<first log selection> [step]))``, or None when no lines are read.

    ``step_ns`` must be a positive whole number of milliseconds (a LogQL range literal).
    """
    _check_step(step_ns)
    logq = first_log_query(expr)
    if logq is None:
        return None
    count = A.RangeAggregation("count_over_time", A.LogRange(logq, step_ns))
    return A.VectorAggregation("sum", count)


def _check_step(step_ns: int) -> None:
    if step_ns <= 0 or step_ns % _MS:
        raise InputError(f"invalid step {step_ns} ns: must be a positive whole number of milliseconds")


def check_query(text: str, step_ns: int) -> dict[str, Any]:
    """Parse ``text``: its canonical form, kind and volume query, or the error with its position.

    A bad ``step_ns`` raises ``InputError`` (it is the caller's argument, not the query's fault).
    """
    _check_step(step_ns)
    try:
        expr = parse(text)
    except LogQLError as exc:
        line, col = (exc.line, exc.col) if isinstance(exc, ParseError) else (0, 0)
        reason = getattr(exc, "reason", None) or str(exc)
        return {"ok": False, "error": {"message": str(exc), "reason": str(reason), "line": line, "col": col}}
    volume = volume_expr(expr, step_ns)
    return {
        "ok": True,
        "formatted": to_logql(expr),
        "kind": "log" if isinstance(expr, A.LogQuery) else "metric",
        "volume_query": to_logql(volume) if volume is not None else None,
    }
