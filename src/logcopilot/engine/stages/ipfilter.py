"""``ip("...")`` matching for line filters and label filters.

In: the ``ip()`` argument (one address, ``a-b`` range or CIDR; IPv4 or IPv6) and a text.
Out: whether the text *is* such an address (label filter) or *contains* one (line filter).

A line filter scans the line for runs of address characters (hex digits, ``.``, ``:``) and
tests each run that parses as an address.
"""

from __future__ import annotations

from collections.abc import Callable

import re2

from logcopilot.errors import SemanticError
from logcopilot.logql.ippattern import parse_ip_address, parse_ip_pattern

__all__ = ["compile_ip_contains", "compile_ip_test"]

_CANDIDATE = re2.compile(r"[0-9A-Fa-f:.]+")


def compile_ip_test(pattern: str) -> Callable[[str], bool]:
    """A predicate: is the whole text an address inside ``pattern``?"""
    try:
        pat = parse_ip_pattern(pattern.strip())
    except ValueError as exc:
        raise SemanticError(f"invalid ip filter {pattern!r}: {exc}") from exc
    if pat.low == pat.high:
        single = pat.low

        def equal(text: str) -> bool:
            return parse_ip_address(text) == single

        return equal

    def inside(text: str) -> bool:
        addr = parse_ip_address(text)
        return addr is not None and pat.contains(addr)

    return inside


def compile_ip_contains(pattern: str) -> Callable[[str], bool]:
    """A predicate: does the line contain an address inside ``pattern``?"""
    test = compile_ip_test(pattern)
    finditer = _CANDIDATE.finditer

    def contains(line: str) -> bool:
        for m in finditer(line):
            token = m.group(0)
            if test(token):
                return True
            # A sentence may end right after an address ("from 10.0.0.1.").
            trimmed = token.strip(".:")
            if trimmed != token and trimmed and test(trimmed):
                return True
        return False

    return contains
