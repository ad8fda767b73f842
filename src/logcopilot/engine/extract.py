"""Sample extraction for range aggregations: scan the store, run the pipeline, make series.

In: a ``RangeAggregation``, the grouping pushed into it (its own ``by``/``without``, or an
enclosing ``sum by`` that Loki injects), and the time span to read. Out: series keyed by their
label string, each with sorted sample timestamps (ns) and values.

Loki semantics kept here (corpus notes 23 and 26):

* label hints: a parser extracts only the labels later stages and the grouping need; with
  ``sum(...)`` and no label use at all it does not parse (so unparseable lines are counted);
* ``line_format`` is dropped when nothing after it reads the line and the function does not
  measure bytes;
* an unwrapped label that is missing or empty skips the entry; a non-number sets
  ``SampleExtractionErr``; the unwrapped label leaves the series labels;
* a series carrying ``__error__`` fails the query unless the grouping keeps ``__error__``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import duckdb
import numpy as np

from logcopilot.engine.pipeline import Pipeline, SampleExtractionError, hoist_line_filters, unwrap_value
from logcopilot.engine.results import labels_string
from logcopilot.engine.scan import ScanPlan, iter_rows, split_pushable
from logcopilot.engine.selectors import resolve_streams
from logcopilot.errors import QueryError
from logcopilot.logql import ast

__all__ = ["ERROR_LABEL", "ExtractedSeries", "extract_series", "label_hints", "pipeline_error"]

ERROR_LABEL = "__error__"
ERROR_DETAILS_LABEL = "__error_details__"
_BYTES_OPS = ("bytes_over_time", "bytes_rate")


@dataclass
class ExtractedSeries:
    labels: dict[str, str]
    ts: list[int] = field(default_factory=list)
    vals: list[float] = field(default_factory=list)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        ts = np.asarray(self.ts, dtype=np.int64)
        vals = np.asarray(self.vals, dtype=np.float64)
        if len(ts) > 1 and np.any(np.diff(ts) < 0):
            order = np.argsort(ts, kind="stable")
            ts, vals = ts[order], vals[order]
        return ts, vals


def pipeline_error(labels: dict[str, str]) -> QueryError:
    """Loki's 400 for a metric series that carries ``__error__``."""
    kind = labels.get(ERROR_LABEL, "")
    return QueryError(
        f"pipeline error: '{kind}' for series: '{labels_string(labels)}'.\n"
        f"Use a label filter to intentionally skip this error. (e.g | __error__!=\"{kind}\").\n"
        "To skip all potential errors you can match empty errors.(e.g __error__=\"\")\n"
        "The label filter can also be specified after unwrap. (e.g | unwrap latency | __error__=\"\" )\n",
        status=400,
    )


def _filter_names(f: ast.LabelFilter) -> set[str]:
    if isinstance(f, ast.BinaryLabelFilter):
        return _filter_names(f.left) | _filter_names(f.right)
    return {f.name}


def label_hints(unwrap: ast.Unwrap | None, grouping: ast.Grouping | None) -> frozenset[str] | None:
    """The labels the aggregation needs after the pipeline, or None for all of them.

    The pipeline adds what its own later stages read; an empty set means "no labels at all",
    so parsers do not run (``sum(count_over_time({..} | json [1m]))`` counts every line).
    """
    if grouping is None or grouping.without:
        return None
    needed: set[str] = set(grouping.labels)
    if unwrap is not None:
        needed.add(unwrap.label)
        for f in unwrap.post_filters:
            needed |= _filter_names(f)
    return frozenset(needed)


def _group(labels: dict[str, str], grouping: ast.Grouping | None) -> dict[str, str]:
    if grouping is None:
        return labels
    if grouping.without:
        drop = set(grouping.labels)
        return {k: v for k, v in labels.items() if k not in drop}
    return {k: labels[k] for k in grouping.labels if k in labels}


def extract_series(
    cur: duckdb.DuckDBPyConnection,
    tenant: str,
    ra: ast.RangeAggregation,
    grouping: ast.Grouping | None,
    lo_ns: int,
    hi_ns: int,
) -> tuple[dict[str, ExtractedSeries], bool]:
    """Series of samples with ``lo_ns <= ts < hi_ns``; second item: errors are kept as labels."""
    lr = ra.range
    streams = resolve_streams(cur, lr.query.selector, tenant)
    leading, rest = hoist_line_filters(lr.query.pipeline)
    pushed, py_filters = split_pushable(list(leading))
    hints = label_hints(lr.unwrap, grouping)
    bytes_op = ra.op in _BYTES_OPS
    pipeline = Pipeline(tuple(py_filters) + tuple(rest), label_hints=hints, line_needed=bytes_op, hoisted=True)
    preserve = grouping is not None and not grouping.without and ERROR_LABEL in grouping.labels
    by_sid = {sid: labels for sid, labels in streams}
    # only first/last/rate_counter depend on the order of equal timestamps; the others are
    # sorted by time per series afterwards, which spares DuckDB a global sort
    ordered = ra.op in ("first_over_time", "last_over_time", "rate_counter")
    plan = ScanPlan(list(by_sid), lo_ns, hi_ns, pushed, order="forward" if ordered else None)
    series: dict[tuple[tuple[str, str], ...], ExtractedSeries] = {}
    unwrap = lr.unwrap
    for sid, ts, _seq, line, md in iter_rows(cur, plan):
        metadata = json.loads(md) if md else {}
        res = pipeline.process(ts, line, by_sid[sid], metadata)
        if res is None:
            continue
        labels = dict(res.labels)
        if unwrap is not None:
            if labels.get(unwrap.label, "") == "":
                continue  # a missing unwrapped label skips the entry, without error
            try:
                value = unwrap_value(labels, unwrap)
            except SampleExtractionError as exc:
                value = 0.0
                labels = dict(exc.labels) if ERROR_LABEL in exc.labels else labels
                labels.setdefault(ERROR_LABEL, "SampleExtractionErr")
                labels.setdefault(ERROR_DETAILS_LABEL, exc.details)
            if value is None:
                continue
            labels.pop(unwrap.label, None)
            v = float(value)
        else:
            v = float(len(res.line.encode("utf-8", "surrogateescape"))) if bytes_op else 1.0
        if ERROR_LABEL in labels and not preserve:
            out_labels = labels
        else:
            out_labels = _group(labels, grouping)
        key = tuple(sorted(out_labels.items()))  # cheap per line; the label string comes once per series
        s = series.get(key)
        if s is None:
            s = series[key] = ExtractedSeries(out_labels)
        s.ts.append(ts)
        s.vals.append(v)
    return {labels_string(s.labels): s for s in series.values()}, preserve
