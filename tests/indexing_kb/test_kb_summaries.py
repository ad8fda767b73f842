"""Summaries: deterministic text from the index; LLM rewriting batched and cached."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from kbfixtures import build_store

from logcopilot.indexing.knowledge import load_templates
from logcopilot.indexing.parameters import run_parameters
from logcopilot.indexing.summaries import run_summaries
from logcopilot.indexing.workflows import mine_workflow


def _inputs(store):  # type: ignore[no-untyped-def]
    params = run_parameters(store, "sshd")
    return load_templates(store, "sshd"), params, mine_workflow(store, "sshd", params)


def test_deterministic_text() -> None:
    store = build_store()
    templates, params, wf = _inputs(store)
    got = {(s.kind, s.ref): s.text for s in run_summaries(store, "sshd", templates, params, wf)}
    assert got[("template", "T3")] == (
        'Log message "Invalid user <*> from <*>" (template T3), logged 2 times (20.0% of the lines). '
        "Parameters: user (string, 1 distinct value, e.g. admin); ip (ip, 2 distinct values, e.g. 10.0.0.1, "
        "10.0.0.3). Within a pid session it is followed by T2 "
        '"Failed password for invalid user <*> from <*> port <*> ssh2" (100%). It starts 2 of 4 sessions.')
    assert got[("parameter", "T2:2")] == (
        'Parameter port of "Failed password for invalid user <*> from <*> port <*> ssh2" (template T2, slot 3): '
        "int, 2 distinct values, ranging 4100 to 4300, e.g. 4100, 4300, over 2 lines.")
    assert got[("workflow", "pid")].startswith("Lines are grouped into sessions by pid (header): 4 sessions "
                                               "covering 10 lines.")
    assert len(got) == 5 + 10 + 1


class FakeChat:
    """Test double of the chat client: answers every ref with a canned sentence, counts calls."""

    model = "fake-model"

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def chat(self, messages: list[dict[str, str]], *, stage: str, json_schema: dict[str, Any]) -> Any:
        self.calls.append({"stage": stage, "messages": messages})
        refs = [line.split()[2] for line in messages[1]["content"].splitlines() if line.startswith("- ref ")]
        return SimpleNamespace(parsed_json={"summaries": [{"ref": r, "text": f"About {r}."} for r in refs]},
                               model=self.model)


def test_llm_batched_and_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    import logcopilot.indexing.summaries as summaries_mod

    monkeypatch.setattr(summaries_mod, "_BATCH", 4)
    store = build_store()
    templates, params, wf = _inputs(store)
    llm = FakeChat()
    first = run_summaries(store, "sshd", templates, params, wf, llm=llm)
    assert len(llm.calls) == 2  # 5 templates + 1 workflow in batches of 4; parameters stay deterministic
    assert {s.source for s in first if s.kind != "parameter"} == {"llm:fake-model"}
    assert {s.source for s in first if s.kind == "parameter"} == {"deterministic"}
    assert next(s.text for s in first if s.ref == "T4") == "About T4."
    run_summaries(store, "sshd", templates, params, wf, llm=llm)
    assert len(llm.calls) == 2  # unchanged facts: every summary came from the cache
