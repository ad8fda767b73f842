from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from logcopilot.cli.templates import eval_templates_cmd, templates_cmd


def test_mine_then_eval(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("\n".join([f"worker {i} started in {i * 3} ms" for i in range(5)] + ["shutdown complete"]) + "\n")
    r = CliRunner().invoke(templates_cmd, ["mine", str(log), "--out", str(tmp_path / "o"), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert [(d["template"], d["count"]) for d in data] == [("worker <*> started in <*> ms", 5), ("shutdown complete", 1)]
    truth = tmp_path / "truth.csv"
    truth.write_text("LineId,Content,EventId,EventTemplate\n" + "".join(
        f"{i + 1},worker {i} started in {i * 3} ms,E1,worker <*> started in <*> ms\n" for i in range(5))
        + "6,shutdown complete,E2,shutdown complete\n")
    r = CliRunner().invoke(eval_templates_cmd, ["--pred", str(tmp_path / "o" / "app.log_structured.csv"),
                                                "--truth", str(truth), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["ga"] == 1.0


def test_eval_missing_file_is_one_line_error(tmp_path: Path) -> None:
    from logcopilot.cli import main

    r = CliRunner().invoke(main, ["eval-templates", "--pred", str(tmp_path / "a.csv"), "--truth", str(tmp_path / "b.csv")])
    assert r.exit_code == 1
    assert r.output.strip().startswith("error: no such structured CSV")
