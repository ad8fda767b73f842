"""The argument of LogQL's ``ip("...")`` filters: one address, an ``a-b`` range or a CIDR.

In: the pattern text as written. Out: an :class:`IpPattern` (``contains(addr)``), or
``ValueError`` when it is not a valid pattern. The parser uses it to reject a bad pattern
at parse time and the engine to match, so both agree on what a pattern means.

IPv4 and IPv6 both work; an address never matches a pattern of the other family, and a
range needs both ends in one family, low end first.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

__all__ = ["IpAddress", "IpPattern", "parse_ip_address", "parse_ip_pattern"]

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip_address(text: str) -> IpAddress | None:
    """``text`` as an IPv4 or IPv6 address, None when it is not one."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class IpPattern:
    """Addresses from ``low`` to ``high`` inclusive (one family); a CIDR or single address
    is the range it covers."""

    low: IpAddress
    high: IpAddress

    def contains(self, addr: IpAddress) -> bool:
        # same family checked first: int() orders the addresses of one family
        return addr.version == self.low.version and int(self.low) <= int(addr) <= int(self.high)


def parse_ip_pattern(text: str) -> IpPattern:
    """Parse an ``ip()`` argument; ValueError when it is none of the three forms.

    >>> parse_ip_pattern("10.0.0.0/30").high
    IPv4Address('10.0.0.3')
    """
    if "/" in text:
        net = ipaddress.ip_network(text, strict=False)
        return IpPattern(net.network_address, net.broadcast_address)
    if "-" in text:
        lo_text, hi_text = text.split("-", 1)
        lo, hi = ipaddress.ip_address(lo_text), ipaddress.ip_address(hi_text)
        if lo.version != hi.version or int(lo) > int(hi):
            raise ValueError(f"invalid ip range {text!r}")
        return IpPattern(lo, hi)
    addr = ipaddress.ip_address(text)
    return IpPattern(addr, addr)
