"""LogQL printer: an ``ast.Expr`` in, canonical LogQL text out.

The canonical form is stable (printing a re-parsed query gives the same text) and exact
(``parse(to_logql(e)) == e``). It follows Loki's own formatting where that is unambiguous:
``{a="b", c=~"d"}``, stages separated by one space, ``| unwrap x`` before the range,
``sum by (a) (...)``, strings double-quoted with Go escapes. Binary operators and label
filters get parentheses only where precedence needs them.

``loki_stage_string`` prints one pipeline stage (or a run of line filters) exactly as Loki
does inside ``stage '...'`` error messages.
"""

from __future__ import annotations

from . import ast as A
from .durations import format_duration
from .gotext import format_go_float
from .gotext import go_quote as _quote

__all__ = ["loki_stage_string", "to_logql"]

_BINOP_PREC = {
    "or": 1, "and": 2, "unless": 2,
    "==": 3, "!=": 3, ">": 3, ">=": 3, "<": 3, "<=": 3,
    "+": 4, "-": 4, "*": 5, "/": 5, "%": 5, "^": 6,
}


def to_logql(expr: A.Expr) -> str:
    """Canonical LogQL for ``expr``.

    >>> from logcopilot.logql import parse
    >>> to_logql(parse('sum(rate({app="a"}|="x"[5m]))by(host)'))
    'sum by (host) (rate({app="a"} |= "x" [5m]))'
    """
    return _expr(expr)


def _number(value: float) -> str:
    return format_go_float(value)


def _expr(e: A.Expr) -> str:  # noqa: C901 - one branch per node type
    if isinstance(e, A.LogQuery):
        return _log_query(e)
    if isinstance(e, A.NumberLiteral):
        return _number(e.value)
    if isinstance(e, A.Vector):
        return f"vector({_number(e.value)})"
    if isinstance(e, A.RangeAggregation):
        param = f"{_number(e.param)}, " if e.param is not None else ""
        text = f"{e.op}({param}{_log_range(e.range)})"
        if e.grouping is not None:
            text += " " + _grouping(e.grouping)
        return text
    if isinstance(e, A.VectorAggregation):
        grouping = f" {_grouping(e.grouping)} " if e.grouping is not None else ""
        param = f"{int(e.param)}, " if e.param is not None else ""
        return f"{e.op}{grouping}({param}{_expr(e.expr)})"
    if isinstance(e, A.LabelReplace):
        args = ", ".join(_quote(a) for a in (e.dst, e.replacement, e.src, e.regex))
        return f"label_replace({_expr(e.expr)}, {args})"
    if isinstance(e, A.BinaryOp):
        return _binop(e)
    raise TypeError(f"not a LogQL expression: {e!r}")


def _binop(e: A.BinaryOp) -> str:
    prec = _BINOP_PREC[e.op]
    right_assoc = e.op == "^"
    lhs = _expr(e.lhs)
    if isinstance(e.lhs, A.BinaryOp):
        lp = _BINOP_PREC[e.lhs.op]
        if lp < prec or (right_assoc and lp == prec):
            lhs = f"({lhs})"
    elif isinstance(e.lhs, A.LogQuery):
        lhs = f"({lhs})"
    rhs = _expr(e.rhs)
    if isinstance(e.rhs, A.BinaryOp):
        rp = _BINOP_PREC[e.rhs.op]
        if rp < prec or (not right_assoc and rp == prec):
            rhs = f"({rhs})"
    elif isinstance(e.rhs, A.LogQuery):
        rhs = f"({rhs})"
    parts = [lhs, e.op]
    if e.return_bool:
        parts.append("bool")
    m = e.matching
    if m is not None:
        parts.append(f"{'on' if m.on else 'ignoring'}({', '.join(m.labels)})")
        if m.card != "one-to-one":
            side = "group_left" if m.card == "many-to-one" else "group_right"
            parts.append(f"{side}({', '.join(m.include)})" if m.include else side)
    parts.append(rhs)
    return " ".join(parts)


def _grouping(g: A.Grouping) -> str:
    return f"{'without' if g.without else 'by'} ({', '.join(g.labels)})"


def _selector(s: A.StreamSelector) -> str:
    return "{" + ", ".join(f"{m.name}{m.op}{_quote(m.value)}" for m in s.matchers) + "}"


def _log_query(q: A.LogQuery) -> str:
    if not q.pipeline:
        return _selector(q.selector)
    return _selector(q.selector) + " " + " ".join(_stage(s) for s in q.pipeline)


