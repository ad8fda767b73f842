"""Embeddings stage: vectors of the knowledge documents, for semantic retrieval.

In: the ``summaries`` of a system and its template texts; an embedder (any object with
``.embed(texts)`` returning vectors, or an ``EmbeddingResponse`` with ``.vectors``, and a
``.model`` name). Out: the ``embeddings`` table, one ``FLOAT[]`` per (kind, ref), L2-normalized
so retrieval's cosine is a dot product.

Incremental: a document whose text hash and model are unchanged is not embedded again.
Without an embedder the stage stores nothing and retrieval is lexical (BM25) only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np

from logcopilot.engine.store import Store
from logcopilot.indexing.knowledge import load_templates

__all__ = ["documents", "embedder_model", "load_vectors", "run_embeddings"]

_BATCH = 256  # texts per embedder call (the embedder batches inside; fewer calls, fewer commits)
MAX_SLOT_DOCS = 8  # parameter documents are embedded only for templates with at most this many slots


def documents(store: Store, system: str) -> list[tuple[str, str, str]]:
    """(kind, ref, text) for every knowledge document of ``system`` (summaries + template text)."""
    con = store.cursor()
    # Parameters of wide templates (a record dump with dozens of slots) are left to lexical
    # retrieval: they would dominate the embedding work, and their template's own document
    # (always embedded) already names what the record holds.
    docs = [(str(k), str(r), str(t)) for k, r, t in con.execute(
        "SELECT s.kind, s.ref, s.text FROM summaries s LEFT JOIN templates t ON t.system = s.system "
        "AND s.kind = 'parameter' AND t.template_id = split_part(s.ref, ':', 1) "
        "WHERE s.system = ? AND (s.kind <> 'parameter' OR coalesce(t.slots, 0) <= ?) "
        "ORDER BY s.kind, s.ref", [system, MAX_SLOT_DOCS]).fetchall()]
    have = {(k, r) for k, r, _ in docs}
    # Templates without a summary (summaries stage skipped) are still documents.
    for t in load_templates(store, system):
        if ("template", t.template_id) not in have:
            docs.append(("template", t.template_id, t.template))
    return docs


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def embedder_model(embedder: Any) -> str:
    return str(getattr(embedder, "model", "") or getattr(embedder, "model_name", "") or type(embedder).__name__)


def _embed(embedder: Any, texts: list[str]) -> list[list[float]]:
    out = embedder.embed(texts)
    vectors = getattr(out, "vectors", out)
    arr = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (arr / norms).tolist()


def run_embeddings(store: Store, system: str, embedder: Any, *,
                   progress: Callable[[int, int], None] | None = None) -> int:
    """Embed new or changed documents; drop vectors of documents that are gone. Returns embedded count."""
    model = embedder_model(embedder)
    con = store.cursor()
    stored = {(k, r): (h, m) for k, r, h, m in con.execute(
        "SELECT kind, ref, text_hash, model FROM embeddings WHERE system = ?", [system]).fetchall()}
    docs = documents(store, system)
    current = {(k, r) for k, r, _ in docs}
    gone = [key for key in stored if key not in current]
    for k, r in gone:
        con.execute("DELETE FROM embeddings WHERE system = ? AND kind = ? AND ref = ?", [system, k, r])
    todo = [(k, r, f"{t}") for k, r, t in docs if stored.get((k, r)) != (_hash(t), model)]
    for start in range(0, len(todo), _BATCH):
        batch = todo[start:start + _BATCH]
        vecs = _embed(embedder, [t for _, _, t in batch])
        con.execute("BEGIN TRANSACTION")
        for (k, r, t), v in zip(batch, vecs):
            con.execute("DELETE FROM embeddings WHERE system = ? AND kind = ? AND ref = ?", [system, k, r])
            con.execute("INSERT INTO embeddings VALUES (?, ?, ?, ?, ?, ?)", [system, k, r, model, _hash(t), v])
        con.execute("COMMIT")
        if progress:
            progress(min(start + _BATCH, len(todo)), len(todo))
    return len(todo)


def load_vectors(store: Store, system: str) -> tuple[list[tuple[str, str]], np.ndarray, str]:
    """(keys, matrix, model) of the stored vectors; an empty matrix when none."""
    rows = store.cursor().execute(
        "SELECT kind, ref, vector, model FROM embeddings WHERE system = ? ORDER BY kind, ref", [system]).fetchall()
    if not rows:
        return [], np.zeros((0, 0), dtype=np.float32), ""
    keys = [(str(k), str(r)) for k, r, _, _ in rows]
    return keys, np.asarray([v for _, _, v, _ in rows], dtype=np.float32), str(rows[0][3])

