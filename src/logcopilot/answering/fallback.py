"""Lexical fallback knowledge for a system that was ingested but never indexed.

In: the store and a system name. Out: template records shaped like the knowledge base's
(``indexing.knowledge.TemplateInfo``), made by masking every whitespace token that holds a
digit (or is a long hex/uuid) and grouping identical masked lines. No recipes, no workflow:
it is enough for retrieval to choose line filters and for the compiler to build extraction
regexes, so ``ask`` still answers before ``index`` ran, with coarser templates.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from logcopilot.engine.store import Store

__all__ = ["mine_templates"]

_VAR = re.compile(r"\d|^[0-9a-f]{12,}$|^[0-9a-f-]{36}$", re.IGNORECASE)
_MAX_LINES = 200_000


def _mask(line: str) -> tuple[str, list[str]]:
    toks = line.split()
    out: list[str] = []
    params: list[str] = []
    for tok in toks:
        if _VAR.search(tok):
            out.append("<*>")
            params.append(tok)
        else:
            out.append(tok)
    return " ".join(out), params


_TYPES = (
    ("uuid", re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"), False),
    ("ip:port", re.compile(r"\d{1,3}(?:\.\d{1,3}){3}:\d+"), False),
    ("ip", re.compile(r"\d{1,3}(?:\.\d{1,3}){3}"), False),
    ("int", re.compile(r"-?\d+"), True),
    ("float", re.compile(r"-?\d+(?:\.\d+)?"), True),
)


def _type_of(examples: list[str]) -> str:
    """The value type every example shows (whole token for numbers, inside it for ids/IPs)."""
    for name, rx, whole in _TYPES:
        if examples and all((rx.fullmatch(v) if whole else rx.search(v)) for v in examples):
            return name
    return "string"


_CACHE: dict[tuple[str, str, int], list[Any]] = {}


def mine_templates(store: Store, system: str) -> list[Any]:
    """Masked-token templates of a system's lines (cached per store, system and line count)."""
    row = store.cursor().execute(
        "SELECT count(*) FROM entries WHERE stream_id IN (SELECT stream_id FROM streams "
        "WHERE json_extract_string(labels, '$.system') = ?)", [system]).fetchone()
    key = (store.path, system, int(row[0]) if row else 0)
    if key not in _CACHE or store.path == ":memory:":
        _CACHE[key] = _mine(store, system)
    return _CACHE[key]


def _mine(store: Store, system: str) -> list[Any]:
    from logcopilot.indexing.knowledge import ParameterInfo, TemplateInfo

    rows = store.cursor().execute(
        "SELECT line FROM entries WHERE stream_id IN (SELECT stream_id FROM streams "
        "WHERE json_extract_string(labels, '$.system') = ?) ORDER BY ts, seq LIMIT ?", [system, _MAX_LINES]).fetchall()
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    values: dict[str, list[Counter[str]]] = {}
    for (line,) in rows:
        tpl, params = _mask(str(line))
        counts[tpl] += 1
        ex = examples.setdefault(tpl, [])
        if len(ex) < 3:
            ex.append(str(line))
        slots = values.setdefault(tpl, [Counter() for _ in params])
        for i, v in enumerate(params[: len(slots)]):
            slots[i][v] += 1
    out: list[Any] = []
    for i, (tpl, n) in enumerate(counts.most_common()):
        params_info = []
        for pos, c in enumerate(values[tpl]):
            ex = [v for v, _ in c.most_common(20)]
            params_info.append(ParameterInfo(pos, f"p{pos}", _type_of(ex), ex, len(c), sum(c.values()), None, None))
        out.append(TemplateInfo(f"L{i + 1}", tpl, n, examples[tpl], params_info, None, ""))
    return out
