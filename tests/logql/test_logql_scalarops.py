"""Scalar operators and Go text helpers shared by the parser and the engine."""

from __future__ import annotations

import math

import pytest

from logcopilot.errors import UnsupportedError
from logcopilot.logql.gotext import format_go_float, go_format_float, go_quote, go_time_quote
from logcopilot.logql.govalues import ValueParseError, parse_bytes, parse_float, parse_go_duration
from logcopilot.logql.scalarops import apply_binary, go_pow


@pytest.mark.parametrize(
    ("op", "a", "b", "want"),
    [
        ("+", 1.0, 2.0, 3.0),
        ("/", 1.0, 0.0, math.nan),
        ("%", 5.0, 0.0, math.nan),
        ("%", math.inf, 3.0, math.nan),
        ("%", -7.0, 3.0, -1.0),  # Go's Mod keeps the dividend's sign
        ("%", 7.0, math.inf, 7.0),
        ("^", 2.0, 10.0, 1024.0),
        ("^", 10.0, 400.0, math.inf),
        ("^", -10.0, 401.0, -math.inf),
        ("^", -10.0, 400.0, math.inf),
        ("^", 0.0, -0.5, math.inf),
        ("^", -0.0, -1.0, -math.inf),
        ("^", -8.0, 1 / 3, math.nan),
        ("<=", 1.0, 1.0, 1.0),
        ("!=", 1.0, 1.0, 0.0),
    ],
)
def test_apply_binary_matches_go(op: str, a: float, b: float, want: float) -> None:
    got = apply_binary(op, a, b)
    if math.isnan(want):
        assert math.isnan(got)
    else:
        assert got == want and math.copysign(1, got) == math.copysign(1, want)


def test_unknown_operator_is_unsupported() -> None:
    with pytest.raises(UnsupportedError, match="unsupported binary operator"):
        apply_binary("??", 1.0, 2.0)
    assert go_pow(4.0, 0.5) == 2.0


def test_go_float_texts() -> None:
    assert [format_go_float(v) for v in (2.0, 1.5e-7, 1e21, -0.0, 2.0**60, math.inf)] == [
        "2", "0.00000015", "1000000000000000000000", "-0", "1152921504606847000", "+Inf"]
    assert [go_format_float(v) for v in (1e6, 123456.0, 1e-5, 0.5)] == ["1e+06", "123456", "1e-05", "0.5"]


def test_go_quotes() -> None:
    assert go_quote('a"\\\n\u00a0é\x7f') == '"a\\"\\\\\\n\\u00a0é\\x7f"'
    assert go_time_quote("5é") == '"5\\xc3\\xa9"'


def test_go_duration_and_bytes_errors_are_go_texts() -> None:
    assert parse_go_duration("1h1.5s") == 3_601_500_000_000
    with pytest.raises(ValueParseError, match=r'^time: unknown unit "x" in duration "5x"$'):
        parse_go_duration("5x")
    with pytest.raises(ValueParseError, match="^unhandled size name: zb$"):
        parse_bytes("5zb")


def test_only_ascii_digits_are_go_numbers() -> None:
    with pytest.raises(ValueParseError, match='parsing "\u0661\u0662": invalid syntax'):
        parse_float("\u0661\u0662")  # Arabic-Indic digits: Python's float() takes them, Go does not
    with pytest.raises(ValueParseError, match='parsing "": invalid syntax'):
        parse_bytes("\u00b2KB")  # "²" is no decimal digit for go-humanize
    assert parse_bytes("1,000kB") == 1_000_000
