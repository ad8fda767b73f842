"""The knowledge base as pages to browse: overviews, one template, search -- JSON-able dicts.

In: a ``Store`` after ``logcopilot index`` and a system name. Out (for the web UI and
scripts, via ``/api/v1/knowledge``):

- ``index_overview``: whether the system is indexed, its template and verified-recipe
  counts and its workflow's session key (cheap: a few counts, no knowledge load);
- ``knowledge_overview``: every template (id, text, count, share of the lines, whether its
  recipe is verified -- None without a recipe --, summary, number of parameters), most
  frequent first, and the workflow with its event graph;
- ``template_detail``: one template with up to 5 example lines, its parameters, its recipe
  (with the log query and a count query over the system's time span) and the workflow edges
  into and out of it;
- ``search_knowledge``: BM25 retrieval hits (stored vectors are not used: that would load an
  embedding model per request).

Unknown systems and templates, and systems that are not indexed, raise ``InputError`` with
status 404.

Example::

    knowledge_overview(store, "openssh")["templates"][0]["template"]
    template_detail(store, "openssh", "E27")["recipe"]["logql"]
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from logcopilot.engine.store import Store
from logcopilot.errors import InputError
from logcopilot.indexing.knowledge import (
    Knowledge,
    TemplateInfo,
    WorkflowInfo,
    list_systems,
    load_knowledge,
    load_templates,
    system_where,
    table_exists,
)

__all__ = ["EXAMPLES", "index_overview", "knowledge_overview", "require_system", "search_knowledge", "template_detail"]

EXAMPLES = 5
_EDGE_KEYS = ("src", "dst", "count", "probability", "median_gap_s")
_HOUR_NS = 3600 * 10**9


def require_system(store: Store, system: str) -> str:
    """The system's stored name (lower case); ``InputError`` (404) when the store has none."""
    name = (system or "").strip().lower()
    known = list_systems(store)
    if name not in known:
        hint = f"known systems: {', '.join(known)}" if known else "the store is empty; run `logcopilot ingest` first"
        raise InputError(f"unknown system {name!r} ({hint})", status=404)
    return name


def _count(store: Store, sql: str, system: str) -> int:
    row = store.cursor().execute(sql, [system]).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def index_overview(store: Store, system: str) -> dict[str, Any]:
    """``{"indexed", "templates", "verified_recipes", "workflow"}`` for one system."""
    indexed = _count(store, "SELECT count(*) FROM index_state WHERE system = ?", system) > 0
    templates = _count(store, "SELECT count(*) FROM templates WHERE system = ?", system) if table_exists(store, "templates") else 0
    verified = _count(store, "SELECT count(*) FROM recipes WHERE system = ? AND verified", system)
    row = store.cursor().execute("SELECT session_key FROM workflows WHERE system = ?", [system]).fetchone()
    return {"indexed": indexed, "templates": templates, "verified_recipes": verified,
            "workflow": str(row[0]) if row else None}


def _knowledge(store: Store, system: str, examples: int = 0) -> Knowledge:
    name = require_system(store, system)
    try:
        return load_knowledge(store, name, examples=examples)
    except InputError:  # not indexed: nothing to show, say how to get it
        raise InputError(_not_indexed(name), status=404) from None


def _not_indexed(system: str) -> str:
    return f"system {system!r} is not indexed; run `logcopilot index --system {system}`"


def _share(count: int, total: int) -> float:
    return round(count / total, 6) if total else 0.0


def _edges(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: e.get(k) for k in _EDGE_KEYS} for e in edges]


def _workflow(wf: WorkflowInfo | None) -> dict[str, Any] | None:
    if wf is None:
        return None
    doc = asdict(wf)
    doc["edges"] = _edges(wf.edges)
    return doc


def _template_row(t: TemplateInfo, total: int) -> dict[str, Any]:
    return {"template_id": t.template_id, "template": t.template, "count": t.count, "share": _share(t.count, total),
            "verified": t.recipe.verified if t.recipe is not None else None, "summary": t.summary, "params": len(t.params)}


def knowledge_overview(store: Store, system: str) -> dict[str, Any]:
    """Templates (most frequent first), recipe counts and the workflow of one system."""
    kb = _knowledge(store, system)
    rows = sorted(kb.templates, key=lambda t: (-t.count, t.template_id))
    return {"system": kb.system, "total_lines": kb.total_lines, "verified_recipes": kb.verified_recipes,
            "templates": [_template_row(t, kb.total_lines) for t in rows], "workflow": _workflow(kb.workflow)}


def _span_range(store: Store, system: str) -> str:
    """A LogQL range covering the system's whole time span, in whole hours."""
    from logcopilot.logql.durations import format_duration

    row = store.cursor().execute(f"SELECT min(ts), max(ts) FROM entries WHERE {system_where()}", [system]).fetchone()
    span = int(row[1]) - int(row[0]) + 1 if row and row[0] is not None else 1
    return format_duration(-(-span // _HOUR_NS) * _HOUR_NS)


def _examples(store: Store, system: str, template_id: str) -> list[str]:
    rows = store.cursor().execute(
        f"SELECT line FROM entries WHERE {system_where()} AND template_id = ? ORDER BY ts, seq LIMIT ?",
        [system, template_id, EXAMPLES]).fetchall()
    return [str(r[0]) for r in rows]


def _neighbours(kb: Knowledge, edges: list[dict[str, Any]], end: str) -> list[dict[str, Any]]:
    """Edges with the text of the template at their ``end`` (``src`` or ``dst``)."""
    texts = {t.template_id: t.template for t in kb.templates}
    return [{**e, "template": texts.get(e[end], e[end])} for e in _edges(edges)]


def template_detail(store: Store, system: str, template_id: str) -> dict[str, Any]:
    """One template: examples, parameters, recipe, and the workflow edges around it."""
    kb = _knowledge(store, system)
    t = next((x for x in kb.templates if x.template_id == template_id), None)
    if t is None:
        raise InputError(f"no template {template_id!r} in system {kb.system!r}", status=404)
    recipe: dict[str, Any] | None = None
    if t.recipe is not None:
        recipe = {**asdict(t.recipe), "logql": t.recipe.logql(),
                  "logql_count": t.recipe.logql_count(_span_range(store, kb.system))}
    wf = kb.workflow
    return {
        "template_id": t.template_id, "template": t.template, "count": t.count, "share": _share(t.count, kb.total_lines),
        "summary": t.summary, "examples": _examples(store, kb.system, t.template_id),
        "params": [asdict(p) for p in t.params], "recipe": recipe,
        "successors": _neighbours(kb, wf.successors(t.template_id), "dst") if wf else [],
        "predecessors": _neighbours(kb, wf.predecessors(t.template_id), "src") if wf else [],
    }


def search_knowledge(store: Store, system: str, query: str, *, k: int = 10) -> dict[str, Any]:
    """The best ``k`` templates, parameters and workflows for ``query`` (BM25 only)."""
    from logcopilot.indexing.retrieval import retrieve

    if not query.strip():
        raise InputError("missing search text: pass q=...")
    name = require_system(store, system)
    texts = {t.template_id: t.template for t in load_templates(store, name)}
    if not texts:
        raise InputError(_not_indexed(name), status=404)
    found = retrieve(store, name, query, k=k)
    return {"hits": [{"kind": h.kind, "ref": h.ref, "score": round(h.score, 6), "text": h.text,
                      "template_id": h.template_id, "template": texts.get(h.template_id or "")} for h in found.hits[:k]]}
