"""``logcopilot ask`` and ``logcopilot bench``: answer questions about logs, and benchmark it.

``ask`` prints the answer, the LogQL behind it (and how it ran: instant, range or log query
with its times), the result, the evidence lines and the cost (``--json`` prints the whole
answer object), writes a trace under the results directory and records the question in the
store's history (the web UI's list; ``bench`` does not record). ``bench``
ingests and indexes the systems of a question file, answers every question, writes the
answers JSONL the scorer reads, and prints accuracy per system and category and the cost per
question.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click

from logcopilot.cli.common import db_option, echo_json, json_option, open_store, settings_for
from logcopilot.errors import InputError, LLMUnavailableError, LogCopilotError

__all__ = ["ask_cmd", "bench_cmd", "history_cmd"]

_PLANNERS = click.Choice(["auto", "rules", "structured", "free"])
_LLMS = click.Choice(["auto", "openai", "local", "none"])


def _chat_client(provider: str, db: str | None, store: Any, *, required: bool) -> Any:
    """A chat client for ``--llm``; None for ``none`` (or ``auto`` with nothing configured)."""
    if provider == "none":
        return None
    try:
        from logcopilot.llm import get_chat_client

        return get_chat_client(settings_for(db), provider=None if provider == "auto" else provider, store=store)
    except LLMUnavailableError:
        if required:
            raise
        return None
    except LogCopilotError:
        if required:
            raise
        return None


def _when(spec: dict[str, Any]) -> str:
    """How a query ran, for people: ``instant at T``, ``range A .. B, step 1m``, ``log A .. B, limit 5, backward``."""
    from logcopilot.engine.stats import rfc3339_ns
    from logcopilot.logql.durations import format_duration

    def at(key: str) -> str:
        ns = spec.get(key)
        return rfc3339_ns(int(ns)) if ns is not None else "?"

    kind = spec.get("kind") or ""
    if kind == "instant":
        return f"instant at {at('time_ns')}"
    if kind == "range":
        step = spec.get("step_ns")
        return f"range {at('start_ns')} .. {at('end_ns')}" + (f", step {format_duration(int(step))}" if step else "")
    parts = [f"log {at('start_ns')} .. {at('end_ns')}"]
    if spec.get("limit"):
        parts.append(f"limit {spec['limit']}")
    if spec.get("direction"):
        parts.append(str(spec["direction"]))
    return ", ".join(parts)


def _cost(cost: dict[str, Any]) -> str:
    """``0 LLM calls, 0 tokens, 0.11 s``."""
    calls = int(cost.get("llm_calls") or 0)
    tokens = int(cost.get("prompt_tokens") or 0) + int(cost.get("completion_tokens") or 0)
    return (f"{calls} LLM call{'s' if calls != 1 else ''}, {tokens:,} token{'s' if tokens != 1 else ''}, "
            f"{float(cost.get('seconds') or 0):.2f} s")


def _value_text(value: Any, shown: int = 12) -> str:
    """The value as JSON; a long list (a time series) shows its head and how many more (--json has all)."""
    if isinstance(value, list) and len(value) > shown:
        head = ", ".join(json.dumps(v, ensure_ascii=False) for v in value[:shown])
        return f"[{head}, ...] ({len(value)} items; --json prints them all)"
    if isinstance(value, dict) and len(json.dumps(value)) > 300:  # one series per value
        return f"{len(value)} series: {', '.join(list(value)[:5])}{', ...' if len(value) > 5 else ''} (--json prints them)"
    return json.dumps(value, ensure_ascii=False)


def _print_answer(a: Any) -> None:
    if a.ok:
        click.secho(f"Answer: {a.answer}", bold=True)
        click.echo(f"Value:  {_value_text(a.value)}")
    else:
        click.secho(f"Could not answer: {a.error}", fg="red", bold=True)
    if a.logql:
        click.echo(f"LogQL:  {a.logql}")
        if a.queries:
            click.echo(f"        {_when(a.queries[0])}")
    if a.result is not None:
        click.echo("Result: " + json.dumps(a.result, ensure_ascii=False)[:600])
    if a.evidence:
        click.echo("Evidence:")
        for line in a.evidence:
            click.echo(f"  {line[:300]}")
    click.echo(f"Planner: {a.planner or '-'}  intent: {a.intent or '-'}  cost: {_cost(a.cost)}")
    if a.trace_dir:
        click.echo(f"Trace:  {a.trace_dir}")


def _record(store: Any, a: Any, planner: str, llm_provider: str) -> None:
    """Keep the question in the history the web UI lists; a store that cannot take it only warns."""
    from logcopilot.answering.history import record_answer

    try:
        record_answer(store, a, source="cli", llm=llm_provider, planner=planner)
    except LogCopilotError as exc:
        click.echo(f"warning: {exc}", err=True)


@click.command("ask")
@click.argument("question")
@click.option("--system", "-s", required=True, help="Log system to ask about (as ingested).")
@click.option("--planner", type=_PLANNERS, default="auto", show_default=True,
              help="rules (no LLM), structured (LLM fills a plan), free (LLM writes LogQL), auto (best available).")
@click.option("--llm", "llm_provider", type=_LLMS, default="auto", show_default=True, help="LLM provider.")
@click.option("--max-attempts", type=int, default=3, show_default=True, help="Execution/repair attempts.")
@click.option("--evidence", type=int, default=5, show_default=True, help="Evidence lines to show.")
@click.option("--results-dir", type=click.Path(file_okay=False), default=None,
              help="Where traces go (default: $LOGCOPILOT_HOME/results).")
@db_option
@json_option
def ask_cmd(question: str, system: str, planner: str, llm_provider: str, max_attempts: int, evidence: int,
            results_dir: str | None, db: str | None, as_json: bool) -> None:
    """Answer a question about a log system with a value, the LogQL and the evidence.

    \b
    Example:
      logcopilot ask "How many distinct IPs failed to log in?" --system openssh
    """
    from logcopilot.answering.pipeline import ask

    store = open_store(db)
    try:
        llm = _chat_client(llm_provider, db, store, required=planner in ("structured", "free") or llm_provider not in ("auto", "none"))
        from logcopilot.backends import get_backend

        backend = get_backend(settings_for(db), store)  # LOKI_BASE_URL set: the same LogQL goes to Loki
        a = ask(store, system, question, planner=planner, llm=llm, max_attempts=max_attempts, evidence=evidence,
                backend=backend, results_dir=results_dir or settings_for(db).results_dir)
        _record(store, a, planner, llm_provider)
    finally:
        store.close()
    if as_json:
        echo_json(a.to_dict())
    else:
        _print_answer(a)
    if not a.ok:
        raise SystemExit(2)


@click.command("history", epilog="\b\nExamples:\n  logcopilot history\n  logcopilot history --system openssh --limit 5\n"
                                  "  logcopilot history 12 --json")
@click.argument("history_id", type=int, required=False)
@click.option("--system", "-s", default=None, help="Only questions about this system.")
@click.option("--limit", type=int, default=20, show_default=True, help="How many, newest first.")
@db_option
@json_option
def history_cmd(history_id: int | None, system: str | None, limit: int, db: str | None, as_json: bool) -> None:
    """Questions asked before (by `ask` or the web UI), newest first; with an ID, that answer in full."""
    from logcopilot.answering.history import get_history, list_history

    store = open_store(db)
    try:
        if history_id is not None:
            record = get_history(store, history_id)
        else:
            items = list_history(store, system=system.lower() if system else None, limit=limit)
    finally:
        store.close()
    if history_id is not None:
        if as_json:
            echo_json(record)
        else:
            click.echo(f"#{record.get('id')} {record.get('asked_at', '')} [{record.get('system')}] {record.get('question')}")
            _print_answer(SimpleNamespace(**{**record, "trace_dir": record.get("trace_dir", "")}))
        return
    if as_json:
        echo_json(items)
        return
    if not items:
        click.echo("No questions asked yet.")
    for h in items:
        value = _value_text(h["value"], shown=3) if h["ok"] else "no answer"
        click.echo(f"#{h['id']:<5} {h['asked_at'][:19].replace('T', ' ')}  {h['system']:<12} {h['question']}")
        click.echo(f"       -> {value}  ({h['planner']}, {h['seconds']:.2f} s, {h['llm_calls']} LLM calls)")


@click.command("bench")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False))
@click.option("--systems", "systems_path", type=click.Path(exists=True, dir_okay=False), required=True,
              help="systems.json: log file, year and session key per system.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Root that log_file paths are relative to (default: ../datasets/loghub-2k next to systems.json).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default="answers.jsonl", show_default=True,
              help="Answers JSONL (resumed when it exists).")
@click.option("--planner", type=_PLANNERS, default="rules", show_default=True)
@click.option("--llm", "llm_provider", type=_LLMS, default="none", show_default=True)
@click.option("--limit", type=int, default=None, help="Only the first N questions.")
@click.option("--index/--no-index", default=True, show_default=True,
              help="Index systems that are not indexed yet (--no-index answers from lexical fallback templates).")
@click.option("--results-dir", type=click.Path(file_okay=False), default=None, help="Write a trace per question here.")
@db_option
@json_option
def bench_cmd(questions: str, systems_path: str, data_dir: str | None, out_path: str, planner: str, llm_provider: str,
              limit: int | None, index: bool, results_dir: str | None, db: str | None, as_json: bool) -> None:
    """Run a question file end to end and report accuracy and cost per question.

    \b
    Example:
      logcopilot bench ../shared/benchmark/dev.jsonl --systems ../shared/benchmark/systems.json \\
          --data-dir ../shared/datasets/loghub-2k --out answers.jsonl --planner rules
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from logcopilot.bench.harness import run_bench

    if data_dir is not None and not Path(data_dir).is_dir():
        raise InputError(f"--data-dir {data_dir} is not a directory")
    store = open_store(db)
    try:
        llm = _chat_client(llm_provider, db, store, required=llm_provider not in ("auto", "none"))
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      transient=True, disable=as_json) as bar:
            tasks: dict[str, Any] = {}

            def progress(what: str, done: int, total: int) -> None:
                if what not in tasks:
                    tasks[what] = bar.add_task(what, total=total or None)
                bar.update(tasks[what], completed=done, total=total or None)

            report = run_bench(store, questions, systems_path, data_dir, out_path, planner=planner, llm=llm,
                               results_dir=results_dir, progress=progress, limit=limit, index=index)
    finally:
        store.close()
    if as_json:
        echo_json(report.to_dict())
        return
    for p in report.prepared:
        click.echo(f"prepared: {json.dumps(p, default=str)}")
    click.echo(f"answers: {report.answers_path} ({report.asked} asked, {report.reused} reused)")
    if report.scored:
        click.echo("per system:")
        for k, (g, n) in report.by_system.items():
            click.echo(f"  {k:<16} {g / n:.3f} ({g}/{n})")
        click.echo("per category:")
        for k, (g, n) in report.by_category.items():
            click.echo(f"  {k:<16} {g / n:.3f} ({g}/{n})")
        click.echo(f"overall: {report.overall:.3f} ({report.correct}/{report.questions})")
    c = report.cost
    click.echo(f"cost per question: {c.get('seconds', 0):.3f} s, {c.get('llm_calls', 0):.2f} LLM calls, "
               f"{c.get('prompt_tokens', 0):.0f} prompt + {c.get('completion_tokens', 0):.0f} completion tokens")
