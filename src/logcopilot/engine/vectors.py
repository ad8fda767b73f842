"""Instant vectors over all steps, and the vector aggregations (``sum by``, ``topk``, ...).

In: ``Vec`` values (series label string -> labels, values per step, presence per step).
Out: aggregated ``Vec`` values. One numpy row per series keeps step evaluation vectorised;
``topk``/``bottomk`` choose per step.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from logcopilot.engine.results import labels_string
from logcopilot.errors import SemanticError
from logcopilot.logql import ast

__all__ = ["Scalar", "Vec", "VecSeries", "aggregate", "group_labels"]


@dataclass
class VecSeries:
    labels: dict[str, str]
    values: np.ndarray  # float64 per step
    present: np.ndarray  # bool per step


@dataclass
class Vec:
    series: dict[str, VecSeries]


@dataclass
class Scalar:
    values: np.ndarray  # float64 per step


def group_labels(labels: dict[str, str], grouping: ast.Grouping | None) -> dict[str, str]:
    """The labels kept by ``by (...)``/``without (...)``; no clause keeps none."""
    if grouping is None:
        return {}
    if grouping.without:
        drop = set(grouping.labels)
        return {k: v for k, v in labels.items() if k not in drop}
    return {k: labels[k] for k in grouping.labels if k in labels}


def _stack(members: list[VecSeries]) -> tuple[np.ndarray, np.ndarray]:
    vals = np.vstack([m.values for m in members])
    mask = np.vstack([m.present for m in members])
    return vals, mask


def _welford_rows(vals: np.ndarray, mask: np.ndarray) -> np.ndarray:
    n_steps = vals.shape[1]
    out = np.zeros(n_steps)
    for j in range(n_steps):
        count, mean, aux = 0.0, 0.0, 0.0
        for v in vals[mask[:, j], j].tolist():
            count += 1
            delta = v - mean
            mean += delta / count
            aux += delta * (v - mean)
        out[j] = aux / count if count else 0.0
    return out


def aggregate(op: str, vec: Vec, grouping: ast.Grouping | None, param: float | None) -> Vec:
    """Apply a vector aggregation to every step."""
    if op in ("sort", "sort_desc"):
        return vec  # ordering is applied when an instant vector is encoded
    groups: dict[str, tuple[dict[str, str], list[VecSeries]]] = {}
    for s in vec.series.values():
        gl = group_labels(s.labels, grouping)
        key = labels_string(gl)
        groups.setdefault(key, (gl, []))[1].append(s)
    if op in ("topk", "bottomk", "approx_topk"):
        return _topk(op, groups, param)
    out: dict[str, VecSeries] = {}
    for key, (gl, members) in groups.items():
        vals, mask = _stack(members)
        present = np.asarray(mask.any(axis=0), dtype=bool)  # mask is 2-D: one flag per step
        if not present.any():
            continue
        cnt = mask.sum(axis=0)
        masked = np.where(mask, vals, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            if op == "sum":
                res = masked.sum(axis=0)
            elif op == "count":
                res = cnt.astype(np.float64)
            elif op == "avg":
                res = masked.sum(axis=0) / np.maximum(cnt, 1)
            elif op == "max":
                res = np.where(mask, np.where(np.isnan(vals), -np.inf, vals), -np.inf).max(axis=0)
                allnan = ~(mask & ~np.isnan(vals)).any(axis=0)
                res = np.where(allnan, np.nan, res)
            elif op == "min":
                res = np.where(mask, np.where(np.isnan(vals), np.inf, vals), np.inf).min(axis=0)
                allnan = ~(mask & ~np.isnan(vals)).any(axis=0)
                res = np.where(allnan, np.nan, res)
            elif op == "stdvar":
                res = _welford_rows(vals, mask)
            elif op == "stddev":
                res = np.sqrt(_welford_rows(vals, mask))
            else:
                raise SemanticError(f"unknown vector aggregation {op}")
        out[key] = VecSeries(gl, res.astype(np.float64), present)
    return Vec(out)


def _topk(op: str, groups: dict[str, tuple[dict[str, str], list[VecSeries]]], param: float | None) -> Vec:
    k = int(param or 0)
    selected: dict[str, VecSeries] = {}
    if k <= 0:
        return Vec({})
    for _key, (_gl, members) in groups.items():
        n_steps = len(members[0].values)
        for j in range(n_steps):
            cands = [(m.values[j], i) for i, m in enumerate(members) if m.present[j]]
            if not cands:
                continue
            if op == "bottomk":
                chosen = heapq.nsmallest(k, cands, key=lambda c: (_nan_key(c[0], True), c[1]))
            else:
                chosen = heapq.nlargest(k, cands, key=lambda c: (_nan_key(c[0], False), -c[1]))
            for _v, i in chosen:
                m = members[i]
                key = labels_string(m.labels)
                s = selected.get(key)
                if s is None:
                    s = selected[key] = VecSeries(m.labels, m.values.copy(), np.zeros(n_steps, dtype=bool))
                s.present[j] = True
    return Vec(selected)


def _nan_key(v: float, smallest: bool) -> float:
    # NaN ranks last in both directions, as in Prometheus
    if math.isnan(v):
        return math.inf if smallest else -math.inf
    return v
