"""LogQL lexer: query text in, a list of ``Token`` out.

It reproduces what Loki's lexer (Go ``text/scanner`` plus LogQL rules) emits, because
Loki's error messages name those tokens and their positions:

* ``kind`` is the name a syntax error prints: ``IDENTIFIER``, ``STRING``, ``NUMBER``,
  ``DURATION``, ``BYTES``, ``RANGE``, ``FUNCTION_FLAG``, ``$end``, upper-case function
  names (``SUM``, ``RATE``, ``BYTES_CONV``...) and the literal text of every other
  keyword or operator (``{``, ``|=``, ``by``, ``unwrap``...).
* ``line``/``col`` are 1-based characters. Tokens Loki finishes with ``Scanner.Next``
  (ranges ``[5m]``, durations, byte sizes, flags and two-character operators) report
  ``line`` 0, as Loki's messages do (``parse error at line 0, col 32: ...``).
* Function names are keywords only when a ``(`` (or ``by``/``without`` and a ``(``)
  follows; otherwise ``rate`` is a plain identifier. Keywords match case-insensitively.
* A lexical error (bad string, bad range) becomes a final ``ERROR`` token; the parser
  raises it only when it reaches that token, as Loki's pull lexer does.
"""

from __future__ import annotations

import re

from .durations import parse_bytes, parse_duration, parse_range_duration
from .gotext import GO_ESCAPE as _ESCAPE
from .gotext import go_unquote

__all__ = ["FUNCTION_TOKENS", "KEYWORDS", "Token", "tokenize"]

# keyword text -> token kind (the kind is what error messages print)
KEYWORDS: dict[str, str] = {
    kw: kw
    for kw in (
        "by", "without", "bool", "offset", "on", "ignoring", "group_left", "group_right",
        "or", "and", "unless", "json", "logfmt", "regexp", "unpack", "pattern",
        "line_format", "label_format", "decolorize", "drop", "keep", "unwrap",
        "variants", "of",
    )
}

FUNCTION_TOKENS: dict[str, str] = {
    "count_over_time": "COUNT_OVER_TIME",
    "rate": "RATE",
    "rate_counter": "RATE_COUNTER",
    "bytes_over_time": "BYTES_OVER_TIME",
    "bytes_rate": "BYTES_RATE",
    "avg_over_time": "AVG_OVER_TIME",
    "sum_over_time": "SUM_OVER_TIME",
    "min_over_time": "MIN_OVER_TIME",
    "max_over_time": "MAX_OVER_TIME",
    "stdvar_over_time": "STDVAR_OVER_TIME",
    "stddev_over_time": "STDDEV_OVER_TIME",
    "quantile_over_time": "QUANTILE_OVER_TIME",
    "first_over_time": "FIRST_OVER_TIME",
    "last_over_time": "LAST_OVER_TIME",
    "absent_over_time": "ABSENT_OVER_TIME",
    "sum": "SUM",
    "avg": "AVG",
    "count": "COUNT",
    "max": "MAX",
    "min": "MIN",
    "stddev": "STDDEV",
    "stdvar": "STDVAR",
    "bottomk": "BOTTOMK",
    "topk": "TOPK",
    "approx_topk": "APPROX_TOPK",
    "sort": "SORT",
    "sort_desc": "SORT_DESC",
    "vector": "VECTOR",
    "bytes": "BYTES_CONV",
    "duration": "DURATION_CONV",
    "duration_seconds": "DURATION_SECONDS_CONV",
    # Loki lists these two in both of its keyword maps; their printed names are lower-case.
    "label_replace": "label_replace",
    "ip": "ip",
}

_WS = " \t\r\n"
_DEC_NUMBER = re.compile(
    r"(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9_]*)?"
)
_HEX_NUMBER = re.compile(r"0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]*)?")
_DURATION_RUNES = frozenset("nsumhµdwy")
_BYTES_RUNES = frozenset("BikKMGTP.")


# The decoded value: text for strings, names and ``$end`` (empty), ns or bytes (int) for
# durations and sizes, float for numbers.
TokenValue = str | int | float


class Token:
    """One token: ``kind`` as error messages name it, ``value`` its decoded value.

    ``line``/``col`` are computed on demand (only error messages need them).
    """

    __slots__ = ("_src", "kind", "line0", "pos", "text", "value")

    def __init__(
        self, kind: str, text: str, value: TokenValue, pos: int, src: str, line0: bool = False
    ) -> None:
        self.kind = kind
        self.text = text
        self.value = value
        self.pos = pos
        self._src = src
        self.line0 = line0

    @property
    def line(self) -> int:
        if self.line0 or not self._src:
            return 0
        return self._src.count("\n", 0, self.pos) + 1

    @property
    def col(self) -> int:
        if not self._src:
            return 0
        return self.pos - (self._src.rfind("\n", 0, self.pos) + 1) + 1

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.text!r}, {self.line}:{self.col})"


def _is_function(src: str, i: int) -> bool:
    """Loki's ``isFunction``: after optional spaces, ``(`` or ``by``/``without`` then ``(``."""
    n = len(src)
    while i < n and src[i] in _WS:
        i += 1
    if i < n and src[i] == "(":
        return True
    for word in ("by", "without"):
        if src[i : i + len(word)].lower() == word:
            j = i + len(word)
            while j < n and src[j] in _WS:
                j += 1
            return j < n and src[j] == "("
    return False


def _try_duration(src: str, start: int, i: int) -> tuple[int, int] | None:
    """Loki's ``tryScanDuration``: extend a number with duration runes; (ns, end) if valid."""
    j = i
    n = len(src)
    while j < n and (src[j].isdigit() or src[j] in _DURATION_RUNES or src[j] == "."):
        j += 1
    if j == i:
        return None
    try:
        return parse_duration(src[start:j]), j
    except ValueError:
        return None


