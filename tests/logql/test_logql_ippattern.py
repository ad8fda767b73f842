"""``ip()`` patterns: one parser for the parse-time check and the engine's matcher."""

from __future__ import annotations

import pytest

from logcopilot.engine.stages.ipfilter import compile_ip_contains, compile_ip_test
from logcopilot.errors import SemanticError
from logcopilot.logql import parse
from logcopilot.logql.ippattern import parse_ip_address, parse_ip_pattern


@pytest.mark.parametrize(
    ("pattern", "inside", "outside"),
    [
        ("10.0.0.0/30", "10.0.0.3", "10.0.0.4"),
        ("10.0.0.5-10.0.0.9", "10.0.0.9", "10.0.0.10"),
        ("::1", "::1", "::2"),
        ("2001:db8::/126", "2001:db8::3", "10.0.0.1"),
    ],
)
def test_pattern_membership(pattern: str, inside: str, outside: str) -> None:
    pat = parse_ip_pattern(pattern)
    low_in, high_out = parse_ip_address(inside), parse_ip_address(outside)
    assert low_in is not None and pat.contains(low_in)
    assert high_out is not None and not pat.contains(high_out)
    assert compile_ip_test(pattern)(inside) and not compile_ip_test(pattern)(outside)


@pytest.mark.parametrize("bad", ["10.0.0.9-10.0.0.5", "10.0.0.1-::1", "10.0.0.256", "nope"])
def test_bad_patterns_fail_in_parser_and_engine(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_ip_pattern(bad)
    with pytest.raises(SemanticError):
        compile_ip_test(bad)
    with pytest.raises(SemanticError):
        parse(f'{{app="a"}} |= ip("{bad}")')


def test_line_contains_address() -> None:
    assert compile_ip_contains("192.168.0.0/16")("conn from 192.168.4.2.")
    assert not compile_ip_contains("192.168.0.0/16")("conn from 10.1.1.1")
