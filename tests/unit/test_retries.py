"""Retries: 429 and connect failures by default; 5xx and dropped connections only opted in."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

import pytest
import requests

from anymail.exceptions import AnymailAPIError, AnymailRequestsAPIError
from anymail.sending.retry import RetryPolicy, retry_after
from tests.support.mailtrap_server import MailtrapServer, Reply, free_port
from tests.support.sending import (  # noqa: F401 (fixtures)
    TOKEN,
    mailtrap_server_fixture,
    make_message,
    scale_backend_fixture,
)

NOW = 1_800_000_000.0


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = NOW
        self.sleeps: list[float] = []
        self.on_sleep: Any = None

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep is not None:
            self.on_sleep()

    def clock(self) -> float:
        return self.now


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def retrying_backend(scale_backend, fake_time):
    """Factory: a backend whose retry policy sleeps on the fake clock (no jitter)."""

    def make(**kwargs: Any) -> Any:
        backend = scale_backend(**kwargs)
        backend.retry_policy = dataclasses.replace(
            backend.retry_policy,
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            wall_clock=fake_time.clock,
            jitter=lambda: 1.0,
        )
        return backend

    return make


def test_429_is_retried_after_retry_after_seconds(mailtrap_server, retrying_backend, fake_time):
    mailtrap_server.reply(Reply(status=429, headers={"Retry-After": "7"}))
    message = make_message()
    assert retrying_backend().send_messages([message]) == 1
    assert mailtrap_server.calls == 2
    assert fake_time.sleeps == [7.0]
    assert message.anymail_status.status == {"queued"}


def test_429_retry_after_http_date(mailtrap_server, retrying_backend, fake_time):
    when = datetime.fromtimestamp(NOW + 4, tz=timezone.utc)
    mailtrap_server.reply(Reply(status=429, headers={"Retry-After": format_datetime(when, True)}))
    assert retrying_backend().send_messages([make_message()]) == 1
    assert fake_time.sleeps == [4.0]


def test_429_without_retry_after_backs_off_exponentially(
    mailtrap_server, retrying_backend, fake_time
):
    mailtrap_server.reply(Reply(status=429), Reply(status=429), Reply(status=429))
    backend = retrying_backend(retry_attempts=4, retry_backoff=0.5, retry_max_time=60)
    assert backend.send_messages([make_message()]) == 1
    assert fake_time.sleeps == [0.5, 1.0, 2.0]


def test_jitter_spreads_the_backoff():
    policy = RetryPolicy(backoff=1.0, jitter=lambda: 0.0, clock=lambda: 0.0)
    response = requests.Response()
    response.status_code = 429
    assert policy.decide(1, 0.0, response, None).delay == 0.5
    assert policy.decide(2, 0.0, response, None).delay == 1.0


def test_attempts_exhausted_raises_the_last_answer(mailtrap_server, retrying_backend):
    mailtrap_server.reply(*[Reply(status=429)] * 3)
    with pytest.raises(AnymailRequestsAPIError) as raised:
        retrying_backend().send_messages([make_message()])
    assert raised.value.status_code == 429
    assert raised.value.attempts == 3
    assert "gave up after 3 attempts" in str(raised.value)
    assert "Mailtrap API response 429" in str(raised.value)
    assert mailtrap_server.calls == 3


def test_connect_failure_is_retried(scale_backend, fake_time):
    port = free_port()
    backend = scale_backend(api_url=f"http://127.0.0.1:{port}/api/")
    backend.retry_policy = dataclasses.replace(
        backend.retry_policy, sleep=fake_time.sleep, clock=fake_time.clock
    )
    servers: list[MailtrapServer] = []
    fake_time.on_sleep = lambda: servers.append(MailtrapServer(port))  # comes up while we wait
    try:
        assert backend.send_messages([make_message()]) == 1
    finally:
        for server in servers:
            server.stop()
    assert len(fake_time.sleeps) == 1
    assert servers[0].calls == 1


def test_connect_failure_keeps_the_error_contract(scale_backend, fake_time):
    url = f"http://127.0.0.1:{free_port()}/api/"
    backend = scale_backend(api_url=url)
    backend.retry_policy = dataclasses.replace(
        backend.retry_policy, sleep=fake_time.sleep, clock=fake_time.clock
    )
    with pytest.raises(requests.ConnectionError) as raised:
        backend.send_messages([make_message()])
    error = raised.value
    assert isinstance(error, AnymailRequestsAPIError)
    assert str(error).startswith(f"Error posting to {url}send:")
    assert "gave up after 3 attempts" in str(error)
    assert isinstance(error.__cause__, requests.ConnectionError)
    assert len(fake_time.sleeps) == 2


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_not_retried_by_default(mailtrap_server, retrying_backend, status):
    mailtrap_server.reply(Reply(status=status))
    with pytest.raises(AnymailAPIError) as raised:
        retrying_backend().send_messages([make_message()])
    assert raised.value.status_code == status
    assert raised.value.attempts == 1
    assert "gave up" not in str(raised.value)
    assert mailtrap_server.calls == 1


def test_server_errors_are_retried_when_opted_in(mailtrap_server, retrying_backend, fake_time):
    mailtrap_server.reply(Reply(status=500), Reply(status=503))
    backend = retrying_backend(retry_on_server_errors=True)
    assert backend.send_messages([make_message()]) == 1
    assert mailtrap_server.calls == 3


def test_dropped_connection_may_have_been_accepted(mailtrap_server, retrying_backend):
    mailtrap_server.reply(Reply(drop=True))
    with pytest.raises(requests.ConnectionError):
        retrying_backend().send_messages([make_message()])
    assert mailtrap_server.calls == 1
    mailtrap_server.reply(Reply(drop=True))
    assert retrying_backend(retry_on_server_errors=True).send_messages([make_message()]) == 1


def test_total_time_cap_stops_retrying(mailtrap_server, retrying_backend, fake_time):
    mailtrap_server.reply(Reply(status=429, headers={"Retry-After": "30"}))
    with pytest.raises(AnymailAPIError) as raised:
        retrying_backend(retry_max_time=10).send_messages([make_message()])
    assert "would exceed the retry time limit of 10 s" in str(raised.value)
    assert fake_time.sleeps == []
    assert mailtrap_server.calls == 1


def test_time_spent_counts_against_the_cap(mailtrap_server, retrying_backend, fake_time):
    mailtrap_server.reply(*[Reply(status=429, headers={"Retry-After": "4"})] * 5)
    with pytest.raises(AnymailAPIError):
        retrying_backend(retry_attempts=10, retry_max_time=10).send_messages([make_message()])
    assert fake_time.sleeps == [4.0, 4.0]  # a third wait would pass 10 s


def test_retries_are_logged_without_secrets(mailtrap_server, retrying_backend, caplog):
    mailtrap_server.reply(Reply(status=429, headers={"Retry-After": "1"}))
    with caplog.at_level(logging.WARNING, logger="anymail.retry"):
        retrying_backend().send_messages([make_message()])
    [record] = caplog.records
    assert record.name == "anymail.retry"
    assert "HTTP 429" in record.getMessage()
    assert "attempt 2 of 3" in record.getMessage()
    assert TOKEN not in record.getMessage()


def test_a_single_attempt_disables_retries(mailtrap_server, retrying_backend):
    mailtrap_server.reply(Reply(status=429))
    with pytest.raises(AnymailAPIError):
        retrying_backend(retry_attempts=1).send_messages([make_message()])
    assert mailtrap_server.calls == 1


def test_settings_come_from_anymail_settings(settings):
    from anymail.backends.mailtrap import EmailBackend

    settings.ANYMAIL = {
        "MAILTRAP_API_TOKEN": TOKEN,
        "MAILTRAP_RETRY_ATTEMPTS": 5,
        "MAILTRAP_RETRY_BACKOFF": 2,
        "MAILTRAP_RETRY_MAX_TIME": 40,
        "MAILTRAP_RETRY_ON_SERVER_ERRORS": True,
    }
    policy = EmailBackend().retry_policy
    assert (policy.attempts, policy.backoff, policy.max_time) == (5, 2.0, 40.0)
    assert policy.on_server_errors is True


@pytest.mark.parametrize(
    ("header", "expected"),
    [("12", 12.0), (" 0 ", 0.0), ("soon", None), ("", None), (None, None)],
)
def test_retry_after_forms(header, expected):
    response = requests.Response()
    if header is not None:
        response.headers["Retry-After"] = header
    assert retry_after(response) == expected


def test_retry_after_date_in_the_past_means_now():
    response = requests.Response()
    response.headers["Retry-After"] = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert retry_after(response, wall_clock=lambda: NOW) == 0.0
