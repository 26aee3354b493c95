"""Fixtures for the ESP-agnostic parts of Anymail, exercised through its test backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import django
import pytest

TEST_BACKEND = "anymail.backends.test.EmailBackend"
CONSOLE_BACKEND = "anymail.backends.console.EmailBackend"

#: For tests of Django 6.1's MAILERS setting; CI's Django 6.1 job runs them.
requires_mailers = pytest.mark.skipif(
    django.VERSION < (6, 1), reason="MAILERS needs Django 6.1 (run in CI's Django 6.1 job)"
)


@pytest.fixture
def anymail_settings(settings: Any) -> Any:
    """Settings with an empty ANYMAIL dict and the Anymail test backend as EMAIL_BACKEND.

    (pytest-django swaps EMAIL_BACKEND for Django's locmem backend; this puts ours back.)
    """
    settings.ANYMAIL = {}
    settings.EMAIL_BACKEND = TEST_BACKEND
    return settings


@pytest.fixture
def test_backend(anymail_settings: Any) -> Callable[..., Any]:
    """Factory: an Anymail test EmailBackend built from the current settings plus kwargs."""
    from anymail.backends.test import EmailBackend

    def make(**kwargs: Any) -> EmailBackend:
        return EmailBackend(**kwargs)

    return make


@pytest.fixture
def new_message() -> Callable[..., Any]:
    """Factory: an AnymailMessage with a sender, one recipient, a subject and a text body."""
    from anymail.message import AnymailMessage

    def make(**kwargs: Any) -> AnymailMessage:
        fields: dict[str, Any] = {
            "subject": "Subject",
            "body": "Body",
            "from_email": "from@example.com",
            "to": ["to@example.com"],
            **kwargs,
        }
        return AnymailMessage(**fields)

    return make


@pytest.fixture
def send_params(test_backend: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    """Send one message through a fresh test backend; returns its anymail_test_params."""

    def send(message: Any, **backend_kwargs: Any) -> dict[str, Any]:
        sent = test_backend(**backend_kwargs).send_messages([message])
        assert sent == 1
        params: dict[str, Any] = message.anymail_test_params
        return params

    return send


class SignalRecorder:
    """A receiver that remembers the keyword arguments of every call; may raise instead."""

    def __init__(self, raises: BaseException | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.raises = raises
        self.__qualname__ = type(self).__qualname__  # send_robust() logs it for errors

    def __call__(self, sender: Any, **kwargs: Any) -> None:
        self.calls.append({"sender": sender, **kwargs})
        if self.raises is not None:
            raise self.raises

    @property
    def events(self) -> list[Any]:
        """The `event` of each call (for the tracking and inbound signals)."""
        return [call["event"] for call in self.calls]

    @property
    def only_event(self) -> Any:
        """The single event received (fails the test if there were more or none)."""
        assert len(self.events) == 1, f"expected one event, got {len(self.events)}"
        return self.events[0]


@pytest.fixture
def connect_receiver() -> Iterator[Callable[..., SignalRecorder]]:
    """Factory: connect a SignalRecorder to a signal for the duration of the test."""
    connected: list[tuple[Any, SignalRecorder]] = []

    def connect(signal: Any, raises: BaseException | None = None) -> SignalRecorder:
        recorder = SignalRecorder(raises)
        signal.connect(recorder, weak=False)
        connected.append((signal, recorder))
        return recorder

    yield connect
    for signal, recorder in connected:
        signal.disconnect(recorder)
