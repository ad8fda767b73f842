"""Wide templates (record dumps with dozens of slots): capped extraction, verified; few embeddings."""

from __future__ import annotations

import re

from kbfixtures import BASE_NS, ReferenceRunner, render

from logcopilot.engine.store import Store
from logcopilot.indexing.embeddings import MAX_SLOT_DOCS, documents
from logcopilot.indexing.knowledge import load_templates
from logcopilot.indexing.parameters import run_parameters
from logcopilot.indexing.recipes import MAX_NAMED, build_recipes, verify_recipes

WIDE = "dump " + " ".join(f"f{i}=<*>," for i in range(30)) + " end"
NARROW = "login user <*> from <*>"


def _store() -> Store:
    store = Store(":memory:")
    con = store.cursor()
    rows = [("W", WIDE, [[str(100 * k + i) for i in range(30)] for k in range(3)]),
            ("N", NARROW, [["ann", "10.0.0.1"], ["bob", "10.0.0.2"]])]
    sid = store.stream_id({"system": "wide"})
    seq = 0
    for tid, text, params in rows:
        con.execute("INSERT INTO templates (system, template_id, template, slots, count, origin) "
                    "VALUES ('wide', ?, ?, ?, ?, 'given')", [tid, text, text.count("<*>"), len(params)])
        for p in params:
            seq += 1
            con.execute("INSERT INTO entries (stream_id, ts, seq, line, source_id, line_no, metadata, template_id, "
                        "params) VALUES (?, ?, ?, ?, NULL, ?, '{}', ?, ?)",
                        [sid, BASE_NS + seq * 10**9, seq, f"host app: {render(text, p)}", seq, tid, p])
    return store


def test_wide_template_extracts_its_first_slots_and_verifies() -> None:
    store = _store()
    params = run_parameters(store, "wide")
    recipes = {r.template_id: r for r in build_recipes(store, "wide", load_templates(store, "wide"), params,
                                                         selector='{system="wide"}')}
    wide = recipes["W"]
    assert wide.extraction is not None and wide.local_ok
    names = re.findall(r"\(\?P<(\w+)>", wide.extraction)
    assert names == [f"f{i}" for i in range(MAX_NAMED)]
    assert "f29" not in wide.extraction  # the regex stops after the last named slot
    runner = ReferenceRunner(store)
    verify_recipes(store, "wide", list(recipes.values()), params, runner)
    assert wide.verified and wide.extracted_ok == 3, wide.reason
    assert recipes["N"].verified and recipes["N"].extracted_ok == 2


def test_parameters_of_wide_templates_are_not_embedded() -> None:
    store = _store()
    con = store.cursor()
    con.execute("INSERT INTO summaries (system, kind, ref, text, source, input_hash) "
                "SELECT 'wide', 'parameter', 'W:' || i, 'field ' || i, 'deterministic', 'h' || i FROM range(30) t(i)")
    con.execute("INSERT INTO summaries (system, kind, ref, text, source, input_hash) VALUES "
                "('wide', 'parameter', 'N:0', 'user', 'deterministic', 'x'), "
                "('wide', 'template', 'W', 'a record dump', 'deterministic', 'y')")
    refs = {(k, r) for k, r, _ in documents(store, "wide")}
    assert ("parameter", "N:0") in refs and ("template", "W") in refs and ("template", "N") in refs
    assert not any(k == "parameter" and r.startswith("W:") for k, r in refs)
    assert WIDE.count("<*>") > MAX_SLOT_DOCS
