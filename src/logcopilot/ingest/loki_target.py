"""Push target: parsed log entries -> a real Grafana Loki (or ``logcopilot serve``) over HTTP.

In: log files and the same options as ``logcopilot ingest`` (system, format, year, tz), and a
target URL (``loki://HOST:PORT`` or ``http(s)://...``). Out: a ``PushReport`` (entries
accepted and rejected, batches, reasons) after pushing every entry with Loki's JSON push API.

How entries get their labels: the files go through the ordinary ingest pipeline into a
temporary in-memory store, so every entry carries exactly the stream labels the embedded
store would give it; then each stream is read back in timestamp order and pushed.

Loki's limits, respected here:

- **batch size**: a push body holds at most ``batch_bytes`` of log lines (default 1 MiB, as
  Promtail/Alloy send); 429 (rate limited) and 5xx answers are retried with backoff;
- **per-stream ordering**: entries go out sorted by timestamp within their stream;
- **identical lines**: Loki keeps only the first of two entries with the same stream,
  timestamp and line. Such repeats are kept by adding 1 ns per earlier repeat
  (``engine.writer.loki_timestamps``), so every event arrives, in order, within nanoseconds
  of its real time;
- **old samples**: Loki rejects entries older than ``reject_old_samples_max_age`` (7 days by
  default). A rejected batch is counted, and the report says which Loki setting fixes it.

Example::

    report = push_files("loki://127.0.0.1:3100", ["OpenSSH_2k.log"], system="openssh", year=2015)
    (report.accepted, report.rejected)
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from logcopilot.backends.loki import LokiBackend
from logcopilot.engine.store import Store
from logcopilot.engine.writer import loki_timestamps
from logcopilot.ingest.pipeline import IngestReport, ingest_files

__all__ = ["OLD_SAMPLES_FIX", "PushReport", "batches", "cli_push", "push_files", "stream_entries"]

DEFAULT_BATCH_BYTES = 1 << 20
OLD_SAMPLES_FIX = (
    "Loki rejects samples older than reject_old_samples_max_age (default 168h); to load old logs set "
    "limits_config: {reject_old_samples: false} (or raise reject_old_samples_max_age) in Loki's config, "
    "and restart Loki"
)
_IGNORED = re.compile(r"total ignored: (\d+) out of (\d+)")
_TOO_OLD = re.compile(r"too old|reject_old_samples", re.I)
_OUT_OF_ORDER = re.compile(r"out of order|too far behind", re.I)

Entry = tuple[int, str, dict[str, str] | None]  # (ts ns, line, structured metadata)
ProgressFn = Callable[[int, int], None]  # (entries sent, total entries)


@dataclass
class PushReport:
    """What a push did: ``accepted + rejected == entries``."""

    target: str
    files: list[dict[str, Any]] = field(default_factory=list)  # the parse reports
    streams: int = 0
    entries: int = 0
    batches: int = 0
    accepted: int = 0
    rejected: int = 0
    bumped: int = 0  # identical (ts, line) repeats moved by 1 ns each
    reasons: dict[str, int] = field(default_factory=dict)
    hints: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def stream_entries(store: Store) -> Iterator[tuple[dict[str, str], list[Entry], int]]:
    """Each stream's labels and entries, sorted by (Loki-unique) timestamp; and the bump count."""
    cur = store.cursor()
    try:
        for stream in store.streams(None):
            rows = cur.execute(
                "SELECT ts, line, metadata FROM entries WHERE stream_id = ? ORDER BY ts, seq", [stream.stream_id]
            ).fetchall()
            tss = loki_timestamps((int(r[0]), str(r[1])) for r in rows)
            bumped = sum(1 for new, r in zip(tss, rows) if new != r[0])
            entries: list[Entry] = [
                (ts, str(r[1]), json.loads(r[2]) if r[2] else None) for ts, r in zip(tss, rows)
            ]
            entries.sort(key=lambda e: e[0])  # stable: bumped repeats stay after their original
            yield stream.labels, entries, bumped
    finally:
        cur.close()


def batches(
    streams: Sequence[tuple[dict[str, str], list[Entry]]], batch_bytes: int = DEFAULT_BATCH_BYTES
) -> Iterator[tuple[list[dict[str, Any]], int]]:
    """Push bodies' ``streams`` lists of at most ``batch_bytes`` line bytes (one entry at least)."""
    current: list[dict[str, Any]] = []
    size = count = 0
    for labels, entries in streams:
        values: list[list[Any]] = []
        for ts, line, md in entries:
            n = len(line.encode("utf-8", "replace")) + 32
            if count and size + n > batch_bytes:
                if values:
                    current.append({"stream": labels, "values": values})
                yield current, count
                current, values, size, count = [], [], 0, 0
            values.append([str(ts), line, md] if md else [str(ts), line])
            size += n
            count += 1
        if values:
            current.append({"stream": labels, "values": values})
    if count:
        yield current, count


