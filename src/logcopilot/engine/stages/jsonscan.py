"""A lenient JSON scanner with the error texts of Go's ``buger/jsonparser``, which Loki's
``| json`` uses.

In: a line (``str``). Out: flattened ``(key, value)`` pairs, or raw value spans for a path.

Why not just ``json.loads``: jsonparser reads an object lazily, so ``{"a":1} trailing``
parses, pairs before a syntax error are kept, and the error texts are its own (``Value
looks like object, but can't find closing '}' symbol``). :func:`flatten` tries
``json.loads`` first (fast, exact for valid JSON) and falls back to :func:`scan_object`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["JsonScanError", "flatten", "get_path", "scan_object", "unescape"]

MALFORMED_JSON = "Malformed JSON error"
MALFORMED_STRING = "Value is string, but can't find closing '\"' symbol"
MALFORMED_ARRAY = "Value is array, but can't find closing ']' symbol"
MALFORMED_OBJECT = "Value looks like object, but can't find closing '}' symbol"
MALFORMED_VALUE = "Value looks like Number/Boolean/None, but can't find its end: ',' or '}' symbol"
UNKNOWN_TYPE = "Unknown value type"
BAD_ESCAPE = "Encountered an invalid escape sequence in a string"

_WS = " \t\n\r"


class JsonScanError(Exception):
    """A jsonparser error; ``str()`` is its message."""


def _next_token(s: str, i: int) -> int:
    n = len(s)
    while i < n and s[i] in _WS:
        i += 1
    return i if i < n else -1


def _string_end(s: str, i: int) -> tuple[int, bool]:
    """Index just past the closing quote of a string whose body starts at ``i``."""
    escaped = False
    n = len(s)
    while i < n:
        c = s[i]
        if c == '"':
            # Count the backslashes before it: an even number means a real quote.
            j = i - 1
            k = 0
            while j >= 0 and s[j] == "\\":
                k += 1
                j -= 1
            if k % 2 == 0:
                return i + 1, escaped
        elif c == "\\":
            escaped = True
        i += 1
    return -1, escaped


def _block_end(s: str, i: int, open_c: str, close_c: str) -> int:
    level = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == '"':
            end, _ = _string_end(s, i + 1)
            if end < 0:
                return -1
            i = end
            continue
        if c == open_c:
            level += 1
        elif c == close_c:
            level -= 1
            if level == 0:
                return i + 1
        i += 1
    return -1


def _token_end(s: str, i: int) -> int:
    n = len(s)
    while i < n:
        if s[i] in " \n\r\t,}]":
            return i
        i += 1
    return n


_ESC = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _hex4(s: str, i: int) -> int:
    """Go's ``getu4``: the four hex digits at ``i`` as a number, -1 if they are not that."""
    digits = s[i : i + 4]
    if len(digits) != 4 or not all(c in "0123456789abcdefABCDEF" for c in digits):
        return -1
    return int(digits, 16)


def unescape(raw: str) -> str:
    """Decode JSON string escapes; raises :class:`JsonScanError` on a bad one."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        if i + 1 >= n:
            raise JsonScanError(BAD_ESCAPE)
        e = raw[i + 1]
        if e in _ESC:
            out.append(_ESC[e])
            i += 2
        elif e == "u":
            cp = _hex4(raw, i + 2)
            if cp < 0:
                raise JsonScanError(BAD_ESCAPE)
            i += 6
            if 0xD800 <= cp < 0xDC00 and raw[i : i + 2] == "\\u":
                lo = _hex4(raw, i + 2)
                if 0xDC00 <= lo < 0xE000:
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                    i += 6
            if 0xD800 <= cp < 0xE000:
                cp = 0xFFFD
            out.append(chr(cp))
        else:
            raise JsonScanError(BAD_ESCAPE)
    return "".join(out)


def _value(s: str, i: int) -> tuple[str, int, int]:
    """(kind, start, end) of the value at ``i``; kind is string/object/array/number/bool/null.
    For a string, start/end exclude the quotes."""
    i = _next_token(s, i)
    if i < 0:
        raise JsonScanError(MALFORMED_JSON)
    c = s[i]
    if c == '"':
        end, _ = _string_end(s, i + 1)
        if end < 0:
            raise JsonScanError(MALFORMED_STRING)
        return "string", i + 1, end - 1
    if c == "[":
        end = _block_end(s, i, "[", "]")
        if end < 0:
            raise JsonScanError(MALFORMED_ARRAY)
        return "array", i, end
    if c == "{":
        end = _block_end(s, i, "{", "}")
        if end < 0:
            raise JsonScanError(MALFORMED_OBJECT)
        return "object", i, end
    end = _token_end(s, i)
    tok = s[i:end]
    if c in "tf":
        if tok in ("true", "false"):
            return "bool", i, end
        raise JsonScanError(UNKNOWN_TYPE)
    if c in "un":
        if tok == "null":
            return "null", i, end
        raise JsonScanError(UNKNOWN_TYPE)
    if c in "-0123456789":
        return "number", i, end
    raise JsonScanError(UNKNOWN_TYPE)


def scan_object(s: str, start: int, on_pair: Callable[[str, str, int, int], None]) -> None:
    """Walk the object at ``start``, calling ``on_pair(key, kind, vstart, vend)`` per member."""
    i = _next_token(s, start)
    if i < 0 or s[i] != "{":
        raise JsonScanError(MALFORMED_OBJECT)
    i = _next_token(s, i + 1)
    if i < 0:
        raise JsonScanError(MALFORMED_JSON)
    if s[i] == "}":
        return
    n = len(s)
    while i < n:
        c = s[i]
        if c == "}":
            return
        if c != '"':
            raise JsonScanError(MALFORMED_OBJECT)
        end, esc = _string_end(s, i + 1)
        if end < 0:
            raise JsonScanError(MALFORMED_JSON)
        key = s[i + 1 : end - 1]
        if esc:
            key = unescape(key)
        i = _next_token(s, end)
        if i < 0 or s[i] != ":":
            raise JsonScanError(MALFORMED_JSON)
        kind, vs, ve = _value(s, i + 1)
        on_pair(key, kind, vs, ve)
        i = ve + 1 if kind == "string" else ve
        i = _next_token(s, i)
        if i < 0:
            raise JsonScanError(MALFORMED_ARRAY)
        if s[i] == "}":
            return
        if s[i] != ",":
            raise JsonScanError(MALFORMED_OBJECT)
        i = _next_token(s, i + 1)
        if i < 0:
            raise JsonScanError(MALFORMED_ARRAY)
    raise JsonScanError(MALFORMED_OBJECT)


class _Obj(list[tuple[str, Any]]):
    """An object's (key, value) pairs in order, duplicates kept (json.loads hook)."""


