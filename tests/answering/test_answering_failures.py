"""Which failures the answering stages absorb and which they let through.

A failure the world causes (an unreachable Loki, a regex DuckDB rejects, a knowledge base
an older store cannot give) becomes feedback, a note or a fallback, and the answer says so.
A programming error (a wrong call signature, the bug a broad ``except`` once hid in a
retrieval stage) is never swallowed by a stage: it reaches the top of ``ask()`` and comes
back as ``internal error: ...``.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest
from conftest import make_log

from logcopilot.answering.compile import Compiled, QuerySpec
from logcopilot.answering.execute import run_with_repair, validate
from logcopilot.answering.pipeline import ask
from logcopilot.answering.planners.free import kb_contradiction
from logcopilot.answering.question import analyze
from logcopilot.answering.retrieval import coverage, load_context, retrieve_for
from logcopilot.backends.embedded import EmbeddedBackend
from logcopilot.backends.loki import LokiBackend
from logcopilot.engine.results import QueryResult
from logcopilot.engine.store import Store

COUNT_Q = "How many 'Invalid user' lines were logged?"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MiscalledBackend(EmbeddedBackend):
    """Fault injection: the engine is called with a wrong signature (a TypeError)."""

    def query(self, logql: str, **kwargs: Any) -> QueryResult:
        return super().query(logql, kwargs.get("start"))  # type: ignore[misc]  # the injected bug


def test_validate_reports_parse_errors_as_text() -> None:
    assert validate('sum(count_over_time({system="sshd"} [1h]))') == ""
    assert validate('{system="sshd"} |= ').startswith("parse error")
    assert "nested" in validate("(" * 3000 + "1" + ")" * 3000)


def test_unreachable_loki_is_reported_in_the_answer(sshd) -> None:
    store = sshd[0]
    down = LokiBackend(f"http://127.0.0.1:{_closed_port()}", retries=0)
    a = ask(store, "sshd", COUNT_Q, planner="rules", backend=down)
    assert not a.ok
    assert "Loki" in a.error and "internal error" not in a.error


def test_knowledge_answer_stands_without_evidence_when_the_backend_is_down(sshd) -> None:
    store = sshd[0]
    down = LokiBackend(f"http://127.0.0.1:{_closed_port()}", retries=0)
    a = ask(store, "sshd", "What does the 'Invalid user' message mean?", planner="rules", backend=down)
    assert a.ok and a.kind == "knowledge" and "Invalid user" in str(a.value)
    assert a.evidence == [] and any(n.startswith("evidence query failed") for n in a.notes)


def test_a_programming_error_in_a_stage_is_not_swallowed(sshd) -> None:
    store = sshd[0]
    spec = QuerySpec('sum(count_over_time({system="sshd"} |= "Invalid user" [1d]))', "instant", time_ns=10**18)
    with pytest.raises(TypeError):
        run_with_repair(Compiled([spec], []), MiscalledBackend(store), None, intent="count")
    a = ask(store, "sshd", COUNT_Q, planner="rules", backend=MiscalledBackend(store))
    assert not a.ok and a.error.startswith("internal error: TypeError")


def test_a_regex_duckdb_rejects_gives_no_coverage(sshd) -> None:
    ctx = load_context(sshd[0], "sshd")
    assert coverage(ctx, [("|=", "Invalid user")])
    assert not coverage(ctx, [("|~", "(unclosed")])


def test_kb_contradiction_leaves_unparsable_queries_to_the_syntax_check(sshd) -> None:
    ctx = load_context(sshd[0], "sshd")
    r = retrieve_for(ctx, analyze(COUNT_Q))
    assert kb_contradiction(ctx, '{system="sshd"} |= ', r) == ""
    assert "matches no line" in kb_contradiction(ctx, '{system="sshd"} |= "no such phrase anywhere"', r)


def test_a_knowledge_base_that_cannot_be_read_falls_back_to_lexical_templates(tmp_path) -> None:
    from logcopilot.indexing.pipeline import index_system
    from logcopilot.ingest.pipeline import ingest_files

    log = tmp_path / "sshd.log"
    counts = make_log(log)
    store = Store(tmp_path / "store.duckdb")
    try:
        ingest_files(store, [str(log)], system="sshd", fmt="OpenSSH", year=2015)
        index_system(store, "sshd", session_key="pid")
        store.cursor().execute("DROP TABLE workflow_edges")  # a knowledge table the store cannot give
        ctx = load_context(store, "sshd")
        assert ctx.kb_source.startswith("lexical fallback (CatalogException")  # the trace says why
        a = ask(store, "sshd", COUNT_Q, planner="rules")
        assert a.ok and a.value == counts["invalid"], a.error
    finally:
        store.close()
