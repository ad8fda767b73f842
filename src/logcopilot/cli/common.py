"""Shared CLI plumbing: error handling, the --db option, opening the store, JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from logcopilot.config import Settings, load_settings
from logcopilot.engine.store import Store
from logcopilot.errors import LogCopilotError

__all__ = ["LogCopilotGroup", "db_option", "echo_json", "json_option", "open_store", "settings_for"]

F = TypeVar("F", bound=Callable[..., Any])


class LogCopilotGroup(click.Group):
    """A click group that prints LogCopilot errors as one line (no traceback), exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LogCopilotError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


def db_option(f: F) -> F:
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False),
        default=None,
        help="DuckDB store file (default: $LOGCOPILOT_HOME/logcopilot.duckdb).",
    )(f)


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")(f)


def settings_for(db: str | None) -> Settings:
    return load_settings(db=db)


def open_store(db: str | None, *, read_only: bool = False) -> Store:
    """Open (and migrate) the store named by --db or the settings."""
    return Store(settings_for(db).db_path, read_only=read_only)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
