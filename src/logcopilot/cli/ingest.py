"""``logcopilot ingest`` and ``logcopilot stats``: load log files, show what the store holds.

The per-system figures come from ``engine/stats.py`` (the web API shows the same ones).
"""

from __future__ import annotations

import os

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from logcopilot.cli.common import db_option, echo_json, json_option, open_store
from logcopilot.engine.stats import iso_ns, system_stats
from logcopilot.ingest.pipeline import IngestReport, ingest_files
from logcopilot.ingest.presets import PRESETS

__all__ = ["ingest_cmd", "stats_cmd"]

BIG_FILE = 32 << 20  # show a progress bar from this size on (or for stdin)


def _preset_help() -> str:
    return ", ".join(p.name for p in PRESETS)


@click.command(
    "ingest",
    epilog=(
        "\b\nExamples:\n"
        "  logcopilot ingest OpenSSH_2k.log --system openssh --year 2015\n"
        "  logcopilot ingest HDFS_2k.log --system hdfs --format HDFS\n"
        "  logcopilot ingest app.log --system shop --format '<Date> <Time> <Level> <Content>'\n"
        "  zcat big.log.gz | logcopilot ingest - --system web --format apache-combined\n"
        "  logcopilot ingest trainticket.log --system trainticket --json\n\n"
        f"Presets: {_preset_help()}."
    ),
)
@click.argument("files", nargs=-1, required=True)
@click.option("--system", required=True, help="System name; becomes the stream label system=\"<name>\" (lower case).")
@click.option("--format", "fmt", default=None, help="A preset name or a Loghub-style format; detected when left out.")
@click.option("--year", type=int, default=None, help="Year for layouts without one (default: the current year).")
@click.option("--tz", default="UTC", show_default=True, help="Time zone of timestamps that carry no offset.")
@click.option("--target", "--loki-url", "target", default=None,
              help="Push to a Loki (loki://HOST:PORT or http(s)://URL) instead of the local store.")
@db_option
@json_option
def ingest_cmd(files: tuple[str, ...], system: str, fmt: str | None, year: int | None, tz: str,
               target: str | None, db: str | None, as_json: bool) -> None:
    """Load log FILES ('-' for stdin; gzip is recognised) into the store.

    Each line is stored unchanged with its timestamp (ns, UTC) in a stream labelled with the
    system and low-cardinality header fields (level, component). Lines that cannot be stored
    are counted with a reason; re-ingesting the same content is a no-op.
    """
    if target:  # same parsing and labels, pushed to Loki in batches (see ingest/loki_target.py)
        from logcopilot.ingest.loki_target import cli_push

        cli_push(target, files, system=system, fmt=fmt, year=year, tz=tz, as_json=as_json)
        return
    err = Console(stderr=True)
    show_bar = not as_json and err.is_terminal and any(
        f == "-" or (os.path.isfile(f) and os.path.getsize(f) >= BIG_FILE) for f in files
    )
    with open_store(db) as store:
        if show_bar:
            with Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                TimeElapsedColumn(), console=err, transient=True,
            ) as bar:
                task = bar.add_task("read", total=None)

                def progress(stage: str, done: int, total: int) -> None:
                    bar.update(task, description=stage, completed=done if stage == "read" else None,
                               total=(total or None) if stage == "read" else None)

                reports = ingest_files(store, list(files), system=system, fmt=fmt, year=year, tz=tz, progress=progress)
        else:
            reports = ingest_files(store, list(files), system=system, fmt=fmt, year=year, tz=tz)
        if as_json:
            echo_json([r.to_dict() for r in reports])
            return
        for r in reports:
            _print_report(r)


def _print_report(r: IngestReport) -> None:
    name = r.path if r.path != "-" else "<stdin>"
    if r.skipped:
        click.echo(f"{name}: skipped, {r.skipped}")
        return
    how = f"detected {r.format} ({r.detect_score:.0%} of sample lines)" if r.detected else r.format
    year = f", year {r.year} assumed" if r.year else ""
    if r.year_rolled:
        year += f" ({r.year_rolled:,} lines after a New Year moved on)"
    click.echo(f"{name}: format {how}{year}, tz {r.tz}")
    click.echo(
        f"  lines read {r.lines_read:,}  stored {r.lines_stored:,} in {r.entries:,} entries"
        + (f" ({r.attached:,} continuation lines attached)" if r.attached else "")
        + f"  rejected {r.lines_rejected:,}"
    )
    for reason, n in r.rejects.items():
        click.echo(f"    rejected {n:,}: {reason}")
    for kind, n in r.repaired.items():
        click.echo(f"    repaired {n:,} lines: {kind.replace('_', ' ')}")
    click.echo(f"  streams {r.streams}  time span {iso_ns(r.ts_min)} .. {iso_ns(r.ts_max)}")
    click.echo(f"  {r.seconds:.2f} s, {r.rate:,.0f} lines/s, {r.bytes / 1e6:,.1f} MB, source {r.source_id}")


@click.command(
    "stats",
    epilog="\b\nExamples:\n  logcopilot stats\n  logcopilot stats --system openssh --json",
)
@click.option("--system", default=None, help="Only this system.")
@db_option
@json_option
def stats_cmd(system: str | None, db: str | None, as_json: bool) -> None:
    """Show what the store holds: per system its streams, labels, counts and time span."""
    with open_store(db) as store:
        data = system_stats(store, system)
    if as_json:
        echo_json(data)
        return
    if not data:
        click.echo("the store is empty" + (f" for system {system!r}" if system else "") + "; run `logcopilot ingest` first")
        return
    for item in data:
        click.echo(
            f"system {item['system']}: {item['entries']:,} entries in {len(item['streams'])} streams, "
            f"{item['sources']} source(s), format {item['formats']}"
        )
        click.echo(f"  time span {item['time_span'][0]} .. {item['time_span'][1]}")
        click.echo(f"  lines read {item['lines_read']:,}, rejected {item['lines_rejected']:,}")
        for k, values in item["labels"].items():
            shown = ", ".join(values[:8]) + (f", ... ({len(values)} values)" if len(values) > 8 else "")
            click.echo(f"  label {k}: {shown}")
        for s in item["streams"][:20]:
            labels = ", ".join(f'{k}="{v}"' for k, v in s["labels"].items())
            click.echo(f"    {{{labels}}}  {s['entries']:,}")
        if len(item["streams"]) > 20:
            click.echo(f"    ... {len(item['streams']) - 20} more streams")
