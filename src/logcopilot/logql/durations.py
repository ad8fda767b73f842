"""Duration and byte-size literals of LogQL, parsed the way Loki's lexer parses them.

In: the text of a literal (``5m``, ``1h30m``, ``1.5s``, ``20MB``, ``3KiB``).
Out: integer nanoseconds or a byte count, or ``ValueError`` with Loki's message.

Three parsers, because Loki uses three:

* ``parse_range_duration`` - the text between ``[`` and ``]`` (Prometheus ``model.ParseDuration``:
  integer amounts, units ``y w d h m s ms`` in decreasing order, no sign, no fraction).
* ``parse_duration`` - ``offset 5m`` and ``| latency > 1.5s``: Prometheus syntax first, then
  Go's ``time.ParseDuration`` (fractions, ``ns us µs``, an optional sign; see ``govalues``).
* ``parse_bytes`` - ``| size > 20MB`` (go-humanize ``ParseBytes``, from ``govalues``), plus
  ``round_bytes_like_loki`` which re-applies ``humanize.Bytes`` rounding, because Loki's
  query frontend re-serialises byte literals that way before the querier sees them.

``format_duration`` prints nanoseconds back as Prometheus does (``1h30m``, ``500ms``).
"""

from __future__ import annotations

import math

from .gotext import go_quote
from .govalues import parse_bytes, parse_go_duration

__all__ = [
    "format_duration",
    "parse_bytes",
    "parse_duration",
    "parse_range_duration",
    "round_bytes_like_loki",
]

_MS = 1_000_000
_S = 1000 * _MS
# Prometheus units with their order (biggest first) and size in nanoseconds.
_PROM_UNITS: dict[str, tuple[int, int]] = {
    "y": (1, 365 * 24 * 3600 * _S),
    "w": (2, 7 * 24 * 3600 * _S),
    "d": (3, 24 * 3600 * _S),
    "h": (4, 3600 * _S),
    "m": (5, 60 * _S),
    "s": (6, _S),
    "ms": (7, _MS),
}
_MAX_NS = (1 << 63) - 1


def parse_range_duration(text: str) -> int:
    """Prometheus ``model.ParseDuration``; raises ValueError with its exact message."""
    if text == "0":
        return 0
    if text == "":
        raise ValueError("empty duration string")
    orig = text
    total = 0
    last_pos = 0
    s = text
    while s:
        if not ("0" <= s[0] <= "9"):
            raise ValueError(f"not a valid duration string: {go_quote(orig)}")
        i = 0
        while i < len(s) and "0" <= s[i] <= "9":
            i += 1
        amount = int(s[:i])
        s = s[i:]
        i = 0
        while i < len(s) and not ("0" <= s[i] <= "9"):
            i += 1
        if i == 0:
            raise ValueError(f"not a valid duration string: {go_quote(orig)}")
        unit = s[:i]
        s = s[i:]
        if unit not in _PROM_UNITS:
            raise ValueError(f"unknown unit {go_quote(unit)} in duration {go_quote(orig)}")
        pos, mult = _PROM_UNITS[unit]
        if pos <= last_pos:
            raise ValueError(f"not a valid duration string: {go_quote(orig)}")
        last_pos = pos
        if amount > (1 << 63) // mult:
            raise ValueError("duration out of range")
        total += amount * mult
        if total > _MAX_NS:
            raise ValueError("duration out of range")
    return total


def parse_duration(text: str) -> int:
    """A duration token (``offset``, label filters): Prometheus syntax, else Go's."""
    try:
        return parse_range_duration(text)
    except ValueError:
        return parse_go_duration(text)


def round_bytes_like_loki(n: int) -> int:
    """``ParseBytes(humanize.Bytes(n))``: what the querier sees for a byte literal.

    ``humanize.Bytes`` prints SI units with one decimal below 10 and none above, so
    3072 (``3KiB``) becomes ``3.1 kB`` = 3100 and 64MiB becomes ``67 MB``.
    """
    if n < 10:
        return n
    exp = math.floor(math.log(n) / math.log(1000))
    val = math.floor(n / 1000**exp * 10 + 0.5) / 10
    text = f"{val:.1f}" if val < 10 else f"{val:.0f}"
    return int(float(text) * 1000**exp)


def format_duration(ns: int) -> str:
    """Prometheus ``model.Duration.String``: ``1h30m``, ``5m``, ``500ms``, ``0s``."""
    if ns == 0:
        return "0s"
    if ns < 0:
        return "-" + format_duration(-ns)
    ms, rest = divmod(ns, _MS)
    if rest:
        # Prometheus' printer truncates below a millisecond; keep such values exact
        # by falling back to Go-style units so the literal re-parses to the same value.
        return _format_go_duration(ns)
    out = []
    # Years and weeks only when exact, as Prometheus does: 90d reads better than 12w6d.
    for unit, size, exact in (("y", 365 * 86400000, True), ("w", 7 * 86400000, True),
                              ("d", 86400000, False), ("h", 3600000, False),
                              ("m", 60000, False), ("s", 1000, False), ("ms", 1, False)):
        if exact and ms % size:
            continue
        if ms >= size:
            count, ms = divmod(ms, size)
            out.append(f"{count}{unit}")
    return "".join(out)


def _format_go_duration(ns: int) -> str:
    out = []
    for unit, size in (("h", 3600 * _S), ("m", 60 * _S), ("s", _S), ("ms", _MS),
                       ("us", 1000), ("ns", 1)):
        if ns >= size:
            count, ns = divmod(ns, size)
            out.append(f"{count}{unit}")
    return "".join(out)
