"""A client-side limit on API calls per period, shared per API token within the process.

Mailtrap allows a number of calls per period per token and answers 429 beyond it.
Pacing calls here keeps a burst under the limit instead of provoking 429s. Django 6.1
builds a new backend on every `mailers[alias]` access, so limiters live in a process-wide
registry keyed by the token (hashed) and the limit, and every backend using the same token
shares one.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

_UNITS = {"": 1.0, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
_SPEC_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*(?:\.\d+)?)\s*([a-z]*)\s*$")


def parse_rate_limit(value: Any) -> tuple[int, float] | None:
    """`"150/10s"`, `"150/10"`, `"600/min"`, `(150, 10)` -> (calls, period seconds); None -> None.

    Raises ValueError for anything else.
    """
    if value is None or value is False or value == "":
        return None
    if isinstance(value, str):
        match = _SPEC_RE.match(value.lower())
        if not match or match.group(3) not in _UNITS:
            raise ValueError(f"cannot parse rate limit {value!r}; use e.g. '150/10s'")
        calls, amount, unit = match.groups()
        limit = (int(calls), float(amount or 1) * _UNITS[unit])
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        limit = (int(value[0]), float(value[1]))
    else:
        raise ValueError(f"cannot parse rate limit {value!r}; use e.g. '150/10s' or (150, 10)")
    if limit[0] < 1 or limit[1] <= 0:
        raise ValueError(f"rate limit {value!r} must allow at least 1 call per positive period")
    return limit


class RateLimiter:
    """At most `calls` calls in any window of `period` seconds (thread-safe).

    Each caller reserves the earliest slot that keeps every window within the limit, then
    sleeps until it outside the lock, so waiting callers do not block each other.
    """

    def __init__(
        self,
        calls: int,
        period: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.calls = calls
        self.period = period
        self.clock = clock
        self.sleep = sleep
        self._slots: deque[float] = deque(maxlen=calls)
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Claim the next slot; returns how long the caller must wait before calling."""
        with self._lock:
            now = self.clock()
            start = now
            if len(self._slots) == self.calls:
                start = max(now, self._slots[0] + self.period)
            self._slots.append(start)
            return start - now

    def acquire(self) -> None:
        """Block until one more call is allowed."""
        delay = self.reserve()
        if delay > 0:
            self.sleep(delay)

    def __repr__(self) -> str:
        return f"<RateLimiter {self.calls}/{self.period:g}s>"


_registry: dict[tuple[str, int, float], RateLimiter] = {}
_registry_lock = threading.Lock()


def shared_rate_limiter(scope: str, calls: int, period: float) -> RateLimiter:
    """The process-wide limiter for this scope (e.g. an API token) and limit."""
    key = (hashlib.sha256(scope.encode()).hexdigest(), calls, period)
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = RateLimiter(calls, period)
        return limiter
