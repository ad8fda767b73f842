"""The ``| logfmt`` stage (``--strict``, ``--keep-empty``, parameters).

In: a :class:`~logcopilot.logql.ast.LogfmtParser`. Out: a stage adding ``key=value`` pairs
as labels (corpus note 16).

Grammar: pairs separated by bytes ``<= ' '``; a key is a run of bytes other than ``=``,
``"`` and spaces; a value is bare (up to the next space) or double-quoted with escapes.
A bare word or an empty value is dropped unless ``--keep-empty`` (then it is ``""``).
On a syntax error the default mode silently stops (earlier pairs are kept);
``--strict`` also sets ``LogfmtParserErr`` with ``logfmt syntax error at pos N : <msg>``.
With parameters only the named keys are extracted (``lvl="level"`` renames), and a
key the line lacks gives ``""``.
"""

from __future__ import annotations

import re

from logcopilot.engine.stages.jsonscan import JsonScanError, unescape
from logcopilot.engine.stages.labels import LineState, add_parsed, sanitize_key
from logcopilot.logql.ast import LogfmtParser

__all__ = ["LogfmtStage", "scan_logfmt"]

LOGFMT_ERR = "LogfmtParserErr"


def _unquote(body: str) -> str | None:
    """A quoted value's body decoded; None when an escape is bad. Loki's logfmt decoder
    unquotes with encoding/json's rules, so the JSON stage's decoder is reused."""
    try:
        return unescape(body)
    except JsonScanError:
        return None


# Control bytes that logfmt treats as separators but str.split() does not.
_CTRL = re.compile("[\x00-\x08\x0e-\x1b]")


def _split_fast(line: str) -> list[tuple[str, str | None]] | None:
    """Pairs of a well-formed ASCII line using C-speed ``str.split``; None when the line
    has anything unusual (escapes, stray quotes or ``=``, control bytes, non-ASCII), which
    then goes through the exact scanner."""
    if not line.isascii() or _CTRL.search(line):
        return None
    out: list[tuple[str, str | None]] = []
    if '"' not in line:
        for tok in line.split():
            key, eq, val = tok.partition("=")
            if not key or "=" in val:
                return None
            out.append((key, val if eq else None))
        return out
    if "\\" in line:
        return None
    parts = line.split('"')
    last = len(parts) - 1
    if last % 2:
        return None  # an unterminated quote
    pending = ""
    for i, seg in enumerate(parts):
        if i % 2:
            out.append((pending, seg))
            continue
        if i and seg and seg[0] > " ":
            return None  # text glued to a closing quote
        toks = seg.split()
        if i < last:
            # The segment must end with "key=" right before the opening quote.
            if not seg or seg[-1] <= " " or not toks:
                return None
            key, eq, val = toks.pop().partition("=")
            if not key or not eq or val:
                return None
            pending = key
        for tok in toks:
            key, eq, val = tok.partition("=")
            if not key or "=" in val:
                return None
            out.append((key, val if eq else None))
    return out


def scan_logfmt(line: str, wanted: frozenset[str] | None = None) -> tuple[list[tuple[str, str | None]], str | None]:
    """Split a line into ``(key, value)`` pairs (value None for a bare key).

    Stops at the first syntax error and returns its message (1-based byte position), and
    stops early once every key of ``wanted`` has been seen.
    """
    pairs = _split_fast(line)
    if pairs is not None:
        # A well-formed line has no error to stop before, so reading it all is the same.
        return pairs, None
    return _scan_exact(line, wanted)


_SPACES = re.compile(r"[\x00-\x20]*")
_WORD = re.compile(r'[^\x00-\x20="]*')
_QUOTED_BODY = re.compile(r'(?:[^"\\]|\\.)*', re.S)


def _run_end(rx: re.Pattern[str], line: str, p: int) -> int:
    """Where the run ``rx`` matches from ``p`` ends; these patterns may match empty, so never fail."""
    m = rx.match(line, p)
    return p if m is None else m.end()


