"""The ingest pipeline: raw log files -> streams, entries and rejects in the store.

In: file paths (or '-' for stdin), a system name, an optional format, year and time zone.
Out: an ``IngestReport`` per file (and rows in the store). Stages, in order:

``read``    reader.read_into: the file's lines as a relation in file order (DuckDB's CSV
            scanner over the file itself for clean files; Python blocks into ``_ing_raw`` for
            gzip, stdin and lines that need repair), sha256 for re-ingest identity
``detect``  detect.detect_format on the first lines when no format is given
``parse``   extract.run_extract: header fields, timestamp (ns UTC) and labels, set-based in
            SQL, into ``_ing`` (no text: lines are paired back by position); extract.roll_years
            for year-less layouts that cross a New Year
``lines``   continuation lines attach to the entry before them (multi-line formats: a stack
            trace becomes part of its entry, joined by ``\n``); lines that cannot be stored
            become rejects with a reason: ``empty line``, ``unreadable timestamp``,
            ``no header before this line``, ``continuation of a rejected line``,
            ``does not match format`` / ``not a JSON object``
``write``   engine.writer: streams registered, entries and rejects appended in one transaction

Memory stays bounded for multi-GB files: the text is never held twice, and DuckDB's memory
limit is set for the duration (``memory_limit``, default 1 GB) so it spills instead of growing.

Every physical line is accounted for: ``lines_read = lines_stored + lines_rejected``, where an
attached continuation line counts as stored (it is in its entry's line).

Example::

    >>> from logcopilot.engine.store import Store
    >>> with Store(":memory:") as store:  # doctest: +SKIP
    ...     [r] = ingest_files(store, ["OpenSSH_2k.log"], system="openssh", fmt="OpenSSH", year=2015)
    ...     (r.lines_read, r.entries, r.streams)
    (2000, 2000, 1)
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import duckdb

from logcopilot.engine import writer
from logcopilot.engine.store import Store
from logcopilot.errors import IngestError, InputError
from logcopilot.ingest.detect import detect_format, infer_timestamp
from logcopilot.ingest.extract import compile_preset, roll_years, run_extract
from logcopilot.ingest.presets import Preset, resolve_format
from logcopilot.ingest.reader import ReadResult, read_into
from logcopilot.ingest.timestamps import check_tz, default_year, needs_year

__all__ = ["STAGES", "IngestReport", "ingest_files"]

STAGES = ("read", "detect", "parse", "lines", "write")

# (stage, done, total); total 0 = unknown
ProgressFn = Callable[[str, int, int], None]


@dataclass
class IngestReport:
    """What one file's ingest did. ``lines_read == lines_stored + lines_rejected``."""

    path: str
    system: str
    format: str = ""
    detected: bool = False
    detect_score: float = 0.0
    year: int | None = None  # the year assumed for a layout without one, else None
    year_rolled: int = 0  # lines moved to a later year after a New Year inside the log
    tz: str = "UTC"
    sha256: str = ""
    bytes: int = 0
    source_id: int | None = None
    skipped: str = ""  # non-empty when the file was not ingested (already in the store)
    read_path: str = ""  # "bulk" or "chunked"
    lines_read: int = 0
    lines_stored: int = 0
    lines_rejected: int = 0
    entries: int = 0
    attached: int = 0  # continuation lines stored inside the entry before them
    rejects: dict[str, int] = field(default_factory=dict)
    repaired: dict[str, int] = field(default_factory=dict)
    streams: int = 0
    ts_min: int | None = None
    ts_max: int | None = None
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.lines_read / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["lines_per_second"] = round(self.rate)
        return out


def ingest_files(
    store: Store,
    paths: Sequence[str],
    *,
    system: str,
    fmt: str | None = None,
    year: int | None = None,
    tz: str = "UTC",
    progress: ProgressFn | None = None,
    memory_limit: str | None = "1GB",
) -> list[IngestReport]:
    """Ingest each file into ``store`` under ``{system="<system>"}``; one report per file.

    ``memory_limit`` bounds DuckDB's memory while ingesting (None: leave the store's setting).
    """
    system = system.strip().lower()
    if not system:
        raise InputError("--system must not be empty")
    if not paths:
        raise InputError("no input files given")
    tz = check_tz(tz)
    preset = resolve_format(fmt) if fmt else None
    # DuckDB keeps what it reads and writes in its buffer pool up to memory_limit (80% of RAM
    # by default), so a large ingest would hold the whole file in RSS. A limit makes it spill
    # staging tables to its temp directory instead.
    row = store.con.execute("SELECT current_setting('memory_limit')").fetchone()
    previous = str(row[0]) if row else None
    if memory_limit:
        store.con.execute(f"SET memory_limit = '{_check_size(memory_limit)}'")
    try:
        return [_ingest_one(store, p, system, preset, year, tz, progress) for p in paths]
    finally:
        if memory_limit and previous:
            store.con.execute(f"SET memory_limit = '{previous}'")


