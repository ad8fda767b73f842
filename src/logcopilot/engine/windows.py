"""Range-aggregation functions over the samples of one window ``(t - range, t]``.

In: the sorted sample timestamps (ns) and values of one series, the step timestamps, the
range and offset. Out: per step, the aggregated value and whether the step has a sample.
Counting, summing and bytes use prefix sums; the other functions loop over windows.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["WINDOW_FUNCS", "evaluate_windows", "quantile", "rate_counter"]


def _welford(vals: np.ndarray) -> float:
    """Population variance with Welford's update, as Prometheus computes stdvar."""
    count, mean, aux = 0.0, 0.0, 0.0
    for v in vals.tolist():
        count += 1
        delta = v - mean
        mean += delta / count
        aux += delta * (v - mean)
    return aux / count


def quantile(phi: float, vals: np.ndarray) -> float:
    """Prometheus' quantile: linear interpolation at rank phi*(n-1)."""
    n = len(vals)
    if n == 0:
        return math.nan
    if math.isnan(phi):
        return math.nan
    if phi < 0:
        return -math.inf
    if phi > 1:
        return math.inf
    s = np.sort(vals)
    rank = phi * (n - 1)
    lower = max(0, int(math.floor(rank)))
    upper = min(n - 1, lower + 1)
    weight = rank - math.floor(rank)
    return float(s[lower] * (1 - weight) + s[upper] * weight)


def rate_counter(ts_ns: np.ndarray, vals: np.ndarray, range_ns: int) -> float:
    """Loki's ``rate_counter``: Prometheus' extrapolated counter rate as Loki 3.7.6 computes it.

    Loki feeds nanosecond timestamps to code written for milliseconds: the range start is the
    first sample minus the range *in ms* and the range end is the last sample, so the
    extrapolation barely moves the raw increase (recorded answers confirm this).
    """
    n = len(vals)
    if n < 2:
        return 0.0
    first_t, last_t = int(ts_ns[0]), int(ts_ns[-1])
    range_ms = range_ns // 1_000_000
    result = float(vals[-1] - vals[0])
    last = 0.0
    for v in vals.tolist():
        if v < last:
            result += last
        last = v
    to_start = range_ms / 1000
    to_end = 0.0
    sampled = (last_t - first_t) / 1000
    if sampled == 0:
        return math.nan
    avg_between = sampled / (n - 1)
    if result > 0 and vals[0] >= 0:
        to_zero = sampled * (float(vals[0]) / result)
        if to_zero < to_start:
            to_start = to_zero
    threshold = avg_between * 1.1
    interval = sampled
    interval += to_start if to_start < threshold else avg_between / 2
    interval += to_end if to_end < threshold else avg_between / 2
    return result * (interval / sampled) / (range_ns / 1e9)


def _first(ts: np.ndarray, v: np.ndarray) -> float:
    return float(v[0])


def _last(ts: np.ndarray, v: np.ndarray) -> float:
    return float(v[-1])


# op -> f(timestamps, values) for the loop-evaluated functions
WINDOW_FUNCS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "avg_over_time": lambda ts, v: float(np.sum(v) / len(v)),
    "max_over_time": lambda ts, v: float(np.max(v)) if not np.all(np.isnan(v)) else math.nan,
    "min_over_time": lambda ts, v: float(np.min(v)) if not np.all(np.isnan(v)) else math.nan,
    "stdvar_over_time": lambda ts, v: _welford(v),
    "stddev_over_time": lambda ts, v: math.sqrt(_welford(v)),
    "first_over_time": _first,
    "last_over_time": _last,
}


def evaluate_windows(
    op: str,
    ts_ns: np.ndarray,
    vals: np.ndarray,
    steps_ns: np.ndarray,
    range_ns: int,
    offset_ns: int,
    param: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per step: (value, present) of ``op`` over the samples in ``(t-off-range, t-off]``."""
    hi_t = steps_ns - offset_ns
    lo_t = hi_t - range_ns
    lo = np.searchsorted(ts_ns, lo_t, side="right")
    hi = np.searchsorted(ts_ns, hi_t, side="right")
    counts = hi - lo
    present = counts > 0
    range_s = range_ns / 1e9
    if op in ("count_over_time", "rate", "bytes_over_time", "bytes_rate", "sum_over_time") or (
        op == "rate" and vals is not None
    ):
        csum = np.concatenate(([0.0], np.cumsum(vals, dtype=np.float64)))
        sums = csum[hi] - csum[lo]
        if op in ("rate", "bytes_rate"):
            sums = sums / range_s
        return sums, present
    out = np.zeros(len(steps_ns), dtype=np.float64)
    for i in np.nonzero(present)[0].tolist():
        a, b = int(lo[i]), int(hi[i])
        wt, wv = ts_ns[a:b], vals[a:b]
        if op == "quantile_over_time":
            out[i] = quantile(param if param is not None else math.nan, wv)
        elif op == "rate_counter":
            out[i] = rate_counter(wt, wv, range_ns)
        else:
            out[i] = WINDOW_FUNCS[op](wt, wv)
    return out, present
