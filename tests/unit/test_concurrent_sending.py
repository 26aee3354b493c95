"""Concurrent send_messages: parallel HTTP calls, sequential semantics for everything else."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests

from anymail.exceptions import AnymailAPIError, AnymailConfigurationError, AnymailError
from tests.support.mailtrap_server import Received, Reply
from tests.support.sending import (  # noqa: F401 (fixtures)
    TOKEN,
    mailtrap_server_fixture,
    make_message,
    scale_backend_fixture,
    signal_log_fixture,
)


def message_number(request: Received) -> int:
    return int(request.json()["subject"].split()[-1])


def test_every_message_gets_its_own_status_when_answers_arrive_out_of_order(
    mailtrap_server, scale_backend
):
    last_arrived = threading.Event()

    def handler(request: Received) -> Reply:
        number = message_number(request)
        if number == 7:
            last_arrived.set()
        # the first messages are answered last
        return Reply(wait_for=last_arrived if number < 4 else None)

    mailtrap_server.handler = handler
    messages = [make_message(n) for n in range(8)]
    assert scale_backend(send_concurrency=8).send_messages(messages) == 8
    for number, message in enumerate(messages):
        assert message.anymail_status.message_id == f"id-to{number}@example.com"
        assert message.anymail_status.status == {"queued"}


def test_http_calls_run_in_parallel(mailtrap_server, scale_backend):
    all_in_flight = threading.Barrier(4, timeout=10)

    def handler(request: Received) -> Reply:
        all_in_flight.wait()  # breaks (and the test fails) unless 4 calls are open at once
        return Reply()

    mailtrap_server.handler = handler
    assert scale_backend(send_concurrency=4).send_messages([make_message(n) for n in range(4)]) == 4


def test_signals_run_in_callers_thread_in_message_order(mailtrap_server, scale_backend, signal_log):
    messages = [make_message(n) for n in range(12)]
    scale_backend(send_concurrency=6).send_messages(messages)
    expected = [message.subject for message in messages]
    assert signal_log.subjects("pre_send") == expected
    assert signal_log.subjects("post_send") == expected
    assert signal_log.threads() == {threading.current_thread().name}


def test_concurrency_one_is_strictly_sequential(mailtrap_server, scale_backend, signal_log):
    def handler(request: Received) -> None:
        signal_log.events.append(("http", request.json()["subject"], "server"))

    mailtrap_server.handler = handler
    scale_backend(send_concurrency=1).send_messages([make_message(n) for n in range(3)])
    assert [(signal, subject) for signal, subject, _ in signal_log.events] == [
        (step, f"message {n}") for n in range(3) for step in ("pre_send", "http", "post_send")
    ]


def test_single_message_is_sent_in_callers_thread(mailtrap_server, scale_backend):
    backend = scale_backend()
    threads = []
    exchange = backend.exchange

    def spy(payload: Any, message: Any) -> Any:
        threads.append(threading.current_thread())
        return exchange(payload, message)

    backend.exchange = spy
    assert backend.send_messages([make_message()]) == 1
    assert threads == [threading.current_thread()]


def test_first_failure_is_raised_after_calls_in_flight_finish(mailtrap_server, scale_backend):
    four_in_flight = threading.Barrier(4, timeout=10)

    def handler(request: Received) -> Reply:
        number = message_number(request)
        if number < 4:
            four_in_flight.wait()
        return Reply(status=500) if number == 1 else Reply()

    mailtrap_server.handler = handler
    messages = [make_message(n) for n in range(12)]
    with pytest.raises(AnymailAPIError) as raised:
        scale_backend(send_concurrency=4).send_messages(messages)
    error = raised.value
    assert error.status_code == 500
    assert error.email_message is messages[1]
    # a 500 concerns one message: the others all went out
    assert error.sent_messages == messages[:1] + messages[2:]
    assert error.unknown_messages == [messages[1]]  # a 5xx may have been accepted
    assert error.unsent_messages == []
    assert mailtrap_server.calls == len(messages)
    for message in error.sent_messages:
        assert message.anymail_status.status == {"queued"}
    assert messages[1].anymail_status.status is None


def test_fatal_failure_stops_new_calls_after_calls_in_flight_finish(mailtrap_server, scale_backend):
    four_in_flight = threading.Barrier(4, timeout=10)

    def handler(request: Received) -> Reply:
        number = message_number(request)
        if number < 4:
            four_in_flight.wait()
        return Reply(status=401) if number == 1 else Reply()

    mailtrap_server.handler = handler
    messages = [make_message(n) for n in range(12)]
    with pytest.raises(AnymailAPIError) as raised:
        scale_backend(send_concurrency=4).send_messages(messages)
    error = raised.value
    assert error.status_code == 401
    # messages 0, 2 and 3 were in flight: they finished and count as sent
    assert all(messages[n] in error.sent_messages for n in (0, 2, 3))
    assert messages[1] in error.unsent_messages
    # every message is accounted for, in the caller's order, and new calls stopped
    assert sorted(error.sent_messages + error.unsent_messages, key=messages.index) == messages
    assert mailtrap_server.calls < len(messages)
    for message in error.unsent_messages:
        assert message.anymail_status.status is None


def test_earliest_failing_message_wins(mailtrap_server, scale_backend):
    both_arrived = threading.Barrier(2, timeout=10)

    def handler(request: Received) -> Reply:
        number = message_number(request)
        both_arrived.wait()
        return Reply(status=400 if number == 0 else 500)

    mailtrap_server.handler = handler
    messages = [make_message(n) for n in range(2)]
    with pytest.raises(AnymailAPIError) as raised:
        scale_backend(send_concurrency=2).send_messages(messages)
    assert raised.value.status_code == 400
    assert raised.value.unsent_messages == [messages[0]]
    assert raised.value.unknown_messages == [messages[1]]
    assert raised.value.sent_messages == []


def test_fail_silently_only_leaves_failed_messages_uncounted(mailtrap_server, scale_backend):
    def handler(request: Received) -> Reply:
        return Reply(status=400) if message_number(request) in (2, 5) else Reply()

    mailtrap_server.handler = handler
    messages = [make_message(n) for n in range(8)]
    with pytest.warns(DeprecationWarning):
        backend = scale_backend(send_concurrency=4, fail_silently=True)
    assert backend.send_messages(messages) == 6
    assert mailtrap_server.calls == 8
    assert messages[2].anymail_status.status is None
    assert messages[3].anymail_status.status == {"queued"}


def test_error_in_pre_send_stops_sending_and_is_raised(mailtrap_server, scale_backend):
    from anymail.signals import pre_send

    def refuse_third(sender: Any, message: Any, **kwargs: Any) -> None:
        if message.subject == "message 3":
            raise ValueError("no third message")

    pre_send.connect(refuse_third, weak=False)
    try:
        messages = [make_message(n) for n in range(10)]
        with pytest.raises(ValueError, match="no third message") as raised:
            scale_backend(send_concurrency=4).send_messages(messages)
    finally:
        pre_send.disconnect(refuse_third)
    assert raised.value.sent_messages == messages[:3]
    assert raised.value.unsent_messages == messages[3:]
    assert mailtrap_server.calls == 3


def test_cancelled_messages_are_neither_sent_nor_unsent(mailtrap_server, scale_backend):
    from anymail.exceptions import AnymailCancelSend
    from anymail.signals import pre_send

    def cancel_first(sender: Any, message: Any, **kwargs: Any) -> None:
        if message.subject == "message 0":
            raise AnymailCancelSend("skip")

    mailtrap_server.reply(Reply(), Reply(status=400))
    pre_send.connect(cancel_first, weak=False)
    try:
        messages = [make_message(n) for n in range(3)]
        with pytest.raises(AnymailError) as raised:
            scale_backend(send_concurrency=1).send_messages(messages)
    finally:
        pre_send.disconnect(cancel_first)
    assert raised.value.sent_messages == [messages[1]]
    assert raised.value.unsent_messages == [messages[2]]


def test_connection_errors_keep_the_requests_exception_type(scale_backend):
    from tests.support.mailtrap_server import free_port

    backend = scale_backend(api_url=f"http://127.0.0.1:{free_port()}/api/", retry_attempts=1)
    with pytest.raises(requests.ConnectionError) as raised:
        backend.send_messages([make_message(n) for n in range(3)])
    assert isinstance(raised.value, AnymailAPIError)
    assert "Error posting to http://127.0.0.1:" in str(raised.value)


def test_session_pool_is_sized_to_the_concurrency(scale_backend):
    backend = scale_backend(send_concurrency=40)
    backend.open()
    try:
        assert backend.session.get_adapter("https://send.api.mailtrap.io")._pool_maxsize == 40
    finally:
        backend.close()


def test_mailtrap_opts_in_and_setting_overrides(settings):
    from anymail.backends.mailtrap import EmailBackend

    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": TOKEN}
    assert EmailBackend().send_concurrency == 16
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": TOKEN, "MAILTRAP_SEND_CONCURRENCY": 3}
    assert EmailBackend().send_concurrency == 3
    assert EmailBackend(send_concurrency=1).send_concurrency == 1


@pytest.mark.parametrize("value", [0, -2, "many", True, None])
def test_invalid_concurrency_is_a_configuration_error(settings, value):
    from anymail.backends.mailtrap import EmailBackend

    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": TOKEN}
    with pytest.raises(AnymailConfigurationError, match="MAILTRAP_SEND_CONCURRENCY"):
        EmailBackend(send_concurrency=value)


def test_backends_that_do_not_opt_in_stay_sequential(settings):
    from django.core import mail

    from anymail.backends.test import EmailBackend as TestBackend

    settings.ANYMAIL = {}
    backend = TestBackend()
    assert backend.send_concurrency == 1
    mail.outbox = []
    messages = [make_message(n) for n in range(20)]
    assert backend.send_messages(messages) == 20
    assert mail.outbox == messages
    assert [m.anymail_status.message_id for m in messages] == list(range(20))


def test_a_call_waiting_out_a_retry_after_gives_its_place_to_another(
    mailtrap_server, scale_backend
):
    """Window 2: message 0 is answered 429 (Retry-After 2 s); while it waits, messages 1
    and 2 are on the wire at the same time -- the waiting call is not in flight."""
    both_in_flight = threading.Barrier(2, timeout=1.5)  # less than the Retry-After
    answered_429 = threading.Event()

    def handler(request: Received) -> Reply:
        number = message_number(request)
        if number == 0 and not answered_429.is_set():
            answered_429.set()
            return Reply(status=429, headers={"Retry-After": "2"})
        if number in (1, 2):
            both_in_flight.wait()  # breaks (and the test fails) unless both are open at once
        return Reply()

    mailtrap_server.handler = handler
    messages = [make_message(n) for n in range(4)]
    assert scale_backend(send_concurrency=2).send_messages(messages) == 4
    subjects = [request.json()["subject"] for request in mailtrap_server.requests]
    assert subjects.count("message 0") == 2  # the 429, then the retry
    assert all(m.anymail_status.status == {"queued"} for m in messages)


def test_at_most_the_window_is_on_the_wire_while_calls_wait(mailtrap_server, scale_backend):
    """Calls waiting between attempts do not count, the others never exceed the window."""
    lock = threading.Lock()
    open_calls = [0]
    most = [0]
    first_429s: set[int] = set()

    def handler(request: Received) -> Reply:
        number = message_number(request)
        if number % 3 == 0 and number not in first_429s:
            first_429s.add(number)
            return Reply(status=429, headers={"Retry-After": "0"})
        with lock:
            open_calls[0] += 1
            most[0] = max(most[0], open_calls[0])
        threading.Event().wait(0.02)
        with lock:
            open_calls[0] -= 1
        return Reply()

    mailtrap_server.handler = handler
    messages = [make_message(n) for n in range(90)]
    assert scale_backend(send_concurrency=3).send_messages(messages) == 90
    assert most[0] <= 3
