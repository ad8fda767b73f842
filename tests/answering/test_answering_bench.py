"""The bench harness end to end: ingest + index from systems.json, answer, score, resume;
and the CLI commands on the same data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from logcopilot.bench.harness import run_bench
from logcopilot.cli import main
from logcopilot.engine.store import Store

from conftest import make_log  # type: ignore[import-not-found]


def _files(tmp_path: Path) -> tuple[Path, Path, Path, dict[str, int]]:
    data = tmp_path / "logs" / "Sshd"
    data.mkdir(parents=True)
    counts = make_log(data / "sshd.log")
    systems = {"Sshd": {"log_file": "Sshd/sshd.log", "year": 2015,
                        "session_key": {"name": "pid"}}}
    (tmp_path / "systems.json").write_text(json.dumps(systems))
    qs = [
        {"id": "s-1", "system": "Sshd", "category": "count", "question": "How many 'Invalid user' lines are there?",
         "answer": {"type": "number", "value": counts["invalid"]}},
        {"id": "s-2", "system": "Sshd", "category": "existence", "question": "Did anyone log in successfully?",
         "answer": {"type": "bool", "value": True}},
        {"id": "s-3", "system": "Nowhere", "category": "count", "question": "How many lines?",
         "answer": {"type": "number", "value": 1}},
    ]
    (tmp_path / "q.jsonl").write_text("\n".join(json.dumps(q) for q in qs) + "\n")
    shutil.copy(Path(__file__).with_name("score_stub.py"), tmp_path / "score.py")
    return tmp_path / "q.jsonl", tmp_path / "systems.json", tmp_path / "logs", counts


def test_bench_end_to_end_and_resume(tmp_path: Path) -> None:
    q, systems, data, counts = _files(tmp_path)
    out = tmp_path / "answers.jsonl"
    with Store(tmp_path / "s.duckdb") as store:
        rep = run_bench(store, q, systems, data, out, planner="rules")
        assert rep.asked == 3 and rep.correct == 2 and rep.scored
        assert rep.by_category["count"] == [1, 2]
        assert any("error" in p for p in rep.prepared)  # the unknown system is reported, not fatal
        rows = [json.loads(x) for x in out.read_text().splitlines()]
        assert rows[0]["value"] == counts["invalid"] and rows[0]["logql"].startswith("sum(")
        assert rows[2]["value"] is None and rows[2]["error"]
        again = run_bench(store, q, systems, data, out, planner="rules")
        assert again.asked == 0 and again.reused == 3 and again.correct == 2
        assert rep.cost["seconds"] > 0


def test_cli_ask_and_bench(tmp_path: Path) -> None:
    q, systems, data, _ = _files(tmp_path)
    db = str(tmp_path / "c.duckdb")
    runner = CliRunner()
    r = runner.invoke(main, ["bench", str(q), "--systems", str(systems), "--data-dir", str(data), "--out",
                             str(tmp_path / "a.jsonl"), "--db", db, "--llm", "none"])
    assert r.exit_code == 0, r.output
    assert "overall: 0.667 (2/3)" in r.output and "cost per question" in r.output
    r = runner.invoke(main, ["ask", "How many 'Invalid user' lines are there?", "--system", "sshd", "--db", db,
                             "--llm", "none", "--json", "--results-dir", str(tmp_path / "res")])
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    assert body["ok"] and body["logql"].startswith("sum(count_over_time(") and body["evidence"]
    r = runner.invoke(main, ["ask", "How many lines?", "--system", "ghost", "--db", db, "--llm", "none"])
    assert r.exit_code == 2 and "Could not answer" in r.output
