"""The question history (``answering.history``) over a real store and real answers."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from logcopilot.answering.history import get_history, jsonable, list_history, record_answer
from logcopilot.answering.pipeline import Answer, ask
from logcopilot.engine.store import Store
from logcopilot.errors import InputError

DATA = Path(__file__).resolve().parents[2] / "src" / "logcopilot" / "data"


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    from logcopilot.indexing.pipeline import index_system
    from logcopilot.ingest.pipeline import ingest_files

    s = Store(":memory:")
    ingest_files(s, [str(DATA / "OpenSSH_2k.log")], system="openssh", year=2015)
    index_system(s, "openssh")
    yield s
    s.close()


def test_a_real_answer_round_trips(store: Store) -> None:
    a = ask(store, "openssh", "How many failed password attempts for root?", planner="rules")
    assert a.ok and a.attempts and "results" not in a.attempts[0]
    when = datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)
    rec = record_answer(store, a, source="cli", llm="none", planner="auto", asked_at=when)
    assert rec["asked_at"] == "2026-01-02T03:04:05.678Z"
    assert {k: rec[k] for k in ("question", "system", "ok", "value", "logql")} == {
        "question": a.question, "system": "openssh", "ok": True, "value": a.value, "logql": a.logql}
    assert rec["attempts"][0]["queries"][0]["logql"] == a.logql
    assert get_history(store, rec["id"]) == rec
    row = next(h for h in list_history(store) if h["id"] == rec["id"])
    assert row == {"id": rec["id"], "asked_at": "2026-01-02T03:04:05.678Z", "system": "openssh",
                   "question": a.question, "planner": "rules", "ok": True, "answer": a.answer, "value": a.value,
                   "logql": a.logql, "seconds": a.cost["seconds"], "llm_calls": 0}


def test_newest_first_limit_and_system_filter(store: Store) -> None:
    ids = [record_answer(store, Answer(f"q{i}", sys, ok=False, error="nope"), source="api")["id"]
           for i, sys in enumerate(["a", "b", "a"])]
    assert ids == sorted(ids)
    assert [h["id"] for h in list_history(store, limit=3)] == ids[::-1]
    assert [h["question"] for h in list_history(store, system="a", limit=10)] == ["q2", "q0"]
    # an answer that could not be given is recorded with what asked for it
    assert list_history(store, system="b")[0]["planner"] == "auto" and list_history(store, system="b")[0]["ok"] is False
    with pytest.raises(InputError):
        list_history(store, limit=0)


def test_unknown_id_and_source() -> None:
    with Store(":memory:") as s:
        with pytest.raises(InputError) as info:
            get_history(s, 7)
        assert info.value.status == 404
        with pytest.raises(InputError):
            record_answer(s, Answer("q", "x", ok=False), source="web")


def test_non_json_values_are_stored_as_json() -> None:
    assert jsonable({"a": (1, math.nan), 2: [math.inf, "x"], "n": None}) == {"a": [1, None], "2": [None, "x"], "n": None}
    with Store(":memory:") as s:
        rec = record_answer(s, Answer("q", "x", ok=True, value=math.nan, result={"v": (1.5, -math.inf)}), source="cli")
        assert rec["value"] is None and rec["result"] == {"v": [1.5, None]}
        assert get_history(s, rec["id"]) == rec and list_history(s)[0]["value"] is None
