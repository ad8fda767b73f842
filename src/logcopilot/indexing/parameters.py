"""Parameters stage: what each ``<*>`` slot of each template holds.

In: the templates of a system and the ``params`` of every entry (filled by the templates stage).
Out: one ``Parameter`` per slot -- a LogQL-safe name taken from the words around the slot
(``user``, ``ip``, ``port``, ``block_id``, ``size``, ``duration``...), a type read from the
values (``ip``, ``ip:port``, ``int``, ``float``, ``hex``, ``uuid``, ``path``, ``duration``,
``size``, ``string``...), examples, distinct count and numeric range -- written to the
``parameters`` and ``parameter_values`` tables. The LogQL recipes are built and verified by
``indexing.recipes``.

Naming is general, not tuned to a log: ``key=<*>`` / ``key: <*>`` name the slot after the key;
a unit after the slot (``<*> ms``, ``<*> bytes``) names it ``duration``/``size``; otherwise the
noun before it; a slot after a preposition (``from <*>``) borrows the name of a confidently
named slot of another template that shares its values (``Failed password for <*>`` shares its
values with ``Invalid user <*>``, so it is ``user``), else its type names it.

Example::

    >>> slot_names("Failed password for <*> from <*> port <*> ssh2", [["root"], ["1.2.3.4"], ["22"]])
    [('for', False), ('ip', True), ('port', True)]
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from logcopilot.engine.store import Store
from logcopilot.indexing.knowledge import TemplateRow, load_templates, slot_values

__all__ = [
    "Parameter",
    "build_parameters",
    "infer_type",
    "load_parameters",
    "run_parameters",
    "sanitize_name",
    "slot_names",
    "split_template",
    "write_parameters",
]

SLOT = "<*>"
# (type, full-match regex), first match over all values wins; order = most specific first.
_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ip:port", re.compile(r"\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}")),
    ("ip", re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")),
    ("uuid", re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")),
    ("int", re.compile(r"[-+]?\d+")),
    ("float", re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")),
    ("duration", re.compile(r"[-+]?\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|msecs?|s|secs?|seconds?|m|mins?|minutes?|h|hours?)", re.I)),
    ("size", re.compile(r"\d+(?:\.\d+)?\s?(?:[KMGTP]i?B|[KMGTP]|B|bytes?)", re.I)),
    ("hex", re.compile(r"(?:0x[0-9a-fA-F]+|(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{6,})")),
    ("id", re.compile(r"[A-Za-z]+[_-]-?\d+")),
    ("url", re.compile(r"[a-zA-Z][\w+.-]*://\S+")),
    ("path", re.compile(r"(?:/[^\s/]*)+/?|[A-Za-z]:\\\S*")),
    ("host", re.compile(r"(?=.*[A-Za-z])[\w-]+(?:\.[\w-]+)+")),
    ("time", re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?")),
)
NUMERIC_TYPES = frozenset({"int", "float"})
ID_TYPES = frozenset({"uuid", "hex", "id"})
# Types informative enough to name a slot on their own.
_TYPE_NAMES = {"ip": "ip", "ip:port": "addr", "uuid": "uuid", "url": "url", "path": "path",
               "host": "host", "duration": "duration", "size": "size", "time": "time", "hex": "hex_id",
               "id": "id"}
_STOP = frozenset(
    "a an the for from to in on at of by with and or is was are be been as via into onto after before "
    "than per over under about this that these those it its not no new old all any some".split()
)
_UNITS = {
    "ms": "duration", "msec": "duration", "msecs": "duration", "millis": "duration", "s": "duration",
    "sec": "duration", "secs": "duration", "second": "duration", "seconds": "duration", "us": "duration",
    "ns": "duration", "min": "duration", "mins": "duration", "minutes": "duration", "hours": "duration",
    "bytes": "size", "byte": "size", "b": "size", "kb": "size", "mb": "size", "gb": "size", "kib": "size",
    "mib": "size", "gib": "size", "times": "count", "%": "percent", "percent": "percent",
}
# Names that are already ids or quantities: never suffixed with _id.
_NO_ID_SUFFIX = frozenset({"id", "pid", "uid", "gid", "tid", "port", "size", "count", "len", "length", "ip",
                           "addr", "host", "path", "url", "duration", "time", "hex_id", "uuid"})
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass
class Parameter:
    """One slot of one template."""

    template_id: str
    position: int
    name: str
    type: str
    examples: list[str] = field(default_factory=list)
    distinct_count: int = 0
    total: int = 0
    min_value: float | None = None
    max_value: float | None = None
    confident: bool = True  # name from the words around the slot (not borrowed, not by type)

    def to_dict(self) -> dict[str, object]:
        return {"template_id": self.template_id, "position": self.position, "name": self.name,
                "type": self.type, "examples": self.examples, "distinct_count": self.distinct_count,
                "total": self.total, "min_value": self.min_value, "max_value": self.max_value}


def split_template(template: str) -> list[str]:
    """The constant texts around the slots: ``n`` slots give ``n + 1`` pieces."""
    return template.split(SLOT)


def infer_type(values: Sequence[str]) -> str:
    """The most specific type every (non-empty) value has; ``string`` when none fits."""
    vals = [v for v in values if v != ""]
    if not vals:
        return "string"
    for name, rx in _TYPES:
        if all(rx.fullmatch(v) for v in vals):
            return name
    return "string"


def sanitize_name(word: str) -> str:
    """A valid LogQL label name: snake_case ASCII, starting with a letter."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", word)
    s = re.sub(r"[^A-Za-z0-9_]+", "_", s).strip("_").lower()
    s = re.sub(r"_+", "_", s)
    if not s or not s[0].isalpha():
        s = "p_" + s if s else "value"
    return s[:32].rstrip("_") or "value"


