"""SQL fast path for counting range aggregations with no per-line Python work.

In: a ``RangeAggregation`` (``count_over_time``, ``rate``, ``bytes_over_time``, ``bytes_rate``)
whose pipeline is only line filters SQL evaluates exactly, the step times and the grouping.
Out: the same ``Vec`` the general path computes, but DuckDB does the counting in parallel.

Exactness: every window ``(t - off - range, t - off]`` is a union of buckets of width
``g = gcd(step, range)`` laid on the same grid, so per-bucket counts from SQL add up to
exact window counts (integer ns arithmetic, no rounding). Series are split by stream and
structured metadata, as Loki splits them.
"""

from __future__ import annotations

import json
import math

import duckdb
import numpy as np

from logcopilot.engine.matchers import compile_regex
from logcopilot.engine.pipeline import hoist_line_filters
from logcopilot.engine.results import labels_string
from logcopilot.engine.scan import ScanPlan, is_pushable, scan_sql
from logcopilot.engine.selectors import resolve_streams
from logcopilot.engine.vectors import Vec, VecSeries, group_labels
from logcopilot.errors import QueryError
from logcopilot.logql import ast

__all__ = ["MAX_BUCKETS", "can_fast_count", "fast_count"]

_OPS = ("count_over_time", "rate", "bytes_over_time", "bytes_rate")
MAX_BUCKETS = 2_000_000
# Up to this many matching rows are grouped here (numpy): DuckDB's hash aggregate costs ~1 ms
# of setup even for a hundred rows, more than fetching and grouping them (a short query's main
# cost). A larger match stops reading at this many rows and is grouped by SQL instead; which
# path a repeated query shape needed last time is remembered, so it pays that only once.
SMALL_ROWS = 4096
# query shape -> whether it matched more than SMALL_ROWS rows last time (a hint only: both
# paths give the same answer)
_LARGE: dict[tuple[object, ...], bool] = {}


def can_fast_count(ra: ast.RangeAggregation, steps_ns: np.ndarray, grouping: ast.Grouping | None = None) -> bool:
    """Whether ``fast_count`` answers this aggregation exactly.

    The pipeline must be line filters SQL evaluates exactly, optionally followed by one
    ``| regexp`` when the grouping is a ``by`` (its named groups become ``regexp_extract``
    group keys: a group that is empty or absent is the same missing label for grouping).
    """
    if ra.op not in _OPS or ra.range.unwrap is not None or ra.grouping is not None:
        return False
    leading, rest = hoist_line_filters(ra.range.query.pipeline)
    if not all(is_pushable(f) for f in leading):
        return False
    if rest:
        if len(rest) != 1 or not isinstance(rest[0], ast.RegexpParser):
            return False
        if grouping is None or grouping.without or any(n.endswith("_extracted") for n in grouping.labels):
            return False
    return _bucket_count(steps_ns, ra.range.range_ns) <= MAX_BUCKETS


