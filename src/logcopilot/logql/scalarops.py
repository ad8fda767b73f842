"""Loki's binary operators on two plain numbers, as Go's float64 arithmetic computes them.

In: an operator (``+ - * / % ^`` or a comparison) and two floats. Out: a float; comparisons
give 1 or 0. The parser folds constant sub-expressions with it (``2 * 3``) and the engine
applies it sample by sample, so both layers agree on every special case:

- ``x / 0`` and ``x % 0`` are NaN (Loki's ``MergeBinOp``), not an error or an infinity;
- ``%`` is Go's ``math.Mod`` (sign of the dividend; NaN for an infinite dividend);
- ``^`` is Go's ``math.Pow`` (signed infinities on overflow, NaN for a negative base with
  a fractional exponent, infinity for a zero base with a negative exponent).
"""

from __future__ import annotations

import math

from ..errors import UnsupportedError

__all__ = ["ARITHMETIC_OPS", "COMPARISON_OPS", "apply_binary", "go_pow"]

ARITHMETIC_OPS = ("+", "-", "*", "/", "%", "^")
COMPARISON_OPS = ("==", "!=", ">", ">=", "<", "<=")


def _odd_integer(y: float) -> bool:
    return y.is_integer() and math.fmod(y, 2.0) != 0.0


def go_pow(x: float, y: float) -> float:
    """Go's ``math.Pow(x, y)``: Python's ``math.pow`` raises where Go returns a value.

    >>> go_pow(-10.0, 401.0), go_pow(0.0, -0.5), go_pow(-8.0, 1 / 3)
    (-inf, inf, nan)
    """
    try:
        return math.pow(x, y)
    except OverflowError:
        return -math.inf if x < 0 and _odd_integer(y) else math.inf
    except ValueError:
        if x == 0:  # a zero base with a negative exponent; -0 keeps its sign for odd ones
            return -math.inf if math.copysign(1.0, x) < 0 and _odd_integer(y) else math.inf
        return math.nan  # a negative base with a fractional exponent


def apply_binary(op: str, a: float, b: float) -> float:
    """``a op b`` as Loki computes it for two samples or two scalars.

    >>> apply_binary("/", 1.0, 0.0), apply_binary(">", 2.0, 1.0)
    (nan, 1.0)
    """
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return math.nan if b == 0 else a / b
    if op == "%":
        return math.nan if b == 0 or math.isinf(a) else math.fmod(a, b)
    if op == "^":
        return go_pow(a, b)
    if op == "==":
        return float(a == b)
    if op == "!=":
        return float(a != b)
    if op == ">":
        return float(a > b)
    if op == ">=":
        return float(a >= b)
    if op == "<":
        return float(a < b)
    if op == "<=":
        return float(a <= b)
    raise UnsupportedError(f"unsupported binary operator {op}")
