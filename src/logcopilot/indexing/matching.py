"""Match messages against known templates and extract their parameter values.

In: templates (id, text with ``<*>`` placeholders), e.g. a Loghub ``*_templates.csv`` with
``EventId,EventTemplate``; messages. Out: for each message, the matching template id and
the values of its ``<*>`` slots, or None.

Each template compiles to an anchored regex: literal text is escaped, runs of spaces match
any whitespace run, and each ``<*>`` is a lazy group ``(.*?)`` (the Loghub convention). When
several templates match, the most specific wins: the one with the most literal characters,
so ``Failed password for invalid user <*>`` beats ``Failed password for <*>``.

Example::

    >>> m = TemplateMatcher([("E1", "Accepted password for <*> from <*> port <*> ssh2")])
    >>> m.match("Accepted password for fztu from 1.2.3.4 port 22 ssh2")
    ('E1', ['fztu', '1.2.3.4', '22'])
"""

from __future__ import annotations

import csv
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from logcopilot.errors import InputError

__all__ = [
    "CompiledTemplate",
    "TemplateMatcher",
    "extract_params",
    "load_templates_csv",
    "read_loghub_csv",
    "template_regex",
]

VAR = "<*>"
_SPACES = re.compile(r"\s+")


def template_regex(template: str, *, strict: bool = False) -> str:
    """The anchored regex of a template: escaped literals, ``(.*?)`` per ``<*>``.

    ``strict``: a variable cannot span whitespace (``(\\S*?)``), so the line must have the
    template's shape word for word; used for mined templates, whose variables are words.
    """
    parts = []
    for literal in template.strip().split(VAR):
        pieces = _SPACES.split(literal)
        parts.append(r"\s+".join(re.escape(p) for p in pieces))
    return "^" + (r"(\S*?)" if strict else "(.*?)").join(parts) + "$"


@dataclass(frozen=True)
class CompiledTemplate:
    template_id: str
    template: str
    regex: re.Pattern[str]  # extracts the parameters
    match_regex: re.Pattern[str]  # decides whether a line has this template (strict or not)
    literal_chars: int
    first_word: str | None  # the message must start with it (None: starts with a variable)


def _compile(template_id: str, template: str, strict: bool) -> CompiledTemplate:
    text = _SPACES.sub(" ", template.strip())
    try:
        rx = re.compile(template_regex(text), re.DOTALL)
        mx = re.compile(template_regex(text, strict=True), re.DOTALL) if strict else rx
    except re.error as exc:  # re.escape makes this unreachable short of catastrophic input
        raise InputError(f"template {template_id}: cannot compile: {exc}") from None
    literal = len(text.replace(VAR, "").replace(" ", ""))
    head = text.split(" ", 1)[0]
    first = None if VAR in head else head
    return CompiledTemplate(template_id, text, rx, mx, literal, first)


def extract_params(template: str, message: str) -> list[str] | None:
    """The values of ``template``'s slots in ``message``, or None when it does not match."""
    m = re.match(template_regex(template), message.strip(), re.DOTALL)
    return list(m.groups()) if m else None


class TemplateMatcher:
    """Many templates, one lookup per message (bucketed by the message's first word)."""

    def __init__(self, templates: Iterable[tuple[str, str]] = (), *, strict: bool = False) -> None:
        self._by_first: dict[str, list[CompiledTemplate]] = defaultdict(list)
        self._open: list[CompiledTemplate] = []  # templates starting with a variable
        self.templates: dict[str, CompiledTemplate] = {}
        for tid, text in templates:
            self.add(tid, text, strict=strict)

    def __len__(self) -> int:
        return len(self.templates)

    def add(self, template_id: str, template: str, *, strict: bool = False) -> None:
        ct = _compile(template_id, template, strict)
        old = self.templates.get(template_id)
        if old is not None:
            self._remove(old)
        self.templates[template_id] = ct
        bucket = self._by_first[ct.first_word] if ct.first_word is not None else self._open
        bucket.append(ct)
        bucket.sort(key=lambda c: (-c.literal_chars, c.template_id))

    def _remove(self, ct: CompiledTemplate) -> None:
        bucket = self._by_first[ct.first_word] if ct.first_word is not None else self._open
        bucket.remove(ct)

    def match(self, message: str) -> tuple[str, list[str]] | None:
        msg = message.strip()
        first = msg.split(None, 1)[0] if msg else ""
        best: tuple[CompiledTemplate, list[str]] | None = None
        for bucket in (self._by_first.get(first, ()), self._open):
            for ct in bucket:
                if best is not None and ct.literal_chars <= best[0].literal_chars:
                    break  # buckets are sorted: nothing later is more specific
                if ct.match_regex.match(msg):
                    m = ct.regex.match(msg) if ct.match_regex is not ct.regex else ct.match_regex.match(msg)
                    best = (ct, list(m.groups()) if m else [])
                    break
        return (best[0].template_id, best[1]) if best else None

    def match_all(self, messages: Sequence[str]) -> list[tuple[str, list[str]] | None]:
        return [self.match(m) for m in messages]


def read_loghub_csv(path: Path, required: tuple[str, ...], what: str) -> list[dict[str, str]]:
    """The rows of a Loghub CSV (templates or structured), after checking its columns.

    ``what`` names the file in the error (``no such templates file: x.csv``).
    """
    if not path.is_file():
        raise InputError(f"no such {what}: {path}")
    csv.field_size_limit(sys.maxsize)  # Loghub contents can exceed csv's 128 KiB default
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        for need in required:
            if need not in cols:
                raise InputError(f"{path}: no {need} column (has {', '.join(cols) or 'nothing'})")
        return list(reader)


def load_templates_csv(path: str | Path) -> list[tuple[str, str]]:
    """(EventId, EventTemplate) rows of a Loghub templates CSV (or a structured CSV)."""
    p = Path(path)
    seen: dict[str, str] = {}
    for i, row in enumerate(read_loghub_csv(p, ("EventTemplate",), "templates file"), start=1):
        text = (row.get("EventTemplate") or "").strip()
        if not text:
            continue
        tid = (row.get("EventId") or "").strip() or f"E{i}"
        if tid in seen and seen[tid] != text:
            raise InputError(f"{p}: EventId {tid} names two templates")
        seen[tid] = text
    if not seen:
        raise InputError(f"{p}: no templates")
    return list(seen.items())
