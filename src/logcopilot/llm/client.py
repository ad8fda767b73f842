"""``ChatClient``: the one way the rest of LogCopilot talks to a chat model.

In: messages, the caller's stage name, optional JSON schema and limits. Out: a
``ChatResponse``. Around any ``ChatProvider`` (OpenAI-compatible HTTP, local GGUF, a test
double) it adds, in this order:

1. the response cache (on by default for temperature 0): a hit returns at once, no model call;
2. the token budget check (prompt tokens + ``max_tokens`` must fit what is left);
3. the rate limiter and retries with backoff on transient failures;
4. JSON decoding and a schema check when a ``json_schema`` was given;
5. one call-log row per call (hits and failures too), and the cache write.

Example::

    client = get_chat_client(settings, store=store)            # see factory.py
    r = client.chat("Which template counts failed logins?", stage="plan",
                    json_schema={"type": "object", "properties": {"id": {"type": "string"}}},
                    max_tokens=64)
    r.parsed_json, r.cached, r.prompt_tokens
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from logcopilot.engine.store import Store
from logcopilot.errors import LLMError, LLMResponseError
from logcopilot.llm.base import (
    ChatProvider,
    ChatRequest,
    ChatResponse,
    Completion,
    TokenBudget,
    parse_json_text,
)
from logcopilot.llm.cache import ResponseCache, cache_key
from logcopilot.llm.calllog import CallLog
from logcopilot.llm.ratelimit import RateLimiter
from logcopilot.llm.retry import RetriesExhaustedError, RetryPolicy, call_with_retries
from logcopilot.llm.schema import schema_errors
from logcopilot.llm.tokens import count_message_tokens

__all__ = ["ChatClient"]


class ChatClient:
    """Cache, budget, rate limit, retries, JSON checking and the call log around a provider.

    ``store=None`` keeps the cache in memory and logs nothing. ``model_calls`` counts the
    requests that reached the provider (retries included), so callers and tests can see that
    a repeated run was served from the cache.
    """

    def __init__(
        self,
        provider: ChatProvider,
        *,
        store: Store | None = None,
        cache: bool = True,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        budget: TokenBudget | None = None,
    ) -> None:
        self.provider = provider
        self.store = store
        self.cache_enabled = cache
        self.cache = ResponseCache(store)
        self.log = CallLog(store) if store is not None else None
        self.limiter = limiter or RateLimiter(max_concurrent=4)
        self.retry = retry or RetryPolicy()
        self.budget = budget
        self.model_calls = 0
        self.cache_hits = 0
        self._counter_lock = threading.Lock()

    # -- facts -------------------------------------------------------------------------
    @property
    def provider_name(self) -> str:
        return self.provider.name

    @property
    def model(self) -> str:
        return self.provider.model

    def count_tokens(self, text: str) -> int:
        """Tokens in ``text``: the model's tokenizer (local) or the documented estimate."""
        return self.provider.count_tokens(text)

    def count_message_tokens(self, messages: Iterable[Mapping[str, str]]) -> int:
        return count_message_tokens(messages, self.provider.count_tokens)

    def close(self) -> None:
        self.provider.close()

    # -- the call ----------------------------------------------------------------------
    def chat(
        self,
        messages: str | Sequence[Mapping[str, Any]],
        *,
        stage: str,
        json_schema: Mapping[str, Any] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
        stop: Iterable[str] = (),
        seed: int | None = 0,
        use_cache: bool | None = None,
        budget: TokenBudget | None = None,
    ) -> ChatResponse:
        """Ask the model. ``messages`` is a prompt string or ``[{"role", "content"}, ...]``.

        ``use_cache=None`` caches when the client's cache is on and ``temperature == 0``.
        ``budget`` (else the client's) is checked before and charged after the call.
        Raises ``LLMError`` (after retries), ``LLMResponseError`` (unusable or off-schema
        answer), ``BudgetExceededError``.
        """
        request = ChatRequest.build(
            messages, max_tokens=max_tokens, temperature=temperature, json_schema=json_schema, stop=stop, seed=seed
        )
        caching = self.cache_enabled and temperature == 0.0 if use_cache is None else use_cache
        key = cache_key(self.provider_name, self.model, request)
        if caching:
            hit = self.cache.get(key)
            if hit is not None:
                return self._answer(request, hit, stage=stage, latency=0.0, cached=True, attempts=0)
        spend = budget or self.budget
        if spend is not None:
            spend.check(self.count_message_tokens(request.message_dicts) + request.max_tokens)

        def attempt() -> Completion:
            with self._counter_lock:
                self.model_calls += 1
            with self.limiter:
                return self.provider.complete(request)

        started = time.perf_counter()
        try:
            completion, attempts = call_with_retries(attempt, self.retry, what=f"{self.provider_name} chat")
        except LLMError as exc:
            tries = exc.attempts if isinstance(exc, RetriesExhaustedError) else 1
            self._record(request, stage, None, time.perf_counter() - started, False, tries, str(exc))
            raise
        latency = time.perf_counter() - started
        if spend is not None:
            spend.charge(completion.prompt_tokens, completion.completion_tokens)
        response = self._answer(request, completion, stage=stage, latency=latency, cached=False, attempts=attempts)
        if caching:
            self.cache.put(key, self.provider_name, self.model, completion)
        return response

    def _answer(
        self,
        request: ChatRequest,
        completion: Completion,
        *,
        stage: str,
        latency: float,
        cached: bool,
        attempts: int,
    ) -> ChatResponse:
        """Check the completion (JSON, schema), log it, and wrap it; log and raise if unusable."""
        parsed: Any = None
        if request.json_schema is not None:
            try:
                parsed = self._parse(request, completion)
            except LLMResponseError as exc:
                self._record(request, stage, completion, latency, cached, attempts, str(exc))
                raise
        if cached:
            with self._counter_lock:
                self.cache_hits += 1
        call_id = self._record(request, stage, completion, latency, cached, attempts, None)
        return ChatResponse(
            text=completion.text,
            parsed_json=parsed,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            latency_s=latency,
            cached=cached,
            provider=self.provider_name,
            model=self.model,
            finish_reason=completion.finish_reason,
            call_id=call_id,
        )

    def _parse(self, request: ChatRequest, completion: Completion) -> Any:
        where = f"{self.provider_name} model {self.model}"
        if completion.finish_reason in ("length", "repetition"):
            why = "max_tokens" if completion.finish_reason == "length" else "the repetition guard"
            try:
                return self._checked(parse_json_text(completion.text, where), request, where)
            except LLMResponseError:
                raise LLMResponseError(
                    f"{where} was stopped by {why} after {completion.completion_tokens} tokens "
                    "before its JSON was complete"
                ) from None
        return self._checked(parse_json_text(completion.text, where), request, where)

    @staticmethod
    def _checked(value: Any, request: ChatRequest, where: str) -> Any:
        assert request.json_schema is not None
        problems = schema_errors(value, request.json_schema)
        if problems:
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            raise LLMResponseError(f"{where} returned JSON that breaks the schema: {problems[0]}{more}")
        return value

    def _record(
        self,
        request: ChatRequest,
        stage: str,
        completion: Completion | None,
        latency: float,
        cached: bool,
        attempts: int,
        error: str | None,
    ) -> int | None:
        if self.log is None:
            return None
        params = request.params()
        if completion is not None:
            params["finish_reason"] = completion.finish_reason
        return self.log.record(
            stage=stage,
            kind="chat",
            provider=self.provider_name,
            model=self.model,
            prompt=request.message_dicts,
            params=params,
            response=completion.text if completion is not None else None,
            prompt_tokens=completion.prompt_tokens if completion is not None else None,
            completion_tokens=completion.completion_tokens if completion is not None else None,
            latency_s=round(latency, 4),
            cache_hit=cached,
            attempts=attempts,
            error=error,
        )
