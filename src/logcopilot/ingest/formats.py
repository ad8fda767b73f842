"""Loghub-style header formats: ``<Date> <Time> <Pid> <Level> <Component>: <Content>``.

In: a format string. Out: a ``LogFormat`` that splits a raw line into its header fields and
the ``Content`` (``parse``), plus the RE2 pattern the SQL ingest path uses to pull out only the
fields it needs (``sql_pattern``).

The compilation follows the Loghub/Drain convention exactly, because the ground-truth
templates and the Loki conformance corpus were made with it:

- each ``<Field>`` becomes ``(?P<Field>.*?)``;
- each run of literal spaces becomes ``\\s+``;
- other literal text is regex text as it stands (``\\[`` stays escaped, ``( \\(<X>\\))?`` is an
  optional group);
- the whole is anchored with ``^...$``.

Example::

    >>> fmt = compile_format("<Date> <Time> <Pid> <Level> <Component>: <Content>")
    >>> fmt.parse("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating")["Component"]
    'dfs.DataNode$PacketResponder'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from logcopilot.errors import IngestError

if TYPE_CHECKING:
    from logcopilot.engine.store import Store
    from logcopilot.ingest.presets import Preset

__all__ = ["LogFormat", "compile_format", "format_for_system"]

_FIELD_RE = re.compile(r"(<[^<>]+>)")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LITERAL_GROUP = re.compile(r"(?<!\\)\((?!\?)")  # a capturing "(" (not "\(", not "(?")


@dataclass(frozen=True)
class LogFormat:
    """A compiled Loghub-style format. ``fields`` are in the order they appear."""

    spec: str
    fields: tuple[str, ...]
    pattern: str  # the full Loghub regex, Python/RE2 syntax, anchored ^...$
    _pieces: tuple[tuple[bool, str], ...] = field(repr=False, compare=False, default=())

    @property
    def regex(self) -> re.Pattern[str]:
        return _compiled(self.pattern)

    def parse(self, line: str) -> dict[str, str] | None:
        """Split one raw line into ``{field: value}`` (``Content`` included), or None.

        A multi-line entry (a header line with continuation lines attached by ingest) is
        parsed by its first physical line; the rest is appended to ``Content``.
        """
        head, nl, rest = line.partition("\n")
        m = self.regex.match(head)
        if m is None:
            return None
        out = {k: (v if v is not None else "") for k, v in m.groupdict().items()}
        if nl and "Content" in out:
            out["Content"] = out["Content"] + "\n" + rest
        return out

    def sql_pattern(self, needed: Sequence[str]) -> tuple[str, list[str]]:
        """An RE2 pattern that captures only ``needed`` fields, plus the group names in order.

        The first group always spans the whole matched header, so an empty first group
        means "no match" (RE2's ``regexp_extract`` returns '' for both). Text after the last
        needed field's following literal is cut when the format ends in ``<Content>``:
        ``(.*?)$`` matches any single line, so the cut does not change which lines match,
        and RE2 stops scanning early.
        """
        want = set(needed)
        missing = want - set(self.fields)
        if missing:
            raise IngestError(f"format {self.spec!r} has no field {sorted(missing)[0]!r}")
        pieces = list(self._pieces)
        if pieces and pieces[-1] == (True, "Content"):
            # keep everything up to and including the literal that precedes Content
            pieces = pieces[:-1]
        out: list[str] = []
        names: list[str] = ["__match"]
        for is_field, text in pieces:
            if not is_field:
                # groups in the literal text (``(\[<PID>\])?``) must not shift the positions
                out.append(_LITERAL_GROUP.sub("(?:", text))
            elif text in want and text not in names:
                out.append("(.*?)")
                names.append(text)
            else:
                out.append("(?:.*?)")
        body = "".join(out)
        tail = "" if len(pieces) < len(self._pieces) else "$"
        if "Content" in want and len(pieces) < len(self._pieces):
            body += "(.*?)"
            names.append("Content")
            tail = "$"
        # Named groups are turned into positional ones: RE2 in DuckDB extracts by position.
        return "^(" + body + ")" + tail, names

    def token_plan(self, needed: Sequence[str]) -> tuple[str, dict[str, tuple[int, int, int]]] | None:
        """A faster plan for the common case, or None: a tight RE2 check plus token positions.

        When the header words are separated by single spaces and hold no other whitespace,
        ``string_split(line, ' ')`` cuts them, and a needed field is word ``k`` minus a plain
        literal prefix and suffix (``<Component>:`` -> word 5 without ``:``). The check is
        the format with each field as ``\\S*`` and each space as one space; RE2 runs it as a
        DFA, with no submatch extraction, which is what makes the bulk path fast.

        Why the result equals the Loghub regex's: when the tight check matches, the path it
        describes (each field ends at its word's end, each ``\\s+`` is one space) is the first
        path in the lazy regex's priority order that can match, so Loghub picks the same
        values. Lines that fail the check go to the exact regex. Returns the check pattern and
        ``{field: (1-based word index, prefix chars, suffix chars)}``.
        """
        parts = _FIELD_RE.split(self.spec)
        if parts and parts[-1] == "" and len(parts) >= 2 and parts[-2] == "<Content>":
            parts = parts[:-2]  # the trailing (.*?)$ matches any line: not checked
            tail = ""
        else:
            tail = "$"
        words: list[list[tuple[bool, str]]] = [[]]
        for k, part in enumerate(parts):
            if k % 2 == 1:
                words[-1].append((True, part[1:-1]))
                continue
            chunks = part.split(" ")
            for j, chunk in enumerate(chunks):
                if j > 0:
                    words.append([])
                if chunk:
                    words[-1].append((False, chunk))
        plan: dict[str, tuple[int, int, int]] = {}
        regex_words: list[str] = []
        for index, word in enumerate(words, start=1):
            fields = [text for is_field, text in word if is_field]
            regex_words.append("".join(r"\S*" if f else _LITERAL_GROUP.sub("(?:", t) for f, t in word))
            wanted = [f for f in fields if f in needed]
            if not wanted:
                continue
            if len(fields) != 1:
                return None
            pos = [i for i, (f, _) in enumerate(word) if f][0]
            before, after = word[:pos], word[pos + 1 :]
            pre = _plain("".join(t for _, t in before))
            suf = _plain("".join(t for _, t in after))
            if pre is None or suf is None or len(before) > 1 or len(after) > 1:
                return None
            plan[fields[0]] = (index, len(pre), len(suf))
        if set(plan) != set(needed):
            return None
        trailing_space = " " if parts and parts[-1].endswith(" ") and tail == "" else ""
        pattern = "^" + " ".join(regex_words).rstrip() + trailing_space + tail
        return pattern, plan


def _plain(literal: str) -> str | None:
    """The characters a regex literal matches, or None when it is not plain text."""
    out: list[str] = []
    i = 0
    while i < len(literal):
        c = literal[i]
        if c == "\\" and i + 1 < len(literal) and not literal[i + 1].isalnum():
            out.append(literal[i + 1])
            i += 2
            continue
        if c in ".^$*+?()[]{}|\\":
            return None
        out.append(c)
        i += 1
    return "".join(out)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@lru_cache(maxsize=256)
def compile_format(spec: str) -> LogFormat:
    """Compile a Loghub-style format string (see the module docstring)."""
    if not spec or "<" not in spec:
        raise IngestError(f"not a log format (no <Field>): {spec!r}")
    pieces: list[tuple[bool, str]] = []
    regex = ""
    fields: list[str] = []
    for k, part in enumerate(_FIELD_RE.split(spec)):
        if k % 2 == 0:
            literal = re.sub(" +", r"\\s+", part)
            if literal:
                pieces.append((False, literal))
            regex += literal
        else:
            name = part[1:-1]
            if not _NAME_RE.match(name):
                raise IngestError(f"bad field name <{name}> in format {spec!r}")
            if name in fields:
                raise IngestError(f"field <{name}> appears twice in format {spec!r}")
            fields.append(name)
            pieces.append((True, name))
            regex += f"(?P<{name}>.*?)"
    pattern = "^" + regex + "$"
    try:
        re.compile(pattern)
    except re.error as exc:
        raise IngestError(f"format {spec!r} is not a valid pattern: {exc}") from None
    return LogFormat(spec=spec, fields=tuple(fields), pattern=pattern, _pieces=tuple(pieces))


def format_for_system(store: Store, system: str) -> Preset | None:
    """The format the newest ingest of ``system`` used, or None when it was never ingested.

    ``sources.format`` holds the preset name, or ``custom|<spec>`` for a user's format. The
    result's ``parse(line)`` splits a stored line into header fields and ``Content`` (for
    JSON lines: the mapped keys, and the message split by the preset's message format);
    the template miner mines ``Content``.
    """
    from logcopilot.ingest.presets import resolve_format  # local: presets imports this module

    row = (
        store.cursor()
        .execute(
            "SELECT format FROM sources WHERE system = ? AND format IS NOT NULL "
            "ORDER BY source_id DESC LIMIT 1",
            [system.lower()],
        )
        .fetchone()
    )
    if row is None:
        return None
    name, _, spec = str(row[0]).partition("|")
    return resolve_format(spec or name)
