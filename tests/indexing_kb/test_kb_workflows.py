"""Workflows: session key detection and the event graph, against counts worked out by hand."""

from __future__ import annotations

import pytest
from kbfixtures import build_store

from logcopilot.errors import InputError
from logcopilot.indexing.knowledge import load_knowledge
from logcopilot.indexing.parameters import run_parameters
from logcopilot.indexing.workflows import END, START, mine_workflow, run_workflows


def test_pid_sessions_and_graph() -> None:
    store = build_store()
    params = run_parameters(store, "sshd")
    wf = mine_workflow(store, "sshd", params)
    assert wf is not None
    assert wf.session_key == "pid"  # recurs across templates; ip is also shared but not id-like
    assert (wf.sessions, wf.lines) == (4, 10)
    assert dict(wf.edge_counts) == {
        (START, "T3"): 2, (START, "T1"): 2,
        ("T3", "T2"): 2, ("T2", "T4"): 2, ("T1", "T4"): 1, ("T1", "T5"): 1,
        ("T4", END): 3, ("T5", END): 1,
    }
    assert wf.sequences[0] == (("T3", "T2", "T4"), 2)
    assert wf.edges[("T3", "T2")] == [1.0, 1.0]  # seconds between the two events
    assert wf.duration_stats == {"min": 1.0, "median": 2.5, "mean": 2.5, "p95": 4.0, "max": 4.0}


def test_given_session_key_and_stored_tables() -> None:
    store = build_store()
    params = run_parameters(store, "sshd")
    wf = run_workflows(store, "sshd", params, session_key="ip")
    assert wf is not None and wf.key_source == "given"
    # by ip: 10.0.0.1 (T3 T2 T4), 10.0.0.2 (T1 T4 T1 T5), 10.0.0.3 (T3 T2 T4)
    assert wf.sessions == 3
    assert wf.edge_counts[("T4", "T1")] == 1
    kb = load_knowledge(store, "sshd")
    assert kb.workflow is not None and kb.workflow.session_key == "ip"
    nxt = kb.workflow.successors("T1")
    assert [(e["dst"], e["count"], e["probability"]) for e in nxt] == [("T4", 1, 0.5), ("T5", 1, 0.5)]
    with pytest.raises(InputError, match="no parameter or header field 'nope'"):
        run_workflows(store, "sshd", params, session_key="nope")
