"""Every preset: golden timestamps and labels, SQL path == Python path, detection finds it."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from logcopilot.engine.store import Store
from logcopilot.errors import InputError
from logcopilot.ingest.detect import detect_format
from logcopilot.ingest.pipeline import ingest_files
from logcopilot.ingest.presets import PRESETS, Preset, resolve_format
from logcopilot.ingest.timestamps import parse_timestamp


def iso_ns(text: str) -> int:
    """Expected values written as ISO strings, read with plain datetime (+ a 9-digit fraction)."""
    m = re.match(r"^(.*?)(?:\.(\d+))?Z$", text)
    assert m
    whole = datetime.fromisoformat(m.group(1) + "+00:00")
    return int(whole.timestamp()) * 10**9 + int((m.group(2) or "").ljust(9, "0"))


# preset -> [(example index, expected UTC time, expected labels besides system)]
GOLDEN: dict[str, list[tuple[int, str, dict[str, str]]]] = {
    "HDFS": [(0, "2008-11-09T20:36:15Z", {"level": "info", "component": "dfs.DataNode$PacketResponder"})],
    "OpenSSH": [(0, "2017-12-10T06:55:46Z", {"component": "sshd"})],
    "OpenStack": [(0, "2017-05-16T00:00:00.008Z", {"level": "info", "component": "nova.osapi_compute.wsgi.server"})],
    "BGL": [(0, "2005-06-03T22:42:50Z", {"level": "info", "component": "KERNEL"})],
    "HPC": [(0, "2004-02-26T14:12:22Z", {"component": "unix.hw"})],
    "Thunderbird": [(0, "2005-11-09T20:01:01Z", {})],
    "HealthApp": [(0, "2017-12-23T22:15:29.606Z", {"component": "Step_LSC"})],
    "Proxifier": [(0, "2017-10-30T16:49:06Z", {"component": "chrome.exe"})],
    "Mac": [(0, "2017-07-01T09:01:05Z", {})],
    "rfc3164": [
        (0, "2017-10-11T22:14:15Z", {"level": "crit", "host": "mymachine", "component": "su"}),
        (1, "2017-10-11T22:14:16Z", {"host": "mymachine", "component": "cron"}),
    ],
    "rfc5424": [(0, "2003-10-11T22:14:15.003Z", {"level": "notice", "host": "mymachine.example.com", "component": "evntslog"})],
    "trainticket": [(0, "2023-01-29T08:42:22.383150913Z", {"service": "ts-travel-service", "level": "info"})],
    "json": [(0, "2024-01-01T11:00:00.5Z", {"level": "warn"}), (1, "2024-01-01T12:00:00.123Z", {"level": "info"})],
    "logfmt": [(0, "2024-01-01T12:00:00Z", {"level": "info"})],
    "apache-combined": [(0, "2000-10-10T20:55:36Z", {})],
    "apache-common": [(0, "2000-10-10T20:55:36Z", {})],
    "apache-error": [(0, "2005-12-04T04:47:44Z", {"level": "error"}), (1, "2000-10-11T14:32:52.123456Z", {"level": "error"})],
    "nginx-error": [(0, "2024-01-01T12:00:00Z", {"level": "error"})],
    "log4j": [(0, "2024-01-01T12:00:00.123Z", {"level": "info"})],
    "logback": [(0, "2024-01-01T12:00:00.123Z", {"level": "error"})],
    "spring-boot": [(0, "2024-01-01T12:00:00.123Z", {"level": "info"})],
    "python": [(0, "2024-01-01T12:00:00.123Z", {"level": "warning"})],
    "iso-level": [(0, "2024-01-01T12:00:00.123456789Z", {"level": "error"})],
}


def test_every_preset_has_a_golden_case() -> None:
    assert sorted(GOLDEN) == sorted(p.name for p in PRESETS)
    for p in PRESETS:
        assert p.examples, p.name


def _ingest_examples(tmp_path: Path, preset: Preset) -> list[tuple[int, dict[str, str], str]]:
    path = tmp_path / f"{preset.name}.log"
    path.write_text("\n".join(preset.examples) + "\n", encoding="utf-8")
    with Store(":memory:") as store:
        [r] = ingest_files(store, [str(path)], system="t", fmt=preset.name, year=2017)
        assert (r.lines_read, r.entries, r.lines_rejected) == (len(preset.examples), len(preset.examples), 0)
        rows = store.con.execute(
            "SELECT e.ts, s.labels, e.line FROM entries e JOIN streams s USING (stream_id) ORDER BY e.line_no"
        ).fetchall()
    return [(int(ts), json.loads(labels), line) for ts, labels, line in rows]


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_preset_golden_values(tmp_path: Path, preset: Preset) -> None:
    rows = _ingest_examples(tmp_path, preset)
    for index, when, labels in GOLDEN[preset.name]:
        ts, got_labels, line = rows[index]
        assert line == preset.examples[index]  # stored unchanged
        assert ts == iso_ns(when), (preset.name, index)
        assert got_labels == {"system": "t", **labels}


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_sql_path_agrees_with_python_path(tmp_path: Path, preset: Preset) -> None:
    """The bulk SQL extraction and ``Preset.parse`` + ``parse_timestamp`` give the same answer."""
    for (ts, labels, _line), example in zip(_ingest_examples(tmp_path, preset), preset.examples, strict=True):
        values = preset.parse(example)
        assert values is not None and "Content" in values
        assert parse_timestamp(preset.timestamp, values, year=2017) == ts
        py_labels = {r.name: v for r in preset.labels if (v := r.apply(values)) is not None}
        assert {"system": "t", **py_labels} == labels


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_detection_finds_each_preset_from_its_examples(preset: Preset) -> None:
    found = detect_format(list(preset.examples), year=2017)
    assert found.preset.name == preset.name
    assert found.score == 1.0


def test_names_aliases_and_loghub_specs_resolve() -> None:
    assert resolve_format("openssh").name == "OpenSSH"
    assert resolve_format("k8s-json").name == "trainticket"
    assert resolve_format("nginx").name == "apache-combined"
    assert resolve_format("<Date> <Time> <Pid> <Level> <Component>: <Content>").name == "HDFS"
    custom = resolve_format("<Date> <Time> <Level> <Content>")
    assert custom.name == "custom" and [r.name for r in custom.labels] == ["level"]
    with pytest.raises(InputError, match="unknown format 'nope'"):
        resolve_format("nope")


def test_trainticket_message_is_split_by_its_message_format() -> None:
    values = resolve_format("trainticket").parse(resolve_format("trainticket").examples[0])
    assert values is not None
    assert values["TraceID"] == "ffc8ca7e4c8f06c75142c880d5595d96"
    assert values["Content"] == "[getRouteByRouteId][Get Route By Id]"


def test_tz_applies_to_naive_times_only(tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    path.write_text("2024-07-01 12:00:00,000 INFO [main] a.B - summer\n", encoding="utf-8")
    with Store(":memory:") as store:
        ingest_files(store, [str(path)], system="paris", fmt="log4j", tz="Europe/Paris")
        row = store.con.execute("SELECT ts FROM entries").fetchone()
    assert row is not None and row[0] == iso_ns("2024-07-01T10:00:00Z")  # CEST = UTC+2
    apache = tmp_path / "b.log"
    apache.write_text(resolve_format("apache-common").examples[0] + "\n", encoding="utf-8")
    with Store(":memory:") as store:
        ingest_files(store, [str(apache)], system="web", fmt="apache-common", tz="Europe/Paris")
        row = store.con.execute("SELECT ts FROM entries").fetchone()
    assert row is not None and row[0] == iso_ns("2000-10-10T20:55:36Z")  # the -0700 in the line wins
