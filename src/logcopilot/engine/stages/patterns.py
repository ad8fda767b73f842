"""Loki patterns (``<_> status=<code> <_>``): the ``|>`` line filter and the ``pattern`` parser.

In: the pattern text. Out: :class:`CompiledPattern` with ``test(line) -> bool`` (filter)
and ``extract(line) -> list[(name, value)] | None`` (parser).

A pattern is literals and captures ``<name>`` (``<_>`` captures nothing). A ``<`` that does
not open a valid capture is literal text. Matching goes left to right taking the *first*
occurrence of each literal, so a capture is the shortest text up to the next literal:

- filter (corpus note 13, spec L3): a leading literal is searched anywhere; every capture
  takes at least one character; when the pattern ends with a literal, it must end the line;
- parser (note 19): a leading literal must start the line, else the line gets no labels;
  a capture reads up to the next literal; when that literal is missing, the capture takes
  the rest of the line and later captures stay unset; the last capture runs to the end.
"""

from __future__ import annotations

import re

__all__ = ["CompiledPattern", "compile_pattern"]

_CAPTURE = re.compile(r"<(_|[A-Za-z_][A-Za-z0-9_]*)>")


class CompiledPattern:
    """Literals and captures of one pattern, in order."""

    __slots__ = ("names", "parts")

    def __init__(self, parts: list[tuple[bool, str]]) -> None:
        # parts: (is_capture, text); for a capture, text is the name ("_" = unnamed)
        self.parts = parts
        self.names = [t for c, t in parts if c and t != "_"]

    def test(self, line: str) -> bool:
        parts = self.parts
        if not line or not parts:
            return False
        idx = 0
        i = 0
        if not parts[0][0]:
            lit = parts[0][1]
            found = line.find(lit)
            if found < 0:
                return False
            idx = found + len(lit)
            i = 1
        n = len(parts)
        while i < n:
            if i == n - 1:  # ends on a capture, which must not be empty
                return idx < len(line)
            lit = parts[i + 1][1]
            # A capture matches at least one character.
            found = line.find(lit, idx + 1)
            if found < 0:
                return False
            idx = found + len(lit)
            i += 2
        return idx == len(line)

    def extract(self, line: str) -> list[tuple[str, str]] | None:
        parts = self.parts
        if not line or not parts:
            return None
        idx = 0
        i = 0
        if not parts[0][0]:
            lit = parts[0][1]
            if not line.startswith(lit):
                return None
            idx = len(lit)
            i = 1
        out: list[tuple[str, str]] = []
        n = len(parts)
        while i < n:
            name = parts[i][1]
            if i == n - 1:
                if name != "_":
                    out.append((name, line[idx:]))
                return out
            lit = parts[i + 1][1]
            found = line.find(lit, idx)
            if found < 0:
                # The next literal is missing: this capture takes the rest and matching
                # stops there (later captures stay unset).
                if name != "_":
                    out.append((name, line[idx:]))
                return out
            if name != "_":
                out.append((name, line[idx:found]))
            idx = found + len(lit)
            i += 2
        return out


def compile_pattern(pattern: str) -> CompiledPattern:
    """Split a pattern into literals and captures (adjacent literals merged)."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    for m in _CAPTURE.finditer(pattern):
        if m.start() > pos:
            parts.append((False, pattern[pos : m.start()]))
        parts.append((True, m.group(1)))
        pos = m.end()
    if pos < len(pattern):
        parts.append((False, pattern[pos:]))
    return CompiledPattern(parts)
