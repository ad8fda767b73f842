"""``logcopilot index`` and ``logcopilot knowledge``: build the knowledge base, and read it.

``index`` runs the offline pipeline (templates, parameters + verified recipes, workflows,
summaries, embeddings) for one system with a progress bar per stage and prints a summary
(``--json`` for the ``IndexReport``). ``knowledge show`` prints what the system believes about
a log (one template with ``--template``); ``knowledge export`` writes it all as JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from logcopilot.cli.common import db_option, echo_json, json_option, open_store, settings_for
from logcopilot.errors import ConfigError, LLMUnavailableError
from logcopilot.indexing.knowledge import Knowledge, load_knowledge
from logcopilot.indexing.pipeline import IndexReport, index_system

__all__ = ["index_cmd", "knowledge_cmd"]


def _make_llm(provider: str | None, db: str | None, store: Any) -> Any:
    """A chat client for ``--llm PROVIDER`` (None without the option or with ``none``)."""
    if provider in (None, "none"):
        return None
    from logcopilot.llm import get_chat_client

    return get_chat_client(settings_for(db), provider, store=store)


def _make_embedder(db: str | None, store: Any) -> Any:
    """The configured embedder, or None when no model is installed (retrieval is then lexical)."""
    from logcopilot.llm import get_embedder

    try:
        return get_embedder(settings_for(db), store=store)
    except (LLMUnavailableError, ConfigError):
        return None


def _export(store: Any, system: str, directory: Path) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    from logcopilot.indexing.export import export_structured

    written.extend(str(p) for p in (export_structured(store, system, directory) or []))
    path = directory / f"{system}_knowledge.json"
    path.write_text(json.dumps(load_knowledge(store, system).to_dict(), indent=2, ensure_ascii=False, default=str))
    written.append(str(path))
    return written


def _print_report(r: IndexReport, console: Console) -> None:
    t = Table(title=f"index {r.system}", show_header=False)
    t.add_row("lines", str(r.lines))
    t.add_row("templates", str(r.templates))
    t.add_row("parameters", str(r.parameters))
    t.add_row("verified recipes", f"{r.verified_recipes}/{r.recipes}")
    t.add_row("session key", f"{r.session_key} ({r.sessions} sessions, {r.workflow_edges} edges)"
              if r.session_key else "none found")
    t.add_row("summaries", f"{r.summaries} ({r.summary_source})")
    t.add_row("embeddings", f"{r.embedded} new ({r.embedding_model})" if r.embedding_model else "none (lexical retrieval)")
    t.add_row("seconds", ", ".join(f"{k} {v:g}" for k, v in r.seconds.items()))
    console.print(t)
    for u in r.unverified[:10]:
        console.print(f"  unverified {u['template_id']}: {u['reason']}")
    if len(r.unverified) > 10:
        console.print(f"  ... and {len(r.unverified) - 10} more unverified")


@click.command("index")
@click.option("--system", required=True, help="System name given at ingest.")
@click.option("--templates", "templates_file", type=click.Path(exists=True, dir_okay=False),
              help="Loghub templates CSV (EventId,EventTemplate) to match instead of mining.")
@click.option("--session-key", default=None, help="Parameter name or header field that groups lines into sessions.")
@click.option("--export", "export_dir", type=click.Path(file_okay=False), default=None,
              help="Also write Loghub-style CSVs and the knowledge JSON into DIR.")
@click.option("--llm", "llm_provider", default=None, help="LLM provider for template correction and summaries.")
@click.option("--no-embeddings", is_flag=True, help="Skip embeddings (retrieval stays lexical).")
@db_option
@json_option
def index_cmd(system: str, templates_file: str | None, session_key: str | None, export_dir: str | None,
              llm_provider: str | None, no_embeddings: bool, db: str | None, as_json: bool) -> None:
    """Build the knowledge base of one ingested system.

    \b
    Example:
      logcopilot index --system openssh --export out/
    """
    console = Console(stderr=True)
    with open_store(db) as store:
        llm = _make_llm(llm_provider, db, store)
        embedder = None if no_embeddings else _make_embedder(db, store)
        with Progress(TextColumn("{task.description:<11}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=as_json, disable=as_json) as bars:
            tasks: dict[str, TaskID] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bars.add_task(stage, total=total)
                bars.update(tasks[stage], completed=done, total=total)

            report = index_system(store, system, templates_file=templates_file, session_key=session_key,
                                  llm=llm, embedder=embedder, progress=progress)
        written = _export(store, system, Path(export_dir)) if export_dir else []
    if as_json:
        echo_json({**report.to_dict(), "exported": written})
        return
    _print_report(report, Console())
    for w in written:
        click.echo(f"wrote {w}")


@click.group("knowledge")
def knowledge_cmd() -> None:
    """Read what LogCopilot believes about a system's logs."""


def _show_template(kb: Knowledge, tid: str, console: Console) -> None:
    t = kb.template(tid)
    console.print(f"[bold]{t.template_id}[/bold]  {t.template}  ({t.count} lines)")
    if t.summary:
        console.print(t.summary)
    if t.recipe:
        state = "verified" if t.recipe.verified else "NOT verified"
        console.print(f"recipe ({state}: {t.recipe.reason}):\n  {t.recipe.logql()}")
    if t.params:
        tab = Table("#", "name", "type", "distinct", "range", "examples")
        for p in t.params:
            rng = f"{p.min_value:g}..{p.max_value:g}" if p.min_value is not None and p.max_value is not None else ""
            tab.add_row(str(p.position), p.name, p.type, str(p.distinct_count), rng, ", ".join(p.examples[:3]))
        console.print(tab)
    if kb.workflow:
        nxt = ", ".join(f"{e['dst']} ({e['count']})" for e in kb.workflow.successors(tid)[:5])
        if nxt:
            console.print(f"followed by: {nxt}")
    for ex in t.examples:
        console.print(f"  e.g. {ex}", markup=False)


@knowledge_cmd.command("show")
@click.option("--system", required=True)
@click.option("--template", "template_id", default=None, help="Show one template in full.")
@db_option
@json_option
def show_cmd(system: str, template_id: str | None, db: str | None, as_json: bool) -> None:
    """Show templates, parameters, recipes and the workflow of a system.

    \b
    Example:
      logcopilot knowledge show --system openssh --template E27
    """
    with open_store(db) as store:
        kb = load_knowledge(store, system)
    if as_json:
        from dataclasses import asdict

        echo_json(asdict(kb.template(template_id)) if template_id else kb.to_dict())
        return
    console = Console()
    if template_id:
        _show_template(kb, template_id, console)
        return
    tab = Table("id", "lines", "template", "parameters", "recipe", title=f"{kb.system}: {len(kb.templates)} templates, "
                f"{kb.verified_recipes} verified recipes")
    for t in kb.templates:
        tab.add_row(t.template_id, str(t.count), t.template, ", ".join(p.name for p in t.params),
                    "ok" if t.recipe and t.recipe.verified else "-")
    console.print(tab)
    if kb.workflow:
        console.print(kb.workflow.summary or f"session key: {kb.workflow.session_key}")


@knowledge_cmd.command("export")
@click.option("--system", required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, help="File to write (default: stdout).")
@db_option
def export_cmd(system: str, out: str | None, db: str | None) -> None:
    """Export the whole knowledge base of a system as JSON."""
    with open_store(db) as store:
        data = load_knowledge(store, system).to_dict()
    if out:
        Path(out).write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        click.echo(f"wrote {out}")
    else:
        echo_json(data)
