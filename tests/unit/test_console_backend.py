"""anymail.backends.console (§8): the test backend's pipeline plus the message on a stream."""

from __future__ import annotations

import io
import threading
import uuid
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend

from anymail.backends.console import EmailBackend as AnymailConsoleBackend
from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.exceptions import AnymailAPIError, AnymailCancelSend
from anymail.signals import pre_send
from tests.conftest import CONSOLE_BACKEND, requires_mailers, use_legacy_email_backend

SEPARATOR = "-" * 79


class FlushCountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


@pytest.fixture
def stream() -> FlushCountingStream:
    return FlushCountingStream()


@pytest.fixture
def console(anymail_settings: Any, stream: io.StringIO) -> AnymailConsoleBackend:
    return AnymailConsoleBackend(stream=stream)


def test_esp_name() -> None:
    assert AnymailConsoleBackend.esp_name == "Console"


def test_is_both_test_and_django_console_backend() -> None:
    assert issubclass(AnymailConsoleBackend, AnymailTestBackend)
    assert issubclass(AnymailConsoleBackend, DjangoConsoleBackend)


def test_writes_message_to_stream(console: Any, stream: io.StringIO, new_message: Any) -> None:
    console.send_messages([new_message(subject="Printed subject")])
    output = stream.getvalue()
    assert "Subject: Printed subject" in output
    assert output.endswith(SEPARATOR + "\n")


def test_writes_each_message_and_counts(
    console: Any, stream: io.StringIO, new_message: Any
) -> None:
    assert console.send_messages([new_message(subject="one"), new_message(subject="two")]) == 2
    assert stream.getvalue().count(SEPARATOR) == 2


def test_flushes_after_each_message(
    console: Any, stream: FlushCountingStream, new_message: Any
) -> None:
    console.send_messages([new_message(), new_message(), new_message()])
    assert stream.flushes == 3


def test_send_no_messages_returns_none(console: Any) -> None:
    assert console.send_messages([]) is None


def test_message_ids_are_uuid4_strings(console: Any, new_message: Any) -> None:
    message = new_message(to=["a@example.com", "b@example.com"])
    console.send_messages([message])
    assert isinstance(message.anymail_status.message_id, str)
    assert uuid.UUID(message.anymail_status.message_id).version == 4
    assert message.anymail_status.status == {"sent"}


def test_message_ids_differ_per_message(console: Any, new_message: Any) -> None:
    first, second = new_message(), new_message()
    console.send_messages([first, second])
    assert first.anymail_status.message_id != second.anymail_status.message_id


def test_same_outbox_and_params_as_test_backend(console: Any, new_message: Any) -> None:
    message = new_message(tags=["t"])
    console.send_messages([message])
    assert mail.outbox == [message]
    assert message.anymail_test_params["tags"] == ["t"]


def test_cancelled_message_not_written(console: Any, stream: io.StringIO, new_message: Any) -> None:
    def cancel(sender: Any, **kwargs: Any) -> None:
        raise AnymailCancelSend()

    pre_send.connect(cancel)
    try:
        assert console.send_messages([new_message()]) == 0
    finally:
        pre_send.disconnect(cancel)
    assert stream.getvalue() == ""


def test_failed_message_not_written(console: Any, stream: io.StringIO, new_message: Any) -> None:
    message = new_message()
    message.anymail_test_response = AnymailAPIError("down")
    with pytest.raises(AnymailAPIError):
        console.send_messages([message])
    assert stream.getvalue() == ""


def test_fail_silently_kept_despite_djangos_console_init(
    anymail_settings: Any, stream: io.StringIO, new_message: Any
) -> None:
    with pytest.warns(DeprecationWarning):
        backend = AnymailConsoleBackend(stream=stream, fail_silently=True)
    message = new_message()
    message.anymail_test_response = AnymailAPIError("down")
    assert backend.send_messages([message, new_message()]) == 1
    assert stream.getvalue().count(SEPARATOR) == 1


def test_default_stream_is_stdout(
    anymail_settings: Any, capsys: pytest.CaptureFixture[str], new_message: Any
) -> None:
    AnymailConsoleBackend().send_messages([new_message(subject="To stdout")])
    assert "Subject: To stdout" in capsys.readouterr().out


def test_concurrent_sends_do_not_interleave(
    console: Any, stream: io.StringIO, new_message: Any
) -> None:
    def send_batch(n: int) -> None:
        console.send_messages([new_message(subject=f"thread-{n}") for _ in range(5)])

    threads = [threading.Thread(target=send_batch, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    blocks = stream.getvalue().split(SEPARATOR + "\n")[:-1]
    assert len(blocks) == 20
    assert all(block.count("Subject: thread-") == 1 for block in blocks)


@requires_mailers
def test_works_as_mailers_backend(settings: Any, stream: io.StringIO, new_message: Any) -> None:
    settings.ANYMAIL = {}
    settings.MAILERS = {"default": {"BACKEND": CONSOLE_BACKEND, "OPTIONS": {"stream": stream}}}
    assert new_message(subject="Via mailers").send() == 1
    assert "Subject: Via mailers" in stream.getvalue()


def test_email_backend_setting(
    anymail_settings: Any, capsys: pytest.CaptureFixture[str], new_message: Any
) -> None:
    use_legacy_email_backend(anymail_settings, CONSOLE_BACKEND)
    assert new_message(subject="Via setting").send() == 1
    assert "Subject: Via setting" in capsys.readouterr().out
