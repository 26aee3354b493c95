"""A fleet-wide API rate limit, counted in Django's cache so every worker shares it.

Mailtrap counts calls per API token, whichever machine makes them. Each worker counts
its calls in the shared cache (use Redis, Memcached or the database cache -- a
per-process cache such as LocMemCache only limits each process) with a sliding-window
estimate: the previous window's count, weighted by how much of it still overlaps the
last `period` seconds, plus the current window's count must stay within `calls`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from ..sending.rate_limit import RateLimiter


class SharedRateLimiter(RateLimiter):
    """At most about `calls` calls per `period` seconds across every process sharing `cache`."""

    def __init__(
        self,
        cache: Any,
        scope: str,
        calls: int,
        period: float,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(calls, period, clock=clock, sleep=sleep)
        self.cache = cache
        # the scope holds the API token: only a hash of it goes into the cache
        self.prefix = "anymail-queue-rate:" + hashlib.sha256(scope.encode()).hexdigest()[:32]
        self.timeout = int(period * 3) + 1

    def reserve(self) -> float:
        """Take one call if the limit allows it now (0.0); else how long to wait first."""
        now = self.clock()
        window = int(now // self.period)
        elapsed = now - window * self.period
        key = f"{self.prefix}:{window}"
        self.cache.add(key, 0, timeout=self.timeout)
        try:
            count = self.cache.incr(key)
        except ValueError:  # the key expired between add and incr: try again at once
            return 0.001
        previous = self.cache.get(f"{self.prefix}:{window - 1}", 0)
        weight = 1 - elapsed / self.period
        if previous * weight + count <= self.calls:
            return 0.0
        self.cache.decr(key)
        if count > self.calls:  # this window alone is full: wait for the next one
            return self.period - elapsed
        # wait until enough of the previous window has slid out of the last period
        excess = previous * weight + count - self.calls
        return min(self.period - elapsed, max(0.001, excess / max(previous, 1) * self.period))

    def acquire(self) -> None:
        """Block until one more call is allowed fleet-wide."""
        while (delay := self.reserve()) > 0:
            self.sleep(delay)

    def __repr__(self) -> str:
        return f"<SharedRateLimiter {self.calls}/{self.period:g}s>"
