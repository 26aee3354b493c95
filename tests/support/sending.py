"""Shared helpers for the sending-at-scale tests: a backend aimed at the local server."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.mailtrap_server import MailtrapServer, mailtrap_server_fixture

# Fixtures are imported by the test modules under their function names
__all__ = [
    "TOKEN",
    "SignalLog",
    "mailtrap_server_fixture",
    "make_message",
    "scale_backend_fixture",
    "signal_log_fixture",
]

TOKEN = "scale-test-token-3f9a1c77"


def make_message(number: int = 0, **kwargs: Any) -> Any:
    """Message `number`: subject "message <n>", to "to<n>@example.com" (overridable)."""
    from anymail.message import AnymailMessage

    fields: dict[str, Any] = {
        "subject": f"message {number}",
        "body": "Body",
        "from_email": "from@example.com",
        "to": [f"to{number}@example.com"],
        **kwargs,
    }
    return AnymailMessage(**fields)


@pytest.fixture(name="scale_backend")
def scale_backend_fixture(settings: Any, mailtrap_server: MailtrapServer) -> Callable[..., Any]:
    """Factory: a Mailtrap EmailBackend that talks to the local server (kwargs override)."""
    from anymail.backends.mailtrap import EmailBackend

    settings.ANYMAIL = {}

    def make(**kwargs: Any) -> EmailBackend:
        options = {"api_token": TOKEN, "api_url": mailtrap_server.api_url, **kwargs}
        return EmailBackend(**options)

    return make


class SignalLog:
    """Records pre_send/post_send calls: (signal, message subject, thread name)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()

    def record(self, name: str) -> Callable[..., None]:
        def receiver(sender: Any, message: Any, **kwargs: Any) -> None:
            with self._lock:
                self.events.append((name, message.subject, threading.current_thread().name))

        return receiver

    def subjects(self, name: str) -> list[str]:
        return [subject for signal, subject, _thread in self.events if signal == name]

    def threads(self) -> set[str]:
        return {thread for _signal, _subject, thread in self.events}


@pytest.fixture(name="signal_log")
def signal_log_fixture() -> Iterator[SignalLog]:
    """Connects a SignalLog to pre_send and post_send for the test."""
    from anymail.signals import post_send, pre_send

    log = SignalLog()
    receivers = [(pre_send, log.record("pre_send")), (post_send, log.record("post_send"))]
    for signal, receiver in receivers:
        signal.connect(receiver, weak=False)
    yield log
    for signal, receiver in receivers:
        signal.disconnect(receiver)
