"""The functions Loki offers to ``line_format`` / ``label_format`` templates.

In: Go-typed arguments (see :class:`~.goexec.GoFunc`). Out: Go-like values. Names and
behaviours follow Loki's documentation and the Sprig functions it bundles; strings are
measured and cut in UTF-8 **bytes** (``trunc``/``substr``/``len``; corpus note 21), and a
cut inside a character becomes U+FFFD per stray byte, as Loki's JSON output shows it.
Two functions depend on the line: :func:`make_funcs` binds ``__line__`` and
``__timestamp__`` to a :class:`LineRef` the stage updates per line.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import time
import urllib.parse
from decimal import Decimal, InvalidOperation
from typing import Any

from logcopilot.engine.matchers import compile_regex
from logcopilot.engine.stages.goexec import GoFunc
from logcopilot.engine.stages.gofmt import go_print, truth
from logcopilot.engine.stages.gotemplate import FuncError
from logcopilot.engine.stages.gotime import GoTime, go_format, go_parse, zone
from logcopilot.logql.govalues import ValueParseError, parse_bytes, parse_float, parse_go_duration

__all__ = ["LineRef", "make_funcs"]


class LineRef:
    """The current line and timestamp, read by ``__line__`` and ``__timestamp__``."""

    __slots__ = ("line", "ts")

    def __init__(self) -> None:
        self.line = ""
        self.ts = 0


def _bytes_to_str(b: bytes) -> str:
    # Each byte of a cut character becomes one U+FFFD, as Go's JSON encoder shows it.
    return b.decode("utf-8", "surrogateescape").translate(_SURROGATES)


_SURROGATES = {c: 0xFFFD for c in range(0xDC80, 0xDD00)}


def _slice_error(msg: str) -> FuncError:
    return FuncError(f"runtime error: slice bounds out of range {msg}")


def _trunc(c: int, s: str) -> str:
    b = s.encode("utf-8")
    if c < 0 and len(b) + c > 0:
        return _bytes_to_str(b[len(b) + c :])
    if c >= 0 and len(b) > c:
        return _bytes_to_str(b[:c])
    return s


def _substr(start: int, end: int, s: str) -> str:
    b = s.encode("utf-8")
    n = len(b)
    if start < 0:
        if end < 0:
            raise _slice_error(f"[:{end}]")
        if end > n:
            raise _slice_error(f"[:{end}] with length {n}")
        return _bytes_to_str(b[:end])
    if end < 0 or end > n:
        if start > n:
            raise _slice_error(f"[{start}:{n}]")
        return _bytes_to_str(b[start:])
    if start > end:
        raise _slice_error(f"[{start}:{end}]")
    return _bytes_to_str(b[start:end])


def to_int64(v: Any) -> int:
    """Sprig's ``toInt64``: numbers truncate, numeric strings parse, anything else is 0."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v) if math.isfinite(v) else -(1 << 63)
    if isinstance(v, str):
        try:
            return int(v, 0)
        except ValueError:
            pass
        try:
            f = parse_float(v)
        except ValueParseError:
            return 0
        return int(f) if math.isfinite(f) else 0
    return 0


def to_float64(v: Any) -> float:
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return parse_float(v)
        except ValueParseError:
            return 0.0
    return 0.0


def _div(a: Any, b: Any) -> int:
    x, y = to_int64(a), to_int64(b)
    if y == 0:
        raise FuncError("runtime error: integer divide by zero")
    q = abs(x) // abs(y)
    return q if (x >= 0) == (y >= 0) else -q


def _mod(a: Any, b: Any) -> int:
    x, y = to_int64(a), to_int64(b)
    if y == 0:
        raise FuncError("runtime error: integer divide by zero")
    return x - y * _div(x, y)


def _decimal(v: Any) -> Decimal:
    try:
        return Decimal(repr(to_float64(v)))
    except InvalidOperation:
        return Decimal(0)


