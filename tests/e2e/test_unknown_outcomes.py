"""Sends of unknown outcome settled from the Email Logs, against the emulator over HTTP.

The emulator drops the connection before (`drop`: nothing stored) or after (`drop_after_store`)
handling the call, and serves Mailtrap's Email Logs API, which the backend asks (with
default settings) which of the unanswered messages Mailtrap has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from anymail.exceptions import AnymailAPIError
from anymail.message import AnymailMessage
from anymail.signals import post_send
from mailtrap_emulator import EmulatorServer

Send = Callable[..., Any]


@pytest.fixture
def post_send_calls() -> Iterator[list[Any]]:
    calls: list[Any] = []

    def receiver(sender: Any, message: Any, status: Any, **kwargs: Any) -> None:
        calls.append((message, set(status.recipients)))

    post_send.connect(receiver)
    yield calls
    post_send.disconnect(receiver)


def send_run(backend: Any, messages: list[AnymailMessage]) -> AnymailAPIError | int:
    try:
        return int(backend.send_messages(messages))
    except AnymailAPIError as error:
        return error


def log_ids(emulator: EmulatorServer, subject: str) -> list[str]:
    return [
        message_id
        for stored in emulator.messages()
        if stored["subject"] == subject
        for message_id in stored["message_ids"]
    ]


def test_dropped_after_storing_is_found_in_the_logs_and_counts_as_sent(
    emulator_settings: Any,
    mailtrap_backend: Send,
    emulator: EmulatorServer,
    new_message: Callable[..., AnymailMessage],
    post_send_calls: list[Any],
) -> None:
    emulator.set_faults("drop_after_store:first=1")
    message = new_message(subject="Maybe sent", to=["Ann <Ann@Example.com>"])
    assert mailtrap_backend().send_messages([message]) == 1
    (stored_id,) = log_ids(emulator, "Maybe sent")
    assert message.anymail_status.status == {"queued"}
    assert message.anymail_status.recipients["ann@example.com"].message_id == stored_id
    assert post_send_calls == [(message, {"ann@example.com"})]
    assert emulator.stats()["requests"]["POST /api/send"] == 1  # looked up, never re-sent


def test_dropped_before_storing_is_not_found_and_counts_as_not_accepted(
    emulator_settings: Any,
    mailtrap_backend: Send,
    emulator: EmulatorServer,
    new_message: Callable[..., AnymailMessage],
    post_send_calls: list[Any],
) -> None:
    emulator.set_faults("drop:first=1")
    message = new_message(subject="Not sent")
    error = send_run(mailtrap_backend(), [message])
    assert isinstance(error, AnymailAPIError)
    assert (error.unsent_messages, error.unknown_messages) == ([message], [])
    assert emulator.messages() == []
    assert post_send_calls == []
    # Looked up twice: at once, and again after the recheck delay
    assert emulator.stats()["requests"]["GET /api/email_logs"] == 2
    # ...so the caller may send it again without a duplicate
    assert mailtrap_backend().send_messages(error.unsent_messages) == 1
    assert len(log_ids(emulator, "Not sent")) == 1


def test_each_log_entry_settles_one_message_of_the_run(
    emulator_settings: Any,
    mailtrap_backend: Send,
    emulator: EmulatorServer,
    new_message: Callable[..., AnymailMessage],
) -> None:
    # Three identical messages: the first answered, the second dropped after storing, the
    # third dropped before. Two log entries exist; the first belongs to message one.
    emulator.set_faults("drop_after_store:every=2", "drop:every=3")
    messages = [new_message(subject="Same") for _ in range(3)]
    error = send_run(mailtrap_backend(send_concurrency=1), messages)
    assert isinstance(error, AnymailAPIError)
    assert error.sent_messages == messages[:2]
    assert (error.unsent_messages, error.unknown_messages) == ([messages[2]], [])
    first, second = (m.anymail_status.message_id for m in messages[:2])
    assert sorted([first, second]) == sorted(log_ids(emulator, "Same"))
    assert first != second


def test_batch_call_dropped_after_storing_settles_every_message(
    emulator_settings: Any,
    mailtrap_backend: Send,
    emulator: EmulatorServer,
    new_message: Callable[..., AnymailMessage],
) -> None:
    emulator.set_faults("drop_after_store:first=1")
    messages = [new_message(subject=f"Batch {n}", to=[f"r{n}@example.com"]) for n in range(5)]
    assert mailtrap_backend(batch_messages=True).send_messages(messages) == 5
    assert emulator.stats()["requests"]["POST /api/batch"] == 1
    for n, message in enumerate(messages):
        assert [message.anymail_status.message_id] == log_ids(emulator, f"Batch {n}")


def test_turned_off_the_outcome_stays_unknown(
    emulator_settings: Any,
    mailtrap_backend: Send,
    emulator: EmulatorServer,
    new_message: Callable[..., AnymailMessage],
) -> None:
    emulator.set_faults("drop_after_store:first=1")
    message = new_message()
    error = send_run(mailtrap_backend(resolve_unknown_outcomes=False), [message])
    assert isinstance(error, AnymailAPIError)
    assert (error.unsent_messages, error.unknown_messages) == ([], [message])
    assert "GET /api/email_logs" not in emulator.stats()["requests"]


def test_a_failed_lookup_leaves_the_outcome_unknown(
    emulator_settings: Any,
    mailtrap_backend: Send,
    emulator: EmulatorServer,
    new_message: Callable[..., AnymailMessage],
) -> None:
    # The logs live elsewhere and nothing answers there (e.g. a proxy for sending only)
    emulator.set_faults("drop_after_store:first=1")
    message = new_message()
    backend = mailtrap_backend(account_api_url="http://127.0.0.1:9/api/")
    error = send_run(backend, [message])
    assert isinstance(error, AnymailAPIError)
    assert (error.sent_messages, error.unknown_messages) == ([], [message])
    assert message.anymail_status.message_id is None


def test_a_lookup_answered_5xx_leaves_the_outcome_unknown(
    emulator_settings: Any,
    mailtrap_backend: Send,
    emulator: EmulatorServer,
    new_message: Callable[..., AnymailMessage],
) -> None:
    emulator.set_faults("drop_after_store:first=1", "500:on=account")
    message = new_message()
    error = send_run(mailtrap_backend(), [message])
    assert isinstance(error, AnymailAPIError)
    assert (error.sent_messages, error.unsent_messages) == ([], [])
    assert error.unknown_messages == [message]
    assert emulator.stats()["requests"]["GET /api/email_logs"] >= 1


def test_a_rate_limited_lookup_is_retried_and_settles(
    emulator_settings: Any,
    mailtrap_backend: Send,
    emulator: EmulatorServer,
    new_message: Callable[..., AnymailMessage],
) -> None:
    emulator.set_faults("drop_after_store:first=1", "429:first=1:retry_after=0:on=account")
    message = new_message(subject="Looked up twice")
    assert mailtrap_backend().send_messages([message]) == 1
    (stored_id,) = log_ids(emulator, "Looked up twice")
    assert message.anymail_status.message_id == stored_id
    assert emulator.stats()["requests"]["GET /api/email_logs"] == 2  # the 429, then the answer


def test_sandbox_sends_are_not_looked_up(
    emulator_settings: Any,
    mailtrap_backend: Send,
    emulator: EmulatorServer,
    new_message: Callable[..., AnymailMessage],
) -> None:
    # The Email Logs cover the sending streams only
    emulator.set_faults("drop_after_store:first=1")
    message = new_message()
    error = send_run(mailtrap_backend(sandbox_id=4242), [message])
    assert isinstance(error, AnymailAPIError)
    assert error.unknown_messages == [message]
    assert "GET /api/email_logs" not in emulator.stats()["requests"]


@pytest.mark.parametrize(
    ("setting", "value"),
    [("resolve_unknown_outcomes", "yes"), ("unknown_recheck_delay", -1)],
)
def test_invalid_settings_are_reported_at_construction(
    emulator_settings: Any, mailtrap_backend: Send, setting: str, value: Any
) -> None:
    from anymail.exceptions import AnymailConfigurationError

    with pytest.raises(AnymailConfigurationError, match=f"MAILTRAP_{setting.upper()}"):
        mailtrap_backend(**{setting: value})
