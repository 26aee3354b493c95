"""Automatic batching: many ordinary messages packed into /api/batch calls."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from anymail.exceptions import AnymailAPIError
from anymail.mailtrap import batch_calls
from tests.support.mailtrap_server import MailtrapServer, Received, Reply, mailtrap_answer
from tests.support.sending import (  # noqa: F401 (fixtures)
    mailtrap_server_fixture,
    make_message,
    scale_backend_fixture,
    signal_log_fixture,
)


def rich_message(number: int) -> Any:
    """A message using every per-message field a batch entry must carry."""
    message = make_message(
        number,
        cc=[f"cc{number}@example.com"],
        from_email=f"Sender {number} <from{number}@example.com>",
        headers={"X-Number": str(number)},
        tags=[f"category-{number}"],
        metadata={"number": number},
    )
    message.attach_alternative(f"<p>message {number}</p>", "text/html")
    message.attach(f"file{number}.txt", f"attachment {number}", "text/plain")
    return message


def test_off_by_default_one_message_is_one_send_call(mailtrap_server, scale_backend):
    scale_backend().send_messages([make_message(n) for n in range(3)])
    assert [request.path for request in mailtrap_server.requests] == ["/api/send"] * 3


def test_messages_become_entries_of_one_batch_call(mailtrap_server, scale_backend):
    messages = [rich_message(n) for n in range(5)]
    assert scale_backend(batch_messages=True).send_messages(messages) == 5
    assert mailtrap_server.calls == 1
    request = mailtrap_server.requests[0]
    assert request.path == "/api/batch"
    body = request.json()
    assert "base" not in body
    # each entry is exactly the body the message gets on its own through /api/send
    single = MailtrapServer()
    try:
        one_by_one = scale_backend(api_url=single.api_url, send_concurrency=1)
        one_by_one.send_messages([rich_message(n) for n in range(5)])
        assert body["requests"] == [one.json() for one in single.requests]
    finally:
        single.stop()


def test_entry_results_map_back_to_their_messages(mailtrap_server, scale_backend):
    messages = [make_message(n, cc=[f"cc{n}@example.com"]) for n in range(4)]
    scale_backend(batch_messages=True).send_messages(messages)
    for number, message in enumerate(messages):
        assert message.anymail_status.recipients[f"to{number}@example.com"].message_id == (
            f"id-to{number}@example.com"
        )
        assert message.anymail_status.recipients[f"cc{number}@example.com"].message_id == (
            f"id-cc{number}@example.com"
        )
        assert message.anymail_status.esp_response.status_code == 200


def refuse_entries(*positions: int) -> Any:
    def handler(request: Received) -> Reply:
        answer = mailtrap_answer(request)
        for position in positions:
            answer["responses"][position] = {"success": False, "errors": ["'to' is invalid"]}
        return Reply(json_body=answer)

    return handler


def test_refused_entry_fails_only_its_message(mailtrap_server, scale_backend, signal_log):
    mailtrap_server.handler = refuse_entries(2)
    messages = [make_message(n) for n in range(4)]
    with pytest.raises(AnymailAPIError, match="'to' is invalid") as raised:
        scale_backend(batch_messages=True).send_messages(messages)
    assert raised.value.email_message is messages[2]
    assert "entry 3 of 4" in str(raised.value)
    assert raised.value.sent_messages == [messages[0], messages[1], messages[3]]
    assert raised.value.unsent_messages == [messages[2]]
    assert messages[2].anymail_status.status == {"failed"}
    assert messages[3].anymail_status.status == {"queued"}
    assert signal_log.subjects("post_send") == ["message 0", "message 1", "message 3"]


def test_refused_entries_with_fail_silently_just_do_not_count(mailtrap_server, scale_backend):
    mailtrap_server.handler = refuse_entries(0, 3)
    with pytest.warns(DeprecationWarning):
        backend = scale_backend(batch_messages=True, fail_silently=True)
    assert backend.send_messages([make_message(n) for n in range(5)]) == 3


def test_failed_batch_call_fails_all_its_messages(mailtrap_server, scale_backend):
    mailtrap_server.reply(Reply(status=500))
    messages = [make_message(n) for n in range(3)]
    with pytest.raises(AnymailAPIError) as raised:
        scale_backend(batch_messages=True).send_messages(messages)
    assert raised.value.status_code == 500
    assert raised.value.unknown_messages == messages  # a 5xx may have been accepted
    assert raised.value.unsent_messages == []
    assert all(message.anymail_status.status is None for message in messages)


def test_rate_limited_batch_call_leaves_its_messages_unsent(mailtrap_server, scale_backend):
    mailtrap_server.reply(Reply(status=429, headers={"Retry-After": "0"}))
    messages = [make_message(n) for n in range(3)]
    with pytest.raises(AnymailAPIError) as raised:
        scale_backend(batch_messages=True, retry_attempts=1).send_messages(messages)
    assert raised.value.unsent_messages == messages


def test_calls_hold_at_most_500_entries(mailtrap_server, scale_backend):
    messages = [make_message(n) for n in range(1200)]
    assert scale_backend(batch_messages=True).send_messages(messages) == 1200
    sizes = sorted(len(request.json()["requests"]) for request in mailtrap_server.requests)
    assert sizes == [200, 500, 500]
    assert messages[1199].anymail_status.message_id == "id-to1199@example.com"


def test_calls_stay_under_the_size_limit(mailtrap_server, scale_backend, monkeypatch):
    monkeypatch.setattr(batch_calls, "MAX_BATCH_BYTES", 3000)
    messages = [make_message(n, body="x" * 900) for n in range(7)]
    assert scale_backend(batch_messages=True, send_concurrency=1).send_messages(messages) == 7
    paths = [request.path for request in mailtrap_server.requests]
    assert paths == ["/api/batch"] * 3 + ["/api/send"]  # 2 + 2 + 2 entries, then a lone one
    assert all(len(request.json()["requests"]) == 2 for request in mailtrap_server.requests[:3])
    assert all(len(request.body) <= 3000 for request in mailtrap_server.requests)


def test_lone_leftover_message_goes_to_send(mailtrap_server, scale_backend, monkeypatch):
    monkeypatch.setattr(batch_calls, "MAX_BATCH_REQUESTS", 2)
    scale_backend(batch_messages=True, send_concurrency=1).send_messages(
        [make_message(n) for n in range(3)]
    )
    assert [request.path for request in mailtrap_server.requests] == ["/api/batch", "/api/send"]


def test_sandbox_uses_the_sandbox_batch_endpoint(mailtrap_server, scale_backend):
    messages = [make_message(n) for n in range(3)]
    scale_backend(batch_messages=True, sandbox_id=4711).send_messages(messages)
    assert [request.path for request in mailtrap_server.requests] == ["/api/batch/4711"]
    assert messages[1].anymail_status.message_id == "sandbox-to1@example.com"


def test_merge_batch_message_keeps_its_own_call_and_order(
    mailtrap_server, scale_backend, signal_log
):
    merge = make_message(2, to=["a@example.com", "b@example.com"], merge_data={})
    messages = [make_message(0), make_message(1), merge, make_message(3), make_message(4)]
    assert scale_backend(batch_messages=True, send_concurrency=1).send_messages(messages) == 5
    bodies = [request.json() for request in mailtrap_server.requests]
    assert [len(body["requests"]) for body in bodies] == [2, 2, 2]
    assert "base" in bodies[1] and "base" not in bodies[0] and "base" not in bodies[2]
    assert merge.anymail_status.message_id == {"id-a@example.com", "id-b@example.com"}
    assert signal_log.subjects("post_send") == [m.subject for m in messages]


def test_signals_stay_per_message_in_callers_thread(mailtrap_server, scale_backend, signal_log):
    messages = [make_message(n) for n in range(30)]
    scale_backend(batch_messages=True).send_messages(messages)
    assert signal_log.subjects("pre_send") == [m.subject for m in messages]
    assert signal_log.subjects("post_send") == [m.subject for m in messages]
    assert signal_log.threads() == {threading.current_thread().name}


def test_serialization_error_fails_only_that_message(mailtrap_server, scale_backend):
    from decimal import Decimal

    from anymail.exceptions import AnymailSerializationError

    messages = [make_message(n) for n in range(3)]
    messages[1].esp_extra = {"custom": Decimal("1.5")}
    with pytest.raises(AnymailSerializationError) as raised:
        scale_backend(batch_messages=True).send_messages(messages)
    assert raised.value.sent_messages == [messages[0], messages[2]]
    assert raised.value.unsent_messages == [messages[1]]
    assert mailtrap_server.calls == 1
    assert "Object of type 'Decimal' is not JSON serializable" in str(raised.value)
