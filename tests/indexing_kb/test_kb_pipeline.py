"""The whole pipeline: stages in order, incremental re-runs, and the CLI read commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from kbfixtures import ReferenceRunner, build_store

from logcopilot.errors import InputError
from logcopilot.indexing.knowledge import load_knowledge
from logcopilot.indexing.pipeline import STAGES, index_system

KB_STAGES = ("parameters", "workflows", "summaries", "embeddings")


def test_stages_tuple_and_report() -> None:
    assert STAGES == ("templates", "parameters", "workflows", "summaries", "embeddings")
    store = build_store()
    runner = ReferenceRunner(store)
    r = index_system(store, "sshd", stages=KB_STAGES, runner=runner)
    assert (r.lines, r.templates, r.parameters, r.recipes, r.verified_recipes) == (10, 5, 10, 5, 5)
    assert (r.session_key, r.sessions, r.workflow_edges, r.summaries) == ("pid", 4, 8, 16)
    assert r.stages_run == ["parameters", "workflows", "summaries"]  # no embedder: no embeddings stage
    assert runner.calls == 10  # one count and one extraction query per template


def test_incremental_rerun_reuses_verification() -> None:
    store = build_store()
    index_system(store, "sshd", stages=KB_STAGES, runner=ReferenceRunner(store))
    again = ReferenceRunner(store)
    r = index_system(store, "sshd", stages=KB_STAGES, runner=again)
    assert r.verified_recipes == 5 and again.calls == 0
    # A new T5 line changes T5's count: only T5 is checked again (count + extraction).
    sid = store.stream_id({"system": "sshd"})
    store.cursor().execute(
        "INSERT INTO entries (stream_id, ts, seq, line, template_id, params) VALUES (?, ?, 99, ?, 'T5', ['10.0.0.9'])",
        [sid, 1_449_730_546 * 10**9 + 20 * 10**9, "Dec 10 06:56:06 LabSZ sshd[105]: Connection closed by 10.0.0.9 [preauth]"])
    third = ReferenceRunner(store)
    r = index_system(store, "sshd", stages=KB_STAGES, runner=third)
    assert (third.calls, r.verified_recipes, r.lines) == (2, 5, 11)
    assert load_knowledge(store, "sshd").template("T5").count == 2


def test_errors_are_input_errors() -> None:
    store = build_store()
    with pytest.raises(InputError, match="has no lines in the store"):
        index_system(store, "nope")
    with pytest.raises(InputError, match="unknown indexing stage 'bogus'"):
        index_system(store, "sshd", stages=("bogus",))
    with pytest.raises(InputError, match="no template 'T9'"):
        load_knowledge(store, "sshd").template("T9")


def test_cli_knowledge_show_and_export(tmp_path: Path) -> None:
    db = str(tmp_path / "kb.duckdb")
    with build_store(path=db) as store:
        index_system(store, "sshd", stages=KB_STAGES, runner=ReferenceRunner(store))
    from logcopilot.cli.index import knowledge_cmd

    cli = CliRunner()
    res = cli.invoke(knowledge_cmd, ["show", "--system", "sshd", "--template", "T2", "--json", "--db", db])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [p["name"] for p in data["params"]] == ["user", "ip", "port"]
    assert data["recipe"]["verified"] is True
    res = cli.invoke(knowledge_cmd, ["show", "--system", "sshd", "--db", db])
    assert res.exit_code == 0 and "5 verified recipes" in res.output
    out = tmp_path / "kb.json"
    res = cli.invoke(knowledge_cmd, ["export", "--system", "sshd", "--out", str(out), "--db", db])
    assert res.exit_code == 0
    exported = json.loads(out.read_text())
    assert exported["verified_recipes"] == 5 and exported["workflow"]["session_key"] == "pid"


def test_knowledge_read_api() -> None:
    store = build_store()
    index_system(store, "sshd", stages=KB_STAGES, runner=ReferenceRunner(store))
    kb = load_knowledge(store, "sshd")
    assert [t.template_id for t in kb.templates] == ["T4", "T1", "T2", "T3", "T5"]  # most lines first
    assert kb.total_lines == 10 and kb.verified_recipes == 5
    t2 = kb.template("T2")
    assert t2.examples[0] == "Dec 10 06:55:47 LabSZ sshd[101]: Failed password for invalid user admin from 10.0.0.1 port 4100 ssh2"
    assert t2.param("port") is not None and t2.param("port").max_value == 4300.0  # type: ignore[union-attr]
    assert t2.recipe is not None and t2.recipe.logql_count("1h") == (
        'sum(count_over_time({system="sshd"} |= `Failed password for invalid user` [1h]))')
    assert sorted(t.template_id for t, _ in kb.params_named("ip")) == ["T1", "T2", "T3", "T4", "T5"]
    assert kb.workflow is not None and kb.workflow.predecessors("T2")[0]["src"] == "T3"
    assert t2.summary.startswith('Log message "Failed password for invalid user <*> from <*> port <*> ssh2"')
