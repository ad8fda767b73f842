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


def test_json_lines_get_json_escaped_recipes() -> None:
    """Messages stored inside JSON objects: quotes appear escaped in the raw line."""
    import json

    from logcopilot.engine.store import Store

    store = Store(":memory:")
    con = store.cursor()
    con.execute("INSERT INTO templates (system, template_id, template, slots, count, origin) VALUES "
                "('app', 'J1', 'user \"<*>\" logged in from <*>', 2, 2, 'given'), "
                "('app', 'J2', 'user \"<*>\" logged out', 1, 1, 'given')")
    sid = store.stream_id({"system": "app"})
    rows = [("J1", ["bob", "10.1.1.1"]), ("J2", ["bob"]), ("J1", ["amy", "10.1.1.2"])]
    for i, (tid, params) in enumerate(rows, 1):
        msg = f'user "{params[0]}" logged in from {params[1]}' if tid == "J1" else f'user "{params[0]}" logged out'
        line = json.dumps({"time": f"2023-01-29T08:42:0{i}Z", "log": msg})
        con.execute("INSERT INTO entries (stream_id, ts, seq, line, template_id, params) VALUES (?, ?, ?, ?, ?, ?)",
                    [sid, 1_675_000_000 * 10**9 + i * 10**9, i, line, tid, params])
    report = index_system(store, "app", stages=("parameters",))
    assert (report.verified_recipes, report.unverified) == (2, [])
    j2 = load_knowledge(store, "app").template("J2").recipe
    assert j2 is not None and j2.line_filter == r"|= `\" logged out`"