def _decimal_op(op: str, first: Any, rest: tuple[Any, ...]) -> float:
    acc = _decimal(first)
    for r in rest:
        d = _decimal(r)
        if op == "+":
            acc += d
        elif op == "-":
            acc -= d
        elif op == "*":
            acc *= d
        else:
            if d == 0:
                raise FuncError("decimal division by 0")
            acc /= d
    return float(acc)


def _round(a: Any, p: int, *r: float) -> float:
    round_on = r[0] if r else 0.5
    val = to_float64(a)
    pow10 = math.pow(10, p)
    digit = pow10 * val
    frac = math.modf(digit)[0]
    rounded = math.ceil(digit) if frac >= round_on else math.floor(digit)
    return rounded / pow10


def _title(s: str) -> str:
    out: list[str] = []
    prev_sep = True
    for ch in s:
        out.append(ch.upper() if prev_sep else ch)
        if ch.isascii():
            prev_sep = not (ch.isalnum() or ch == "_")
        else:
            prev_sep = ch.isspace()
    return "".join(out)


def _go_expand(template: str, m: Any) -> str:
    """Go's ``Regexp.Expand``: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``."""
    out: list[str] = []
    i = 0
    n = len(template)
    while i < n:
        c = template[i]
        if c != "$" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        if template[i + 1] == "$":
            out.append("$")
            i += 2
            continue
        if template[i + 1] == "{":
            close = template.find("}", i + 2)
            name = template[i + 2 : close] if close > 0 else ""
            if close < 0 or not name or not all(ch.isalnum() or ch == "_" for ch in name):
                out.append(c)
                i += 1
                continue
            i = close + 1
        else:
            j = i + 1
            while j < n and (template[j].isalnum() or template[j] == "_"):
                j += 1
            name = template[i + 1 : j]
            if not name:
                out.append(c)
                i += 1
                continue
            i = j
        try:
            group = m.group(int(name)) if name.isdigit() else m.group(name)
        except (IndexError, KeyError, ValueError):
            group = None
        out.append(group or "")
    return "".join(out)


def _regex_replace(regex: str, s: str, repl: str, literal: bool) -> str:
    rx = compile_regex(regex)
    out: list[str] = []
    pos = 0
    for m in rx.finditer(s):
        out.append(s[pos : m.start()])
        out.append(repl if literal else _go_expand(repl, m))
        pos = m.end()
    out.append(s[pos:])
    return "".join(out)


def _date(fmt: str, d: Any) -> str:
    if isinstance(d, GoTime):
        return go_format(d, fmt)
    if isinstance(d, (int, float)) and not isinstance(d, bool):
        return go_format(GoTime(int(d) * 1_000_000_000), fmt)
    return go_format(GoTime(int(time.time_ns())), fmt)


def _to_date_in_zone(fmt: str, zone_name: str, s: str) -> GoTime:
    try:
        return go_parse(fmt, s, zone(zone_name))
    except ValueError:
        return GoTime(-62135596800 * 1_000_000_000)  # Go's zero time: Sprig ignores the error


def _unix_to_time(s: str) -> GoTime:
    try:
        epoch = int(s)
    except ValueError as exc:
        raise FuncError(f'strconv.ParseInt: parsing "{s}": invalid syntax') from exc
    digits = len(s.lstrip("-"))
    if digits <= 10:
        return GoTime(epoch * 1_000_000_000)
    if digits <= 13:
        return GoTime(epoch * 1_000_000)
    if digits <= 16:
        return GoTime(epoch * 1_000)
    return GoTime(epoch)


def _duration_seconds(s: str) -> float:
    try:
        return parse_go_duration(s) / 1e9
    except ValueParseError as exc:
        raise FuncError(str(exc)) from None


def _bytes(s: str) -> float:
    try:
        return float(parse_bytes(s))
    except ValueParseError as exc:
        raise FuncError(str(exc)) from None


def _b64dec(s: str) -> str:
    try:
        return base64.b64decode(s, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError) as exc:
        return f"illegal base64 data: {exc}"