def _small_scan(cur: duckdb.DuckDBPyConnection, inner: str, params: list[object]) -> list[tuple] | None:
    """The grouped rows ``(stream_id, metadata, k, count, bytes, *extracted)`` of a scan that
    matches at most ``SMALL_ROWS`` rows, grouped here exactly as ``GROUP BY ALL`` would
    (equal keys together, NULL equal to NULL); None when the scan matches more."""
    res = cur.execute(f"SELECT * FROM ({inner}) LIMIT {SMALL_ROWS + 1}", params).fetchnumpy()
    cols = list(res.values())
    n = len(cols[0])
    if n > SMALL_ROWS:
        return None
    if n == 0:
        return []
    sid, md, k, b = (np.asarray(res[c]) for c in ("stream_id", "metadata", "k", "b"))
    if len(cols) == 4 and np.ma.getmaskarray(res["metadata"]).all():
        # the usual case, no metadata and no extracted labels: group (stream, bucket) in numpy
        k = k.astype(np.int64)
        width = int(k.max()) + 1
        keys, inv = np.unique(sid.astype(np.int64) * width + k, return_inverse=True)
        counts = np.bincount(inv)
        nbytes = np.bincount(inv, weights=b.astype(np.float64))
        return [(int(key // width), None, int(key % width), int(c), float(nb))
                for key, c, nb in zip(keys.tolist(), counts.tolist(), nbytes.tolist())]
    groups: dict[tuple, list[int]] = {}
    lists = [res[c].tolist() for c in res]  # masked (NULL) values become None
    for sid_v, md_v, k_v, b_v, *extra in zip(*lists):
        key = (sid_v, md_v, k_v, *extra)
        acc = groups.get(key)
        if acc is None:
            groups[key] = [1, b_v]
        else:
            acc[0] += 1
            acc[1] += b_v
    return [(key[0], key[1], key[2], cnt, nbytes, *key[3:]) for key, (cnt, nbytes) in groups.items()]


def _gcd_width(steps_ns: np.ndarray, range_ns: int) -> int:
    if len(steps_ns) < 2:
        return range_ns
    return math.gcd(int(steps_ns[1] - steps_ns[0]), range_ns)


def _bucket_count(steps_ns: np.ndarray, range_ns: int) -> int:
    g = _gcd_width(steps_ns, range_ns)
    return (int(steps_ns[-1] - steps_ns[0]) + range_ns) // g


def fast_count(
    cur: duckdb.DuckDBPyConnection,
    tenant: str,
    ra: ast.RangeAggregation,
    grouping: ast.Grouping | None,
    steps_ns: np.ndarray,
) -> Vec:
    """Per-step window counts (or bytes, or their rates) computed from SQL bucket counts."""
    lr = ra.range
    streams = dict(resolve_streams(cur, lr.query.selector, tenant))
    n = len(steps_ns)
    if not streams:
        return Vec({})
    g = _gcd_width(steps_ns, lr.range_ns)
    base = int(steps_ns[0]) - lr.offset_ns - lr.range_ns  # exclusive lower edge of bucket 1
    nb = _bucket_count(steps_ns, lr.range_ns)
    leading, rest = hoist_line_filters(lr.query.pipeline)
    plan = ScanPlan(list(streams), base + 1, int(steps_ns[-1]) - lr.offset_ns + 1, list(leading))
    # named regexp groups the grouping reads, as (label, group index)
    extracted: list[tuple[str, int]] = []
    regex = ""
    if rest and isinstance(rest[0], ast.RegexpParser) and grouping is not None:
        regex = rest[0].regex
        index = dict(compile_regex(regex).groupindex)
        extracted = [(name, index[name]) for name in grouping.labels if name in index]
    ex_cols = "".join(f", regexp_extract(line, ?, {int(idx)}) AS x{i}" for i, (_n, idx) in enumerate(extracted))
    ex_params: list[object] = [regex for _ in extracted]
    if extracted:
        # a line the regex does not match gets no labels; a group that did not take part gets ""
        ex_cols += ", regexp_matches(line, ?) AS hit"
        ex_params.append(regex)
    # bucket k (1-based) holds base + (k-1)g < ts <= base + kg
    inner, params = scan_sql(
        plan, columns=f"stream_id, metadata, (ts - ? + ? - 1) // ? AS k, strlen(line) AS b{ex_cols}"
    )
    keys = "".join(f", x{i}" for i in range(len(extracted))) + (", hit" if extracted else "")
    all_params = [base, g, g] + ex_params + params
    # the query's shape: everything but where its time range starts
    shape = (inner, g, plan.hi_ns - plan.lo_ns, tuple(plan.stream_ids),
             tuple(p for p in ex_params + params[3:] if isinstance(p, str)))
    try:
        rows = None if _LARGE.get(shape) else _small_scan(cur, inner, all_params)
        if len(_LARGE) > 4096:
            _LARGE.clear()
        _LARGE[shape] = rows is None
        if rows is None:
            sql = f"SELECT stream_id, metadata, k, count(*), sum(b){keys} FROM ({inner}) GROUP BY ALL"
            rows = cur.execute(sql, all_params).fetchall()
            if sum(int(r[3]) for r in rows) <= SMALL_ROWS:
                _LARGE[shape] = False  # it has shrunk: try the small path next time
    except duckdb.Error as exc:
        raise QueryError(f"count scan failed: {exc}", status=500) from None
    per_series: dict[str, tuple[dict[str, str], np.ndarray, np.ndarray]] = {}
    for sid, md, k, cnt, nbytes, *values in rows:
        labels = dict(streams[int(sid)])
        if md:
            labels.update(json.loads(md))
        if extracted and values[-1]:
            for (name, _idx), value in zip(extracted, values):
                # a stream label or metadata key of the same name wins (the parsed one would
                # be renamed ``<name>_extracted``)
                labels.setdefault(name, value)
        if grouping is not None:
            labels = group_labels(labels, grouping)
        key = labels_string(labels)
        slot = per_series.get(key)
        if slot is None:
            slot = per_series[key] = (labels, np.zeros(nb + 1), np.zeros(nb + 1))
        slot[1][int(k)] += float(cnt)
        slot[2][int(k)] += float(nbytes)
    lo = (steps_ns - steps_ns[0]) // g
    hi = lo + lr.range_ns // g
    by_bytes = ra.op in ("bytes_over_time", "bytes_rate")
    range_s = lr.range_ns / 1e9
    out: dict[str, VecSeries] = {}
    for key, (labels, counts, nbytes_b) in per_series.items():
        ccount = np.cumsum(counts)
        present = (ccount[hi] - ccount[lo]) > 0
        if not present.any():
            continue
        if by_bytes:
            cb = np.cumsum(nbytes_b)
            sums = cb[hi] - cb[lo]
        else:
            sums = ccount[hi] - ccount[lo]
        values = sums / range_s if ra.op in ("rate", "bytes_rate") else sums
        out[key] = VecSeries(labels, values, present)
    return Vec(out)
