"""Export a system's parsed entries per source file, in Loghub's layout.

In: a store whose entries carry template ids (after the templates stage) and an output
directory. Out: for each ingested file ``<name>``, ``<name>_structured.csv`` (LineId, EventId,
EventTemplate, ParameterList; LineId is the 1-based physical line number in the file) and
``<name>_templates.csv`` (EventId, EventTemplate, Occurrences), so standard evaluators
(loghub-2.0, ``logcopilot eval-templates``) can score the parse.

Entries pushed over HTTP have no file; they go to ``push_structured.csv`` with their push
order as LineId.

Example::

    >>> export_structured(store, "openssh", "out/")           # doctest: +SKIP
    [PosixPath('out/OpenSSH_2k.log_structured.csv'), PosixPath('out/OpenSSH_2k.log_templates.csv')]
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from logcopilot.engine.store import Store
from logcopilot.errors import InputError
from logcopilot.indexing.templates import system_entries_where

__all__ = ["export_structured"]

_STRUCTURED = ("LineId", "EventId", "EventTemplate", "ParameterList")
_TEMPLATES = ("EventId", "EventTemplate", "Occurrences")


def _file_stem(path: str, used: set[str]) -> str:
    stem = Path(path).name or "source"
    name, n = stem, 2
    while name in used:  # two ingested files with the same name: keep both
        name = f"{stem}.{n}"
        n += 1
    used.add(name)
    return name


def export_structured(store: Store, system: str, out_dir: str | Path) -> list[Path]:
    """Write the Loghub CSVs of every source file of ``system``; return the paths written."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create export directory {out}: {exc}") from None
    cur = store.cursor()
    texts = dict(cur.execute("SELECT template_id, template FROM templates WHERE system = ?", [system]).fetchall())
    rows = cur.execute(
        f"""SELECT e.source_id, s.path, coalesce(e.line_no, e.seq), e.template_id, e.params
            FROM entries e LEFT JOIN sources s ON s.source_id = e.source_id
            WHERE {system_entries_where('e')} ORDER BY e.source_id NULLS LAST, 3""",
        [system],
    ).fetchall()
    if not rows:
        raise InputError(f"system {system!r} has no entries to export")
    groups: dict[object, tuple[str, list[tuple[int, str, list[str]]]]] = {}
    for source_id, path, line_id, tid, params in rows:
        key = source_id if source_id is not None else "push"
        label = str(path) if source_id is not None and path not in (None, "-", "push") else str(key)
        if key not in groups:
            groups[key] = (label, [])
        groups[key][1].append((int(line_id), str(tid or ""), list(params or [])))
    written: list[Path] = []
    used: set[str] = set()
    for label, items in groups.values():
        stem = _file_stem(label, used)
        structured = out / f"{stem}_structured.csv"
        counts: Counter[str] = Counter()
        with structured.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(_STRUCTURED)
            for line_id, tid, params in items:
                counts[tid] += 1
                w.writerow([line_id, tid, texts.get(tid, ""), repr(params)])
        templates = out / f"{stem}_templates.csv"
        with templates.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(_TEMPLATES)
            for tid, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
                w.writerow([tid, texts.get(tid, ""), n])
        written += [structured, templates]
    return written
