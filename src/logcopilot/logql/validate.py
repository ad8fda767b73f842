"""Loki's checks after a successful parse: an AST in, nothing out, or a ``SemanticError``.

Two passes, in Loki's order:

* ``validate`` - what Loki's ``validateExpr`` rejects: selectors whose matchers all accept
  the empty value (``{}``, ``{a=~".*"}``), and ``sort``/``sort_desc`` with grouping labels;
* ``check_stages`` - what fails when Loki builds a pipeline, reported as
  ``stage '<stage as Loki prints it>' : <reason>``: invalid line-filter regexps, ``ip()``
  misuse or bad ranges, bad ``| json`` field expressions, templates that do not parse,
  a label named twice in one ``label_format``. Loki first moves line filters ahead of
  parsers and merges neighbours into one stage; the reported stage follows that.
"""

from __future__ import annotations

from ..errors import SemanticError
from . import ast as A
from .gotext import go_quote as _quote
from .ippattern import parse_ip_pattern
from .printer import loki_stage_string
from .re2check import matches_empty, regex_error
from .tmplcheck import template_error

__all__ = ["check_stages", "validate"]


def _matches_empty(m: A.Matcher) -> bool:
    if m.op == "=":
        return m.value == ""
    if m.op == "!=":
        return m.value != ""
    hit = matches_empty(m.value)
    return hit if m.op == "=~" else not hit


_EMPTY_COMPATIBLE = (
    "queries require at least one regexp or equality matcher that does not have an "
    'empty-compatible value. For instance, app=~".*" does not meet this requirement, '
    'but app=~".+" will'
)


def validate(expr: A.Expr, deferred: dict[int, str] | None = None) -> None:
    """Loki's ``validateExpr``: errors recorded on nodes while parsing (``deferred``, keyed
    by node id), sort grouping and empty-compatible selectors, in Loki's pre-order."""
    deferred = deferred or {}
    if isinstance(expr, A.LogQuery):
        _check_selector(expr.selector)
    else:
        _validate_sample(expr, deferred)


def _check_selector(selector: A.StreamSelector | None) -> None:
    if selector is None or all(_matches_empty(m) for m in selector.matchers):
        raise SemanticError(_EMPTY_COMPATIBLE)


def _is_constant(expr: A.Expr, deferred: dict[int, str]) -> bool:
    """Loki folds a binop of literals into a literal while parsing."""
    if isinstance(expr, A.NumberLiteral):
        return id(expr) not in deferred
    return (
        isinstance(expr, A.BinaryOp)
        and id(expr) not in deferred
        and _is_constant(expr.lhs, deferred)
        and _is_constant(expr.rhs, deferred)
    )


def _validate_sample(expr: A.Expr, deferred: dict[int, str]) -> None:
    own = deferred.get(id(expr))
    if isinstance(expr, A.BinaryOp):
        if own is not None:
            raise SemanticError(own)
        if _is_constant(expr, deferred):
            return
        _validate_sample(expr.lhs, deferred)
        _validate_sample(expr.rhs, deferred)
        return
    if isinstance(expr, (A.NumberLiteral, A.Vector)):
        if own is not None:
            raise SemanticError(own)
        return
    if isinstance(expr, A.VectorAggregation):
        if own is not None:
            raise SemanticError(own)
        if expr.op in ("sort", "sort_desc") and expr.grouping is not None and expr.grouping.labels:
            raise SemanticError("sort and sort_desc doesn't allow grouping by ")
        _validate_sample(expr.expr, deferred)
        return
    found, selector = _selector_of(expr, deferred)
    if found != "vector":
        _check_selector(selector)


def _selector_of(expr: A.Expr, deferred: dict[int, str]) -> tuple[str, A.StreamSelector | None]:
    """Loki's ``Selector()``: the first log selector under ``expr``, or a node's error.

    Returns ("selector", s), ("literal", None) or ("vector", None); raises a recorded error.
    """
    own = deferred.get(id(expr))
    if own is not None:
        raise SemanticError(own)
    if isinstance(expr, A.RangeAggregation):
        return "selector", expr.range.query.selector
    if isinstance(expr, (A.LabelReplace, A.VectorAggregation)):
        return _selector_of(expr.expr, deferred)
    if isinstance(expr, A.BinaryOp):
        if _is_constant(expr, deferred):
            return "literal", None
        return _selector_of(expr.lhs, deferred)
    if isinstance(expr, A.Vector):
        return "vector", None
    if isinstance(expr, A.LogQuery):
        return "selector", expr.selector
    return "literal", None


# ----------------------------------------------------------------------------- stages
def _log_queries(expr: A.Expr) -> list[A.LogQuery]:
    if isinstance(expr, A.LogQuery):
        return [expr]
    if isinstance(expr, A.RangeAggregation):
        return [expr.range.query]
    if isinstance(expr, (A.VectorAggregation, A.LabelReplace)):
        return _log_queries(expr.expr)
    if isinstance(expr, A.BinaryOp):
        return _log_queries(expr.lhs) + _log_queries(expr.rhs)
    return []