def _rejections(text: str, sent: int) -> tuple[int, str]:
    """How many entries of a batch a 400 answer rejected, and why (one reason key)."""
    reason = "too old" if _TOO_OLD.search(text) else "out of order" if _OUT_OF_ORDER.search(text) else ""
    m = _IGNORED.search(text)
    if m:
        rejected = min(int(m.group(1)), sent)
    elif reason:
        rejected = min(sum(1 for ln in text.splitlines() if _TOO_OLD.search(ln) or _OUT_OF_ORDER.search(ln)), sent)
    else:
        rejected = sent  # a body Loki refused as a whole
    return rejected, reason or (" ".join(text.split())[:200] or "rejected")


def push_files(
    target: str,
    paths: Sequence[str],
    *,
    system: str,
    fmt: str | None = None,
    year: int | None = None,
    tz: str = "UTC",
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    backend: LokiBackend | None = None,
    progress: ProgressFn | None = None,
    **client: Any,
) -> PushReport:
    """Parse ``paths`` as ``ingest`` does and push the entries to the Loki at ``target``."""
    started = time.perf_counter()
    loki = backend or LokiBackend(target, **client)
    report = PushReport(target=loki.base_url)
    try:
        with Store(":memory:") as staging:
            parsed: list[IngestReport] = ingest_files(staging, paths, system=system, fmt=fmt, year=year, tz=tz)
            report.files = [r.to_dict() for r in parsed]
            streams: list[tuple[dict[str, str], list[Entry]]] = []
            for labels, entries, bumped in stream_entries(staging):
                if entries:
                    streams.append((labels, entries))
                    report.bumped += bumped
        report.streams = len(streams)
        report.entries = sum(len(e) for _, e in streams)
        sent = 0
        for body_streams, count in batches(streams, batch_bytes):
            response = loki.push(json.dumps({"streams": body_streams}, ensure_ascii=False).encode("utf-8"))
            report.batches += 1
            if response.status_code == 400:
                rejected, reason = _rejections(response.text, count)
                report.rejected += rejected
                report.accepted += count - rejected
                report.reasons[reason] = report.reasons.get(reason, 0) + rejected
            else:
                report.accepted += count
            sent += count
            if progress:
                progress(sent, report.entries)
    finally:
        if backend is None:
            loki.close()
    if "too old" in report.reasons:
        report.hints.append(OLD_SAMPLES_FIX)
    if "out of order" in report.reasons:
        report.hints.append(
            "Loki refused out-of-order entries: keep unordered_writes: true (the default) in limits_config, "
            "or push older data before newer"
        )
    report.seconds = time.perf_counter() - started
    return report


def cli_push(target: str, files: Sequence[str], *, system: str, fmt: str | None, year: int | None, tz: str,
             as_json: bool, tenant: str | None = None) -> PushReport:
    """``logcopilot ingest --target``: push with a progress line on stderr, print the counts."""
    import click

    from logcopilot.config import load_settings
    from logcopilot.errors import IngestError

    settings = load_settings()
    err = sys.stderr
    show = not as_json and err.isatty()

    def progress(done: int, total: int) -> None:
        if show:
            err.write(f"\rpushed {done:,}/{total:,} entries")
            err.flush()

    report = push_files(
        target, files, system=system, fmt=fmt, year=year, tz=tz, progress=progress,
        tenant=tenant or settings.get("loki_tenant") or None, token=settings.get("loki_token") or None,
        user=settings.get("loki_user") or None, password=settings.get("loki_password") or None,
    )
    if show:
        err.write("\n")
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        for f in report.files:
            click.echo(f"{f['path']}: parsed {f['entries']:,} entries, rejected {f['lines_rejected']:,} lines")
        click.echo(
            f"pushed to {report.target}: {report.entries:,} entries in {report.streams} streams, "
            f"{report.batches} batches: accepted {report.accepted:,}, rejected {report.rejected:,}"
            + (f" ({report.bumped:,} identical repeats moved by 1 ns)" if report.bumped else "")
        )
        for reason, n in report.reasons.items():
            click.echo(f"  rejected {n:,}: {reason}")
        for hint in report.hints:
            click.echo(f"  hint: {hint}")
    if report.rejected and not report.accepted:
        raise IngestError(f"Loki at {report.target} rejected all {report.rejected:,} entries"
                          + (f"; {report.hints[0]}" if report.hints else ""))
    return report
