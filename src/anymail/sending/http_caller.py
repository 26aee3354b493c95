"""One API call as the engine makes it: rate limit, request, retry per policy.

Every HTTP request this package sends to an ESP's API goes through `HttpCaller.call`,
so the retry policy, the shared rate limiter and the retry log line are the same for
the send path, webhook fetches and management commands. What a failure *means* --
which exception, with which context -- is the caller's business (see
`AnymailRequestsBackend.post_to_esp` and `anymail.mailtrap.client`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import requests

from .json_body import JSONStream
from .rate_limit import RateLimiter
from .retry import Decision, RetryPolicy
from .secrets import forget_locals

retry_logger = logging.getLogger("anymail.retry")

#: A policy that never retries (one attempt), for calls whose caller retries itself.
NO_RETRY = RetryPolicy(attempts=1)


class _RetryWait(threading.local):
    """What surrounds a wait between attempts in this thread (see `waiting_between_attempts`)."""

    hook: Callable[[], AbstractContextManager[Any]] | None = None


_retry_wait = _RetryWait()


def waiting_between_attempts(
    hook: Callable[[], AbstractContextManager[Any]] | None,
) -> None:
    """Wrap this thread's waits between attempts in `hook()` (None: nothing). The send
    engine uses it to give a waiting call's place in the window to another call."""
    _retry_wait.hook = hook


@dataclass
class CallAttempts:
    """How a call ended after its last attempt: a 2xx response, or what went wrong."""

    response: requests.Response | None
    error: requests.RequestException | None
    attempts: int
    decision: Decision | None = None

    @property
    def gave_up(self) -> str | None:
        """Why retrying stopped early (retries exhausted, time limit), if it did."""
        return self.decision.gave_up if self.decision is not None else None


class HttpCaller:
    """Makes API calls over a given session, honouring a retry policy and a rate limiter."""

    def __init__(
        self,
        esp_name: str,
        retry_policy: RetryPolicy = NO_RETRY,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.esp_name = esp_name
        self.retry_policy = retry_policy
        self.rate_limiter = rate_limiter

    def call(self, session: requests.Session, params: dict[str, Any]) -> CallAttempts:
        """Request until a 2xx answer, a final failure, or the policy gives up."""
        policy = self.retry_policy
        started = policy.clock()
        attempt = 0
        while True:
            attempt += 1
            response, error = self._attempt(session, params, rewind=attempt > 1)
            # requests' and urllib3's frames hold the headers (the token): no error report
            # may show them (see secrets.py). Cleared now that those frames are finished.
            if error is not None:
                forget_locals(error)
            if error is None and _is_2xx(response):
                return CallAttempts(response, None, attempt)
            decision = policy.decide(attempt, started, response, error)
            if decision.delay is None:
                return CallAttempts(response, error, attempt, decision)
            retry_logger.warning(
                "%s API call to %s failed (%s); retrying in %.2f s (attempt %d of %d)",
                self.esp_name,
                params.get("url", ""),
                decision.problem,
                decision.delay,
                attempt + 1,
                policy.attempts,
            )
            hook = _retry_wait.hook
            with hook() if hook is not None else nullcontext():
                policy.sleep(decision.delay)

    def _attempt(
        self, session: requests.Session, params: dict[str, Any], rewind: bool
    ) -> tuple[Any, requests.RequestException | None]:
        """One HTTP call (after waiting for the rate limiter): (response, None) or (None, err)."""
        if rewind and isinstance(params.get("data"), JSONStream):
            params["data"].restart()
        if self.rate_limiter is not None:
            self.rate_limiter.acquire()
        try:
            return session.request(**params), None
        except requests.RequestException as err:
            return None, err


def _is_2xx(response: Any) -> bool:
    return 200 <= response.status_code <= 299
