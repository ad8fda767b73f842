"""Rate limiting, retries with backoff, and the per-question token budget."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from llm_fakes import FakeOpenAI

from logcopilot.errors import ConfigError, LLMError
from logcopilot.llm import (
    BudgetExceededError,
    ChatClient,
    RateLimiter,
    RetryPolicy,
    TokenBudget,
    TransientLLMError,
)
from logcopilot.llm.openai_provider import OpenAIChatProvider
from logcopilot.llm.retry import RetriesExhaustedError, call_with_retries


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_token_bucket_paces_requests() -> None:
    clock = FakeClock()
    limiter = RateLimiter(requests_per_second=4, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(9):
        with limiter:
            starts.append(clock.now)
    assert starts[0] == 100.0  # the first request goes at once
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(g == pytest.approx(0.25) for g in gaps)
    assert clock.now - 100.0 == pytest.approx(2.0)
    assert limiter.waited_s == pytest.approx(2.0)


def test_burst_allows_back_to_back_then_paces() -> None:
    clock = FakeClock()
    limiter = RateLimiter(requests_per_second=2, burst=3, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        limiter.acquire()
        limiter.release()
    assert clock.sleeps == []
    limiter.acquire()
    assert clock.sleeps == [pytest.approx(0.5)]
    clock.now += 10  # idle time refills the bucket, but never beyond the burst
    for _ in range(3):
        limiter.acquire()
    assert len(clock.sleeps) == 1


def test_concurrency_limit_holds_under_threads() -> None:
    limiter = RateLimiter(max_concurrent=2)
    inside = 0
    peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal inside, peak
        with limiter:
            with lock:
                inside += 1
                peak = max(peak, inside)
            time.sleep(0.02)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 2 and inside == 0


def test_limiter_rejects_bad_settings() -> None:
    with pytest.raises(ConfigError):
        RateLimiter(requests_per_second=0)
    with pytest.raises(ConfigError):
        RateLimiter(max_concurrent=0)


def test_retry_backoff_and_retry_after_hint() -> None:
    policy = RetryPolicy(attempts=4, base_delay_s=1.0, factor=2.0, max_delay_s=3.0, jitter=0.0)
    failures = [TransientLLMError("busy"), TransientLLMError("busy", retry_after=0.25), TransientLLMError("busy")]
    pauses: list[float] = []

    def call() -> str:
        if failures:
            raise failures.pop(0)
        return "ok"

    result, tries = call_with_retries(call, policy, what="demo", sleep=pauses.append)
    assert (result, tries) == ("ok", 4)
    assert pauses == [1.0, 0.25, 3.0]  # 1, then the server's hint, then 4 capped at 3


def test_only_transient_errors_are_retried() -> None:
    calls = 0

    def call() -> None:
        nonlocal calls
        calls += 1
        raise LLMError("bad request")

    with pytest.raises(LLMError, match="bad request"):
        call_with_retries(call, RetryPolicy(attempts=5, base_delay_s=0), what="demo", sleep=lambda s: None)
    assert calls == 1


def test_last_try_error_names_the_cause() -> None:
    def call() -> None:
        raise TransientLLMError("HTTP 502")

    with pytest.raises(RetriesExhaustedError, match="^demo failed after 2 tries: HTTP 502$") as info:
        call_with_retries(call, RetryPolicy(attempts=2, base_delay_s=0), what="demo", sleep=lambda s: None)
    assert info.value.attempts == 2 and info.value.status == 502


def test_budget_blocks_calls_before_they_reach_the_model(fake_openai: FakeOpenAI) -> None:
    provider = OpenAIChatProvider(base_url=fake_openai.base_url, api_key="k", model="m")
    budget = TokenBudget(limit=60)
    client = ChatClient(provider, budget=budget)
    client.chat("short question", stage="plan", max_tokens=20)  # server reports 11 + 5 tokens
    assert (budget.used, budget.calls, budget.remaining) == (16, 1, 44)
    with pytest.raises(BudgetExceededError, match="token budget exceeded: this call needs up to") as info:
        client.chat("another question", stage="plan", max_tokens=40)
    assert info.value.status == 429
    assert len(fake_openai.requests) == 1  # refused before any request
    client.chat("short question", stage="plan", max_tokens=20)  # a cache hit is free
    assert budget.used == 16
    per_call = TokenBudget(limit=10_000)
    client.chat("a third one", stage="plan", max_tokens=40, budget=per_call)  # per-call budget wins
    assert per_call.used == 16 and budget.used == 16


def test_unlimited_budget_still_counts() -> None:
    b = TokenBudget()
    b.check(10**9)
    b.charge(5, 7)
    assert (b.used, b.remaining) == (12, None)
