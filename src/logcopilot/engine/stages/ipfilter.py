"""``ip("...")`` matching for line filters and label filters.

In: the ``ip()`` argument (one address, ``a-b`` range or CIDR; IPv4 or IPv6) and a text.
Out: whether the text *is* such an address (label filter) or *contains* one (line filter).

A line filter scans the line for runs of address characters (hex digits, ``.``, ``:``) and
tests each run that parses as an address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import re2

from logcopilot.errors import SemanticError

__all__ = ["compile_ip_contains", "compile_ip_test"]

_Addr = ipaddress.IPv4Address | ipaddress.IPv6Address
_CANDIDATE = re2.compile(r"[0-9A-Fa-f:.]+")


def _parse_addr(text: str) -> _Addr | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def compile_ip_test(pattern: str) -> Callable[[str], bool]:
    """A predicate: is the whole text an address inside ``pattern``?"""
    pattern = pattern.strip()
    if "/" in pattern:
        try:
            net = ipaddress.ip_network(pattern, strict=False)
        except ValueError as exc:
            raise SemanticError(f"invalid ip filter {pattern!r}: {exc}") from exc

        def in_net(text: str) -> bool:
            addr = _parse_addr(text)
            return addr is not None and addr.version == net.version and addr in net

        return in_net
    if "-" in pattern:
        lo_s, _, hi_s = pattern.partition("-")
        lo, hi = _parse_addr(lo_s.strip()), _parse_addr(hi_s.strip())
        if lo is None or hi is None or lo.version != hi.version:
            raise SemanticError(f"invalid ip range {pattern!r}")

        def in_range(text: str) -> bool:
            addr = _parse_addr(text)
            return addr is not None and addr.version == lo.version and lo <= addr <= hi  # type: ignore[operator]

        return in_range
    single = _parse_addr(pattern)
    if single is None:
        raise SemanticError(f"invalid ip address {pattern!r}")

    def equal(text: str) -> bool:
        addr = _parse_addr(text)
        return addr is not None and addr == single

    return equal


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
