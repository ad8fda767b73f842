"""Parse numbers, durations and byte sizes the way Loki's Go code does, with Go's errors.

In: a string (a label value, or a literal the lexer has cut out). Out: a number, or
:class:`ValueParseError` (a ``ValueError``) whose ``str()`` is the exact Go error text
Loki shows, e.g. in ``__error_details__``:

- :func:`parse_float` = ``strconv.ParseFloat(s, 64)``
- :func:`parse_go_duration` = ``time.ParseDuration`` (``1h2m``, ``1.5s``, ``750us``), in ns
- :func:`parse_bytes` = go-humanize ``ParseBytes`` (``kB`` = ``KB`` = 1000, ``KiB`` = 1024,
  truncated to an unsigned integer)

The lexer uses these for duration and byte literals and the engine for label values, so
both layers agree on every edge case.
"""

from __future__ import annotations

import math
import re

from .gotext import go_quote, go_time_quote

__all__ = ["ValueParseError", "parse_bytes", "parse_float", "parse_go_duration"]


class ValueParseError(ValueError):
    """A value that does not parse; ``str()`` is Go's error text."""


# ----------------------------------------------------------------------------- floats
# ASCII digits only: Go rejects other Unicode digits that Python's float() would take.
_DEC_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_HEX_RE = re.compile(r"([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*)|\.[0-9a-fA-F]+)[pP]([+-]?[0-9]+)\Z")
_SPECIAL = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
            "+infinity": math.inf, "-infinity": -math.inf, "nan": math.nan, "+nan": math.nan, "-nan": math.nan}


def parse_float(s: str) -> float:
    """``strconv.ParseFloat(s, 64)``; raises with Go's message on failure.

    >>> parse_float("0x1p-2")
    0.25
    """
    if _DEC_RE.match(s):
        v = float(s)
        if math.isinf(v):
            raise ValueParseError(f"strconv.ParseFloat: parsing {go_quote(s)}: value out of range")
        return v
    special = _SPECIAL.get(s.lower())
    if special is not None:
        return special
    m = _HEX_RE.match(s)
    if m:
        sign, mant, exp = m.groups()
        whole, _, frac = mant.partition(".")
        value = int(whole or "0", 16) + (int(frac, 16) / 16 ** len(frac) if frac else 0.0)
        v = math.ldexp(value, int(exp))
        return -v if sign == "-" else v
    raise ValueParseError(f"strconv.ParseFloat: parsing {go_quote(s)}: invalid syntax")


# ----------------------------------------------------------------------------- durations
_UNITS_NS = {"ns": 1, "us": 1_000, "\u00b5s": 1_000, "\u03bcs": 1_000, "ms": 1_000_000,
             "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}
_MAX_NS = (1 << 63) - 1


def _digits_end(s: str, i: int) -> int:
    while i < len(s) and "0" <= s[i] <= "9":
        i += 1
    return i


def parse_go_duration(s: str) -> int:
    """``time.ParseDuration``: ``[-+]?([0-9]*(\\.[0-9]*)?[a-z]+)+`` in nanoseconds.

    >>> parse_go_duration("1h1.5s")
    3601500000000
    """
    orig = s
    invalid = ValueParseError(f"time: invalid duration {go_time_quote(orig)}")
    neg = False
    if s and s[0] in "+-":
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        raise invalid
    total = 0
    while s:
        if not (s[0] == "." or "0" <= s[0] <= "9"):
            raise invalid
        i = _digits_end(s, 0)
        int_part, s = s[:i], s[i:]
        frac_part = ""
        if s.startswith("."):
            i = _digits_end(s, 1)
            frac_part, s = s[1:i], s[i:]
            if not int_part and not frac_part:
                raise invalid
        elif not int_part:
            raise invalid
        i = 0
        while i < len(s) and s[i] != "." and not ("0" <= s[i] <= "9"):
            i += 1
        unit, s = s[:i], s[i:]
        if not unit:
            raise ValueParseError(f"time: missing unit in duration {go_time_quote(orig)}")
        scale = _UNITS_NS.get(unit)
        if scale is None:
            raise ValueParseError(
                f"time: unknown unit {go_time_quote(unit)} in duration {go_time_quote(orig)}"
            )
        v = int(int_part or "0") * scale
        if frac_part:
            # Go accumulates the fraction as a float scaled by the unit, truncated.
            v += int(int(frac_part) * (scale / 10 ** len(frac_part)))
        total += v
        if total > _MAX_NS + (1 if neg else 0):
            raise invalid
    return -total if neg else total


# ----------------------------------------------------------------------------- bytes
_BYTE_UNITS = {
    "": 1, "b": 1,
    "k": 1000, "kb": 1000, "ki": 1024, "kib": 1024,
    "m": 1000**2, "mb": 1000**2, "mi": 1024**2, "mib": 1024**2,
    "g": 1000**3, "gb": 1000**3, "gi": 1024**3, "gib": 1024**3,
    "t": 1000**4, "tb": 1000**4, "ti": 1024**4, "tib": 1024**4,
    "p": 1000**5, "pb": 1000**5, "pi": 1024**5, "pib": 1024**5,
    "e": 1000**6, "eb": 1000**6, "ei": 1024**6, "eib": 1024**6,
}


def parse_bytes(s: str) -> int:
    """go-humanize ``ParseBytes``: leading number (digits, ``.``, ``,``) then a unit.

    >>> parse_bytes("3KiB"), parse_bytes("20MB")
    (3072, 20000000)
    """
    n = 0
    for ch in s:
        # unicode.IsDigit is category Nd, as str.isdecimal (isdigit would admit "²").
        if not (ch.isdecimal() or ch in ".,"):
            break
        n += 1
    f = parse_float(s[:n].replace(",", ""))
    extra = s[n:].strip().lower()
    mult = _BYTE_UNITS.get(extra)
    if mult is None:
        raise ValueParseError(f"unhandled size name: {extra}")
    f *= mult
    if f >= 2.0**64:
        raise ValueParseError(f"too large: {s}")
    if math.isnan(f):
        return 0
    return int(f)
