"""The ``ingest`` and ``stats`` commands, run through click with a real store file."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from logcopilot.cli import main
from logcopilot.data import SAMPLES, data_path

SSH = str(data_path("OpenSSH_2k.log"))


def test_ingest_prints_a_summary_and_stats_shows_the_store(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    runner = CliRunner()
    res = runner.invoke(main, ["ingest", SSH, "--system", "OpenSSH", "--year", "2015", "--db", db])
    assert res.exit_code == 0, res.output
    assert "format detected OpenSSH (100% of sample lines), year 2015 assumed" in res.output
    assert "lines read 2,000  stored 2,000 in 2,000 entries  rejected 0" in res.output
    assert "time span 2015-12-10 06:55:46.000Z .. 2015-12-10 11:04:45.000Z" in res.output
    again = runner.invoke(main, ["ingest", SSH, "--system", "openssh", "--db", db])
    assert again.exit_code == 0 and "skipped, already ingested as source 1" in again.output
    stats = runner.invoke(main, ["stats", "--db", db])
    assert stats.exit_code == 0
    assert "system openssh: 2,000 entries in 1 streams, 1 source(s), format OpenSSH" in stats.output
    assert '{component="sshd", system="openssh"}  2,000' in stats.output


def test_json_output(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    runner = CliRunner()
    res = runner.invoke(
        main, ["ingest", str(data_path("HDFS_2k.log")), "--system", "hdfs", "--format", "HDFS", "--db", db, "--json"]
    )
    assert res.exit_code == 0, res.output
    [report] = json.loads(res.output)
    assert report["lines_read"] == 2000 and report["streams"] == 7 and report["year"] is None
    assert report["lines_read"] == report["lines_stored"] + report["lines_rejected"]
    [stats] = json.loads(runner.invoke(main, ["stats", "--system", "HDFS", "--db", db, "--json"]).output)
    assert stats["entries"] == 2000 and len(stats["streams"]) == 7
    assert stats["labels"]["level"] == ["info", "warn"]
    assert stats["time_span"] == ["2008-11-09 20:36:15.000Z", "2008-11-11 10:20:17.000Z"]


def test_stdin_through_the_cli(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    data = Path(SSH).read_bytes()[:5000]
    res = CliRunner().invoke(
        main, ["ingest", "-", "--system", "ssh", "--format", "openssh", "--year", "2015", "--db", db, "--json"],
        input=data,
    )
    assert res.exit_code == 0, res.output
    [report] = json.loads(res.output)
    assert report["path"] == "-" and report["lines_read"] == data.count(b"\n") + (not data.endswith(b"\n"))


def test_errors_are_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    runner = CliRunner()
    for args, message in [
        (["ingest", str(tmp_path / "nope.log"), "--system", "x"], "error: no such file:"),
        (["ingest", SSH, "--system", "x", "--format", "bogus"], "error: unknown format 'bogus'"),
        (["ingest", SSH, "--system", "x", "--tz", "Mars/Base"], "error: unknown time zone 'Mars/Base'"),
    ]:
        res = runner.invoke(main, [*args, "--db", db])
        assert res.exit_code == 1
        assert res.output.startswith(message) and res.output.count("\n") == 1, res.output


def test_help_shows_examples() -> None:
    out = CliRunner().invoke(main, ["ingest", "--help"]).output
    assert "Examples:" in out and "logcopilot ingest OpenSSH_2k.log --system openssh" in out
    assert "trainticket" in out
    assert "Examples:" in CliRunner().invoke(main, ["stats", "--help"]).output


def test_bundled_samples_exist_with_their_licence() -> None:
    for name in SAMPLES:
        assert data_path(name).is_file()
    notice = data_path("README.md").read_text(encoding="utf-8")
    assert "LICENSE OF LOGHUB" in notice and "MIT License" in notice
