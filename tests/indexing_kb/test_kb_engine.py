"""Recipes verified on the real embedded LogQL engine (parser + executor)."""

from __future__ import annotations

from kbfixtures import build_store

from logcopilot.indexing.knowledge import load_knowledge, load_templates
from logcopilot.indexing.parameters import run_parameters
from logcopilot.indexing.pipeline import index_system
from logcopilot.indexing.recipes import build_recipes, engine_runner, verify_recipes


def test_every_recipe_verified_on_the_engine() -> None:
    store = build_store()
    report = index_system(store, "sshd", stages=("parameters",))
    assert (report.recipes, report.verified_recipes, report.unverified) == (5, 5, [])
    kb = load_knowledge(store, "sshd")
    t1 = kb.template("T1").recipe
    assert t1 is not None and t1.matched_count == 2
    assert t1.reason == "engine count 2 matches; 2 lines extract the stored values"


def test_engine_runner_counts_and_extracts() -> None:
    store = build_store()
    run = engine_runner(store)
    start, end = 1_449_730_546 * 10**9, 1_449_730_546 * 10**9 + 12 * 10**9
    assert run.count('{system="sshd"} |= `Failed password for` != `invalid user`', start, end) == 2.0
    got = run.logs('{system="sshd"} |= `Connection closed` | regexp `by (?P<ip>\\S+)`', start, end, 10)
    assert [labels["ip"] for _, labels in got] == ["10.0.0.2"]


def test_wrong_recipes_fail_on_the_engine() -> None:
    store = build_store()
    params = run_parameters(store, "sshd")
    rs = {r.template_id: r for r in build_recipes(store, "sshd", load_templates(store, "sshd"), params,
                                                   selector='{system="sshd"}')}
    rs["T5"].line_filter = "|= `[preauth]`"  # T4 lines end with [preauth] too
    rs["T3"].extraction = r"| regexp `user\s+(?P<user>\S+)\s+from\s+(?P<ip>\d+)`"  # ip cut at the first dot
    verify_recipes(store, "sshd", [rs["T5"], rs["T3"], rs["T2"]], params, engine_runner(store))
    assert (rs["T5"].verified, rs["T5"].reason) == (False, "engine selected 4 lines, template has 1")
    assert (rs["T3"].verified, rs["T3"].reason) == (False, "extraction differs on 2 of 2 lines")
    assert rs["T2"].verified
