"""Parse label *values* the way Loki's Go code does, with Go's error texts.

In: a label value string. Out: a number, or :class:`ValueParseError` whose message is the
exact Go error text Loki puts in ``__error_details__``:

- :func:`parse_float` = ``strconv.ParseFloat(s, 64)``
- :func:`parse_duration_ns` = ``time.ParseDuration`` (``1h2m``, ``1.5s``, ``750us``)
- :func:`parse_bytes` = go-humanize ``ParseBytes`` (``kB`` = ``KB`` = 1000, ``KiB`` = 1024,
  truncated to an unsigned integer)

Also the Go formatting helpers the stages need: :func:`go_quote` (``strconv.Quote``),
:func:`go_time_quote` (the quoting of ``time`` errors) and :func:`go_format_float`
(``fmt``'s ``%v`` of a float64).
"""

from __future__ import annotations

import math
import re
import unicodedata

__all__ = [
    "ValueParseError",
    "go_format_float",
    "go_quote",
    "go_time_quote",
    "parse_bytes",
    "parse_duration_ns",
    "parse_float",
]


class ValueParseError(ValueError):
    """A value that does not parse; ``str()`` is Go's error text."""


# ----------------------------------------------------------------------------- quoting
_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _printable(ch: str) -> bool:
    cat = unicodedata.category(ch)
    # Go's IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    return ch == " " or cat[0] in "LMNPS"


def go_quote(s: str) -> str:
    """``strconv.Quote``: double-quoted, Go escapes, printable Unicode kept as is."""
    out = ['"']
    for ch in s:
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _printable(ch):
            out.append(ch)
        elif ch == "\ufffd":
            out.append("\\ufffd")
        else:
            cp = ord(ch)
            if cp < 0x80:
                out.append(f"\\x{cp:02x}")
            elif cp < 0x10000:
                out.append(f"\\u{cp:04x}")
            else:
                out.append(f"\\U{cp:08x}")
    out.append('"')
    return "".join(out)


def go_time_quote(s: str) -> str:
    """The quoting of ``time`` package errors: non-ASCII and control bytes as ``\\xNN``."""
    out = ['"']
    for ch in s:
        if ord(ch) >= 0x80 or ch < " ":
            out.append("".join(f"\\x{b:02x}" for b in ch.encode("utf-8", "surrogateescape")))
        else:
            if ch in '"\\':
                out.append("\\")
            out.append(ch)
    out.append('"')
    return "".join(out)


# ----------------------------------------------------------------------------- floats
_FLOAT_RE = re.compile(r"[+-]?(?:(?:\d+(?:_\d+)*)?\.?\d*(?:_\d+)*)(?:[eE][+-]?\d+)?\Z")
_DEC_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_HEX_RE = re.compile(r"([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*)|\.[0-9a-fA-F]+)[pP]([+-]?\d+)\Z")
_SPECIAL = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
            "+infinity": math.inf, "-infinity": -math.inf, "nan": math.nan, "+nan": math.nan, "-nan": math.nan}


def parse_float(s: str) -> float:
    """``strconv.ParseFloat(s, 64)``; raises with Go's message on failure."""
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


def go_format_float(v: float) -> str:
    """``fmt.Sprint(float64)``: shortest digits, exponent form when exp < -4 or >= 6."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if v == 0:
        return "-0" if math.copysign(1, v) < 0 else "0"
    r = repr(v)
    sign = ""
    if r[0] == "-":
        sign, r = "-", r[1:]
    mant, _, e = r.partition("e")
    exp10 = int(e) if e else 0
    whole, _, frac = mant.partition(".")
    if frac == "0":
        frac = ""
    digits = (whole + frac).lstrip("0")
    # Decimal exponent of the first significant digit.
    if whole.strip("0"):
        point = len(whole.lstrip("0")) + exp10
    else:
        point = -(len(frac) - len(frac.lstrip("0"))) + exp10
    digits = digits.rstrip("0") or "0"
    x = point - 1
    if x < -4 or x >= 6:
        m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{m}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


# ----------------------------------------------------------------------------- durations
_UNITS_NS = {"ns": 1, "us": 1_000, "\u00b5s": 1_000, "\u03bcs": 1_000, "ms": 1_000_000,
             "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}
_MAX_NS = (1 << 63) - 1


def parse_duration_ns(s: str) -> int:
    """``time.ParseDuration``: ``[-+]?([0-9]*(\\.[0-9]*)?[a-z]+)+`` in nanoseconds."""
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
        i = 0
        while i < len(s) and "0" <= s[i] <= "9":
            i += 1
        int_part = s[:i]
        s = s[i:]
        frac_part = ""
        if s.startswith("."):
            s = s[1:]
            i = 0
            while i < len(s) and "0" <= s[i] <= "9":
                i += 1
            frac_part = s[:i]
            s = s[i:]
            if not int_part and not frac_part:
                raise invalid
        elif not int_part:
            raise invalid
        i = 0
        while i < len(s) and s[i] != "." and not ("0" <= s[i] <= "9"):
            i += 1
        unit = s[:i]
        s = s[i:]
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
    """go-humanize ``ParseBytes``: leading number (digits, ``.``, ``,``) then a unit."""
    n = 0
    has_comma = False
    for ch in s:
        if not (ch.isdigit() or ch in ".,"):
            break
        has_comma = has_comma or ch == ","
        n += 1
    num = s[:n]
    if has_comma:
        num = num.replace(",", "")
    f = parse_float(num)
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