def _no_constant(name: str) -> None:
    raise ValueError(name)


_loads = json.JSONDecoder(
    object_pairs_hook=_Obj, parse_float=str, parse_int=str, parse_constant=_no_constant
).decode


def _flatten_loaded(obj: _Obj, prefix: str, out: list[tuple[str, str]], sanitize: Callable[[str], str]) -> None:
    append = out.append
    for key, value in obj:
        name = prefix + sanitize(key)
        t = type(value)
        if t is str:
            append((name, value))
        elif t is _Obj:
            _flatten_loaded(value, name + "_", out, sanitize)
        elif value is True:
            append((name, "true"))
        elif value is False:
            append((name, "false"))
        # arrays are skipped; null adds nothing


class _Done(Exception):
    """Every wanted key was found: stop reading (Loki's label hints)."""


def flatten(
    line: str, sanitize: Callable[[str], str], wanted: frozenset[str] | None = None
) -> tuple[list[tuple[str, str]], str | None]:
    """All scalar members of the line's object, nested keys joined with ``_``.

    Returns (pairs, error message or None); pairs found before an error are kept. With
    ``wanted``, reading stops once all those names were seen, so a syntax error further on
    is never met (corpus note 23).
    """
    out: list[tuple[str, str]] = []
    obj = None
    # json.loads keeps a lone surrogate escape (\ud800) as is; Go turns it into U+FFFD,
    # which the scanner below does, so such lines skip the fast path.
    if "\\ud" not in line and "\\uD" not in line:
        try:
            obj = _loads(line)
        except (ValueError, RecursionError):
            obj = None
    if isinstance(obj, _Obj):
        _flatten_loaded(obj, "", out, sanitize)
        return out, None
    out = []
    remaining = set(wanted) if wanted else None

    def walk(start: int, prefix: str) -> None:
        def on_pair(key: str, kind: str, vs: int, ve: int) -> None:
            name = prefix + sanitize(key) if prefix else sanitize(key)
            if kind == "string":
                out.append((name, unescape(line[vs:ve])))
            elif kind == "object":
                walk(vs, name + "_")
            elif kind in ("number", "bool"):
                out.append((name, line[vs:ve]))
            if remaining is not None:
                remaining.discard(name)
                remaining.discard(name + "_extracted")
                if not remaining:
                    raise _Done

        scan_object(line, start, on_pair)

    try:
        walk(0, "")
    except _Done:
        return out, None
    except JsonScanError as exc:
        return out, str(exc)
    return out, None


def get_path(line: str, path: list[str | int]) -> tuple[str, str] | None:
    """jsonparser ``Get``: (kind, raw text) of the value at ``path``; None if absent.

    Raises :class:`JsonScanError` on malformed input met on the way.
    """
    start = 0
    kind = "object"
    vs, ve = 0, len(line)
    for step in path:
        if isinstance(step, int):
            if kind != "array":
                return None
            found = _array_item(line, vs, step)
        else:
            if kind != "object":
                return None
            found = _object_member(line, vs, step)
        if found is None:
            return None
        kind, vs, ve = found
        start = vs
    del start
    if not path:
        return None
    return kind, line[vs:ve]


def _object_member(s: str, start: int, key: str) -> tuple[str, int, int] | None:
    hit: list[tuple[str, int, int]] = []

    class _Stop(Exception):
        pass

    def on_pair(k: str, kind: str, vs: int, ve: int) -> None:
        if k == key:
            hit.append((kind, vs, ve))
            raise _Stop

    try:
        scan_object(s, start, on_pair)
    except _Stop:
        pass
    return hit[0] if hit else None


def _array_item(s: str, start: int, index: int) -> tuple[str, int, int] | None:
    i = _next_token(s, start)
    if i < 0 or s[i] != "[":
        return None
    i = _next_token(s, i + 1)
    if i < 0 or s[i] == "]":
        return None
    n = 0
    while True:
        kind, vs, ve = _value(s, i)
        if n == index:
            return kind, vs, ve
        n += 1
        i = _next_token(s, ve + 1 if kind == "string" else ve)
        if i < 0 or s[i] != ",":
            return None
        i = _next_token(s, i + 1)
        if i < 0:
            return None
