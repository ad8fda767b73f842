"""Fixtures for the LLM tests: the fake OpenAI server, a store, and the real local models
loaded once per session (``@pytest.mark.model`` tests use them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from llm_fakes import FakeOpenAI, model_home

from logcopilot.engine.store import Store


@pytest.fixture()
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "llm.duckdb") as s:
        yield s


# -- real local models (loaded once per session) -------------------------------------------


@pytest.fixture(scope="session")
def local_provider() -> Any:
    """The default Qwen2.5-Coder-0.5B model through llama-cpp-python (setup.sh installs both)."""
    from logcopilot.llm.local import LocalChatProvider
    from logcopilot.llm.weights import DEFAULT_MODEL, ensure_model

    path = ensure_model(DEFAULT_MODEL, model_home())
    return LocalChatProvider(path, n_ctx=2048)


@pytest.fixture(scope="session")
def local_embedder() -> Any:
    from logcopilot.llm.embeddings import LocalEmbedder

    return LocalEmbedder()


