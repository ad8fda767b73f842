"""Binary operators between scalars and instant vectors, per step.

In: a ``BinaryOp`` node and its evaluated operands (``Vec``/``Scalar``). Out: the result.
Vector matching follows Prometheus (``on``/``ignoring``, ``group_left``/``group_right``,
set operators on label sets) with Loki's quirks: ``x/0`` and ``x%0`` are NaN, scalar
comparisons give 0/1 without ``bool``, and a many-to-one match without ``group_*`` (or a
duplicate on the "one" side) fails with HTTP 500.
"""

from __future__ import annotations

import numpy as np

from logcopilot.engine.results import labels_string
from logcopilot.engine.vectors import Scalar, Vec, VecSeries
from logcopilot.errors import QueryError
from logcopilot.logql import ast
from logcopilot.logql.scalarops import COMPARISON_OPS, apply_binary

__all__ = ["eval_binary"]

_SET = ("and", "or", "unless")


def _vec_apply(op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.array([apply_binary(op, float(x), float(y)) for x, y in zip(a, b)], dtype=np.float64)


def eval_binary(node: ast.BinaryOp, lhs: Vec | Scalar, rhs: Vec | Scalar) -> Vec | Scalar:
    op = node.op
    if isinstance(lhs, Scalar) and isinstance(rhs, Scalar):
        return Scalar(_vec_apply(op, lhs.values, rhs.values))
    if isinstance(lhs, Vec) and isinstance(rhs, Scalar):
        return _vec_scalar(op, lhs, rhs.values, node.return_bool, swap=False)
    if isinstance(lhs, Scalar) and isinstance(rhs, Vec):
        return _vec_scalar(op, rhs, lhs.values, node.return_bool, swap=True)
    assert isinstance(lhs, Vec) and isinstance(rhs, Vec)
    if op in _SET:
        return _set_op(op, lhs, rhs, node.matching)
    return _vec_vec(op, lhs, rhs, node.return_bool, node.matching)


def _vec_scalar(op: str, vec: Vec, sc: np.ndarray, return_bool: bool, swap: bool) -> Vec:
    out: dict[str, VecSeries] = {}
    for key, s in vec.series.items():
        if swap:
            res = _vec_apply(op, sc, s.values)
        else:
            res = _vec_apply(op, s.values, sc)
        present = s.present.copy()
        if op in COMPARISON_OPS:
            if return_bool:
                values = res
            else:
                present &= res == 1.0
                values = s.values.copy()
        else:
            values = res
        if present.any():
            out[key] = VecSeries(s.labels, values, present)
    return Vec(out)


def _signature(labels: dict[str, str], matching: ast.VectorMatching | None) -> str:
    if matching is None:
        return labels_string(labels)
    if matching.on:
        keep = set(matching.labels)
        return labels_string({k: v for k, v in labels.items() if k in keep})
    drop = set(matching.labels)
    return labels_string({k: v for k, v in labels.items() if k not in drop})


def _set_op(op: str, lhs: Vec, rhs: Vec, matching: ast.VectorMatching | None) -> Vec:
    n = _nsteps(lhs, rhs)
    rsig: dict[str, np.ndarray] = {}
    for s in rhs.series.values():
        sig = _signature(s.labels, matching)
        rsig[sig] = rsig.get(sig, np.zeros(n, dtype=bool)) | s.present
    out: dict[str, VecSeries] = {}
    if op in ("and", "unless"):
        for key, s in lhs.series.items():
            other = rsig.get(_signature(s.labels, matching), np.zeros(n, dtype=bool))
            present = s.present & (other if op == "and" else ~other)
            if present.any():
                out[key] = VecSeries(s.labels, s.values, present)
        return Vec(out)
    lsig: dict[str, np.ndarray] = {}
    for key, s in lhs.series.items():
        out[key] = s
        sig = _signature(s.labels, matching)
        lsig[sig] = lsig.get(sig, np.zeros(n, dtype=bool)) | s.present
    for key, s in rhs.series.items():
        taken = lsig.get(_signature(s.labels, matching), np.zeros(n, dtype=bool))
        present = s.present & ~taken
        if not present.any():
            continue
        if key in out:
            prev = out[key]
            merged = prev.present | present
            values = np.where(prev.present, prev.values, s.values)
            out[key] = VecSeries(prev.labels, values, merged)
        else:
            out[key] = VecSeries(s.labels, s.values, present)
    return Vec(out)


def _nsteps(a: Vec, b: Vec) -> int:
    for v in (a, b):
        for s in v.series.values():
            return len(s.values)
    return 0


def _result_labels(
    many: dict[str, str], one: dict[str, str], matching: ast.VectorMatching | None, op: str, return_bool: bool
) -> dict[str, str]:
    labels = dict(many)
    if matching is None or matching.card == "one-to-one":
        if matching is not None:
            if matching.on:
                keep = set(matching.labels)
                labels = {k: v for k, v in labels.items() if k in keep}
            else:
                drop = set(matching.labels)
                labels = {k: v for k, v in labels.items() if k not in drop}
        return labels
    for name in matching.include:
        if name in one and one[name] != "":
            labels[name] = one[name]
        else:
            labels.pop(name, None)
    return labels


def _vec_vec(op: str, lhs: Vec, rhs: Vec, return_bool: bool, matching: ast.VectorMatching | None) -> Vec:
    card = matching.card if matching is not None else "one-to-one"
    # "many" side first: for one-to-many the right side is the many side
    many, one = (rhs, lhs) if card == "one-to-many" else (lhs, rhs)
    n = _nsteps(lhs, rhs)
    out: dict[str, VecSeries] = {}
    one_by_sig: dict[str, list[VecSeries]] = {}
    for s in one.series.values():
        one_by_sig.setdefault(_signature(s.labels, matching), []).append(s)
    many_by_sig: dict[str, list[VecSeries]] = {}
    for s in many.series.values():
        many_by_sig.setdefault(_signature(s.labels, matching), []).append(s)
    for j in range(n):
        seen: dict[str, str] = {}
        for sig, ms in many_by_sig.items():
            ones = [o for o in one_by_sig.get(sig, ()) if o.present[j]]
            if not ones:
                continue
            if len(ones) > 1:
                side = "right" if card != "one-to-many" else "left"
                raise QueryError(
                    f"found duplicate series for the match group {sig} on the {side} hand-side of the operation: "
                    f"[{labels_string(ones[0].labels)}, {labels_string(ones[1].labels)}];"
                    "many-to-many matching not allowed: matching labels must be unique on one side",
                    status=500,
                )
            o = ones[0]
            present_many = [m for m in ms if m.present[j]]
            if card == "one-to-one" and len(present_many) > 1:
                raise QueryError(
                    "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
                    status=500,
                )
            for m in present_many:
                lv, rv = (o.values[j], m.values[j]) if card == "one-to-many" else (m.values[j], o.values[j])
                res = apply_binary(op, float(lv), float(rv))
                if op in COMPARISON_OPS and not return_bool:
                    if res != 1.0:
                        continue
                    value = float(lv)
                else:
                    value = res
                labels = _result_labels(m.labels, o.labels, matching, op, return_bool)
                key = labels_string(labels)
                if card != "one-to-one":
                    if key in seen:
                        raise QueryError(
                            "multiple matches for labels: grouping labels must ensure unique matches", status=500
                        )
                    seen[key] = sig
                target = out.get(key)
                if target is None:
                    target = out[key] = VecSeries(labels, np.zeros(n), np.zeros(n, dtype=bool))
                target.values[j] = value
                target.present[j] = True
    return Vec(out)
