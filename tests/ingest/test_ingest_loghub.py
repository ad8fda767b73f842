"""Every Loghub 2k file ingests, with its formats.json format and with detection.

Checks: every line accounted for; timestamps agree with the structured CSVs (computed here
with plain ``datetime``, independently of the ingest code); for HDFS, OpenSSH and OpenStack
the stored (labels, ts, line) equal the Loki conformance corpus payloads exactly.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import pytest

from logcopilot.engine.store import Store
from logcopilot.ingest.formats import compile_format, format_for_system
from logcopilot.ingest.pipeline import ingest_files
from shared_data import SHARED

LOGHUB = SHARED / "datasets/loghub-2k"
CORPUS = SHARED / "loki-corpus/data"
FORMATS = json.loads((LOGHUB / "formats.json").read_text()) if LOGHUB.exists() else {}
YEARS = {"OpenSSH": 2015, "Proxifier": 2017, "Mac": 2017}

pytestmark = pytest.mark.skipif(not LOGHUB.exists(), reason="shared Loghub data not present")


def _utc_ns(text: str, layout: str) -> int:
    dt = datetime.strptime(text, layout).replace(tzinfo=UTC)
    return int(dt.timestamp()) * 10**9 + dt.microsecond * 1000


def _expected_ns(system: str, row: dict[str, str]) -> int:
    """The timestamp of a CSV row, restoring leading zeros the CSV lost."""
    year = YEARS.get(system)
    if system == "HDFS":
        return _utc_ns(row["Date"].zfill(6) + " " + row["Time"].zfill(6), "%y%m%d %H%M%S")
    if system == "OpenSSH":
        return _utc_ns(f"{year} {row['Date']} {row['Day']} {row['Time']}", "%Y %b %d %H:%M:%S")
    if system == "OpenStack":
        return _utc_ns(f"{row['Date']} {row['Time']}", "%Y-%m-%d %H:%M:%S.%f")
    if system in ("BGL", "Thunderbird"):
        return int(row["Timestamp"]) * 10**9
    if system == "HPC":
        return int(row["Time"]) * 10**9
    if system == "HealthApp":
        return _utc_ns(row["Time"], "%Y%m%d-%H:%M:%S:%f")
    if system == "Proxifier":
        return _utc_ns(f"{year} {row['Time']}", "%Y %m.%d %H:%M:%S")
    if system == "Mac":
        return _utc_ns(f"{year} {row['Month']} {row['Date']} {row['Time']}", "%Y %b %d %H:%M:%S")
    raise AssertionError(system)


@pytest.fixture(scope="module")
def store() -> Store:
    s = Store(":memory:")
    for system in FORMATS:
        path = str(LOGHUB / FORMATS[system]["log_file"])
        ingest_files(s, [path], system=system, fmt=FORMATS[system]["log_format"], year=YEARS.get(system))
        ingest_files(s, [path], system=system + "-auto", year=YEARS.get(system))
    return s


@pytest.mark.parametrize("system", sorted(FORMATS))
@pytest.mark.parametrize("suffix", ["", "-auto"])
def test_every_line_stored_with_the_csv_timestamp(store: Store, system: str, suffix: str) -> None:
    name = (system + suffix).lower()
    src = store.con.execute(
        "SELECT source_id, lines_read, lines_stored, lines_rejected, format FROM sources WHERE system = ?", [name]
    ).fetchone()
    assert src is not None
    source_id, read, stored, rejected, fmt = src
    raw_lines = (LOGHUB / FORMATS[system]["log_file"]).read_text(encoding="utf-8").split("\n")
    if raw_lines[-1] == "":
        raw_lines.pop()
    assert (read, stored, rejected) == (len(raw_lines), len(raw_lines), 0)
    assert fmt == system  # the formats.json spec resolves to the preset; detection finds it
    got = dict(store.con.execute("SELECT line_no, ts FROM entries WHERE source_id = ?", [source_id]).fetchall())
    lines = dict(store.con.execute("SELECT line_no, line FROM entries WHERE source_id = ?", [source_id]).fetchall())
    with (LOGHUB / FORMATS[system]["structured"]).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(raw_lines)
    for row in rows:
        n = int(row["LineId"])
        assert got[n] == _expected_ns(system, row), (system, n)
        assert lines[n] == raw_lines[n - 1]


@pytest.mark.parametrize("system", ["HDFS", "OpenSSH", "OpenStack"])
def test_entries_equal_the_loki_corpus_payload(store: Store, system: str) -> None:
    payload = json.loads((CORPUS / f"loghub_{system.lower()}.json").read_text(encoding="utf-8"))
    expected = {
        json.dumps(s["stream"], sort_keys=True): [(int(v[0]), v[1]) for v in s["values"]] for s in payload["streams"]
    }
    got: dict[str, list[tuple[int, str]]] = {}
    for sid, labels in store.con.execute(
        "SELECT stream_id, labels FROM streams WHERE labels->>'system' = ?", [system.lower()]
    ).fetchall():
        rows = store.con.execute("SELECT ts, line FROM entries WHERE stream_id = ? ORDER BY ts, seq", [sid]).fetchall()
        got[json.dumps(json.loads(labels), sort_keys=True)] = [(int(a), str(b)) for a, b in rows]
    assert got == expected
    assert len(got) == {"HDFS": 7, "OpenSSH": 1, "OpenStack": 12}[system]


@pytest.mark.parametrize("system", sorted(FORMATS))
def test_format_parse_gives_the_csv_fields(store: Store, system: str) -> None:
    """``LogFormat.parse`` (what the template miner uses) splits lines as Loghub did."""
    fmt = format_for_system(store, system)
    assert fmt is not None and fmt.format == FORMATS[system]["log_format"]
    raw_lines = (LOGHUB / FORMATS[system]["log_file"]).read_text(encoding="utf-8").split("\n")
    with (LOGHUB / FORMATS[system]["structured"]).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    log_format = compile_format(FORMATS[system]["log_format"])
    for row in rows[:300]:
        parsed = fmt.parse(raw_lines[int(row["LineId"]) - 1])
        assert parsed is not None
        assert parsed == log_format.parse(raw_lines[int(row["LineId"]) - 1])
        # Loghub strips each line before matching; the stored line (and parse) keep it whole
        assert parsed["Content"].strip() == row["Content"].strip()
