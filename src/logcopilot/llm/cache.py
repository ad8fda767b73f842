"""The response cache: model answers keyed by (provider, model, messages, parameters).

In: a ``ChatRequest`` plus the provider and model names. Out: a stored ``Completion`` on a
hit. Backed by the store's ``llm_cache`` table (or a dict when there is no store), so repeated
benchmark runs cost nothing and give identical results.

``ChatClient`` consults it by default only for temperature 0 (sampled answers are meant to
vary); callers can force it on or off per call.

Example::

    >>> from logcopilot.llm.base import ChatRequest, Completion
    >>> cache = ResponseCache(None)
    >>> req = ChatRequest.build("hi")
    >>> key = cache_key("local", "m", req)
    >>> cache.put(key, "local", "m", Completion("hello", 3, 1))
    >>> cache.get(key).text
    'hello'
"""

from __future__ import annotations

import hashlib
import json
import threading

from logcopilot.engine.store import Store
from logcopilot.llm.base import ChatRequest, Completion

__all__ = ["ResponseCache", "cache_key"]

KEY_VERSION = 1  # bump when the meaning of a cached answer changes (e.g. prompt formatting)


def cache_key(provider: str, model: str, request: ChatRequest) -> str:
    """sha256 of the canonical JSON of everything that determines the answer."""
    payload = {
        "v": KEY_VERSION,
        "provider": provider,
        "model": model,
        "messages": request.message_dicts,
        "params": request.params(),
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ResponseCache:
    """Get/put completions by key; thread-safe."""

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self._memory: dict[str, Completion] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Completion | None:
        if self.store is None:
            with self._lock:
                return self._memory.get(key)
        with self._lock:
            cur = self.store.cursor()
            row = cur.execute(
                "SELECT response, prompt_tokens, completion_tokens, finish_reason, model "
                "FROM llm_cache WHERE cache_key = ?",
                [key],
            ).fetchone()
            if row is None:
                return None
            cur.execute("UPDATE llm_cache SET hits = hits + 1 WHERE cache_key = ?", [key])
        return Completion(
            text=row[0],
            prompt_tokens=int(row[1] or 0),
            completion_tokens=int(row[2] or 0),
            finish_reason=row[3] or "stop",
            model=row[4],
        )

    def put(self, key: str, provider: str, model: str, completion: Completion) -> None:
        if self.store is None:
            with self._lock:
                self._memory[key] = completion
            return
        with self._lock:
            self.store.cursor().execute(
                "INSERT OR REPLACE INTO llm_cache (cache_key, provider, model, response, prompt_tokens, "
                "completion_tokens, finish_reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    key,
                    provider,
                    model,
                    completion.text,
                    completion.prompt_tokens,
                    completion.completion_tokens,
                    completion.finish_reason,
                ],
            )

    def clear(self) -> int:
        """Drop every cached answer; return how many there were."""
        with self._lock:
            if self.store is None:
                n = len(self._memory)
                self._memory.clear()
                return n
            cur = self.store.cursor()
            row = cur.execute("SELECT count(*) FROM llm_cache").fetchone()
            cur.execute("DELETE FROM llm_cache")
            return int(row[0]) if row else 0