def _check_size(value: str) -> str:
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", value.strip(), flags=re.IGNORECASE):
        raise InputError(f"bad memory limit {value!r} (use e.g. 1GB or 512MiB)")
    return value.strip()


def _ingest_one(
    store: Store, path: str, system: str, preset: Preset | None, year: int | None, tz: str,
    progress: ProgressFn | None,
) -> IngestReport:
    started = time.perf_counter()
    con = store.con
    report = IngestReport(path=path, system=system, tz=tz)
    read: ReadResult = read_into(con, path, (lambda d, t: progress("read", d, t)) if progress else None)
    report.sha256, report.bytes, report.read_path = read.sha256, read.bytes, read.path_kind
    report.lines_read, report.repaired = read.lines, dict(read.repaired)
    dup = con.execute(
        "SELECT source_id, path FROM sources WHERE sha256 = ? AND system = ?", [read.sha256, system]
    ).fetchone()
    if dup is not None:
        report.skipped = f"already ingested as source {dup[0]} ({dup[1]})"
        report.source_id = int(dup[0])
        _cleanup(store)
        report.seconds = time.perf_counter() - started
        return report
    the_year = year if year is not None else default_year()
    sample = read.sample
    if sample:
        if preset is None:
            if progress:
                progress("detect", 0, 0)
            found = detect_format(sample, year=the_year)
            preset, report.detected, report.detect_score = found.preset, True, found.score
        if preset.name == "custom":
            preset = infer_timestamp(preset, sample, year=the_year)
    report.format = preset.record if preset is not None else "-"  # no text: nothing to detect
    if preset is None:
        preset = resolve_format("iso-level")  # any preset: there are no lines to read
    report.year = the_year if needs_year(preset.timestamp) else None
    if progress:
        progress("parse", 0, 0)
    compiled = compile_preset(preset, year=the_year, tz=tz)
    try:
        label_names = run_extract(con, compiled, read.relation)
    except duckdb.InvalidInputException:
        if read.path_kind != "bulk":
            raise
        # DuckDB's scanner refused the file (invalid UTF-8): read it again, repairing lines
        read = read_into(con, path, None, chunked=True)
        report.repaired = dict(read.repaired)
        report.read_path = read.path_kind
        label_names = run_extract(con, compiled, read.relation)
    if report.year is not None:
        report.year_rolled = roll_years(con)
    row = con.execute("SELECT count(*) FROM _ing").fetchone()
    report.lines_read = int(row[0]) if row else 0
    if read.lines >= 0 and read.lines != report.lines_read:
        raise IngestError(f"internal error reading {path}: {read.lines} lines read, {report.lines_read} staged")
    candidates, rejects, attached_sql = _line_queries(store, preset, len(label_names), read.relation)
    if progress:
        progress("write", 0, 0)
    notes = _notes_table(store, read)
    report.streams = writer.register_streams(
        store, system, label_names, "SELECT * FROM _ing WHERE matched AND ts IS NOT NULL"
    )
    con.execute("BEGIN TRANSACTION")
    try:
        seq0 = store.next_seq() - 1
        report.source_id = writer.new_source(store, system, read.source, read.sha256, read.bytes, report.format)
        report.entries = writer.append_entries(store, report.source_id, seq0, len(label_names), candidates, notes)
        report.rejects = writer.append_rejects(store, report.source_id, rejects) if rejects else {}
        report.lines_rejected = sum(report.rejects.values())
        if attached_sql:
            row = con.execute(attached_sql).fetchone()
            report.attached = int(row[0]) if row else 0
        report.lines_stored = report.entries + report.attached
        span = con.execute(
            "SELECT min(ts), max(ts) FROM entries WHERE source_id = ?", [report.source_id]
        ).fetchone()
        if span:
            report.ts_min, report.ts_max = span[0], span[1]
        _check_accounting(con, report)
        report.seconds = time.perf_counter() - started
        writer.finish_source(
            store, report.source_id, report.lines_read, report.lines_stored, report.lines_rejected, report.to_dict()
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        store.touch()  # entries changed (or a rollback undid them): drop caches keyed on them
        _cleanup(store)
    report.seconds = time.perf_counter() - started
    return report


def _line_queries(
    store: Store, preset: Preset, n_labels: int, relation: str
) -> tuple[str, str | None, str | None]:
    """SQL for candidate entries, for rejected lines (None: there are none), and for
    counting attached lines (None: there are none).

    Lines come back by position: ``_ing`` (no text) ``POSITIONAL JOIN`` the line relation.
    Counts come from ``_ing`` alone, so a clean log reads its text once more, for the insert.
    """
    con = store.con
    ing = f"(SELECT i.*, r.l FROM (SELECT rowid + 1 AS line_no, * FROM _ing) i POSITIONAL JOIN {relation} r)"
    labs = "".join(f", lab_{k}" for k in range(n_labels))
    name = preset.name if preset.name != "custom" else "custom"
    row = con.execute(
        "SELECT count(*) FILTER (empty), count(*) FILTER (matched AND ts IS NULL), "
        "count(*) FILTER (NOT matched AND NOT empty) FROM _ing"
    ).fetchone()
    n_empty, n_bad_ts, n_unmatched = (int(x) for x in row) if row else (0, 0, 0)
    rejects: list[str] = []
    if n_empty:
        rejects.append(f"SELECT line_no, 'empty line' AS reason, coalesce(l, '') AS raw FROM {ing} WHERE empty")
    if n_bad_ts:
        rejects.append(f"SELECT line_no, 'unreadable timestamp' AS reason, l AS raw FROM {ing} WHERE matched AND ts IS NULL")
    single = f"SELECT line_no, l AS line, ts{labs} FROM {ing} WHERE matched AND ts IS NOT NULL"
    if n_unmatched == 0:
        return single, " UNION ALL ".join(rejects) or None, None
    if not preset.multiline:
        reason = "not a JSON object" if preset.kind == "json" else f"does not match format {name}"
        rejects.append(f"SELECT line_no, '{reason}' AS reason, l AS raw FROM {ing} WHERE NOT matched AND NOT empty")
        return single, " UNION ALL ".join(rejects), None
    # Multi-line: each unmatched line belongs to the nearest header line above it. Text is
    # materialized only for the lines of entries that have continuation lines.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ing_head AS SELECT line_no, matched, "
        "max(CASE WHEN matched THEN line_no END) OVER (ORDER BY line_no ROWS UNBOUNDED PRECEDING) AS head "
        "FROM (SELECT rowid + 1 AS line_no, matched, empty FROM _ing) WHERE NOT empty"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ing_multi AS SELECT h.line_no, h.head, h.matched, x.l FROM _ing_head h "
        f"JOIN (SELECT line_no, l FROM {ing} WHERE NOT empty) x USING (line_no) "
        "WHERE h.head IN (SELECT DISTINCT head FROM _ing_head WHERE NOT matched) OR h.head IS NULL"
    )
    multi = (
        f"SELECT i.line_no, g.line, i.ts{''.join(f', i.lab_{k}' for k in range(n_labels))} "
        "FROM (SELECT rowid + 1 AS line_no, * FROM _ing) i JOIN "
        "(SELECT head, string_agg(l, chr(10) ORDER BY line_no) AS line FROM _ing_multi "
        "WHERE head IS NOT NULL GROUP BY head) g ON g.head = i.line_no WHERE i.ts IS NOT NULL"
    )
    candidates = (
        f"SELECT line_no, l AS line, ts{labs} FROM {ing} WHERE matched AND ts IS NOT NULL "
        "AND line_no NOT IN (SELECT head FROM _ing_multi WHERE head IS NOT NULL) "
        f"UNION ALL {multi}"
    )
    rejects.append(
        f"SELECT line_no, 'no header before this line (format {name})' AS reason, l AS raw "
        "FROM _ing_multi WHERE head IS NULL"
    )
    rejects.append(
        "SELECT m.line_no, 'continuation of a rejected line' AS reason, m.l AS raw FROM _ing_multi m "
        "JOIN (SELECT rowid + 1 AS line_no, ts FROM _ing) i ON i.line_no = m.head "
        "WHERE NOT m.matched AND i.ts IS NULL"
    )
    attached = (
        "SELECT count(*) FROM _ing_head h JOIN (SELECT rowid + 1 AS line_no, ts FROM _ing) i "
        "ON i.line_no = h.head WHERE NOT h.matched AND i.ts IS NOT NULL"
    )
    return candidates, " UNION ALL ".join(rejects), attached


def _notes_table(store: Store, read: ReadResult) -> str | None:
    if not read.notes:
        return None
    import json

    store.con.execute("CREATE OR REPLACE TEMP TABLE _ing_notes (line_no BIGINT, metadata JSON)")
    store.con.executemany(
        "INSERT INTO _ing_notes VALUES (?, ?)", [[k, json.dumps(v)] for k, v in sorted(read.notes.items())]
    )
    return "_ing_notes"


def _check_accounting(con: object, report: IngestReport) -> None:
    """Every physical line is stored or rejected, never both, never neither."""
    if report.lines_stored + report.lines_rejected != report.lines_read:
        raise IngestError(
            f"internal accounting error for {report.path}: read {report.lines_read}, "
            f"entries {report.entries}, rejected {report.lines_rejected}"
        )


def _cleanup(store: Store) -> None:
    for table in ("_ing_raw", "_ing", "_ing_head", "_ing_multi", "_ing_roll", "_ing_streams", "_ing_notes"):
        store.con.execute(f"DROP TABLE IF EXISTS {table}")
