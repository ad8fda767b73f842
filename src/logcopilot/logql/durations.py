"""Duration and byte-size literals of LogQL, parsed the way Loki's lexer parses them.

In: the text of a literal (``5m``, ``1h30m``, ``1.5s``, ``20MB``, ``3KiB``).
Out: integer nanoseconds or a byte count, or ``ValueError`` with Loki's message.

Three parsers, because Loki uses three:

* ``parse_range_duration`` - the text between ``[`` and ``]`` (Prometheus ``model.ParseDuration``:
  integer amounts, units ``y w d h m s ms`` in decreasing order, no sign, no fraction).
* ``parse_duration`` - ``offset 5m`` and ``| latency > 1.5s``: Prometheus syntax first, then
  Go's ``time.ParseDuration`` (fractions, ``ns us µs``, an optional sign).
* ``parse_bytes`` - ``| size > 20MB`` (go-humanize ``ParseBytes``: case-insensitive SI and IEC
  units), plus ``round_bytes_like_loki`` which re-applies ``humanize.Bytes`` rounding, because
  Loki's query frontend re-serialises byte literals that way before the querier sees them.

``format_duration`` prints nanoseconds back as Prometheus does (``1h30m``, ``500ms``).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

__all__ = [
    "format_duration",
    "format_go_float",
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
_GO_UNITS: dict[str, int] = {
    "ns": 1,
    "us": 1000,
    "\u00b5s": 1000,  # micro sign
    "\u03bcs": 1000,  # greek mu
    "ms": _MS,
    "s": _S,
    "m": 60 * _S,
    "h": 3600 * _S,
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
            raise ValueError(f"not a valid duration string: {_go_quote(orig)}")
        i = 0
        while i < len(s) and "0" <= s[i] <= "9":
            i += 1
        amount = int(s[:i])
        s = s[i:]
        i = 0
        while i < len(s) and not ("0" <= s[i] <= "9"):
            i += 1
        if i == 0:
            raise ValueError(f"not a valid duration string: {_go_quote(orig)}")
        unit = s[:i]
        s = s[i:]
        if unit not in _PROM_UNITS:
            raise ValueError(f"unknown unit {_go_quote(unit)} in duration {_go_quote(orig)}")
        pos, mult = _PROM_UNITS[unit]
        if pos <= last_pos:
            raise ValueError(f"not a valid duration string: {_go_quote(orig)}")
        last_pos = pos
        if amount > (1 << 63) // mult:
            raise ValueError("duration out of range")
        total += amount * mult
        if total > _MAX_NS:
            raise ValueError("duration out of range")
    return total


_GO_DURATION = re.compile(r"([0-9]*(?:\.[0-9]*)?)([^0-9.]*)")


def _go_parse_duration(text: str) -> int:
    """Go ``time.ParseDuration`` (sign, fractions, units ns..h)."""
    orig = text
    s = text
    neg = False
    if s and s[0] in "+-":
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0
    if s == "":
        raise ValueError(f"time: invalid duration {_go_quote(orig)}")
    total = 0.0
    exact = 0
    while s:
        m = _GO_DURATION.match(s)
        number, unit = (m.group(1), m.group(2)) if m else ("", "")
        if number in ("", ".") :
            raise ValueError(f"time: invalid duration {_go_quote(orig)}")
        if unit == "":
            raise ValueError(f"time: missing unit in duration {_go_quote(orig)}")
        if unit not in _GO_UNITS:
            raise ValueError(f"time: unknown unit {_go_quote(unit)} in duration {_go_quote(orig)}")
        mult = _GO_UNITS[unit]
        whole, _, frac = number.partition(".")
        exact += int(whole or "0") * mult
        if frac:
            total += float("0." + frac) * mult
        s = s[len(number) + len(unit):]
    value = exact + int(total)
    if value > _MAX_NS:
        raise ValueError(f"time: invalid duration {_go_quote(orig)}")
    return -value if neg else value


def parse_duration(text: str) -> int:
    """A duration token (``offset``, label filters): Prometheus syntax, else Go's."""
    try:
        return parse_range_duration(text)
    except ValueError:
        return _go_parse_duration(text)


_BYTE_UNITS: dict[str, int] = {
    "": 1, "b": 1,
    "k": 1000, "kb": 1000, "ki": 1024, "kib": 1024,
    "m": 1000**2, "mb": 1000**2, "mi": 1024**2, "mib": 1024**2,
    "g": 1000**3, "gb": 1000**3, "gi": 1024**3, "gib": 1024**3,
    "t": 1000**4, "tb": 1000**4, "ti": 1024**4, "tib": 1024**4,
    "p": 1000**5, "pb": 1000**5, "pi": 1024**5, "pib": 1024**5,
    "e": 1000**6, "eb": 1000**6, "ei": 1024**6, "eib": 1024**6,
}


def parse_bytes(text: str) -> int:
    """go-humanize ``ParseBytes``: ``20MB`` -> 20000000, ``3KiB`` -> 3072."""
    i = 0
    while i < len(text) and (text[i].isdigit() or text[i] in ".,"):
        i += 1
    number = text[:i].replace(",", "")
    try:
        if not re.fullmatch(r"[0-9]*\.?[0-9]*", number) or number in ("", "."):
            raise ValueError
        value = float(number)
    except ValueError:
        reason = f"strconv.ParseFloat: parsing {_go_quote(number)}: invalid syntax"
        raise ValueError(reason) from None
    unit = text[i:].strip().lower()
    if unit not in _BYTE_UNITS:
        raise ValueError(f"unhandled size name: {unit}")
    value *= _BYTE_UNITS[unit]
    if value >= 2.0**64:
        raise ValueError(f"too large: {text}")
    return int(value)


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


def format_go_float(value: float) -> str:
    """Go's ``strconv.FormatFloat(v, 'f', -1, 64)``-like shortest text that re-parses exactly."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text and abs(value) < 1e21:
        # Go's 'f' format never uses an exponent: 1e-07 prints as 0.0000001.
        text = format(Decimal(text), "f")
    return text


def _go_quote(s: str) -> str:
    """Go's ``%q`` for the plain strings these messages carry."""
    out = []
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
