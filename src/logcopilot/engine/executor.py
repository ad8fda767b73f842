"""The embedded LogQL executor: a parsed query plus time parameters in, a result out.

In: an ``Expr`` (from ``logcopilot.logql.parse``) or query text, and either range parameters
(start, end, step, limit, direction, interval) or an instant time. Out: a ``QueryResult``
(``StreamsResult``, ``MatrixResult``, ``VectorResult`` or ``ScalarResult``) that encodes to
Loki's JSON.

Loki behaviour kept here: a log query at ``/query`` is a 400; metric ``query_range`` is
step-aligned like Loki's frontend (start rounded down, end up, to multiples of ``step``);
instant vectors are in ``labels.Compare`` order unless ``sort``/``sort_desc`` is outermost;
a literal-only instant query gives a scalar with Loki 3.7.6's bogus timestamp (note 6).

Example::

    >>> execute_range(store.cursor(), parse('{job="web"} |= "error"'), start, end, limit=10)
"""

from __future__ import annotations

import math

import duckdb
import numpy as np

from logcopilot.engine.logquery import eval_log_query
from logcopilot.engine.metrics import MetricEvaluator, Scalar, sorted_by
from logcopilot.engine.results import (
    MatrixResult,
    QueryResult,
    ScalarResult,
    Series,
    VectorResult,
    VectorSample,
    prom_labels_less_key,
)
from logcopilot.engine.store import DEFAULT_TENANT
from logcopilot.errors import QueryError
from logcopilot.logql import ast

__all__ = ["LOG_INSTANT_ERROR", "execute_instant", "execute_range", "is_log_query", "step_times"]

LOG_INSTANT_ERROR = (
    "log queries are not supported as an instant query type, please change your query to a range query type"
)


def is_log_query(expr: ast.Expr) -> bool:
    return isinstance(expr, ast.LogQuery)


def step_times(start_ns: int, end_ns: int, step_ns: int) -> np.ndarray:
    """Loki's frontend alignment: start down and end up to multiples of step, every step between."""
    start = start_ns - start_ns % step_ns
    end = end_ns if end_ns % step_ns == 0 else end_ns + (step_ns - end_ns % step_ns)
    return np.arange(start, end + 1, step_ns, dtype=np.int64)


def execute_range(
    cur: duckdb.DuckDBPyConnection,
    expr: ast.Expr,
    start_ns: int,
    end_ns: int,
    *,
    step_ns: int = 10**9,
    limit: int = 100,
    direction: str = "backward",
    interval_ns: int = 0,
    tenant: str = DEFAULT_TENANT,
) -> QueryResult:
    """A ``query_range``: streams for a log query, a matrix for a metric query."""
    if isinstance(expr, ast.LogQuery):
        return eval_log_query(cur, expr, start_ns, end_ns, limit, direction, interval_ns, tenant)
    steps = step_times(start_ns, end_ns, step_ns)
    got = MetricEvaluator(cur, tenant, steps).eval(expr)
    steps_ms = (steps // 1_000_000).tolist()
    if isinstance(got, Scalar):
        return MatrixResult([Series({}, list(zip(steps_ms, got.values.tolist())))])
    series = []
    for key in sorted(got.series):
        s = got.series[key]
        pts = [(steps_ms[i], float(s.values[i])) for i in np.nonzero(s.present)[0].tolist()]
        if pts:
            series.append(Series(s.labels, pts))
    return MatrixResult(series)


def _bogus_scalar_ms(t_ns: int) -> int:
    # Loki 3.7.6 multiplies the ns time by 1000 in int64 (wrapping) and divides by 1e6
    wrapped = (t_ns * 1000 + 2**63) % 2**64 - 2**63
    return math.trunc(wrapped / 1e6) * 1000


def execute_instant(
    cur: duckdb.DuckDBPyConnection,
    expr: ast.Expr,
    time_ns: int,
    *,
    tenant: str = DEFAULT_TENANT,
) -> QueryResult:
    """A ``query``: a vector (or a scalar for a literal-only query). Log queries are refused."""
    if isinstance(expr, ast.LogQuery):
        raise QueryError(LOG_INSTANT_ERROR, status=400)
    steps = np.array([time_ns], dtype=np.int64)
    got = MetricEvaluator(cur, tenant, steps, instant=True).eval(expr)
    ts_ms = time_ns // 1_000_000
    if isinstance(got, Scalar):
        return ScalarResult(_bogus_scalar_ms(time_ns), float(got.values[0]))
    samples = [VectorSample(s.labels, ts_ms, float(s.values[0])) for s in got.series.values() if s.present[0]]
    order = sorted_by(expr)
    if order is None:
        samples.sort(key=lambda x: prom_labels_less_key(x.labels))
    else:
        samples.sort(key=lambda x: prom_labels_less_key(x.labels))
        samples.sort(key=lambda x: _sort_value(x.value), reverse=order == "desc")
    return VectorResult(samples)


def _sort_value(v: float) -> float:
    return -math.inf if math.isnan(v) else v

