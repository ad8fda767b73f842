"""Golden files for the LogQL front end, plus every query of the Loki conformance corpus.

* ``tests/fixtures/logql/roundtrip.jsonl``: ``{"query", "canonical"}`` - the query parses,
  prints as ``canonical``, and the canonical text re-parses to the same tree.
* ``tests/fixtures/logql/invalid.jsonl``: ``{"query", "error", "kind", "line"?, "col"?}`` -
  the exact message Loki's shape gives, with the error class and position.
* the corpus (``shared/loki-corpus/cases.jsonl``): each query either parses and
  round-trips, or - where Loki answered 400 with a parse error - fails with that exact text.

Adding a case is adding a line to a fixture.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from logcopilot import errors
from logcopilot.logql import parse, to_logql
from shared_data import SHARED

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logql"
CORPUS = SHARED / "loki-corpus" / "cases.jsonl"


def _load(name: str) -> list[dict]:
    with open(FIXTURES / name, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


ROUNDTRIP = _load("roundtrip.jsonl")
INVALID = _load("invalid.jsonl")


@pytest.mark.parametrize("case", ROUNDTRIP, ids=[c["query"][:60] for c in ROUNDTRIP])
def test_roundtrip_golden(case: dict) -> None:
    tree = parse(case["query"])
    assert to_logql(tree) == case["canonical"]
    again = parse(case["canonical"])
    assert again == tree
    assert to_logql(again) == case["canonical"]


@pytest.mark.parametrize("case", INVALID, ids=[c["query"][:60] for c in INVALID])
def test_invalid_golden(case: dict) -> None:
    with pytest.raises(errors.LogQLError) as info:
        parse(case["query"])
    err = info.value
    assert type(err).__name__ == case["kind"]
    assert str(err) == case["error"]
    assert err.status == 400
    if "line" in case:
        assert isinstance(err, errors.ParseError)
        assert (err.line, err.col) == (case["line"], case["col"])


def _corpus_cases() -> list[tuple[str, str, str | None]]:
    if not CORPUS.exists():
        return []
    out: dict[tuple[str, str | None], str] = {}
    with open(CORPUS, encoding="utf-8") as fh:
        for line in fh:
            case = json.loads(line)
            query = case["params"].get("query")
            if query is None:
                continue
            response = case.get("response")
            text = response.get("error_text") if isinstance(response, dict) else None
            expected = None
            if case["status"] == 400 and text and text.startswith("parse error"):
                expected = text.rstrip("\n")
            out.setdefault((query, expected), case["id"])
    return [(case_id, query, expected) for (query, expected), case_id in out.items()]


CORPUS_CASES = _corpus_cases()


@pytest.mark.skipif(not CORPUS_CASES, reason="Loki corpus not available")
@pytest.mark.parametrize(
    ("case_id", "query", "expected"), CORPUS_CASES, ids=[c[0] for c in CORPUS_CASES]
)
def test_corpus_query(case_id: str, query: str, expected: str | None) -> None:
    if expected is not None:
        with pytest.raises(errors.LogQLError) as info:
            parse(query)
        assert str(info.value) == expected
        return
    tree = parse(query)
    text = to_logql(tree)
    assert parse(text) == tree
    assert to_logql(parse(text)) == text


def test_corpus_covers_every_parse_error() -> None:
    if not CORPUS_CASES:
        pytest.skip("Loki corpus not available")
    assert sum(1 for _, _, e in CORPUS_CASES if e is not None) >= 60
    assert len(CORPUS_CASES) >= 400