def check_stages(expr: A.Expr) -> None:
    """Errors Loki raises when it builds a pipeline: ``stage '<stage>' : <reason>``."""
    for query in _log_queries(expr):
        for group in _reorder_stages(query.pipeline):
            reason = _stage_error(group)
            if reason is not None:
                raise SemanticError(f"stage '{loki_stage_string(group)}' : {reason}")


def _reorder_stages(stages: tuple[A.Stage, ...]) -> list[tuple[A.Stage, ...]]:
    """Loki moves line filters ahead of parsers; consecutive ones become one stage."""
    result: list[tuple[A.Stage, ...]] = []
    filters: list[A.Stage] = []
    others: list[A.Stage] = []

    def flush() -> None:
        if filters:
            result.append(tuple(filters))
        result.extend((s,) for s in others)
        filters.clear()
        others.clear()

    for stage in stages:
        if isinstance(stage, A.LabelFilterStage):
            flush()
            result.append((stage,))
        elif isinstance(stage, A.LineFilter):
            filters.append(stage)
        elif isinstance(stage, A.LineFormat):
            others.append(stage)
            flush()
        elif isinstance(stage, A.UnpackParser):
            others.append(stage)
            flush()
        else:
            others.append(stage)
    flush()
    return result


def _stage_error(group: tuple[A.Stage, ...]) -> str | None:
    first = group[0]
    if isinstance(first, A.LineFilter):
        for line_filter in reversed(group):
            assert isinstance(line_filter, A.LineFilter)
            for arg in line_filter.args:
                reason = _line_filter_error(line_filter.op, arg)
                if reason is not None:
                    return reason
        return None
    if isinstance(first, A.JsonParser):
        for param in first.params:
            reason = _json_expression_error(param.expression or param.name)
            if reason is not None:
                return reason
        return None
    if isinstance(first, A.LabelFilterStage):
        pending: list[A.LabelFilter] = [first.filter]
        while pending:
            node = pending.pop()
            if isinstance(node, A.BinaryLabelFilter):
                pending.extend((node.right, node.left))
            elif isinstance(node, A.IpLabelFilter) and not _valid_ip_pattern(node.cidr):
                return f"ip: invalid pattern: {_quote(node.cidr)}"
        return None
    if isinstance(first, A.LineFormat):
        reason = template_error(first.template, "line")
        return None if reason is None else f"invalid line template: {reason}"
    if isinstance(first, A.LabelFormat):
        seen: set[str] = set()
        for item in first.items:
            if item.dst in seen:
                return f"multiple label name '{item.dst}' not allowed in a single format operation"
            seen.add(item.dst)
            if item.is_template:
                reason = template_error(item.src, "label")
                if reason is not None:
                    return f"invalid template for label '{item.dst}': {reason}"
    return None


def _line_filter_error(op: str, arg: A.LineFilterArg) -> str | None:
    if arg.is_ip:
        if op not in ("|=", "!="):
            return "ip: invalid operation"
        if not _valid_ip_pattern(arg.value):
            return f"ip: invalid pattern: {_quote(arg.value)}"
        return None
    if op in ("|~", "!~"):
        return regex_error(arg.value)
    return None


def _valid_ip_pattern(text: str) -> bool:
    try:
        parse_ip_pattern(text)
    except ValueError:
        return False
    return True


def _json_expression_error(expression: str) -> str | None:
    """Syntax of a ``| json`` field expression: ``a.b[0]["c d"]``."""
    i = 0
    n = len(expression)
    while i < n:
        c = expression[i]
        if c == "[":
            j = i + 1
            if j >= n:
                return (
                    f"cannot parse expression [{expression}]: syntax error: unexpected $end, "
                    "expecting STRING or INDEX"
                )
            if expression[j] == '"':
                k = j + 1
                while k < n and expression[k] != '"':
                    k += 2 if expression[k] == "\\" else 1
                if k >= n:
                    return f"cannot parse expression [{expression}]: literal not terminated"
                j = k + 1
            else:
                k = j
                while k < n and expression[k].isdigit():
                    k += 1
                if k == j:
                    return (
                        f"cannot parse expression [{expression}]: syntax error: unexpected "
                        f"{expression[j]!s}, expecting STRING or INDEX"
                    )
                j = k
            if j >= n:
                return (
                    f"cannot parse expression [{expression}]: syntax error: unexpected $end, "
                    "expecting ]"
                )
            if expression[j] != "]":
                return (
                    f"cannot parse expression [{expression}]: syntax error: unexpected "
                    f"{expression[j]}, expecting ]"
                )
            i = j + 1
            continue
        i += 1
    return None