def _log_range(r: A.LogRange) -> str:
    text = _log_query(r.query)
    if r.unwrap is not None:
        text += " " + _unwrap(r.unwrap)
    sep = " " if (r.query.pipeline or r.unwrap is not None) else ""
    text += f"{sep}[{format_duration(r.range_ns)}]"
    if r.offset_ns:
        text += f" offset {format_duration(r.offset_ns)}"
    return text


def _unwrap(u: A.Unwrap) -> str:
    text = f"| unwrap {u.conversion}({u.label})" if u.conversion else f"| unwrap {u.label}"
    for f in u.post_filters:
        text += " | " + _label_filter(f)
    return text


def _line_filter_arg(a: A.LineFilterArg) -> str:
    return f"ip({_quote(a.value)})" if a.is_ip else _quote(a.value)


def _params(params: tuple[A.ExtractionParam, ...]) -> str:
    return ", ".join(
        p.name if p.expression is None else f"{p.name}={_quote(p.expression)}" for p in params
    )


def _label_item(item: A.LabelItem) -> str:
    if item.matcher is None:
        return item.name
    return f"{item.name}{item.matcher.op}{_quote(item.matcher.value)}"


def _stage(s: A.Stage) -> str:  # noqa: C901 - one branch per stage type
    if isinstance(s, A.LineFilter):
        return s.op + " " + " or ".join(_line_filter_arg(a) for a in s.args)
    if isinstance(s, A.JsonParser):
        return "| json " + _params(s.params) if s.params else "| json"
    if isinstance(s, A.LogfmtParser):
        parts = ["| logfmt"]
        if s.strict:
            parts.append("--strict")
        if s.keep_empty:
            parts.append("--keep-empty")
        if s.params:
            parts.append(_params(s.params))
        return " ".join(parts)
    if isinstance(s, A.PatternParser):
        return f"| pattern {_quote(s.pattern)}"
    if isinstance(s, A.RegexpParser):
        return f"| regexp {_quote(s.regex)}"
    if isinstance(s, A.UnpackParser):
        return "| unpack"
    if isinstance(s, A.Decolorize):
        return "| decolorize"
    if isinstance(s, A.LabelFilterStage):
        return "| " + _label_filter(s.filter)
    if isinstance(s, A.LineFormat):
        return f"| line_format {_quote(s.template)}"
    if isinstance(s, A.LabelFormat):
        items = ", ".join(
            f"{i.dst}={_quote(i.src)}" if i.is_template else f"{i.dst}={i.src}" for i in s.items
        )
        return f"| label_format {items}"
    if isinstance(s, A.DropLabels):
        return "| drop " + ", ".join(_label_item(i) for i in s.items)
    if isinstance(s, A.KeepLabels):
        return "| keep " + ", ".join(_label_item(i) for i in s.items)
    raise TypeError(f"not a pipeline stage: {s!r}")


def _label_filter(f: A.LabelFilter) -> str:
    if isinstance(f, A.StringLabelFilter):
        return f"{f.name}{f.op}{_quote(f.value)}"
    if isinstance(f, A.NumericLabelFilter):
        return f"{f.name} {f.op} {f.text or _number(f.value)}"
    if isinstance(f, A.DurationLabelFilter):
        return f"{f.name} {f.op} {f.text or format_duration(f.value_ns)}"
    if isinstance(f, A.BytesLabelFilter):
        return f"{f.name} {f.op} {f.text or str(int(f.value)) + 'B'}"
    if isinstance(f, A.IpLabelFilter):
        return f"{f.name}{f.op}ip({_quote(f.cidr)})"
    left = _label_filter(f.left)
    if isinstance(f.left, A.BinaryLabelFilter) and f.left.op == "or" and f.op == "and":
        left = f"({left})"
    right = _label_filter(f.right)
    if isinstance(f.right, A.BinaryLabelFilter):
        right = f"({right})"
    return f"{left} {f.op} {right}"


def loki_stage_string(group: tuple[A.Stage, ...]) -> str:
    """A stage as Loki prints it in ``stage '...'`` errors (``| json a="b",c="c"``)."""
    first = group[0]
    if isinstance(first, A.LineFilter):
        return " ".join(_stage(s) for s in group)
    if isinstance(first, A.JsonParser) and first.params:
        return "| json " + ",".join(
            f"{p.name}={_quote(p.expression if p.expression is not None else p.name)}"
            for p in first.params
        )
    if isinstance(first, A.LabelFormat):
        return "| label_format " + ",".join(
            f"{i.dst}={_quote(i.src)}" if i.is_template else f"{i.dst}={i.src}"
            for i in first.items
        )
    return _stage(first)
