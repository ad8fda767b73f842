"""Syntax check of RE2 regular expressions, with Go's ``regexp/syntax`` error messages.

In: a pattern as written in LogQL. Out: ``None`` when Go would compile it, else the text
Go's ``regexp.Compile`` error prints (``error parsing regexp: missing closing ): `(a```).

A small scanner reproduces Go's messages for the usual mistakes (groups, classes, escapes,
repetitions, group flags, named captures); the RE2 library then confirms validity, so a
pattern the scanner lets through but RE2 rejects still fails, with RE2's reason in Go's
wording. ``named_groups`` lists ``(?P<name>...)`` captures, which the ``regexp`` stage needs.
``compile_re2`` is the one place RE2 patterns are compiled (with the shared options), so the
engine's matchers and this check never disagree on what a valid pattern is.
"""

from __future__ import annotations

import re
from functools import lru_cache

import re2

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
# RE2 (C++) reason prefix -> Go regexp/syntax error code
_RE2_TO_GO = (
    ("missing ): ", "missing closing )"),
    ("missing ]: ", "missing closing ]"),
    ("unexpected ): ", "unexpected )"),
    ("bad repetition operator: ", "invalid nested repetition operator"),
    ("no argument for repetition operator: ", "missing argument to repetition operator"),
    ("invalid repetition size: ", "invalid repeat count"),
    ("invalid perl operator: ", "invalid or unsupported Perl syntax"),
    ("invalid named capture group: ", "invalid named capture"),
    ("invalid escape sequence: ", "invalid escape sequence"),
    ("invalid character class range: ", "invalid character class range"),
    ("invalid character class: ", "invalid character class"),
    ("trailing \\", "trailing backslash at end of expression"),
    ("invalid UTF-8", "invalid UTF-8"),
)

__all__ = ["compile_re2", "matches_empty", "named_groups", "regex_error"]

_PERL_CLASSES = set("dDsSwW")
_ESCAPABLE_PUNCT = set("\\.+*?()|[]{}^$-&~#/ \t\n\"'!%,:;<=>@_`")
_SIMPLE_ESCAPES = set("afnrtvAbBzQEpPx01234567")
_NAME = re.compile(r"[A-Za-z0-9_]+")
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")
_FLAGS = re.compile(r"\(\?([imsU-]*)(:|\))")


def _err(code: str, arg: str) -> str:
    return f"error parsing regexp: {code}: `{arg}`"


def named_groups(pattern: str) -> list[str]:
    """Names of ``(?P<name>...)`` / ``(?<name>...)`` groups, in order."""
    out = []
    i = 0
    n = len(pattern)
    in_class = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            if pattern.startswith("[^]", i) or pattern.startswith("[]", i):
                i += 2 if pattern[i + 1] == "]" else 3
                continue
        elif pattern.startswith("(?P<", i) or pattern.startswith("(?<", i):
            start = i + (4 if pattern[i + 2] == "P" else 3)
            end = pattern.find(">", start)
            if end > start:
                out.append(pattern[start:end])
        i += 1
    return out


@lru_cache(maxsize=1024)
def compile_re2(pattern: str) -> re2._Regexp:
    """``pattern`` compiled by RE2 as Go's ``regexp`` would; ValueError with Go's text if bad.

    Go's regexp works on UTF-8 and never logs: RE2 is told the same.
    """
    reason = regex_error(pattern)
    if reason is not None:
        raise ValueError(reason)
    return re2.compile(pattern, _RE2_OPTIONS)


@lru_cache(maxsize=4096)
def regex_error(pattern: str) -> str | None:
    """Go's compile error for ``pattern``, or None when it is valid RE2."""
    reason = _scan(pattern)
    if reason is not None:
        return reason
    try:
        re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        text = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(
            exc.args[0], bytes) else str(exc)
        for prefix, code in _RE2_TO_GO:
            if text.startswith(prefix):
                return _err(code, text[len(prefix):])
        return f"error parsing regexp: {text}"
    return None


def matches_empty(pattern: str) -> bool:
    """Whether the fully anchored RE2 ``pattern`` matches the empty string."""
    try:
        return compile_re2(pattern).fullmatch("") is not None
    except ValueError:
        return False


