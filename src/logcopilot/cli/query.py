"""``logcopilot query`` and ``logcopilot serve``: run LogQL on the embedded store, or serve it.

``query`` prints streams as ``time  {labels}  line`` and metrics as a table (``--json`` gives
Loki's JSON body, ``--explain`` the plan and pushed-down SQL). ``serve`` starts the
Loki-compatible HTTP API (uvicorn).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import click

from logcopilot.cli.common import db_option, echo_json, json_option, open_store
from logcopilot.engine.executor import execute_instant, execute_range
from logcopilot.engine.explain import explain as explain_plan
from logcopilot.engine.results import (
    MatrixResult,
    QueryResult,
    ScalarResult,
    StreamsResult,
    VectorResult,
    format_value,
    labels_string,
    loki_envelope,
)
from logcopilot.errors import InputError
from logcopilot.server.params import parse_duration_ns, parse_time_ns

if TYPE_CHECKING:
    import duckdb

__all__ = ["query_cmd", "serve_cmd"]


def _fmt_ns(ns: int) -> str:
    dt = datetime.fromtimestamp(ns // 10**9, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{ns % 10**9:09d}"[:4] + "Z"


def _print_result(res: QueryResult) -> None:
    if isinstance(res, StreamsResult):
        for s in res.streams:
            click.secho(labels_string(s.labels), bold=True)
            for ts, line in s.entries:
                click.echo(f"  {_fmt_ns(ts)}  {line}")
        if not res.streams:
            click.echo("(no entries)")
    elif isinstance(res, MatrixResult):
        for series in res.series:
            click.secho(labels_string(series.labels), bold=True)
            for t, v in series.points:
                click.echo(f"  {_fmt_ns(t * 10**6)}  {format_value(v)}")
        if not res.series:
            click.echo("(no series)")
    elif isinstance(res, VectorResult):
        width = max([len(labels_string(smp.labels)) for smp in res.samples] + [6])
        for smp in res.samples:
            click.echo(f"{labels_string(smp.labels):<{width}}  {format_value(smp.value)}")
        if not res.samples:
            click.echo("(empty vector)")
    elif isinstance(res, ScalarResult):
        click.echo(format_value(res.value))


def _time_range(cur: duckdb.DuckDBPyConnection, since: str | None, from_: str | None, to: str | None) -> tuple[int, int]:
    """[start, end) from the options; with none of them, the whole span of the stored logs
    (historical files would otherwise fall outside Loki's default "last hour")."""
    if not (since or from_ or to):
        row = cur.execute("SELECT min(ts), max(ts) FROM entries").fetchone()
        if row and row[0] is not None:
            return int(row[0]), int(row[1]) + 1
    end = parse_time_ns(to, "to") if to else time.time_ns()
    if from_:
        start = parse_time_ns(from_, "from")
    else:
        span = parse_duration_ns(since) if since else 3600 * 10**9
        if span is None:
            raise InputError(f"invalid --since duration {since!r}")
        start = end - span
    if end < start:
        raise InputError("end timestamp must not be before or equal to start time")
    return start, end


def _step(step: str | None, start: int, end: int) -> int:
    if not step:
        return max((end - start) // 250 // 10**9, 1) * 10**9  # Loki's default step
    step_ns = parse_duration_ns(step)
    if step_ns is None:
        try:
            step_ns = round(float(step) * 10**9)
        except ValueError:
            raise InputError(f"invalid --step {step!r}") from None
    if step_ns <= 0:
        raise InputError("--step must be positive")
    return step_ns


@click.command("query")
@click.argument("logql")
@click.option(
    "--since", default=None, help="Look back this long from --to (e.g. 1h, 30m). No time option: all stored logs."
)
@click.option("--from", "from_", default=None, help="Start time (RFC3339, unix seconds or ns).")
@click.option("--to", default=None, help="End time (default: now).")
@click.option("--time", "at", default=None, help="Run an instant query at this time.")
@click.option("--step", default=None, help="Step of a metric range query (e.g. 1m or 60).")
@click.option("--limit", default=100, show_default=True, type=int, help="Max log entries.")
@click.option("--direction", default="backward", type=click.Choice(["forward", "backward"], case_sensitive=False))
@click.option("--explain", is_flag=True, help="Show the plan and the SQL that is pushed down.")
@json_option
@db_option
def query_cmd(
    logql: str,
    since: str | None,
    from_: str | None,
    to: str | None,
    at: str | None,
    step: str | None,
    limit: int,
    direction: str,
    explain: bool,
    as_json: bool,
    db: str | None,
) -> None:
    """Run a LogQL query on the embedded store.

    \b
    Examples:
      logcopilot query '{system="openssh"} |= "Failed password"' --limit 20
      logcopilot query '{system="openssh"}' --from 2015-12-10T00:00:00Z --to 2015-12-11T00:00:00Z --json
      logcopilot query 'sum by (level) (count_over_time({system="hdfs"}[1h]))' --since 30d --step 1h
    """
    from logcopilot.logql import parse

    expr = parse(logql)
    if limit <= 0:
        raise InputError("limit must be a positive value")
    store = open_store(db, read_only=False)
    try:
        cur = store.cursor()
        start, end = _time_range(cur, since, from_, to)
        step_ns = _step(step, start, end)
        if explain:
            click.echo(explain_plan(cur, expr, start, end, step_ns, direction.lower()))
            return
        if at is not None:
            res = execute_instant(cur, expr, parse_time_ns(at, "time"))
        else:
            res = execute_range(cur, expr, start, end, step_ns=step_ns, limit=limit, direction=direction.lower())
    finally:
        store.close()
    if as_json:
        echo_json(loki_envelope(res))
    else:
        _print_result(res)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=3100, show_default=True, type=int)
@click.option("--auth-enabled", is_flag=True, default=None,
              help="Require X-Scope-OrgID and isolate tenants, as Loki's auth_enabled (env LOGCOPILOT_AUTH_ENABLED).")
@click.option("--token", default=None, help="Require 'Authorization: Bearer TOKEN' (env LOGCOPILOT_TOKEN).")
@db_option
def serve_cmd(host: str, port: int, auth_enabled: bool | None, token: str | None, db: str | None) -> None:
    """Serve the Loki HTTP API (``/loki/api/v1/...``) and the web UI from the embedded store.

    \b
    Example:
      logcopilot serve --port 3100 &
      open http://127.0.0.1:3100/        # the web UI: ask, query, knowledge, ingest status
      curl -G localhost:3100/loki/api/v1/query_range --data-urlencode 'query={system="hdfs"}'
    """
    import uvicorn

    from logcopilot.server.app import create_app

    store = open_store(db)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"LogCopilot on http://{shown}:{port}/ (web UI); Loki API at /loki/api/v1, JSON API at /api/v1, "
               f"OpenAPI at /openapi.json; store {store.path}. Ctrl+C stops.", err=True)
    try:
        uvicorn.run(create_app(store, auth_enabled=auth_enabled, token=token), host=host, port=port, log_level="warning")
    finally:
        store.close()
