"""Metric query evaluation: every step at once, one numpy row per series.

In: a ``SampleExpr`` and the step timestamps (ns). Out: ``Vec`` (series -> values and a
presence mask over the steps) or ``Scalar`` (one value per step). ``executor`` turns these
into Loki's matrix, vector or scalar results.

Semantics follow Loki 3.7.6 as recorded in the corpus: range windows ``(t-range, t]`` shifted
by ``offset``; ``sum`` pushes its grouping into count/bytes/rate/sum_over_time extraction (label
hints, ``__error__`` preservation); pipeline errors fail the query (400); ``x/0`` is NaN;
scalar comparisons give 0/1; many-to-one matching without ``group_*`` is a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb
import numpy as np

from logcopilot.engine.binops import eval_binary
from logcopilot.engine.extract import ERROR_LABEL, extract_series, pipeline_error
from logcopilot.engine.fastcount import can_fast_count, fast_count
from logcopilot.engine.labelreplace import label_replace
from logcopilot.engine.results import labels_string
from logcopilot.engine.windows import evaluate_windows
from logcopilot.engine.vectors import Scalar, Vec, VecSeries, aggregate
from logcopilot.errors import UnsupportedError
from logcopilot.logql import ast

__all__ = ["MetricEvaluator", "Scalar", "Vec", "VecSeries", "max_lookback_ns", "sorted_by"]

# sum(...) may push its grouping into these range aggregations (same result, fewer labels)
_INJECTABLE = ("bytes_over_time", "bytes_rate", "count_over_time", "rate", "sum_over_time")
# range aggregations whose instant-query splits Loki's frontend adds back together
_SPLIT_SUMMED = ("bytes_over_time", "count_over_time", "sum_over_time")
SPLIT_NS = 3600 * 10**9


def max_lookback_ns(expr: ast.SampleExpr) -> int:
    """The largest ``range + offset`` in the expression (how far back data is needed)."""
    if isinstance(expr, ast.RangeAggregation):
        return expr.range.range_ns + expr.range.offset_ns
    if isinstance(expr, ast.VectorAggregation):
        return max_lookback_ns(expr.expr)
    if isinstance(expr, ast.BinaryOp):
        return max(max_lookback_ns(expr.lhs), max_lookback_ns(expr.rhs))
    if isinstance(expr, ast.LabelReplace):
        return max_lookback_ns(expr.expr)
    return 0


def sorted_by(expr: ast.SampleExpr) -> str | None:
    """'asc'/'desc' when the outermost operation orders an instant vector by value."""
    if isinstance(expr, ast.VectorAggregation) and expr.op in ("sort", "sort_desc"):
        return "asc" if expr.op == "sort" else "desc"
    return None


@dataclass
class MetricEvaluator:
    cur: duckdb.DuckDBPyConnection
    tenant: str
    steps_ns: np.ndarray  # int64, ascending
    instant: bool = False

    def eval(self, expr: ast.SampleExpr) -> Vec | Scalar:
        if isinstance(expr, ast.NumberLiteral):
            return Scalar(np.full(len(self.steps_ns), float(expr.value)))
        if isinstance(expr, ast.Vector):
            n = len(self.steps_ns)
            return Vec({"{}": VecSeries({}, np.full(n, float(expr.value)), np.ones(n, dtype=bool))})
        if isinstance(expr, ast.RangeAggregation):
            return self.range_aggregation(expr, None)
        if isinstance(expr, ast.VectorAggregation):
            return self.vector_aggregation(expr)
        if isinstance(expr, ast.BinaryOp):
            return eval_binary(expr, self.eval(expr.lhs), self.eval(expr.rhs))
        if isinstance(expr, ast.LabelReplace):
            inner = self.eval(expr.expr)
            if isinstance(inner, Scalar):
                raise UnsupportedError("label_replace over a scalar")
            return label_replace(inner, expr.dst, expr.replacement, expr.src, expr.regex)
        raise UnsupportedError(f"unsupported expression {type(expr).__name__}")

    # ------------------------------------------------------------------ aggregations
    def vector_aggregation(self, va: ast.VectorAggregation) -> Vec:
        inner_expr = va.expr
        if self.instant and va.op in ("min", "max") and isinstance(inner_expr, ast.RangeAggregation):
            split = self._split_instant(va, inner_expr)
            if split is not None:
                return split
        if va.op == "approx_topk" and not self.instant:
            raise UnsupportedError("approx_topk is only supported for instant queries")
        if va.op == "sum" and isinstance(inner_expr, ast.RangeAggregation) and inner_expr.grouping is None and (
            inner_expr.op in _INJECTABLE
        ):
            inner = self.range_aggregation(inner_expr, va.grouping or ast.Grouping(False, ()))
        else:
            got = self.eval(inner_expr)
            if isinstance(got, Scalar):
                raise UnsupportedError(f"{va.op} over a scalar")
            inner = got
        return aggregate(va.op, inner, va.grouping, va.param)

    def _split_instant(self, va: ast.VectorAggregation, ra: ast.RangeAggregation) -> Vec | None:
        """Loki's frontend splits an instant query whose count-like range exceeds the 1h split
        interval into 1h pieces, pushes ``min``/``max`` into each piece and adds the pieces
        up (``sum by`` the same grouping). The recorded answers show it (``vagg-006``), so the
        embedded engine reproduces that arithmetic for these shapes only."""
        if ra.op not in _SPLIT_SUMMED or ra.grouping is not None or ra.range.range_ns <= SPLIT_NS:
            return None
        pieces: list[Vec] = []
        done = 0
        while done < ra.range.range_ns:
            width = min(SPLIT_NS, ra.range.range_ns - done)
            sub = replace(ra, range=replace(ra.range, range_ns=width, offset_ns=ra.range.offset_ns + done))
            pieces.append(aggregate(va.op, self.range_aggregation(sub, None), va.grouping, va.param))
            done += width
        both = Vec({})
        for i, p in enumerate(pieces):
            for k, s in p.series.items():
                both.series[f"{i}/{k}"] = s
        return aggregate("sum", both, va.grouping or ast.Grouping(False, ()), None)

    def range_aggregation(self, ra: ast.RangeAggregation, injected: ast.Grouping | None) -> Vec:
        grouping = ra.grouping if ra.grouping is not None else injected
        lr = ra.range
        steps = self.steps_ns
        n = len(steps)
        lo = int(steps[0]) - lr.offset_ns - lr.range_ns + 1
        hi = int(steps[-1]) - lr.offset_ns + 1
        if can_fast_count(ra, steps, grouping) and not (grouping is not None and ERROR_LABEL in grouping.labels):
            return fast_count(self.cur, self.tenant, ra, grouping, steps)
        series, preserve = extract_series(self.cur, self.tenant, ra, grouping, lo, hi)
        out: dict[str, VecSeries] = {}
        if ra.op == "absent_over_time":
            any_present = np.zeros(n, dtype=bool)
            for s in series.values():
                ts, vals = s.arrays()
                _v, present = evaluate_windows("count_over_time", ts, vals, steps, lr.range_ns, lr.offset_ns)
                any_present |= present
            labels = {m.name: m.value for m in lr.query.selector.matchers if m.op == "="}
            absent = ~any_present
            if absent.any():
                out[labels_string(labels)] = VecSeries(labels, np.ones(n), absent)
            return Vec(out)
        for key, s in series.items():
            ts, vals = s.arrays()
            values, present = evaluate_windows(ra.op, ts, vals, steps, lr.range_ns, lr.offset_ns, ra.param)
            if not present.any():
                continue
            if ERROR_LABEL in s.labels and not preserve:
                raise pipeline_error(s.labels)
            out[key] = VecSeries(s.labels, values, present)
        return Vec(out)
