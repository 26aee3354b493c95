"""The emulator's fault injection against the real backend: 429, 5xx, dropped connections
(before and after the message was stored).

Retries are disabled (MAILTRAP_RETRY_ATTEMPTS=1) except where a test is about them, so each
failure is seen exactly as the API gave it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from anymail.exceptions import AnymailAPIError
from anymail.message import AnymailMessage
from mailtrap_emulator import EmulatorServer


@pytest.fixture
def no_retries(emulator_settings: Any) -> Any:
    emulator_settings.ANYMAIL["MAILTRAP_RETRY_ATTEMPTS"] = 1
    return emulator_settings


def send_expecting_error(backend: Any, message: AnymailMessage) -> AnymailAPIError:
    with pytest.raises(AnymailAPIError) as error:
        backend.send_messages([message])
    return error.value


def assert_nothing_sent(message: AnymailMessage, emulator: EmulatorServer) -> None:
    status = message.anymail_status
    assert (status.status, status.message_id, status.recipients) == (None, None, {})
    assert emulator.messages() == []


def test_rate_limit_raises_api_error_with_429(
    no_retries: Any,
    mailtrap_backend: Callable[..., Any],
    emulator: EmulatorServer,
    new_message: Callable[..., AnymailMessage],
) -> None:
    emulator.set_faults("429:retry_after=1")
    message = new_message()
    error = send_expecting_error(mailtrap_backend(), message)
    assert error.status_code == 429
    assert "Rate limit exceeded" in str(error)
    assert_nothing_sent(message, emulator)
    assert emulator.stats()["faults_injected"] == 1  # one attempt, no retry


@pytest.mark.parametrize(("fault", "status_code"), [("500", 500), ("503", 503), ("502", 502)])
def test_server_error_raises_api_error_with_its_status(
    fault: str,
    status_code: int,
    no_retries: Any,
    mailtrap_backend: Callable[..., Any],
    emulator: EmulatorServer,
    new_message: Callable[..., AnymailMessage],
) -> None:
    emulator.set_faults(fault)
    message = new_message()
    error = send_expecting_error(mailtrap_backend(), message)
    assert error.status_code == status_code
    assert f"Mailtrap API response {status_code}" in str(error)
    assert_nothing_sent(message, emulator)


def test_dropped_connection_raises_api_error(
    no_retries: Any,
    mailtrap_backend: Callable[..., Any],
    emulator: EmulatorServer,
    new_message: Callable[..., AnymailMessage],
) -> None:
    emulator.set_faults("drop")
    message = new_message()
    error = send_expecting_error(mailtrap_backend(), message)
    assert error.status_code is None
    assert "ConnectionError" in str(error)
    assert_nothing_sent(message, emulator)
    assert emulator.stats()["faults_injected"] == 1


def test_dropped_connection_is_not_retried_by_default(
    mailtrap_backend: Callable[..., Any],
    emulator: EmulatorServer,
    new_message: Callable[..., AnymailMessage],
) -> None:
    # The request went out, so Mailtrap may have taken it: retrying could send it twice.
    emulator.set_faults("drop")
    message = new_message()
    send_expecting_error(mailtrap_backend(retry_backoff=0.01), message)
    assert_nothing_sent(message, emulator)
    assert emulator.stats()["faults_injected"] == 1


def test_connection_dropped_after_storing_raises_api_error_though_mailtrap_has_it(
    no_retries: Any,
    mailtrap_backend: Callable[..., Any],
    emulator: EmulatorServer,
    new_message: Callable[..., AnymailMessage],
) -> None:
    # The unknown outcome: the message went out, but the answer with its ids never came.
    emulator.set_faults("drop_after_store")
    message = new_message(subject="Maybe sent")
    # (By default the backend then finds it in the Email Logs: test_unknown_outcomes.py)
    error = send_expecting_error(mailtrap_backend(resolve_unknown_outcomes=False), message)
    assert error.status_code is None
    assert "ConnectionError" in str(error)
    assert message.anymail_status.message_id is None
    (stored,) = emulator.messages()
    assert stored["subject"] == "Maybe sent"
    assert emulator.stats()["faults_injected"] == 1


def test_connection_dropped_after_storing_is_not_sent_twice_by_default(
    mailtrap_backend: Callable[..., Any],
    emulator: EmulatorServer,
    new_message: Callable[..., AnymailMessage],
) -> None:
    emulator.set_faults("drop_after_store")
    message = new_message()
    # Not retried; found in the Email Logs instead, so it counts as sent
    assert mailtrap_backend(retry_backoff=0.01).send_messages([message]) == 1
    (stored,) = emulator.messages()
    assert message.anymail_status.message_id == stored["message_ids"][0]
    assert emulator.stats()["requests"]["POST /api/send"] == 1


def test_rate_limit_is_retried_by_default_and_then_sent(
    mailtrap_backend: Callable[..., Any],
    emulator: EmulatorServer,
    new_message: Callable[..., AnymailMessage],
) -> None:
    emulator.set_faults("429:first=1:retry_after=0")
    message = new_message()
    assert mailtrap_backend(retry_backoff=0.01).send_messages([message]) == 1
    (stored,) = emulator.messages()
    assert message.anymail_status.message_id == stored["message_ids"][0]
    assert emulator.stats()["requests"]["POST /api/send"] == 2
