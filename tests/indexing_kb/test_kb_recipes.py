"""Recipes: exact line filters and extractions, checked locally and by a runner."""

from __future__ import annotations

import re

from kbfixtures import ReferenceRunner, build_store

from logcopilot.indexing.knowledge import load_templates
from logcopilot.indexing.parameters import run_parameters
from logcopilot.indexing.recipes import build_recipes, logql_string, template_regex, verify_recipes


def _recipes(store):  # type: ignore[no-untyped-def]
    params = run_parameters(store, "sshd")
    recipes = build_recipes(store, "sshd", load_templates(store, "sshd"), params, selector='{system="sshd"}')
    return params, {r.template_id: r for r in recipes}


def test_filters_are_exact_and_readable() -> None:
    store = build_store()
    _, rs = _recipes(store)
    # T1's text is contained in T2's lines: the recipe excludes T2's distinctive text.
    assert rs["T1"].line_filter == "|= `Failed password for` != `Failed password for invalid user`"
    assert rs["T2"].line_filter == "|= `Failed password for invalid user`"
    assert rs["T3"].line_filter == "|= `Invalid user`"
    assert rs["T5"].line_filter == "|= `Connection closed by`"
    assert all(r.local_ok for r in rs.values())
    assert rs["T2"].extraction == (
        r"| regexp `Failed\s+password\s+for\s+invalid\s+user\s+(?P<user>\S+)\s+from\s+(?P<ip>\S+)"
        r"\s+port\s+(?P<port>\d+)\s+ssh2`")


def test_extraction_reproduces_stored_params() -> None:
    store = build_store()
    _, rs = _recipes(store)
    rx = rs["T1"].extraction.removeprefix("| regexp `").removesuffix("`")  # type: ignore[union-attr]
    m = re.search(rx, "Dec 10 06:55:48 LabSZ sshd[102]: Failed password for root from 10.0.0.2 port 4200 ssh2")
    assert m is not None and m.groupdict() == {"value": "root", "ip": "10.0.0.2", "port": "4200"}


def test_verification_records_success_and_failure() -> None:
    store = build_store()
    params, rs = _recipes(store)
    runner = ReferenceRunner(store)
    rs["T5"].line_filter = "|= `[preauth]`"  # deliberately too wide: T4 lines match too
    verify_recipes(store, "sshd", list(rs.values()), params, runner)
    assert rs["T2"].verified and rs["T2"].extracted_ok == 2
    assert not rs["T5"].verified
    assert rs["T5"].reason == "engine selected 4 lines, template has 1"


def test_extraction_mismatch_is_not_verified() -> None:
    store = build_store()
    params, rs = _recipes(store)
    rs["T3"].extraction = r"| regexp `user\s+(?P<user>\S+)\s+from\s+(?P<ip>\d+)`"  # ip truncated
    verify_recipes(store, "sshd", [rs["T3"]], params, ReferenceRunner(store))
    assert not rs["T3"].verified
    assert rs["T3"].reason == "extraction differs on 2 of 2 lines"


def test_leading_slot_regex_and_literals() -> None:
    assert logql_string("a `b`") == '"a `b`"'
    assert logql_string('say "hi"') == '`say "hi"`'
    rx = template_regex("<*> bytes in <*>", [], {0: ["12", "7"], 1: ["a b", "c"]}, named=False)
    assert rx == r"(?:\d+)\s+bytes\s+in\s+(?:.*)"
