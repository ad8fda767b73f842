"""``logcopilot query`` over a real store file: table/stream output, --json, --explain, errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from logcopilot.cli import main
from logcopilot.engine.push import push_payload
from logcopilot.engine.store import Store

T0 = 1704067200


def _db(tmp_path: Path) -> str:
    db = str(tmp_path / "q.duckdb")
    with Store(db) as st:
        push_payload(
            st,
            {
                "streams": [
                    {
                        "stream": {"system": "demo"},
                        "values": [
                            [str((T0 + 5) * 10**9), "Failed password for root"],
                            [str((T0 + 9) * 10**9), "Accepted password for bob"],
                        ],
                    }
                ]
            },
        )
    return db


def test_query_streams_and_json(tmp_path: Path) -> None:
    db = _db(tmp_path)
    runner = CliRunner()
    args = ["query", '{system="demo"} |= "Failed"', "--from", str(T0), "--to", str(T0 + 60), "--db", db]
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    assert '{system="demo"}' in res.output and "Failed password for root" in res.output
    assert "Accepted" not in res.output
    res = runner.invoke(main, args + ["--json"])
    doc = json.loads(res.output)
    assert doc["data"]["result"][0]["values"] == [[str((T0 + 5) * 10**9), "Failed password for root"]]


def test_query_defaults_to_the_stored_span(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["query", '{system="demo"}', "--direction", "forward", "--db", _db(tmp_path)])
    assert res.exit_code == 0, res.output
    lines = [ln.strip() for ln in res.output.splitlines() if "password" in ln]
    assert [ln.split("  ", 1)[1] for ln in lines] == ["Failed password for root", "Accepted password for bob"]


def test_query_metric_table_and_instant(tmp_path: Path) -> None:
    db = _db(tmp_path)
    runner = CliRunner()
    res = runner.invoke(
        main, ["query", 'count_over_time({system="demo"}[1m])', "--time", str(T0 + 60), "--db", db]
    )
    assert res.exit_code == 0, res.output
    assert res.output.strip() == '{system="demo"}  2'


def test_query_explain_shows_pushed_sql(tmp_path: Path) -> None:
    db = _db(tmp_path)
    res = CliRunner().invoke(
        main, ["query", '{system="demo"} |= "Failed" | logfmt', "--from", str(T0), "--to", str(T0 + 60), "--explain", "--db", db]
    )
    assert res.exit_code == 0, res.output
    assert "strpos(line, ?) > 0" in res.output and "'Failed'" in res.output


def test_query_parse_error_is_one_line(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["query", '{system="demo"', "--db", _db(tmp_path)])
    assert res.exit_code == 1
    assert "parse error at line 1, col 15" in res.output


def test_serve_answers_loki_api(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys
    import time
    import urllib.parse
    import urllib.request

    db = _db(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "logcopilot"), "serve", "--port", str(port), "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise AssertionError(proc.stdout.read().decode() if proc.stdout else "server did not start")
                time.sleep(0.2)
        q = urllib.parse.urlencode({"query": '{system="demo"}', "start": str(T0), "end": str(T0 + 60)})
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/loki/api/v1/query_range?{q}", timeout=10) as r:
            doc = json.loads(r.read())
        assert [v[1] for v in doc["data"]["result"][0]["values"]] == [
            "Accepted password for bob",
            "Failed password for root",
        ]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
