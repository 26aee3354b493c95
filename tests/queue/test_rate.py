"""The fleet-wide rate limit: every process counting in one shared cache."""

from __future__ import annotations

from django.core.cache.backends.locmem import LocMemCache

from anymail.queue.rate import SharedRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiters(count: int, calls: int, period: float) -> tuple[list[SharedRateLimiter], Clock]:
    cache = LocMemCache("rate-test", {})
    clock = Clock()
    return [
        SharedRateLimiter(cache, "Mailtrap token", calls, period, clock=clock, sleep=clock.sleep)
        for _ in range(count)
    ], clock


def test_workers_sharing_a_cache_share_the_limit() -> None:
    (a, b), clock = limiters(2, calls=4, period=10)
    for limiter in (a, b, a, b):
        limiter.acquire()
    assert clock.slept == []
    b.acquire()  # the fifth call in 10 s, whichever worker makes it, waits
    assert clock.now >= 1010


def test_the_window_slides() -> None:
    (limiter,), clock = limiters(1, calls=10, period=10)
    calls_at = []
    for _ in range(40):
        limiter.acquire()
        calls_at.append(clock.now)
    for index, at in enumerate(calls_at):
        in_window = [t for t in calls_at[: index + 1] if t > at - 10]
        assert len(in_window) <= 10 + 1  # the sliding estimate allows at most one extra
    assert calls_at[-1] - calls_at[0] >= 25


def test_the_cache_never_sees_the_token() -> None:
    cache = LocMemCache("rate-token-test", {})
    SharedRateLimiter(cache, "Mailtrap secret-token-123", 5, 1).acquire()
    assert all("secret" not in key for key in cache._cache)  # type: ignore[attr-defined]