def _is_verb(word: str, ptype: str) -> bool:
    """A past-tense word ("updated:", "Received") names an action, not the value, when the type can."""
    return ptype in _TYPE_NAMES and len(word) > 4 and word.lower().endswith("ed")


def _name_from_context(before: str, after: str, ptype: str) -> tuple[str | None, bool]:
    """(name, confident) from the constant text before and after one slot."""
    # key=<*>, key: <*>, key = <*>, [key: <*>], key(<*>) -- the key names the value.
    m = re.search(r"([A-Za-z][\w.-]*)\s*(?:=|:|\(|#)\s*[\[\"'(/]?$", before)
    if m and not _is_verb(m.group(1), ptype) and m.group(1).lower() not in _STOP:
        return m.group(1).split(".")[-1], True
    # A unit right after the slot says what it measures.
    m = re.match(r"\s*([A-Za-z%]+)\b", after) or re.match(r"\s*(%)", after)
    if m and m.group(1).lower() in _UNITS:
        return _UNITS[m.group(1).lower()], True
    words = _WORD_RE.findall(before)
    prev = words[-1] if words and re.search(r"[A-Za-z0-9_]\W{0,2}$", before) else None
    if prev and prev.lower() not in _STOP and not _is_verb(prev, ptype):
        return prev, True
    if ptype in _TYPE_NAMES:
        return _TYPE_NAMES[ptype], True
    return (prev or None), False


def slot_names(template: str, values: Sequence[Sequence[str]]) -> list[tuple[str, bool]]:
    """Raw (unsanitized-suffix) names and confidence for each slot, from context and types."""
    pieces = split_template(template)
    out: list[tuple[str, bool]] = []
    types = [infer_type(values[i]) if i < len(values) else "string" for i in range(len(pieces) - 1)]
    for i, ptype in enumerate(types):
        if i and pieces[i] == ":" and ptype == "int" and types[i - 1] in ("ip", "host", "path"):
            out.append(("port", True))  # <host>:<n> is an address and its port
            continue
        name, confident = _name_from_context(pieces[i], pieces[i + 1], ptype)
        out.append((name or "value", confident))
    return out


def _finish_name(raw: str, ptype: str) -> str:
    name = sanitize_name(raw)
    if ptype in ID_TYPES and name not in _NO_ID_SUFFIX and not name.endswith("_id") and not name.endswith("id"):
        name += "_id"
    return name


def _numeric(ptype: str, values: Counter[str]) -> tuple[float | None, float | None]:
    if ptype not in NUMERIC_TYPES:
        return None, None
    nums = [float(v) for v in values if v != ""]
    return (min(nums), max(nums)) if nums else (None, None)


def build_parameters(
    templates: Sequence[TemplateRow],
    values: dict[tuple[str, int], Counter[str]],
    *,
    reserved: frozenset[str] = frozenset(),
    examples: int = 5,
) -> list[Parameter]:
    """Name and type every slot; weakly named slots borrow the name of a slot sharing values.

    ``values`` maps (template_id, position) to the value counts; ``reserved`` names (stream
    labels) get a ``_value`` suffix so an extracted label never collides with a stream label.
    """
    params: list[Parameter] = []
    for t in templates:
        n = t.template.count(SLOT)
        vals = [list(values.get((t.template_id, i), Counter())) for i in range(n)]
        for i, (raw, confident) in enumerate(slot_names(t.template, vals)):
            counter = values.get((t.template_id, i), Counter())
            ptype = infer_type(list(counter))
            lo, hi = _numeric(ptype, counter)
            params.append(Parameter(
                template_id=t.template_id, position=i, name=raw, type=ptype,
                examples=[v for v, _ in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:examples]], distinct_count=len(counter),
                total=sum(counter.values()), min_value=lo, max_value=hi, confident=confident,
            ))
    _borrow_names(params, values)
    by_template: dict[str, list[Parameter]] = {}
    for p in params:
        p.name = _finish_name(p.name, p.type) if p.confident else sanitize_name(p.name)
        if p.name in reserved:
            p.name += "_value"
        by_template.setdefault(p.template_id, []).append(p)
    for group in by_template.values():  # unique names within a template: ip, ip_2, ...
        seen: Counter[str] = Counter()
        for p in group:
            seen[p.name] += 1
            if seen[p.name] > 1:
                p.name = f"{p.name}_{seen[p.name]}"
    return params


