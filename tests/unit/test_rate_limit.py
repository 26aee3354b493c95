"""The client-side rate limit: calls per period, shared per API token, thread-safe."""

from __future__ import annotations

import threading

import django
import pytest

from anymail.exceptions import AnymailConfigurationError
from anymail.sending.rate_limit import RateLimiter, parse_rate_limit, shared_rate_limiter
from tests.support.sending import (  # noqa: F401 (fixtures)
    TOKEN,
    mailtrap_server_fixture,
    make_message,
    scale_backend_fixture,
)


class FakeClock:
    """Time that passes only when someone sleeps (thread-safe)."""

    def __init__(self) -> None:
        self.now = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now = max(self.now, self.now + seconds)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("150/10s", (150, 10.0)),
        ("150/10", (150, 10.0)),
        ("5/s", (5, 1.0)),
        ("600/min", (600, 60.0)),
        ("1000 / 1h", (1000, 3600.0)),
        ((150, 10), (150, 10.0)),
        ([3, 0.5], (3, 0.5)),
        (None, None),
        ("", None),
    ],
)
def test_parse_rate_limit(value, expected):
    assert parse_rate_limit(value) == expected


@pytest.mark.parametrize("value", ["fast", "150", "0/10s", "10/0s", "10/3 weeks", (1, 2, 3), 7])
def test_parse_rate_limit_rejects_nonsense(value):
    with pytest.raises(ValueError):
        parse_rate_limit(value)


def test_burst_up_to_the_limit_then_waits_for_the_window():
    clock = FakeClock()
    limiter = RateLimiter(3, 10.0, clock=clock, sleep=clock.sleep)
    assert [limiter.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.reserve() == 10.0
    assert limiter.reserve() == 10.0
    clock.now = 4.0
    assert limiter.reserve() == 6.0  # third of the second window: starts at 10 as well
    assert limiter.reserve() == 16.0  # 20 - 4


def test_no_window_ever_holds_more_than_the_limit():
    clock = FakeClock()
    limiter = RateLimiter(5, 2.0, clock=clock, sleep=clock.sleep)
    starts = []
    for step in range(40):
        clock.now = step * 0.13
        starts.append(clock.now + limiter.reserve())
    for index in range(len(starts) - 5):
        assert starts[index + 5] - starts[index] >= 2.0 - 1e-9


def test_threads_share_one_limit():
    clock = FakeClock()
    limiter = RateLimiter(4, 1.0, clock=clock, sleep=lambda seconds: None)
    starts: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            start = clock() + limiter.reserve()
            with lock:
                starts.append(start)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts.sort()
    assert len(starts) == 200
    for index in range(len(starts) - 4):
        assert starts[index + 4] - starts[index] >= 1.0 - 1e-9


def test_backends_with_the_same_token_share_a_limiter(settings):
    from anymail.backends.mailtrap import EmailBackend

    # Django 6.1's MAILERS builds a new backend on every access: they must share one limit
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": TOKEN, "MAILTRAP_RATE_LIMIT": "150/10s"}
    first, second = EmailBackend(), EmailBackend()
    assert first.rate_limiter is second.rate_limiter
    assert (first.rate_limiter.calls, first.rate_limiter.period) == (150, 10.0)
    other = EmailBackend(api_token="another-token")
    assert other.rate_limiter is not first.rate_limiter
    assert EmailBackend(rate_limit=None).rate_limiter is None


def test_off_by_default(settings):
    from anymail.backends.mailtrap import EmailBackend

    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": TOKEN}
    assert EmailBackend().rate_limiter is None


def test_registry_does_not_keep_the_token():
    shared_rate_limiter("Mailtrap secret-token-xyz", 2, 1.0)
    from anymail.sending import rate_limit

    assert all("secret-token-xyz" not in key[0] for key in rate_limit._registry)


def test_invalid_setting_is_a_configuration_error(settings):
    from anymail.backends.mailtrap import EmailBackend

    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": TOKEN, "MAILTRAP_RATE_LIMIT": "lots"}
    with pytest.raises(AnymailConfigurationError, match="MAILTRAP_RATE_LIMIT"):
        EmailBackend()


def test_every_api_call_waits_for_the_limiter(mailtrap_server, scale_backend):
    from tests.support.mailtrap_server import Reply

    waits: list[str] = []

    class CountingLimiter:
        def acquire(self) -> None:
            waits.append("call")

    backend = scale_backend(batch_messages=False, send_concurrency=3)
    backend.rate_limiter = CountingLimiter()
    mailtrap_server.reply(Reply(status=429, headers={"Retry-After": "0"}))
    assert backend.send_messages([make_message(n) for n in range(5)]) == 5
    assert len(waits) == mailtrap_server.calls == 6  # five messages, one retry


@pytest.mark.skipif(django.VERSION < (6, 1), reason="MAILERS is Django 6.1+")
def test_mailers_backends_share_the_limiter_and_read_options(settings):
    from django.core import mail

    settings.ANYMAIL = {}
    if hasattr(settings, "EMAIL_BACKEND"):
        del settings.EMAIL_BACKEND
    options = {"api_token": TOKEN, "rate_limit": (20, 1), "send_concurrency": 4}
    backend = "anymail.backends.mailtrap.EmailBackend"
    settings.MAILERS = {"default": {"BACKEND": backend, "OPTIONS": options}}
    first, second = mail.mailers["default"], mail.mailers["default"]
    assert first is not second  # a new backend on every access...
    assert first.rate_limiter is second.rate_limiter  # ...sharing one limit
    assert first.send_concurrency == 4
