"""Label filter stages: ``| level="error"``, ``| status >= 400``, ``| dur > 1s``,
``| size < 20MB``, ``| addr = ip("10.0.0.0/8")`` and their ``and``/``or`` combinations.

In: a :class:`~logcopilot.logql.ast.LabelFilter`. Out: ``Callable[[LineState], bool]``.

Rules (corpus note 20):

- string filters use Prometheus matchers on the value, ``""`` when the label is missing;
- a numeric/duration/bytes filter on a missing label fails silently;
- a value that does not parse sets ``__error__="LabelFilterErr"`` with Go's error text in
  ``__error_details__`` and **keeps** the line;
- an ``ip()`` filter lets a line that already carries ``__error__`` through (spec F7);
- ``and`` evaluates both sides (so both may set errors), ``or`` stops at the first true.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from logcopilot.engine.matchers import compile_matcher
from logcopilot.engine.stages.ipfilter import compile_ip_test
from logcopilot.engine.stages.labels import ERROR, LineState
from logcopilot.logql.ast import (
    BinaryLabelFilter,
    BytesLabelFilter,
    DurationLabelFilter,
    IpLabelFilter,
    LabelFilter,
    NumericLabelFilter,
    StringLabelFilter,
)
from logcopilot.logql.govalues import ValueParseError, parse_bytes, parse_float, parse_go_duration

__all__ = ["LABEL_FILTER_ERR", "compile_label_filter", "label_filter_names"]

LABEL_FILTER_ERR = "LabelFilterErr"

StatePredicate = Callable[[LineState], bool]

_CMP: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def _converting(name: str, op: str, target: float, convert: Callable[[str], float]) -> StatePredicate:
    cmp = _CMP[op]

    def pred(state: LineState) -> bool:
        value = state.labels.get(name)
        if value is None:
            return False
        try:
            number = convert(value)
        except ValueParseError as exc:
            state.set_error(LABEL_FILTER_ERR, str(exc))
            return True
        return cmp(number, target)

    return pred


def compile_label_filter(f: LabelFilter) -> StatePredicate:
    """Compile a label filter tree into a predicate over the line state."""
    if isinstance(f, StringLabelFilter):
        match = compile_matcher(f.op, f.value)
        name = f.name
        return lambda state: match(state.labels.get(name, ""))
    if isinstance(f, NumericLabelFilter):
        return _converting(f.name, f.op, f.value, parse_float)
    if isinstance(f, DurationLabelFilter):
        return _converting(f.name, f.op, float(f.value_ns), lambda v: float(parse_go_duration(v)))
    if isinstance(f, BytesLabelFilter):
        return _converting(f.name, f.op, f.value, lambda v: float(parse_bytes(v)))
    if isinstance(f, IpLabelFilter):
        test = compile_ip_test(f.cidr)
        name = f.name
        want = f.op == "="

        def ip_pred(state: LineState) -> bool:
            labels = state.labels
            if ERROR in labels:
                return True  # spec F7: an ip filter lets errored lines through
            value = labels.get(name)
            return value is not None and test(value) == want

        return ip_pred
    if isinstance(f, BinaryLabelFilter):
        left = compile_label_filter(f.left)
        right = compile_label_filter(f.right)
        if f.op == "and":

            def both(state: LineState) -> bool:
                lok = left(state)
                rok = right(state)
                return lok and rok

            return both
        return lambda state: left(state) or right(state)
    raise TypeError(f"not a label filter: {f!r}")


def label_filter_names(f: LabelFilter) -> set[str]:
    """Every label name a filter reads (used to widen parser label hints)."""
    if isinstance(f, BinaryLabelFilter):
        return label_filter_names(f.left) | label_filter_names(f.right)
    return {f.name}