def _scan_exact(line: str, wanted: frozenset[str] | None) -> tuple[list[tuple[str, str | None]], str | None]:
    """The general scanner: slower, but exact about where and why a line is invalid."""
    pairs: list[tuple[str, str | None]] = []
    n = len(line)
    p = 0
    remaining = set(wanted) if wanted else None
    while True:
        p = _run_end(_SPACES, line, p)
        if p >= n:
            break
        start = p
        p = _run_end(_WORD, line, p)
        c = line[p] if p < n else ""
        if c == '"':
            return pairs, _err(line, p, "unexpected '\"'")
        if c == "=" and p == start:
            return pairs, _err(line, p, "unexpected '='")
        key = line[start:p]
        if c != "=":
            pairs.append((key, None))
            continue
        p += 1  # past '='
        c = line[p] if p < n else ""
        if c == "" or c <= " ":
            pairs.append((key, ""))
        elif c == '"':
            q = _run_end(_QUOTED_BODY, line, p + 1)
            if q >= n or line[q] != '"':
                return pairs, _err(line, n, "unterminated quoted value")
            body = line[p + 1 : q]
            value = _unquote(body) if "\\" in body else body
            if value is None:
                return pairs, _err(line, q + 1, "invalid quoted value")
            pairs.append((key, value))
            p = q + 1
        else:
            vstart = p
            p = _run_end(_WORD, line, p)
            if p < n and line[p] in '="':
                return pairs, _err(line, p, f"unexpected '{line[p]}'")
            pairs.append((key, line[vstart:p]))
        if remaining is not None:
            remaining.discard(sanitize_key(key))
            if not remaining:
                break
    return pairs, None


def _err(line: str, char_pos: int, msg: str) -> str:
    byte_pos = len(line[:char_pos].encode("utf-8", "surrogateescape")) + 1  # 1-based
    return f"logfmt syntax error at pos {byte_pos} : {msg}"


class LogfmtStage:
    """``| logfmt [--strict] [--keep-empty] [params]``."""

    __slots__ = ("hints", "keep_empty", "params", "strict", "wanted")

    def __init__(self, node: LogfmtParser, hints: frozenset[str] | None = None) -> None:
        self.strict = node.strict
        self.keep_empty = node.keep_empty
        # params: source key -> label name
        self.params = {(p.expression if p.expression is not None else p.name): p.name for p in node.params}
        self.hints = hints
        wanted: set[str] | None = None
        if self.params:
            wanted = {sanitize_key(k) for k in self.params}
        elif hints is not None:
            wanted = set()
            for h in hints:
                wanted.add(h[: -len("_extracted")] if h.endswith("_extracted") else h)
        self.wanted = frozenset(wanted) if wanted is not None else None

    def process(self, state: LineState) -> bool:
        if self.wanted is not None and not self.wanted:
            return True
        if not self.params and self.wanted is None:
            fast = self._fast_all(state.line)
            if fast is not None:
                add_parsed(state, fast, self.hints)
                return True
            raw, err = _scan_exact(state.line, None)
        else:
            raw, err = scan_logfmt(state.line, self.wanted)
        keep_empty = self.keep_empty
        pairs: list[tuple[str, str]] = []
        params = self.params
        for key, value in raw:
            if not value:
                if not keep_empty:
                    continue
                value = ""
            if params:
                name = params.get(key)
                if name is None:
                    continue
                pairs.append((name, value))
            else:
                pairs.append((sanitize_key(key), value))
        if params:
            # Every requested key becomes a label, "" when the line lacks it.
            found = {name for name, _ in pairs}
            pairs.extend((name, "") for name in params.values() if name not in found)
        add_parsed(state, pairs, self.hints if not params else None)
        if err is not None and self.strict:
            state.set_error(LOGFMT_ERR, err)
        return True

    def _fast_all(self, line: str) -> list[tuple[str, str]] | None:
        """Labels of a well-formed line in one pass; None sends the line to the exact path."""
        raw = _split_fast(line)
        if raw is None:
            return None
        keep_empty = self.keep_empty
        pairs: list[tuple[str, str]] = []
        append = pairs.append
        for key, value in raw:
            if value:
                append((sanitize_key(key), value))
            elif keep_empty:
                append((sanitize_key(key), ""))
        return pairs