def _scan(pattern: str) -> str | None:  # noqa: C901 - one linear scanner
    """The Go-worded errors this scanner recognises, or None."""
    n = len(pattern)
    depth = 0
    i = 0
    can_repeat = False  # is there an operand a repetition operator can apply to?
    last_was_repeat = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                return _err("trailing backslash at end of expression", "")
            e = pattern[i + 1]
            if e in "pP":
                if i + 2 < n and pattern[i + 2] == "{":
                    close = pattern.find("}", i + 3)
                    if close < 0:
                        return _err("invalid character class range", pattern[i:])
                    i = close + 1
                else:
                    i += 3
            elif e == "x":
                if i + 2 < n and pattern[i + 2] == "{":
                    close = pattern.find("}", i + 3)
                    if close < 0:
                        return _err("invalid escape sequence", pattern[i:])
                    i = close + 1
                else:
                    if not re.fullmatch(r"[0-9a-fA-F]{2}", pattern[i + 2 : i + 4]):
                        return _err("invalid escape sequence", pattern[i : i + 4])
                    i += 4
            elif e == "Q":
                end = pattern.find("\\E", i + 2)
                i = n if end < 0 else end + 2
            elif e in _PERL_CLASSES or e in _SIMPLE_ESCAPES or e in _ESCAPABLE_PUNCT:
                i += 2
            elif not e.isalnum() and ord(e) < 128:
                i += 2
            else:
                return _err("invalid escape sequence", pattern[i : i + 2])
            can_repeat, last_was_repeat = True, False
            continue
        if c == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            first = True
            prev_char: str | None = None
            while True:
                if j >= n:
                    return _err("missing closing ]", pattern[i:])
                ch = pattern[j]
                if ch == "]" and not first:
                    break
                first = False
                if pattern.startswith("[:", j):
                    close = pattern.find(":]", j + 2)
                    if close >= 0:
                        j = close + 2
                        prev_char = None
                        continue
                if ch == "\\":
                    if j + 1 >= n:
                        return _err("missing closing ]", pattern[i:])
                    j += 2
                    prev_char = None
                    continue
                if ch == "-" and prev_char is not None and j + 1 < n and pattern[j + 1] != "]":
                    hi = pattern[j + 1]
                    if hi == "\\":
                        j += 1
                        prev_char = None
                        continue
                    if hi < prev_char:
                        return _err("invalid character class range", f"{prev_char}-{hi}")
                    j += 2
                    prev_char = None
                    continue
                prev_char = ch
                j += 1
            i = j + 1
            can_repeat, last_was_repeat = True, False
            continue
        if c == "(":
            if pattern.startswith("(?", i):
                if pattern.startswith("(?P<", i) or pattern.startswith("(?<", i):
                    start = i + (4 if pattern[i + 2] == "P" else 3)
                    end = pattern.find(">", start)
                    if end < 0:
                        return _err("invalid named capture", pattern[i:])
                    if not _NAME.fullmatch(pattern[start:end]):
                        return _err("invalid named capture", pattern[i : end + 1])
                    i = end + 1
                    depth += 1
                    can_repeat = False
                    continue
                m = _FLAGS.match(pattern, i)
                if m is None or m.group(1).endswith("-") or m.group(1).count("-") > 1:
                    end = pattern.find(")", i)
                    frag = pattern[i : (end + 1 if end >= 0 else i + 3)]
                    if m is None:
                        frag = pattern[i : i + 3]
                    return _err("invalid or unsupported Perl syntax", frag)
                i = m.end()
                if m.group(2) == ":":
                    depth += 1
                can_repeat = m.group(2) != ":" and can_repeat
                last_was_repeat = False
                continue
            depth += 1
            i += 1
            can_repeat, last_was_repeat = False, False
            continue
        if c == ")":
            if depth == 0:
                return _err("unexpected )", pattern)
            depth -= 1
            i += 1
            can_repeat, last_was_repeat = True, False
            continue
        if c == "|":
            i += 1
            can_repeat, last_was_repeat = False, False
            continue
        if c in "*+?" or (c == "{" and _REPEAT.match(pattern, i)):
            if c == "{":
                m = _REPEAT.match(pattern, i)
                assert m is not None
                op = m.group(0)
                lo = int(m.group(1))
                hi = m.group(3)
                if lo > 1000 or (hi and int(hi) > 1000) or (hi and int(hi) < lo):
                    return _err("invalid repeat count", op)
                end = m.end()
            else:
                end = i + 1
                op = c
            if end < n and pattern[end] == "?":
                end += 1
                op = pattern[i:end]
            if last_was_repeat:
                prev_start = i - 1
                return _err("invalid nested repetition operator", pattern[prev_start:end])
            if not can_repeat:
                return _err("missing argument to repetition operator", op)
            i = end
            last_was_repeat = True
            continue
        i += 1
        can_repeat = c not in "^$" or True
        last_was_repeat = False
    if depth > 0:
        return _err("missing closing )", pattern)
    return None
