"""Rate limiting for model calls: requests per second (token bucket) and concurrent calls.

In: the limits. Out: a ``RateLimiter`` used as a context manager around each call; entering
blocks until a request slot and a concurrency slot are free. The clock and the sleep are
injectable, so tests check the pacing without waiting.

Example::

    >>> limiter = RateLimiter(requests_per_second=5, max_concurrent=2)
    >>> with limiter:
    ...     pass  # the model call
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

from logcopilot.errors import ConfigError

__all__ = ["RateLimiter"]


class RateLimiter:
    """A token bucket (``requests_per_second``, bursts of ``burst``) and a semaphore.

    ``requests_per_second=None`` or ``max_concurrent=None`` switch that limit off.
    """

    def __init__(
        self,
        requests_per_second: float | None = None,
        max_concurrent: int | None = None,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if requests_per_second is not None and requests_per_second <= 0:
            raise ConfigError("requests per second must be positive")
        if max_concurrent is not None and max_concurrent < 1:
            raise ConfigError("max concurrent calls must be at least 1")
        if burst < 1:
            raise ConfigError("burst must be at least 1")
        self.rate = requests_per_second
        self.max_concurrent = max_concurrent
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._stamp = clock()
        self._slots = threading.BoundedSemaphore(max_concurrent) if max_concurrent else None
        self.waited_s = 0.0  # total time callers spent waiting for a request slot

    def acquire(self) -> None:
        """Block until a call may start."""
        if self._slots is not None:
            self._slots.acquire()
        try:
            self._take_token()
        except BaseException:
            if self._slots is not None:
                self._slots.release()
            raise

    def release(self) -> None:
        if self._slots is not None:
            self._slots.release()

    def _take_token(self) -> None:
        if self.rate is None:
            return
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                wait = (1.0 - self._tokens) / self.rate
                self.waited_s += wait
            self._sleep(wait)

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