def _urldecode(s: str) -> str:
    try:
        return urllib.parse.unquote_plus(s, errors="strict")
    except UnicodeDecodeError as exc:
        raise FuncError(str(exc)) from None


def _from_json(s: str) -> Any:
    try:
        return json.loads(s, parse_int=float)
    except ValueError:
        return None


def _to_json(v: Any) -> str:
    if isinstance(v, GoTime):
        return json.dumps(go_format(v, "2006-01-02T15:04:05.999999999Z07:00"))
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def _default(d: Any, *given: Any) -> Any:
    if not given or not truth(given[0]):
        return d
    return given[0]


def _align(left: bool, count: int, s: str) -> str:
    if count < 0:
        return s
    n = len(s)
    if n >= count:
        return s[:count]
    return s + " " * (count - n) if left else " " * (count - n) + s


def _indent(n: int, s: str) -> str:
    pad = " " * n
    return pad + s.replace("\n", "\n" + pad)


def _strings_trim(s: str, cutset: str) -> str:
    return s.strip(cutset) if cutset else s


def _trim_prefix(s: str, p: str) -> str:
    return s[len(p) :] if p and s.startswith(p) else s


def _trim_suffix(s: str, p: str) -> str:
    return s[: -len(p)] if p and s.endswith(p) else s


def _go_replace(s: str, old: str, new: str, n: int) -> str:
    return s.replace(old, new, n if n >= 0 else -1)


_S, _I, _F, _A = "string", "int", "float64", "any"