def _borrow_names(params: list[Parameter], values: dict[tuple[str, int], Counter[str]],
                  sample: int = 200) -> None:
    """Give weak slots the name of the confident slot whose values contain most of theirs.

    An inverted index (value -> confident slots) keeps this linear; a weak slot is judged
    on up to ``sample`` of its most frequent values.
    """
    owners: dict[str, list[Parameter]] = {}
    for q in params:
        if q.confident:
            for v in values.get((q.template_id, q.position), ()):
                owners.setdefault(v, []).append(q)
    for p in params:
        if p.confident:
            continue
        mine = [v for v, _ in values.get((p.template_id, p.position), Counter()).most_common(sample)]
        hits: Counter[tuple[str, int]] = Counter()
        names: dict[tuple[str, int], str] = {}
        for v in mine:
            for q in owners.get(v, ()):
                if q.template_id != p.template_id:
                    hits[(q.template_id, q.position)] += 1
                    names[(q.template_id, q.position)] = q.name
        best = max(hits.items(), key=lambda kv: (kv[1], kv[0]), default=None)
        if best is not None and mine and best[1] / len(mine) >= 0.3:
            p.name, p.confident = names[best[0]], True
        else:
            p.name = _TYPE_NAMES.get(p.type, "number" if p.type in NUMERIC_TYPES else "value")


def write_parameters(store: Store, system: str, params: Sequence[Parameter],
                     values: dict[tuple[str, int], Counter[str]]) -> None:
    """Replace the system's rows in ``parameters`` and ``parameter_values``."""
    con = store.cursor()
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM parameters WHERE system = ?", [system])
    con.execute("DELETE FROM parameter_values WHERE system = ?", [system])
    # One statement per table (columns passed as lists and unnested): executemany is row by row.
    if params:
        con.execute(
            "INSERT INTO parameters SELECT ?, unnest(?::VARCHAR[]), unnest(?::INTEGER[]), unnest(?::VARCHAR[]), "
            "unnest(?::VARCHAR[]), unnest(?::VARCHAR[][]), unnest(?::BIGINT[]), unnest(?::BIGINT[]), "
            "unnest(?::DOUBLE[]), unnest(?::DOUBLE[])",
            [system, [p.template_id for p in params], [p.position for p in params], [p.name for p in params],
             [p.type for p in params], [p.examples for p in params], [p.distinct_count for p in params],
             [p.total for p in params], [p.min_value for p in params], [p.max_value for p in params]])
    rows = [(tid, pos, v, c) for (tid, pos), counter in values.items() for v, c in counter.items()]
    if rows:
        con.execute(
            "INSERT INTO parameter_values SELECT ?, unnest(?::VARCHAR[]), unnest(?::INTEGER[]), "
            "unnest(?::VARCHAR[]), unnest(?::BIGINT[])",
            [system, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows]])
    con.execute("COMMIT")


def run_parameters(store: Store, system: str, *, progress: Callable[[int, int], None] | None = None) -> list[Parameter]:
    """Compute and store the parameters of every template of ``system``."""
    templates = load_templates(store, system)
    values = slot_values(store, system)
    labels = {k for s in store.streams(None) if s.labels.get("system") == system for k in s.labels}
    params = build_parameters(templates, values, reserved=frozenset(labels) | {"__error__", "__line__"})
    write_parameters(store, system, params, values)
    if progress:
        progress(len(templates), len(templates))
    return params


def load_parameters(store: Store, system: str) -> list[Parameter]:
    """The stored parameters of ``system`` (for stages run without recomputing them)."""
    rows = store.cursor().execute(
        "SELECT template_id, position, name, type, examples, distinct_count, total, min_value, max_value "
        "FROM parameters WHERE system = ? ORDER BY template_id, position", [system]).fetchall()
    return [Parameter(str(r[0]), int(r[1]), str(r[2]), str(r[3]), list(r[4] or []), int(r[5]), int(r[6]),
                      r[7], r[8]) for r in rows]
