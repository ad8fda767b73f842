"""Retries with exponential backoff for transient model-call failures.

In: a zero-argument call and a ``RetryPolicy``. Out: the call's result, or after the last try
a plain ``LLMError`` saying how many tries were made and why the last failed.

Only ``TransientLLMError`` (HTTP 429/5xx, timeouts, dropped connections) is retried; a
server's ``Retry-After`` hint is honoured up to ``max_delay_s``. Other ``LLMError``s (bad
request, bad key, unusable answer) are raised at once: retrying them only costs money.

Example::

    >>> policy = RetryPolicy(attempts=3, base_delay_s=0.0)
    >>> call_with_retries(lambda: 42, policy, what="demo")
    (42, 1)
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from logcopilot.errors import LLMError
from logcopilot.llm.base import TransientLLMError

__all__ = ["RetriesExhaustedError", "RetryPolicy", "call_with_retries"]

T = TypeVar("T")


class RetriesExhaustedError(LLMError):
    """Every try failed with a transient error; ``attempts`` says how many were made."""

    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all; delay before try n+1 is ``base * factor**(n-1)`` (+-jitter)."""

    attempts: int = 3
    base_delay_s: float = 0.5
    factor: float = 2.0
    max_delay_s: float = 20.0
    jitter: float = 0.1

    def delay(self, failed_tries: int, hint: float | None = None) -> float:
        if hint is not None and hint >= 0:
            return min(hint, self.max_delay_s)
        raw = self.base_delay_s * self.factor ** (failed_tries - 1)
        spread = raw * self.jitter
        return max(0.0, min(self.max_delay_s, raw + random.uniform(-spread, spread)))


def call_with_retries(
    call: Callable[[], T],
    policy: RetryPolicy,
    *,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, TransientLLMError, float], None] | None = None,
) -> tuple[T, int]:
    """Run ``call`` until it succeeds or tries run out; return (result, tries used)."""
    tries = max(1, policy.attempts)
    for attempt in range(1, tries + 1):
        try:
            return call(), attempt
        except TransientLLMError as exc:
            if attempt == tries:
                noun = "try" if tries == 1 else "tries"
                raise RetriesExhaustedError(f"{what} failed after {tries} {noun}: {exc}", tries) from None
            pause = policy.delay(attempt, exc.retry_after)
            if on_retry is not None:
                on_retry(attempt, exc, pause)
            sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover - the loop always returns or raises
