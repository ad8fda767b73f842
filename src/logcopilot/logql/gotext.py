"""Go's text conventions, shared by the LogQL front end and the engine.

In: a Python ``str`` or ``float``. Out: the exact text Go (and so Loki) prints for it:

- :func:`go_quote` = ``strconv.Quote`` (also ``%q``): the double-quoted literal the LogQL
  lexer reads back as the same string; used by the printer, parse errors and label sets.
- :func:`go_time_quote` = the private ``quote`` of Go's ``time`` package, which writes
  non-ASCII and control bytes as ``\\xNN`` (``time: invalid duration "..."`` errors).
- :func:`format_go_float` = ``strconv.FormatFloat(v, 'f', -1, 64)``: shortest round-trip
  digits, never an exponent (Loki's JSON sample values, the printer's number literals).
- :func:`go_format_float` = ``fmt.Sprint(float64)`` (``%v``): shortest digits, exponent
  form when the exponent is < -4 or >= 6 (``line_format`` and ``printf``).

Pure functions, no imports beyond the standard library, so the parser can use them.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

__all__ = ["GO_ESCAPE", "format_go_float", "go_format_float", "go_quote", "go_time_quote", "go_unquote"]

# One escape of a Go string literal: the forms strconv.Unquote and the LogQL lexer accept.
GO_ESCAPE = re.compile(
    r"""\\(?:[abfnrtv\\'"]|[0-7]{3}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})"""
)
_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "'": "'", '"': '"',
}

_QUOTE_ESCAPES = {
    "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
    "\v": "\\v", '"': '\\"', "\\": "\\\\",
}


def go_quote(s: str) -> str:
    """Go's ``strconv.Quote``: double-quoted, Go escapes, printable Unicode kept as is.

    >>> go_quote('a"b\\n')
    '"a\\\\"b\\\\n"'
    """
    out = ['"']
    for ch in s:
        esc = _QUOTE_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
            continue
        o = ord(ch)
        if o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        # Python's isprintable() and Go's unicode.IsPrint agree outside ASCII: both accept
        # letters, marks, numbers, punctuation and symbols, and reject other spaces.
        elif o < 0x80 or ch.isprintable():
            out.append(ch)
        elif o <= 0xFFFF:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
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


def format_go_float(v: float) -> str:
    """``strconv.FormatFloat(v, 'f', -1, 64)``: shortest round-trip digits, no exponent.

    >>> [format_go_float(x) for x in (2.0, 1.5e-7, 1e21, -0.0)]
    ['2', '0.00000015', '1000000000000000000000', '-0']
    """
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    # repr() is Python's shortest round-trip form, as Go's -1 precision is; Decimal only
    # re-spells it without the exponent.
    text = format(Decimal(repr(v)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


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


def go_unquote(body: str) -> str:
    """Decode the escapes of a Go double-quoted string body (``strconv.Unquote``'s rules).

    A backslash not starting one of :data:`GO_ESCAPE`'s forms raises ValueError.

    ``\\xHH`` and octal escapes are bytes in Go; runs of them are decoded as UTF-8.
    """
    if "\\" not in body:
        return body
    out = bytearray()
    pos = 0
    while True:
        k = body.find("\\", pos)
        if k < 0:
            break
        m = GO_ESCAPE.match(body, k)
        if m is None:
            raise ValueError("invalid char escape")
        out += body[pos:k].encode("utf-8")
        esc = m.group(0)[1:]
        kind = esc[0]
        if kind in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[kind].encode("utf-8")
        elif kind == "x":
            out.append(int(esc[1:], 16))
        elif kind in "uU":
            code = int(esc[1:], 16)
            valid = code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF
            out += chr(code if valid else 0xFFFD).encode("utf-8")
        else:
            out.append(int(esc, 8) & 0xFF)
        pos = m.end()
    out += body[pos:].encode("utf-8")
    return out.decode("utf-8", errors="replace")
