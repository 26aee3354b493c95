"""One backend instance used from several threads at once (docs/sending-at-scale.md).

The session a send_messages call opened stays open while any other call (in another
thread) still uses it; it is closed by the last one. Real threads, a real HTTP server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from anymail.backends.mailtrap import EmailBackend
from tests.support.mailtrap_server import MailtrapServer, Received, Reply
from tests.support.sending import (  # noqa: F401 (fixtures)
    TOKEN,
    mailtrap_server_fixture,
    make_message,
)

WAIT = 10


class Held:
    """Holds the answer to requests for chosen recipients until released."""

    def __init__(self, server: MailtrapServer, *recipients: str) -> None:
        self.arrived = {email: threading.Event() for email in recipients}
        self.release = {email: threading.Event() for email in recipients}
        server.handler = self.handle

    def handle(self, request: Received) -> Reply | None:
        email = request.json()["to"][0]["email"]
        if email not in self.arrived:
            return None
        self.arrived[email].set()
        return Reply(wait_for=self.release[email])

    def wait_until_arrived(self, email: str) -> None:
        assert self.arrived[email].wait(WAIT), f"no request for {email}"


class Sender(threading.Thread):
    """send_messages in a thread of its own; keeps the result or the exception."""

    def __init__(self, backend: EmailBackend, messages: list[Any]) -> None:
        super().__init__(daemon=True)
        self.backend = backend
        self.messages = messages
        self.result: int | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.backend.send_messages(self.messages)
        except BaseException as error:
            self.error = error

    def finish(self) -> int | None:
        self.join(WAIT)
        assert not self.is_alive()
        if self.error is not None:
            raise self.error
        return self.result


@pytest.fixture
def backend(settings: Any, mailtrap_server: MailtrapServer) -> Callable[..., EmailBackend]:
    settings.ANYMAIL = {}

    def make(**kwargs: Any) -> EmailBackend:
        options = {"api_token": TOKEN, "api_url": mailtrap_server.api_url, "send_concurrency": 1}
        return EmailBackend(**{**options, **kwargs})

    return make


def message_to(email: str) -> Any:
    return make_message(0, to=[email])


def test_a_send_ending_does_not_close_the_session_another_thread_uses(mailtrap_server, backend):
    held = Held(mailtrap_server, "a@example.com", "b1@example.com")
    shared = backend()
    first = Sender(shared, [message_to("a@example.com")])
    first.start()
    held.wait_until_arrived("a@example.com")  # the first call opened the session
    second = Sender(shared, [message_to("b1@example.com"), message_to("b2@example.com")])
    second.start()
    held.wait_until_arrived("b1@example.com")  # the second call uses the same session
    held.release["a@example.com"].set()
    assert first.finish() == 1
    assert shared.session is not None  # still in use by the second call
    held.release["b1@example.com"].set()
    assert second.finish() == 2  # b2 is sent after the first call ended
    assert shared.session is None  # closed by the last call using it
    assert mailtrap_server.calls == 3


def test_explicitly_opened_session_stays_open_for_all_threads(mailtrap_server, backend):
    shared = backend()
    with shared:
        session = shared.session
        senders = [Sender(shared, [message_to(f"t{n}@example.com")]) for n in range(4)]
        for sender in senders:
            sender.start()
        assert [sender.finish() for sender in senders] == [1, 1, 1, 1]
        assert shared.session is session
    assert shared.session is None


def test_close_during_a_send_waits_for_it_to_end(mailtrap_server, backend):
    held = Held(mailtrap_server, "a@example.com")
    shared = backend()
    sender = Sender(shared, [message_to("a@example.com"), message_to("b@example.com")])
    sender.start()
    held.wait_until_arrived("a@example.com")
    shared.close()  # e.g. from another thread: the send in flight keeps its session
    assert shared.session is not None
    held.release["a@example.com"].set()
    assert sender.finish() == 2
    assert shared.session is None


def test_many_threads_many_messages(mailtrap_server, backend):
    shared = backend(send_concurrency=4)
    senders = [
        Sender(shared, [message_to(f"t{n}-{m}@example.com") for m in range(15)]) for n in range(8)
    ]
    for sender in senders:
        sender.start()
    assert [sender.finish() for sender in senders] == [15] * 8
    assert mailtrap_server.calls == 120
    assert shared.session is None
    assert shared._session_users == 0
