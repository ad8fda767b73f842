"""Read API of the knowledge base: what the system believes about one log system.

In: a migrated ``Store`` after ``logcopilot index``. Out: ``Knowledge`` -- templates with
counts, examples, parameters and their verified LogQL recipes, the workflow (session key,
event graph), and summaries -- as dataclasses with ``to_dict()`` for ``--json``/export.
Also the small accessors every indexing stage shares (``system_where``, ``load_templates``,
``slot_values``); this module reads tables only and imports no other stage, so stages can
import it without cycles.

Example::

    kb = load_knowledge(store, "openssh")
    t = kb.template("E27")
    t.recipe.logql_count()   # 'sum(count_over_time({system="openssh"} |= "..." [...]))'
    [p.name for p in t.params]
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from logcopilot.engine.store import Store
from logcopilot.errors import InputError

__all__ = [
    "Knowledge",
    "ParameterInfo",
    "RecipeInfo",
    "TemplateInfo",
    "TemplateRow",
    "WorkflowInfo",
    "list_systems",
    "load_knowledge",
    "load_templates",
    "slot_values",
    "system_where",
    "table_exists",
]


def system_where(alias: str = "") -> str:
    """SQL condition selecting entries of one system (bind the system name once)."""
    col = f"{alias}.stream_id" if alias else "stream_id"
    return (f"{col} IN (SELECT stream_id FROM streams "
            "WHERE json_extract_string(labels, '$.system') = ?)")


def table_exists(store: Store, name: str) -> bool:
    row = store.cursor().execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()
    return bool(row and row[0])


def _columns(store: Store, table: str) -> list[str]:
    rows = store.cursor().execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        [table]).fetchall()
    return [str(r[0]) for r in rows]


@dataclass(frozen=True)
class TemplateRow:
    """A template as the templates stage stored it."""

    template_id: str
    template: str
    count: int


def load_templates(store: Store, system: str) -> list[TemplateRow]:
    """The system's templates with their line counts in the store, most frequent first.

    Counts come from ``entries`` (the truth the recipes are checked against); the template
    text from the ``templates`` table.
    """
    counts = dict(store.cursor().execute(
        f"SELECT template_id, count(*) FROM entries WHERE {system_where()} AND template_id IS NOT NULL "
        "GROUP BY template_id", [system]).fetchall())
    texts: dict[str, str] = {}
    if table_exists(store, "templates"):
        cols = _columns(store, "templates")
        text_col = next((c for c in ("template", "event_template", "template_text", "text") if c in cols), None)
        if text_col is not None:
            texts = {str(a): str(b) for a, b in store.cursor().execute(
                f"SELECT template_id, {text_col} FROM templates WHERE system = ?", [system]).fetchall()}
    rows = [TemplateRow(str(tid), texts.get(str(tid), ""), int(n)) for tid, n in counts.items()]
    rows.sort(key=lambda r: (-r.count, r.template_id))
    return rows


def slot_values(store: Store, system: str) -> dict[tuple[str, int], Counter[str]]:
    """(template_id, 0-based position) -> counts of the values stored in ``entries.params``."""
    rows = store.cursor().execute(
        f"""SELECT template_id, pos - 1, params[pos], count(*) FROM (
                SELECT template_id, params, generate_subscripts(params, 1) AS pos
                FROM entries WHERE {system_where()} AND template_id IS NOT NULL AND params IS NOT NULL)
            GROUP BY ALL""", [system]).fetchall()
    out: dict[tuple[str, int], Counter[str]] = {}
    for tid, pos, value, n in rows:
        out.setdefault((str(tid), int(pos)), Counter())[str(value) if value is not None else ""] += int(n)
    return out


def list_systems(store: Store) -> list[str]:
    rows = store.cursor().execute(
        "SELECT DISTINCT json_extract_string(labels, '$.system') FROM streams ORDER BY 1").fetchall()
    return [str(r[0]) for r in rows if r[0] is not None]


@dataclass
class ParameterInfo:
    position: int
    name: str
    type: str
    examples: list[str]
    distinct_count: int
    total: int
    min_value: float | None
    max_value: float | None
    summary: str = ""


@dataclass
class RecipeInfo:
    """A verified (or not) LogQL recipe for one template."""

    selector: str
    line_filter: str
    extraction: str | None
    verified: bool
    reason: str
    expected_count: int
    matched_count: int | None

    def logql(self, extract: bool = True) -> str:
        """A log query selecting the template's lines (with its parameters as labels)."""
        q = f"{self.selector} {self.line_filter}"
        return f"{q} {self.extraction}" if extract and self.extraction else q

    def logql_count(self, range_: str = "1d") -> str:
        return f"sum(count_over_time({self.logql(extract=False)} [{range_}]))"


@dataclass
class TemplateInfo:
    template_id: str
    template: str
    count: int
    examples: list[str] = field(default_factory=list)
    params: list[ParameterInfo] = field(default_factory=list)
    recipe: RecipeInfo | None = None
    summary: str = ""

    def param(self, name: str) -> ParameterInfo | None:
        return next((p for p in self.params if p.name == name), None)


