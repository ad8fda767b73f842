"""LogQL front end, pure Python: text -> tokens -> typed AST -> canonical LogQL.

Public API::

    parse(query) -> Expr                 any LogQL query, validated as Loki does
    parse_log_query(query) -> LogQuery   a log query, else SemanticError
    parse_sample_expr(query) -> SampleExpr   a metric query, else SemanticError
    to_logql(expr) -> str                canonical text; parse(to_logql(e)) == e
    walk(node) -> Iterator[node]         every node of a tree, depth first, parents first
    is_log_query(expr) -> bool           a log (stream) query rather than a metric one

Errors are ``logcopilot.errors`` classes whose ``str()`` is Loki's message:
``ParseError`` (with ``line``/``col``/``reason``), ``SemanticError``, ``UnsupportedError``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from ..errors import LogQLError, ParseError, SemanticError, UnsupportedError
from . import ast
from .ast import Expr, LogQuery, SampleExpr
from .parser import parse
from .printer import to_logql

__all__ = [
    "Expr",
    "LogQLError",
    "LogQuery",
    "ParseError",
    "SampleExpr",
    "SemanticError",
    "UnsupportedError",
    "ast",
    "is_log_query",
    "parse",
    "parse_log_query",
    "parse_sample_expr",
    "to_logql",
    "walk",
]


def parse_log_query(query: str) -> LogQuery:
    """Parse a query that must be a log query (``{app="x"} |= "y"``)."""
    expr = parse(query)
    if not isinstance(expr, LogQuery):
        raise SemanticError("only log selector is supported")
    return expr


def parse_sample_expr(query: str) -> SampleExpr:
    """Parse a query that must be a metric query (``rate({app="x"}[5m])``)."""
    expr = parse(query)
    if isinstance(expr, LogQuery):
        raise SemanticError("only sample expression supported")
    return expr


def is_log_query(expr: Expr) -> bool:
    """True for a log query (it returns streams), False for a metric query."""
    return isinstance(expr, LogQuery)


def walk(node: object) -> Iterator[object]:
    """Yield ``node`` and every AST node below it, depth first, parents before children.

    Tuples of nodes (pipelines, matchers, post-unwrap filters) are descended into; plain
    values (strings, numbers) are not yielded.

    >>> [type(n).__name__ for n in walk(parse('{a="b"} |= "x"'))][:3]
    ['LogQuery', 'StreamSelector', 'Matcher']
    """
    stack: list[object] = [node]
    while stack:
        current = stack.pop()
        yield current
        children: list[object] = []
        if not dataclasses.is_dataclass(current):
            continue  # a plain value handed in as the root: nothing below it
        for field in dataclasses.fields(current):
            value = getattr(current, field.name)
            if dataclasses.is_dataclass(value):
                children.append(value)
            elif isinstance(value, tuple):
                children.extend(v for v in value if dataclasses.is_dataclass(v))
        stack.extend(reversed(children))