def _try_bytes(src: str, start: int, i: int) -> tuple[int, int] | None:
    j = i
    n = len(src)
    while j < n and (src[j].isdigit() or src[j] in _BYTES_RUNES):
        j += 1
    if j == i:
        return None
    try:
        return parse_bytes(src[start:j]), j
    except ValueError:
        return None


_FAST = re.compile(
    r"""(?P<ws>[ \t\r\n]+)"""
    r"""|(?P<str>"(?:[^"\\\n]|\\[^\n])*")"""
    r"""|(?P<ident>[^\W\d]\w*)"""
    r"""|(?P<op>\|[=~>]|![=~>]|=[~=]|[<>]=|[{}(),=|+*/%^<>\]]|\.(?![0-9]))"""
)


def tokenize(src: str) -> list[Token]:  # noqa: C901 - one branch per token shape
    """All tokens of ``src``, ending with ``$end`` (or an ``ERROR`` token)."""
    toks: list[Token] = []
    add = toks.append
    n = len(src)
    i = 0
    fast = _FAST.match

    def error(msg: str, pos: int, line0: bool = False) -> list[Token]:
        add(Token("ERROR", "", msg, pos, src, line0))
        return toks

    while True:
        m = fast(src, i)
        if m is not None:
            group = m.lastgroup
            j = m.end()
            if group == "ws":
                i = j
                continue
            if group == "ident":
                word = m.group()
                low = word.lower()
                fn = FUNCTION_TOKENS.get(low)
                if fn is not None and _is_function(src, j):
                    add(Token(fn, word, low, i, src))
                elif low in KEYWORDS:
                    add(Token(KEYWORDS[low], word, low, i, src))
                else:
                    add(Token("IDENTIFIER", word, word, i, src))
                i = j
                continue
            if group == "str":
                text = m.group()
                body = text[1:-1]
                try:
                    body = go_unquote(body)  # checks every escape as it decodes
                except ValueError:
                    return error("invalid char escape", i)
                add(Token("STRING", text, body, i, src))
                i = j
                continue
            if group == "op":
                text = m.group()
                if text == "/" and j < n and src[j] in "/*":
                    pass  # a Go comment: handled below
                else:
                    add(Token(text, text, text, i, src, len(text) == 2))
                    i = j
                    continue
        if i >= n:
            add(Token("$end", "", "", n, src))
            return toks
        ch = src[i]
        start = i
        if ch == "#":
            while i < n and src[i] != "\n":
                i += 1
            continue
        if ch == "/" and i + 1 < n and src[i + 1] in "/*":
            # text/scanner in Go mode skips Go comments too.
            if src[i + 1] == "/":
                while i < n and src[i] != "\n":
                    i += 1
                continue
            end = src.find("*/", i + 2)
            if end < 0:
                return error("comment not terminated", start)
            i = end + 2
            continue
        if ch == '"':
            j = i + 1
            while j < n and src[j] != '"' and src[j] != "\n":
                if src[j] == "\\":
                    esc = _ESCAPE.match(src, j)
                    if esc is None:
                        return error("invalid char escape", start)
                    j = esc.end()
                else:
                    j += 1
            return error("literal not terminated", start)
        if ch == "`":
            j = src.find("`", i + 1)
            if j < 0:
                return error("literal not terminated", start)
            body = src[i + 1 : j].replace("\r", "")
            add(Token("STRING", src[i : j + 1], body, start, src))
            i = j + 1
            continue
        if ch == "'":
            j = i + 1
            while j < n and src[j] != "'" and src[j] != "\n":
                j += 2 if src[j] == "\\" else 1
            if j >= n or src[j] != "'":
                return error("literal not terminated", start)
            return error("invalid char literal", start)
        if "0" <= ch <= "9" or (ch == "." and i + 1 < n and "0" <= src[i + 1] <= "9"):
            num = (_HEX_NUMBER if src.startswith(("0x", "0X"), i) else _DEC_NUMBER).match(src, i)
            assert num is not None
            j = num.end()
            if num.group(0)[-1] in "eEpP+-":
                return error("exponent has no digits", start)
            dur = _try_duration(src, start, j)
            if dur is not None:
                add(Token("DURATION", src[start : dur[1]], dur[0], start, src, True))
                i = dur[1]
                continue
            size = _try_bytes(src, start, j)
            if size is not None:
                add(Token("BYTES", src[start : size[1]], size[0], start, src, True))
                i = size[1]
                continue
            add(Token("NUMBER", src[start:j], src[start:j], start, src))
            i = j
            continue
        if ch == "[":
            end = src.find("]", i + 1)
            if end < 0:
                return error("missing closing ']' in duration", start, line0=True)
            try:
                ns = parse_range_duration(src[i + 1 : end])
            except ValueError as exc:
                return error(str(exc), start, line0=True)
            add(Token("RANGE", src[start : end + 1], ns, start, src, True))
            i = end + 1
            continue
        if ch == "-":
            if src.startswith("--", i):
                j = i + 1
                while j < n and (src[j].isalpha() or src[j] == "-"):
                    j += 1
                flag = src[i:j]
                if flag in ("--strict", "--keep-empty"):
                    add(Token("FUNCTION_FLAG", flag, flag, start, src, True))
                    i = j
                    continue
            dur = _try_duration(src, start, i + 1)
            if dur is not None:
                add(Token("DURATION", src[start : dur[1]], dur[0], start, src, True))
                i = dur[1]
                continue
            add(Token("-", "-", "-", start, src))
            i += 1
            continue
        # Loki hands any other character to the parser as an identifier.
        add(Token("IDENTIFIER", ch, ch, start, src))
        i += 1