@dataclass
class WorkflowInfo:
    session_key: str
    key_source: str
    sessions: int
    lines: int
    start_events: dict[str, int]
    end_events: dict[str, int]
    sequences: list[dict[str, Any]]
    duration_stats: dict[str, float]
    edges: list[dict[str, Any]] = field(default_factory=list)
    summary: str = ""

    def successors(self, template_id: str) -> list[dict[str, Any]]:
        """Edges leaving ``template_id``, most frequent first (dst '<end>' = session ends)."""
        return sorted((e for e in self.edges if e["src"] == template_id), key=lambda e: -e["count"])

    def predecessors(self, template_id: str) -> list[dict[str, Any]]:
        return sorted((e for e in self.edges if e["dst"] == template_id), key=lambda e: -e["count"])


@dataclass
class Knowledge:
    system: str
    templates: list[TemplateInfo]
    workflow: WorkflowInfo | None
    total_lines: int

    def template(self, template_id: str) -> TemplateInfo:
        for t in self.templates:
            if t.template_id == template_id:
                return t
        raise InputError(f"no template {template_id!r} in system {self.system!r}")

    def params_named(self, name: str) -> list[tuple[TemplateInfo, ParameterInfo]]:
        """Every (template, slot) whose parameter is ``name`` or ``name_2``, ``name_3``..."""
        out = []
        for t in self.templates:
            for p in t.params:
                if p.name == name or (p.name.startswith(name + "_") and p.name[len(name) + 1:].isdigit()):
                    out.append((t, p))
        return out

    @property
    def verified_recipes(self) -> int:
        return sum(1 for t in self.templates if t.recipe is not None and t.recipe.verified)

    def to_dict(self) -> dict[str, Any]:
        return {"system": self.system, "total_lines": self.total_lines,
                "templates": [asdict(t) for t in self.templates],
                "workflow": asdict(self.workflow) if self.workflow else None,
                "verified_recipes": self.verified_recipes}


def load_knowledge(store: Store, system: str, *, examples: int = 3) -> Knowledge:
    """Everything indexed about ``system``; raises ``InputError`` when nothing is."""
    con = store.cursor()
    rows = load_templates(store, system)
    if not rows:
        raise InputError(f"system {system!r} has no indexed lines; run `logcopilot index --system {system}`")
    total = sum(r.count for r in rows)
    summaries = {(k, r): t for k, r, t in con.execute(
        "SELECT kind, ref, text FROM summaries WHERE system = ?", [system]).fetchall()}
    params: dict[str, list[ParameterInfo]] = {}
    for tid, pos, name, typ, ex, dc, tot, lo, hi in con.execute(
            "SELECT template_id, position, name, type, examples, distinct_count, total, min_value, max_value "
            "FROM parameters WHERE system = ? ORDER BY template_id, position", [system]).fetchall():
        params.setdefault(tid, []).append(ParameterInfo(
            int(pos), name, typ, list(ex or []), int(dc), int(tot), lo, hi,
            summaries.get(("parameter", f"{tid}:{pos}"), "")))
    recipes = {r[0]: RecipeInfo(r[1], r[2], r[3], bool(r[4]), r[5], int(r[6]), r[7]) for r in con.execute(
        "SELECT template_id, selector, line_filter, extraction, verified, reason, expected_count, matched_count "
        "FROM recipes WHERE system = ?", [system]).fetchall()}
    # the window sorts every entry of the system: skipped when no examples are wanted
    ex_rows = con.execute(
        f"""SELECT template_id, line FROM (
              SELECT template_id, line, row_number() OVER (PARTITION BY template_id ORDER BY ts, seq) AS rn
              FROM entries WHERE {system_where()} AND template_id IS NOT NULL) WHERE rn <= ?""",
        [system, examples]).fetchall() if examples > 0 else []
    ex_map: dict[str, list[str]] = {}
    for tid, line in ex_rows:
        ex_map.setdefault(str(tid), []).append(str(line))
    templates = [TemplateInfo(r.template_id, r.template, r.count, ex_map.get(r.template_id, []),
                              params.get(r.template_id, []), recipes.get(r.template_id),
                              summaries.get(("template", r.template_id), "")) for r in rows]
    return Knowledge(system, templates, _load_workflow(store, system, summaries), total)


def _load_workflow(store: Store, system: str, summaries: dict[tuple[str, str], str]) -> WorkflowInfo | None:
    con = store.cursor()
    row = con.execute(
        "SELECT session_key, key_source, sessions, lines, start_events, end_events, sequences, duration_stats "
        "FROM workflows WHERE system = ?", [system]).fetchone()
    if row is None:
        return None
    edges = [dict(zip(("src", "dst", "count", "probability", "median_gap_s", "mean_gap_s", "max_gap_s"), e))
             for e in con.execute(
                 "SELECT src, dst, count, probability, median_gap_s, mean_gap_s, max_gap_s FROM workflow_edges "
                 "WHERE system = ? ORDER BY src, count DESC, dst", [system]).fetchall()]
    return WorkflowInfo(str(row[0]), str(row[1]), int(row[2]), int(row[3]), json.loads(row[4] or "{}"),
                        json.loads(row[5] or "{}"), json.loads(row[6] or "[]"), json.loads(row[7] or "{}"),
                        edges, summaries.get(("workflow", str(row[0])), ""))
