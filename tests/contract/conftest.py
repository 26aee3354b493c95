"""Fixtures for the black-box contract suite (written from ANYMAIL_API.md only)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import django
import pytest
import responses

from tests.conftest import use_backend

MAILTRAP_BACKEND = "anymail.backends.mailtrap.EmailBackend"
TEST_BACKEND = "anymail.backends.test.EmailBackend"
CONSOLE_BACKEND = "anymail.backends.console.EmailBackend"
SEND_URL = "https://send.api.mailtrap.io/api/send"
BATCH_URL = "https://send.api.mailtrap.io/api/batch"
SANDBOX_BASE = "https://sandbox.api.mailtrap.io/api/"

mailers_only = pytest.mark.skipif(
    django.VERSION < (6, 1), reason="MAILERS is Django 6.1+ (CI's Django 6.1 job runs it)"
)


@pytest.fixture
def mailtrap_settings(settings: Any) -> Any:
    """Mailtrap as the default mailer with a token (pytest-django swaps in locmem otherwise)."""
    use_backend(settings, MAILTRAP_BACKEND)
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "test-token"}
    return settings


@pytest.fixture
def test_settings(settings: Any) -> Any:
    use_backend(settings, TEST_BACKEND)
    settings.ANYMAIL = {}
    return settings


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def ok_send(rsps: responses.RequestsMock, ids: list[str], url: str = SEND_URL) -> None:
    rsps.add(responses.POST, url, json={"success": True, "message_ids": ids}, status=200)


def sent_json(rsps: responses.RequestsMock, index: int = -1) -> Any:
    body = rsps.calls[index].request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    return json.loads(body)


@pytest.fixture
def mailtrap_backend(mailtrap_settings: Any) -> Callable[..., Any]:
    from anymail.backends.mailtrap import EmailBackend

    def make(**kwargs: Any) -> Any:
        return EmailBackend(**kwargs)

    return make


@pytest.fixture
def message(new_message: Callable[..., Any]) -> Callable[..., Any]:
    """Factory: an AnymailMessage with sender, one recipient, subject and body (tests/conftest)."""
    return new_message


@pytest.fixture
def receiver(connect_receiver: Callable[..., Any]) -> Callable[..., Any]:
    """Factory: connect a recording receiver to a signal for the test (tests/conftest)."""
    return connect_receiver
