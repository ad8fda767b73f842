"""The offline indexing pipeline: one system's lines in, its knowledge base out.

In: a store holding ingested entries of ``system``. Out: templates (template id + params per
entry), parameters with verified LogQL recipes, the workflow graph, summaries and embeddings,
all in DuckDB tables, and an ``IndexReport`` saying what each stage produced.

The stages run in ``STAGES`` order; each reads what the previous ones stored, so any suffix
can be re-run. Indexing is incremental: the templates stage matches new lines against known
templates and mines only the rest; recipes whose text and counts are unchanged and were
verified before are not re-run on the engine; summaries and embeddings are cached by the hash
of their input.

Example::

    report = index_system(store, "openssh", embedder=None)
    report.verified_recipes, report.templates
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from logcopilot.engine.store import Store
from logcopilot.errors import InputError, LLMError, StoreError
from logcopilot.indexing.embeddings import embedder_model, run_embeddings
from logcopilot.indexing.knowledge import load_templates, system_where
from logcopilot.indexing.parameters import Parameter, load_parameters, run_parameters
from logcopilot.indexing.recipes import EngineRunner, Recipe, build_recipes, engine_runner, verify_recipes, write_recipes
from logcopilot.indexing.summaries import run_summaries
from logcopilot.indexing.workflows import Workflow, run_workflows

__all__ = ["STAGES", "IndexReport", "Progress", "index_system"]

STAGES: tuple[str, ...] = ("templates", "parameters", "workflows", "summaries", "embeddings")
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class IndexReport:
    system: str
    lines: int = 0
    templates: int = 0
    parameters: int = 0
    recipes: int = 0
    verified_recipes: int = 0
    unverified: list[dict[str, str]] = field(default_factory=list)
    session_key: str | None = None
    sessions: int = 0
    workflow_edges: int = 0
    summaries: int = 0
    summary_source: str = "deterministic"
    embedded: int = 0
    embedding_model: str | None = None
    embedding_error: str | None = None
    stages_run: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    template_stats: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _template_stage(store: Store, system: str, templates_file: str | Path | None, llm: Any,
                    progress: Progress | None) -> dict[str, Any]:
    try:
        from logcopilot.indexing.templates import assign_templates
    except ImportError as exc:
        raise StoreError(f"the templates stage is not available: {exc}") from None
    cb = (lambda done, total: progress("templates", done, total)) if progress else None
    stats = assign_templates(store, system, templates_file=templates_file, progress=cb, llm=llm)
    if hasattr(stats, "to_dict"):
        return dict(stats.to_dict())
    try:
        return asdict(stats)
    except TypeError:
        return {"stats": str(stats)}


def _recipes(store: Store, system: str, params: Sequence[Parameter], runner: EngineRunner | None,
             progress: Progress | None) -> list[Recipe]:
    templates = load_templates(store, system)
    selector = '{system="' + system.replace("\\", "\\\\").replace('"', '\\"') + '"}'
    recipes = build_recipes(store, system, templates, params, selector=selector,
                            progress=(lambda d, t: progress("recipes", d, t)) if progress else None)
    previous = {r[0]: r[1:] for r in store.cursor().execute(
        "SELECT template_id, line_filter, extraction, expected_count, verified, reason, matched_count, extracted_ok "
        "FROM recipes WHERE system = ?", [system]).fetchall()}
    todo = []
    for r in recipes:
        old = previous.get(r.template_id)
        if r.local_ok and old and old[:3] == (r.line_filter, r.extraction, r.expected_count) and old[3]:
            r.verified, r.reason, r.matched_count, r.extracted_ok = True, old[4], old[5], old[6]
        else:
            todo.append(r)  # recipes the local check rejected run too: the engine's result is recorded
    if todo:
        if runner is None:
            try:
                runner = engine_runner(store)
            except StoreError as exc:
                for r in todo:
                    r.reason = str(exc)
                runner = None
        if runner is not None:
            verify_recipes(store, system, todo, params, runner,
                           progress=(lambda d, t: progress("verify", d, t)) if progress else None)
    write_recipes(store, system, recipes)
    return recipes


def index_system(
    store: Store,
    system: str,
    *,
    templates_file: str | Path | None = None,
    session_key: str | None = None,
    llm: Any = None,
    embedder: Any = None,
    progress: Progress | None = None,
    stages: Sequence[str] = STAGES,
    runner: EngineRunner | None = None,
) -> IndexReport:
    """Run ``stages`` (default: all) for ``system`` and report what they produced."""
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise InputError(f"unknown indexing stage {unknown[0]!r}; stages are {', '.join(STAGES)}")
    row = store.cursor().execute(f"SELECT count(*) FROM entries WHERE {system_where()}", [system]).fetchone()
    report = IndexReport(system, lines=int(row[0]) if row else 0)
    if report.lines == 0:
        raise InputError(f"system {system!r} has no lines in the store; ingest it first")
    params: list[Parameter] | None = None
    wf: Workflow | None = None
    for stage in STAGES:
        if stage not in stages:
            continue
        t0 = time.perf_counter()
        if stage == "templates":
            report.template_stats = _template_stage(store, system, templates_file, llm, progress)
        elif stage == "parameters":
            params = run_parameters(store, system)
            recipes = _recipes(store, system, params, runner, progress)
            report.recipes = len(recipes)
            report.verified_recipes = sum(1 for r in recipes if r.verified)
            report.unverified = [{"template_id": r.template_id, "reason": r.reason} for r in recipes if not r.verified]
        elif stage == "workflows":
            params = params if params is not None else load_parameters(store, system)
            wf = run_workflows(store, system, params, session_key=session_key)
        elif stage == "summaries":
            params = params if params is not None else load_parameters(store, system)
            if wf is None and "workflows" not in stages:
                wf = run_workflows(store, system, params, session_key=session_key)
            summaries = run_summaries(store, system, load_templates(store, system), params, wf, llm=llm,
                                      progress=(lambda d, t: progress("summaries", d, t)) if progress else None)
            report.summaries = len(summaries)
            sources = {s.source for s in summaries}
            report.summary_source = ", ".join(sorted(sources)) if sources else "none"
        elif stage == "embeddings" and embedder is not None:
            try:
                report.embedded = run_embeddings(
                    store, system, embedder, progress=(lambda d, t: progress("embeddings", d, t)) if progress else None)
            except LLMError as exc:  # a model that cannot load leaves retrieval lexical, not the index broken
                report.embedding_error = str(exc)
                continue
            report.embedding_model = embedder_model(embedder)
        else:
            continue
        report.stages_run.append(stage)
        report.seconds[stage] = round(time.perf_counter() - t0, 3)
        _mark(store, system, stage, report.lines)
    _fill_counts(store, system, report)
    return report


def _mark(store: Store, system: str, stage: str, lines: int) -> None:
    con = store.cursor()
    con.execute("DELETE FROM index_state WHERE system = ? AND stage = ?", [system, stage])
    con.execute("INSERT INTO index_state (system, stage, entries) VALUES (?, ?, ?)", [system, stage, lines])


def _fill_counts(store: Store, system: str, report: IndexReport) -> None:
    """Counts from the tables, so a partial run still reports the whole knowledge base."""
    con = store.cursor()

    def one(sql: str) -> int:
        r = con.execute(sql, [system]).fetchone()
        return int(r[0]) if r and r[0] is not None else 0

    report.templates = len(load_templates(store, system))
    report.parameters = one("SELECT count(*) FROM parameters WHERE system = ?")
    report.recipes = one("SELECT count(*) FROM recipes WHERE system = ?")
    report.verified_recipes = one("SELECT count(*) FROM recipes WHERE system = ? AND verified")
    wrow = con.execute("SELECT session_key, sessions FROM workflows WHERE system = ?", [system]).fetchone()
    if wrow:
        report.session_key, report.sessions = str(wrow[0]), int(wrow[1])
    report.workflow_edges = one("SELECT count(*) FROM workflow_edges WHERE system = ?")
    report.summaries = one("SELECT count(*) FROM summaries WHERE system = ?")
    emb = one("SELECT count(*) FROM embeddings WHERE system = ?")
    if emb and report.embedding_model is None:
        report.embedding_model = str(con.execute(
            "SELECT any_value(model) FROM embeddings WHERE system = ?", [system]).fetchone()[0])  # type: ignore[index]
