"""The types every LLM provider speaks, and the per-question token budget.

In: chat messages (``[{"role": "system"|"user"|"assistant", "content": "..."}]``) and the
call's parameters. Out: a ``ChatResponse`` (text, parsed JSON when a schema was given, token
counts, latency, whether it came from the cache).

A *provider* (``ChatProvider``) is only a transport: it turns one ``ChatRequest`` into one
``Completion`` or raises. Caching, the call log, rate limiting and retries live once, in
``ChatClient`` (``client.py``), around any provider; tests swap the transport, like httpx's
``MockTransport``.

Example::

    >>> budget = TokenBudget(1000)
    >>> budget.charge(300, 200)
    >>> budget.remaining
    500
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from logcopilot.errors import InputError, LLMError, LLMResponseError

__all__ = [
    "BudgetExceededError",
    "ChatProvider",
    "ChatRequest",
    "ChatResponse",
    "Completion",
    "EmbeddingResponse",
    "Message",
    "ROLES",
    "TokenBudget",
    "TransientLLMError",
    "normalize_messages",
    "parse_json_text",
]

Message = dict[str, str]
ROLES = ("system", "user", "assistant")


class TransientLLMError(LLMError):
    """A failure worth retrying (HTTP 429/5xx, timeout, connection reset).

    Raised by providers; ``ChatClient`` retries it and, after the last try, raises a plain
    ``LLMError`` that says how many tries were made and why the last one failed.
    ``retry_after`` is the server's hint in seconds (``Retry-After``), when it sent one.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BudgetExceededError(LLMError):
    """The per-question token budget would be exceeded by this call (HTTP 429)."""

    status = 429


def normalize_messages(messages: str | Sequence[Mapping[str, Any]]) -> list[Message]:
    """A prompt string or a message list -> a validated list of ``{"role", "content"}`` dicts."""
    if isinstance(messages, str):
        return [{"role": "user", "content": messages}]
    out: list[Message] = []
    for i, m in enumerate(messages):
        role = m.get("role")
        content = m.get("content")
        if role not in ROLES:
            raise InputError(f"message {i}: role must be one of {', '.join(ROLES)}, got {role!r}")
        if not isinstance(content, str):
            raise InputError(f"message {i}: content must be a string")
        out.append({"role": str(role), "content": content})
    if not out:
        raise InputError("a chat call needs at least one message")
    return out


def parse_json_text(text: str, where: str) -> Any:
    """Parse the model's JSON answer; an unusable answer is an ``LLMResponseError``.

    Tolerates a Markdown code fence around the JSON, which chat models add even when asked
    not to; anything else that is not JSON is refused, never guessed at.
    """
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        excerpt = text.strip().replace("\n", " ")[:80]
        raise LLMResponseError(f"{where} returned invalid JSON ({exc.msg} at char {exc.pos}): {excerpt!r}") from None


@dataclass(frozen=True)
class ChatRequest:
    """One chat call, fully specified: what the cache key and the call log are made of."""

    messages: tuple[tuple[str, str], ...]
    max_tokens: int = 512
    temperature: float = 0.0
    json_schema: Mapping[str, Any] | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = 0

    @classmethod
    def build(
        cls,
        messages: str | Sequence[Mapping[str, Any]],
        *,
        max_tokens: int = 512,
        temperature: float = 0.0,
        json_schema: Mapping[str, Any] | None = None,
        stop: Iterable[str] = (),
        seed: int | None = 0,
    ) -> ChatRequest:
        if max_tokens < 1:
            raise InputError("max_tokens must be at least 1")
        if not 0.0 <= temperature <= 2.0:
            raise InputError("temperature must be between 0 and 2")
        if json_schema is not None and not isinstance(json_schema, Mapping):
            raise InputError("json_schema must be a JSON object")
        msgs = normalize_messages(messages)
        return cls(
            messages=tuple((m["role"], m["content"]) for m in msgs),
            max_tokens=max_tokens,
            temperature=float(temperature),
            json_schema=json_schema,
            stop=tuple(stop),
            seed=seed,
        )

    @property
    def message_dicts(self) -> list[Message]:
        return [{"role": r, "content": c} for r, c in self.messages]

    def params(self) -> dict[str, Any]:
        """Everything but the messages, as plain JSON (for the cache key and the call log)."""
        return {
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "json_schema": dict(self.json_schema) if self.json_schema is not None else None,
            "stop": list(self.stop),
            "seed": self.seed,
        }


@dataclass(frozen=True)
class Completion:
    """What a provider returns for one request: the raw text and what it cost."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str = "stop"
    model: str = ""


@dataclass(frozen=True)
class ChatResponse:
    """The answer to ``ChatClient.chat``.

    ``parsed_json`` is the decoded JSON when the call had a ``json_schema`` (else None).
    ``cached`` is True when no model was called. ``call_id`` is the call-log row, when logged.
    """

    text: str
    parsed_json: Any
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    cached: bool
    provider: str
    model: str
    finish_reason: str = "stop"
    call_id: int | None = None

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class EmbeddingResponse:
    """Vectors for a batch of texts, in input order."""

    vectors: list[list[float]]
    model: str
    prompt_tokens: int = 0
    latency_s: float = 0.0


class ChatProvider(ABC):
    """A chat transport: one request in, one completion out, no caching or retrying."""

    name: str = "abstract"

    @property
    @abstractmethod
    def model(self) -> str:
        """The model name recorded in the call log and the cache key."""

    @abstractmethod
    def complete(self, request: ChatRequest) -> Completion:
        """Run one request. Raise ``TransientLLMError`` for retryable failures, ``LLMError`` else."""

    def count_tokens(self, text: str) -> int:
        """Tokens in ``text`` for this model; the default is the documented offline estimate."""
        from logcopilot.llm.tokens import estimate_tokens

        return estimate_tokens(text)

    def close(self) -> None:
        """Release what the provider holds (a loaded model, an HTTP pool)."""


@dataclass
class TokenBudget:
    """A per-question token allowance that callers enforce across several LLM calls.

    ``ChatClient.chat(..., budget=b)`` checks, before calling the model, that the prompt's
    tokens plus ``max_tokens`` still fit, and charges what the call really used afterwards.
    Cache hits are free. ``limit=None`` means unlimited (usage is still counted).
    """

    limit: int | None = None
    used: int = 0
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)

    def check(self, needed: int) -> None:
        """Raise ``BudgetExceededError`` if ``needed`` more tokens would pass the limit."""
        with self._lock:
            if self.limit is not None and self.used + needed > self.limit:
                raise BudgetExceededError(
                    f"token budget exceeded: this call needs up to {needed} tokens, "
                    f"{self.limit - self.used} of {self.limit} left"
                )

    def charge(self, prompt_tokens: int, completion_tokens: int) -> None:
        with self._lock:
            self.used += prompt_tokens + completion_tokens
            self.calls += 1
