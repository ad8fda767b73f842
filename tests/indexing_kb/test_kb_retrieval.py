"""Retrieval: BM25 by hand, hybrid ranking, and values named in a question."""

from __future__ import annotations

import hashlib
import math

import pytest
from kbfixtures import build_store

from logcopilot.indexing.embeddings import run_embeddings
from logcopilot.indexing.pipeline import index_system
from logcopilot.indexing.retrieval import bm25_scores, match_values, retrieve, tokenize


def test_tokenize_and_bm25_by_hand() -> None:
    assert tokenize("How many Failed passwords for invalidUser?") == ["fail", "password", "invalid", "user"]
    scores = bm25_scores(["password"], [["fail", "password"], ["invalid", "user"]])
    # idf = ln(1 + (2 - 1 + 0.5) / (1 + 0.5)) = ln 2; tf part = 1 * 2.2 / (1 + 1.2) = 1
    assert scores == [pytest.approx(math.log(2)), 0.0]


@pytest.fixture()
def store():  # type: ignore[no-untyped-def]
    s = build_store()
    index_system(s, "sshd", stages=("parameters", "workflows", "summaries"), runner=None)
    return s


def test_lexical_ranking(store) -> None:  # type: ignore[no-untyped-def]
    r = retrieve(store, "sshd", "How many failed password attempts for invalid users?", k=3)
    assert r.templates[0].ref == "T2"
    assert {h.ref for h in r.templates[1:3]} == {"T1", "T3"}  # each shares two of the words
    assert r.templates[0].score == 1.0 and r.templates[0].cosine is None
    assert r.parameters and r.parameters[0].template_id in {"T1", "T2", "T3"}
    assert retrieve(store, "sshd", "what happens next in a session", k=3).workflows[0].ref == "pid"


def test_value_matching(store) -> None:  # type: ignore[no-untyped-def]
    got = match_values(store, "sshd", "Which events mention 10.0.0.2 or user 'admin'?")
    assert {(m.value, m.template_id, m.name) for m in got} == {
        ("10.0.0.2", "T1", "ip"), ("10.0.0.2", "T4", "ip"), ("10.0.0.2", "T5", "ip"),
        ("admin", "T2", "user"), ("admin", "T3", "user"),
    }
    assert next(m.count for m in got if m.template_id == "T1") == 2


class HashEmbedder:
    """Test double: bag of hashed words, so similar texts get similar vectors."""

    model = "hash-16"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        out = []
        for t in texts:
            v = [0.0] * 16
            for w in tokenize(t):
                v[int(hashlib.md5(w.encode()).hexdigest(), 16) % 16] += 1.0
            out.append(v)
        return out


def test_embeddings_stored_incremental_and_hybrid(store) -> None:  # type: ignore[no-untyped-def]
    emb = HashEmbedder()
    assert run_embeddings(store, "sshd", emb) == 16
    row = store.cursor().execute("SELECT typeof(vector), len(vector) FROM embeddings LIMIT 1").fetchone()
    assert row == ("FLOAT[]", 16)
    assert run_embeddings(store, "sshd", emb) == 0  # nothing changed: nothing embedded again
    r = retrieve(store, "sshd", "connection closed preauth", k=2, embedder=emb)
    assert r.templates[0].ref == "T5" and r.templates[0].cosine is not None


@pytest.mark.model
def test_local_minilm_embeddings(store) -> None:  # type: ignore[no-untyped-def]
    from logcopilot.llm.embeddings import local_embedding_available

    if not local_embedding_available():
        pytest.skip("the local embedding model is not installed")
    from logcopilot.llm import LocalEmbedder

    emb = LocalEmbedder()
    assert run_embeddings(store, "sshd", emb) == 16
    r = retrieve(store, "sshd", "sessions closed before authentication finished", k=3, embedder=emb)
    assert r.templates[0].ref == "T5" and r.templates[0].cosine is not None and r.templates[0].cosine > 0.3
