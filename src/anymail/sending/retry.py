"""When to retry an API call, and how long to wait first.

By default only calls the ESP surely did not accept are retried: HTTP 429 (rate limited,
honouring Retry-After) and failures to connect. A 5xx answer, a read timeout or a
connection dropped after the request went out may mean the message was accepted
anyway; retrying those risks a duplicate, so it needs `on_server_errors=True`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from urllib3.exceptions import MaxRetryError, ProtocolError, ReadTimeoutError

#: Reasons that mean "the ESP did not take the message".
SAFE = "safe"
#: Reasons that mean "the ESP may have taken the message" (retry only when opted in).
MAYBE_ACCEPTED = "maybe-accepted"


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts, exponential backoff with jitter, and a cap on the total time spent."""

    attempts: int = 3
    backoff: float = 0.5
    max_time: float = 15.0
    on_server_errors: bool = False
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    wall_clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)
    jitter: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def decide(
        self, attempt: int, started: float, response: Any, error: BaseException | None
    ) -> Decision:
        """Whether to try again after `attempt` (1-based) ended with `response` or `error`."""
        problem, kind = describe_failure(response, error)
        if kind is None:
            return Decision(problem)
        if kind == MAYBE_ACCEPTED and not self.on_server_errors:
            return Decision(problem)
        if attempt >= self.attempts:
            return Decision(problem, gave_up=f"gave up after {attempt} attempts")
        delay = retry_after(response, self.wall_clock)
        if delay is None:
            base = self.backoff * 2 ** (attempt - 1)
            delay = base / 2 + base / 2 * self.jitter()  # "equal jitter": spread, never zero
        if self.clock() - started + delay > self.max_time:
            return Decision(
                problem,
                gave_up=f"gave up after {attempt} attempts: waiting {delay:.1f} s more "
                f"would exceed the retry time limit of {self.max_time:g} s",
            )
        return Decision(problem, delay=delay)


@dataclass(frozen=True)
class Decision:
    """What to do after a failed attempt: wait `delay` seconds and retry, or stop."""

    problem: str
    delay: float | None = None
    gave_up: str | None = None


def describe_failure(response: Any, error: BaseException | None) -> tuple[str, str | None]:
    """A short description of what went wrong, and whether (and how safely) it is retryable."""
    if error is not None:
        kind = error_kind(error)
        return type(error).__name__, kind
    status = getattr(response, "status_code", None)
    if status == 429:
        return "HTTP 429", SAFE
    if isinstance(status, int) and 500 <= status <= 599:
        return f"HTTP {status}", MAYBE_ACCEPTED
    return f"HTTP {status}", None


def error_kind(error: BaseException) -> str | None:
    if isinstance(error, requests.ConnectTimeout):
        return SAFE
    if isinstance(error, requests.ReadTimeout):
        return MAYBE_ACCEPTED
    if isinstance(error, requests.exceptions.SSLError) or not isinstance(
        error, requests.ConnectionError
    ):
        return None
    # A connection that broke after the request was (maybe) sent: the ESP may have it.
    cause = error.args[0] if error.args else None
    if isinstance(cause, MaxRetryError):
        cause = cause.reason
    if isinstance(cause, (ProtocolError, ReadTimeoutError, ConnectionResetError)):
        return MAYBE_ACCEPTED
    return SAFE


def retry_after(response: Any, wall_clock: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), if any."""
    headers = getattr(response, "headers", None)
    value = headers.get("Retry-After") if headers is not None else None
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" dates parse as naive; HTTP dates are always GMT
        return None
    return max(0.0, when.timestamp() - wall_clock())