def make_funcs(ref: LineRef) -> dict[str, GoFunc]:
    """All template functions, with ``__line__``/``__timestamp__`` bound to ``ref``."""
    return {
        "__line__": GoFunc(lambda: ref.line),
        "__timestamp__": GoFunc(lambda: GoTime(ref.ts)),
        "ToLower": GoFunc(str.lower, (_S,)),
        "ToUpper": GoFunc(str.upper, (_S,)),
        "lower": GoFunc(str.lower, (_S,)),
        "upper": GoFunc(str.upper, (_S,)),
        "title": GoFunc(_title, (_S,)),
        "Title": GoFunc(_title, (_S,)),
        "trunc": GoFunc(_trunc, (_I, _S)),
        "substr": GoFunc(_substr, (_I, _I, _S)),
        "replace": GoFunc(lambda old, new, s: s.replace(old, new), (_S, _S, _S)),
        "Replace": GoFunc(_go_replace, (_S, _S, _S, _I)),
        "trim": GoFunc(str.strip, (_S,)),
        "trimAll": GoFunc(lambda cut, s: _strings_trim(s, cut), (_S, _S)),
        "trimPrefix": GoFunc(lambda p, s: _trim_prefix(s, p), (_S, _S)),
        "trimSuffix": GoFunc(lambda p, s: _trim_suffix(s, p), (_S, _S)),
        "Trim": GoFunc(_strings_trim, (_S, _S)),
        "TrimLeft": GoFunc(lambda s, cut: s.lstrip(cut) if cut else s, (_S, _S)),
        "TrimRight": GoFunc(lambda s, cut: s.rstrip(cut) if cut else s, (_S, _S)),
        "TrimPrefix": GoFunc(_trim_prefix, (_S, _S)),
        "TrimSuffix": GoFunc(_trim_suffix, (_S, _S)),
        "TrimSpace": GoFunc(str.strip, (_S,)),
        "trimSpace": GoFunc(str.strip, (_S,)),
        "regexReplaceAll": GoFunc(lambda r, s, repl: _regex_replace(r, s, repl, False), (_S, _S, _S)),
        "regexReplaceAllLiteral": GoFunc(lambda r, s, repl: _regex_replace(r, s, repl, True), (_S, _S, _S)),
        "count": GoFunc(lambda r, s: sum(1 for _ in compile_regex(r).finditer(s)), (_S, _S)),
        "contains": GoFunc(lambda sub, s: sub in s, (_S, _S)),
        "hasPrefix": GoFunc(lambda p, s: s.startswith(p), (_S, _S)),
        "hasSuffix": GoFunc(lambda p, s: s.endswith(p), (_S, _S)),
        "indent": GoFunc(_indent, (_I, _S)),
        "nindent": GoFunc(lambda n, s: "\n" + _indent(n, s), (_I, _S)),
        "repeat": GoFunc(lambda n, s: s * max(n, 0), (_I, _S)),
        "default": GoFunc(_default, (_A,), _A),
        "add": GoFunc(lambda *a: sum(to_int64(x) for x in a), (), _A),
        "add1": GoFunc(lambda a: to_int64(a) + 1, (_A,)),
        "sub": GoFunc(lambda a, b: to_int64(a) - to_int64(b), (_A, _A)),
        "mul": GoFunc(lambda a, *r: math.prod([to_int64(a)] + [to_int64(x) for x in r]), (_A,), _A),
        "div": GoFunc(_div, (_A, _A)),
        "mod": GoFunc(_mod, (_A, _A)),
        "addf": GoFunc(lambda a, *r: _decimal_op("+", a, r), (_A,), _A),
        "subf": GoFunc(lambda a, *r: _decimal_op("-", a, r), (_A,), _A),
        "mulf": GoFunc(lambda a, *r: _decimal_op("*", a, r), (_A,), _A),
        "divf": GoFunc(lambda a, *r: _decimal_op("/", a, r), (_A,), _A),
        "max": GoFunc(lambda a, *r: max([to_int64(a)] + [to_int64(x) for x in r]), (_A,), _A),
        "min": GoFunc(lambda a, *r: min([to_int64(a)] + [to_int64(x) for x in r]), (_A,), _A),
        "maxf": GoFunc(lambda a, *r: max([to_float64(a)] + [to_float64(x) for x in r]), (_A,), _A),
        "minf": GoFunc(lambda a, *r: min([to_float64(a)] + [to_float64(x) for x in r]), (_A,), _A),
        "ceil": GoFunc(lambda a: float(math.ceil(to_float64(a))), (_A,)),
        "floor": GoFunc(lambda a: float(math.floor(to_float64(a))), (_A,)),
        "round": GoFunc(_round, (_A, _I), _F),
        "int": GoFunc(to_int64, (_A,)),
        "int64": GoFunc(to_int64, (_A,)),
        "float64": GoFunc(to_float64, (_A,)),
        "toString": GoFunc(lambda v: go_print(v, False), (_A,)),
        "fromJson": GoFunc(_from_json, (_S,)),
        "toJson": GoFunc(_to_json, (_A,)),
        "date": GoFunc(_date, (_S, _A)),
        "toDate": GoFunc(lambda f, s: _to_date_in_zone(f, "Local", s), (_S, _S)),
        "toDateInZone": GoFunc(_to_date_in_zone, (_S, _S, _S)),
        "now": GoFunc(lambda: GoTime(time.time_ns())),
        "unixEpoch": GoFunc(lambda t: t.ns // 1_000_000_000, ("time.Time",)),
        "unixEpochMillis": GoFunc(lambda t: t.ns // 1_000_000, ("time.Time",)),
        "unixEpochNanos": GoFunc(lambda t: t.ns, ("time.Time",)),
        "unixToTime": GoFunc(_unix_to_time, (_S,)),
        "duration": GoFunc(_duration_seconds, (_S,)),
        "duration_seconds": GoFunc(_duration_seconds, (_S,)),
        "bytes": GoFunc(_bytes, (_S,)),
        "alignLeft": GoFunc(lambda n, s: _align(True, n, s), (_I, _S)),
        "alignRight": GoFunc(lambda n, s: _align(False, n, s), (_I, _S)),
        "b64enc": GoFunc(lambda s: base64.b64encode(s.encode("utf-8")).decode("ascii"), (_S,)),
        "b64dec": GoFunc(_b64dec, (_S,)),
        "urlencode": GoFunc(lambda s: urllib.parse.quote_plus(s, safe="-_.~"), (_S,)),
        "urldecode": GoFunc(_urldecode, (_S,)),
    }
