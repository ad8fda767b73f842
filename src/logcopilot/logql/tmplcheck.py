"""Parse-time check of Go ``text/template`` sources used by ``line_format``/``label_format``.

In: template source and the template's name (``line`` or ``label``). Out: ``None`` when
Go would parse it, else Go's message (``template: line:1: unclosed action``). Only the
errors that are decidable without a full template parser are reported: an action left
open, an unterminated string inside an action, and a call of an undefined function.
Everything else is left to the engine's template evaluator.
"""

from __future__ import annotations

import re

__all__ = ["GO_TEMPLATE_BUILTINS", "TEMPLATE_FUNCTIONS", "template_error"]

# Go's text/template builtins: the engine's template evaluator uses this same list.
GO_TEMPLATE_BUILTINS: frozenset[str] = frozenset(
    "and call html index slice js len not or print printf println urlquery eq ge gt le lt ne".split()
)

# Every function a Loki template may call: Go's builtins, Loki's own functions, and the
# Sprig functions Loki registers. A name outside this set is a parse error.
TEMPLATE_FUNCTIONS: frozenset[str] = GO_TEMPLATE_BUILTINS | frozenset(
    """
    ToLower ToUpper Replace Trim TrimLeft TrimRight TrimPrefix TrimSuffix TrimSpace
    regexReplaceAll regexReplaceAllLiteral count urlencode urldecode b64enc b64dec
    bytes duration duration_seconds unixEpoch unixEpochMillis unixEpochNanos unixToTime
    toDate toDateInZone date now alignLeft alignRight fromJson __line__ __timestamp__
    lower upper title trunc substr contains hasPrefix hasSuffix indent nindent replace
    repeat trim trimAll trimSuffix trimPrefix int int64 float64 add sub mul div mod
    addf subf mulf divf max min maxf minf ceil floor round default dateInZone htmlDate
    htmlDateInZone dateModify toString atoi empty coalesce ternary first last nospace
    abbrev abbrevboth initials wrap wrapWith cat quote squote plural snakecase camelcase
    kebabcase swapcase shuffle untitle split splitList splitn join sortAlpha list
    add1 sub1 biggest
    """.split()
)

_KEYWORDS = frozenset(
    "if else end range with define template block nil true false break continue".split()
)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def template_error(src: str, name: str) -> str | None:
    """Go's parse error for template ``src`` named ``name``, or None."""
    i = 0
    n = len(src)
    line = 1
    while True:
        start = src.find("{{", i)
        if start < 0:
            return None
        line += src.count("\n", i, start)
        i = start + 2
        if i < n and src[i] == "-" and i + 1 < n and src[i + 1] in " \t\r\n":
            i += 1
        if src.startswith("/*", i):
            end = src.find("*/", i + 2)
            if end < 0:
                return f"template: {name}:{line}: unclosed comment"
            line += src.count("\n", i, end)
            i = end + 2
            close = src.find("}}", i)
            if close < 0:
                return f"template: {name}:{line}: comment ends before closing delimiter"
            i = close + 2
            continue
        prev = ""
        while True:
            if i >= n:
                return f"template: {name}:{line}: unclosed action"
            c = src[i]
            if src.startswith("}}", i) or (
                c == "-" and src.startswith("}}", i + 1) and prev in (" ", "\t", "\n", "\r")
            ):
                i = src.find("}}", i) + 2
                break
            if c == "\n":
                line += 1
            if c == '"':
                j = i + 1
                while j < n and src[j] != '"':
                    if src[j] == "\n":
                        return f"template: {name}:{line}: unterminated quoted string"
                    j += 2 if src[j] == "\\" else 1
                if j >= n:
                    return f"template: {name}:{line}: unterminated quoted string"
                i = j + 1
                prev = '"'
                continue
            if c == "`":
                j = src.find("`", i + 1)
                if j < 0:
                    return f"template: {name}:{line}: unterminated raw quoted string"
                line += src.count("\n", i, j)
                i = j + 1
                prev = "`"
                continue
            if c == "'":
                j = i + 1
                while j < n and src[j] != "'":
                    j += 2 if src[j] == "\\" else 1
                if j >= n:
                    return f"template: {name}:{line}: unterminated character constant"
                i = j + 1
                prev = "'"
                continue
            if c.isalpha() or c == "_":
                m = _IDENT.match(src, i)
                assert m is not None
                word = m.group(0)
                if prev not in (".", "$") and not prev.isalnum() and prev != "_":
                    if word not in _KEYWORDS and word not in TEMPLATE_FUNCTIONS:
                        return f'template: {name}:{line}: function "{word}" not defined'
                i = m.end()
                prev = word[-1]
                continue
            prev = c
            i += 1
