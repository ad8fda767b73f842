"""Header fields as values a question can ask about: ``Pid``, ``TraceID``, ``Logger``...

In: the ``SystemContext`` (the format the system was ingested with). Out: for each header
field of the line format (or of a JSON log's message format) that a regex can pull out of a
raw stored line, its snake_case name and a ``| regexp`` pattern with one named group.

Templates describe the message (``Content``); values in the header (a process id in
``sshd[<Pid>]``, a trace id in ``TraceID: <TraceID>``) are not template parameters, yet
"how many distinct trace ids" is a fair question. A field is extractable when a distinctive
literal sits right before it in the format (``TraceID: ``, ``sshd[``), or, for plain header
formats, by its position among the whitespace-separated header words.

Example::

    header_fields(ctx)["trace_id"]   # 'TraceID: (?P<trace_id>[^\\s"]+)'
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

from logcopilot.answering.retrieval import SystemContext
from logcopilot.errors import LogCopilotError

__all__ = ["field_name", "header_fields"]

_SKIP = re.compile(r"^(?:Content|Date|Time|Day|Clock|Timestamp|Month|Year)$", re.IGNORECASE)


def field_name(field: str) -> str:
    """``TraceID`` -> ``trace_id``, ``LineNo`` -> ``line_no``, ``Pid`` -> ``pid``."""
    parts = re.findall(r"[A-Z]+(?=[A-Z][a-z]|$)|[A-Z]?[a-z]+|\d+", field)
    return "_".join(p.lower() for p in parts) or field.lower()


def _plain(lit: str) -> str:
    return re.sub(r"\\(.)", r"\1", lit)


def _from_spec(spec: str, anchored: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    pieces = re.split(r"(<[A-Za-z_][A-Za-z0-9_]*>)", spec)
    for i, piece in enumerate(pieces):
        m = re.fullmatch(r"<([A-Za-z_][A-Za-z0-9_]*)>", piece)
        if not m or _SKIP.match(m.group(1)):
            continue
        name = field_name(m.group(1))
        before = _plain(pieces[i - 1]) if i > 0 else ""
        after = _plain(pieces[i + 1]) if i + 1 < len(pieces) else ""
        stop = after[:1] if after[:1] and not after[:1].isspace() else ""
        tail_spec = "".join(pieces[i + 1:])
        opt = re.match(r"\((.*?)\)\?", tail_spec)
        if opt:  # an optional group follows ("(\[<PID>\])?: "): stop at its start or at what follows it
            inner, rest = _plain(opt.group(1))[:1], _plain(tail_spec[opt.end():])[:1]
            stop = "".join(c for c in (inner, rest) if c and not c.isspace() and c not in "()?<")
        value = rf"[^\s\"{re.escape(stop)}]+" if stop else r"[^\s\"]+"
        lit = before.split()[-1] if before.strip() else ""
        if lit and re.search(r"[A-Za-z\[(:#=]", lit):
            # a distinctive literal right before the field (multi-word if it ends with ': ')
            tail = before[-12:] if before.endswith(" ") else lit
            out[name] = re.escape(tail.lstrip()).replace(r"\ ", r"\s+") + f"(?P<{name}>{value})"
        elif anchored and i > 0:
            words_before = len(re.findall(r"<[A-Za-z_]", "".join(pieces[:i])))
            if re.fullmatch(r"[\s<>A-Za-z0-9_]*", "".join(pieces[:i])) is not None:
                out[name] = r"^" + r"\S+\s+" * words_before + f"(?P<{name}>{value})"
    return out


def header_fields(ctx: SystemContext) -> dict[str, str]:
    """Extractable header fields of the system's format: name -> regex with one named group."""
    from logcopilot.ingest.formats import format_for_system

    try:
        preset: Any = format_for_system(ctx.store, ctx.system)
    except (LogCopilotError, duckdb.Error):  # a stored format that no longer resolves: no fields
        return {}
    if preset is None:
        return {}
    found: dict[str, str] = {}
    msg_fmt = getattr(preset, "message_format", None)
    if msg_fmt:
        found.update(_from_spec(str(msg_fmt), anchored=False))
    fmt = getattr(preset, "format", None)
    if fmt and getattr(preset, "kind", "header") == "header":
        for k, v in _from_spec(str(fmt), anchored=True).items():
            found.setdefault(k, v)
    for label in ctx.labels:
        found.pop(label, None)  # a stream label is the better way to group by it
    return found


_VALUES_CACHE: dict[tuple[int, str], dict[str, set[str]]] = {}


def field_values(ctx: SystemContext, sample: int = 20000) -> dict[str, set[str]]:
    """Values each header field takes in (a sample of) the system's lines: name -> values.

    Systems ingested without component/host labels still name them in every line's header;
    a question naming one ("how many lines did ntpd write") is matched against these."""
    key = (id(ctx.store), ctx.system)
    if key in _VALUES_CACHE:
        return _VALUES_CACHE[key]
    fields = header_fields(ctx)
    out: dict[str, set[str]] = {name: set() for name in fields}
    if fields:
        try:
            rows = ctx.store.cursor().execute(
                "SELECT line FROM entries WHERE stream_id IN (SELECT stream_id FROM streams "
                "WHERE json_extract_string(labels, '$.system') = ?) LIMIT ?", [ctx.system, sample]).fetchall()
        except duckdb.Error:  # a store that cannot be read: no values, the question still gets answered
            rows = []
        compiled = {name: re.compile(rx) for name, rx in fields.items()}
        for (line,) in rows:
            for name, rx in compiled.items():
                m = rx.search(line)
                if m and len(out[name]) < 5000:
                    out[name].add(m.group(name))
    _VALUES_CACHE[key] = out
    return out


def field_value_regex(ctx: SystemContext, name: str, value: str) -> str:
    """A line regex selecting lines whose header field ``name`` is exactly ``value`` (RE2-safe:
    the value followed by one of the field's stop characters or the end of the line)."""
    rx = header_fields(ctx).get(name, "")
    m = re.search(rf"\(\?P<{re.escape(name)}>\[\^(.*?)\]\+\)", rx)
    if not m:
        return ""
    return rx[: m.start()] + re.escape(value) + f"(?:[{m.group(1)}]|$)" + rx[m.end():]
