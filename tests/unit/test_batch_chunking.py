"""Merge batches of any size: split into /api/batch calls of at most 500 entries and 50 MB."""

from __future__ import annotations

from typing import Any

import pytest

from anymail.exceptions import AnymailAPIError
from anymail.mailtrap import batch_calls
from tests.support.mailtrap_server import Received, Reply, mailtrap_answer
from tests.support.sending import (  # noqa: F401 (fixtures)
    mailtrap_server_fixture,
    make_message,
    scale_backend_fixture,
    signal_log_fixture,
)


def merge_message(count: int, **kwargs: Any) -> Any:
    to = [f"r{n}@example.com" for n in range(count)]
    merge_data = {email: {"n": n} for n, email in enumerate(to)}
    return make_message(0, to=to, merge_data=merge_data, merge_global_data={"g": 1}, **kwargs)


@pytest.mark.parametrize(
    ("recipients", "entries_per_call"),
    [(500, [500]), (501, [500, 1]), (1000, [500, 500]), (10_000, [500] * 20)],
)
def test_calls_split_at_500_entries(mailtrap_server, scale_backend, recipients, entries_per_call):
    message = merge_message(recipients)
    assert scale_backend().send_messages([message]) == 1
    bodies = sorted(
        (request.json() for request in mailtrap_server.requests),
        key=lambda body: body["requests"][0]["template_variables"]["n"],
    )
    assert [len(body["requests"]) for body in bodies] == entries_per_call
    # consecutive entries, in `to` order, each call with the complete base
    entries = [entry for body in bodies for entry in body["requests"]]
    assert [entry["to"][0]["email"] for entry in entries] == message.to
    assert all(body["base"]["template_variables"] == {"g": 1} for body in bodies)
    # one status for the message, every recipient with its own id
    status = message.anymail_status
    assert len(status.recipients) == recipients
    assert status.status == {"queued"}
    assert status.recipients[f"r{recipients - 1}@example.com"].message_id == (
        f"id-r{recipients - 1}@example.com"
    )


def test_one_call_keeps_the_classic_body(mailtrap_server, scale_backend):
    message = merge_message(3)
    scale_backend().send_messages([message])
    assert mailtrap_server.requests[0].path == "/api/batch"
    assert list(mailtrap_server.requests[0].json()) == ["base", "requests"]
    assert message.anymail_status.esp_response is not None


def test_size_limit_splits_calls(mailtrap_server, scale_backend, monkeypatch):
    monkeypatch.setattr(batch_calls, "MAX_BATCH_BYTES", 4000)
    message = merge_message(40, body="x" * 1000)
    assert scale_backend(send_concurrency=1).send_messages([message]) == 1
    assert mailtrap_server.calls > 1
    assert all(len(request.body) <= 4000 for request in mailtrap_server.requests)
    entries = [e for r in mailtrap_server.requests for e in r.json()["requests"]]
    assert [entry["to"][0]["email"] for entry in entries] == message.to
    assert len(message.anymail_status.recipients) == 40


def test_sandbox_chunks_use_the_sandbox_endpoint(mailtrap_server, scale_backend):
    message = merge_message(600)
    scale_backend(sandbox_id=99).send_messages([message])
    assert {request.path for request in mailtrap_server.requests} == {"/api/batch/99"}
    assert message.anymail_status.recipients["r599@example.com"].message_id == (
        "sandbox-r599@example.com"
    )


def fail_call_containing(email: str, status: int = 500) -> Any:
    def handler(request: Received) -> Reply | None:
        recipients = [entry["to"][0]["email"] for entry in request.json()["requests"]]
        return Reply(status=status) if email in recipients else None

    return handler


def test_failed_call_says_exactly_which_recipients_were_accepted(
    mailtrap_server, scale_backend, signal_log
):
    mailtrap_server.handler = fail_call_containing("r500@example.com", status=429)
    message = merge_message(1200)
    with pytest.raises(AnymailAPIError) as raised:
        scale_backend(send_concurrency=1, retry_attempts=1).send_messages([message])
    error = raised.value
    assert error.status_code == 429
    text = str(error)
    assert "Mailtrap accepted 700 of 1200 recipients" in text
    assert "Accepted: to[0:500] (r0@example.com ... r499@example.com), to[1000:1200]" in text
    assert "Not accepted: to[500:1000] (r500@example.com ... r999@example.com)" in text
    assert error.accepted_recipients == message.to[:500] + message.to[1000:]
    assert error.unaccepted_recipients == message.to[500:1000]
    assert error.unknown_recipients == []
    # part of it went out: not safe to send the whole message again
    assert error.unknown_messages == [message]
    assert error.unsent_messages == []
    # nothing is reported as sent that was not
    recipients = message.anymail_status.recipients
    assert {recipients[email].status for email in message.to[:500]} == {"queued"}
    assert {recipients[email].status for email in message.to[500:1000]} == {"failed"}
    assert mailtrap_server.calls == 3  # a failure of one call does not stop the others
    assert signal_log.subjects("post_send") == []


def test_chunk_answered_5xx_is_of_unknown_outcome(mailtrap_server, scale_backend):
    mailtrap_server.handler = fail_call_containing("r500@example.com", status=500)
    message = merge_message(1200)
    with pytest.raises(AnymailAPIError) as raised:
        scale_backend(send_concurrency=1).send_messages([message])
    error = raised.value
    assert "Unknown outcome: to[500:1000] (r500@example.com ... r999@example.com)" in str(error)
    assert error.unknown_recipients == message.to[500:1000]
    assert error.unaccepted_recipients == []
    assert error.unknown_messages == [message]


def test_chunks_stop_after_a_fatal_failure(mailtrap_server, scale_backend):
    mailtrap_server.handler = fail_call_containing("r500@example.com", status=401)
    message = merge_message(1200)
    with pytest.raises(AnymailAPIError) as raised:
        scale_backend(send_concurrency=1).send_messages([message])
    assert mailtrap_server.calls == 2  # the third call never started
    assert raised.value.unaccepted_recipients == message.to[500:]


def test_concurrent_partial_failure_reports_what_the_server_took(mailtrap_server, scale_backend):
    mailtrap_server.handler = fail_call_containing("r1000@example.com", status=503)
    message = merge_message(3000)
    with pytest.raises(AnymailAPIError) as raised:
        scale_backend(send_concurrency=4).send_messages([message])
    error = raised.value
    answered = {
        entry["to"][0]["email"]
        for request in mailtrap_server.requests
        for entry in request.json()["requests"]
        if "r1000@example.com" not in [e["to"][0]["email"] for e in request.json()["requests"]]
    }
    assert set(error.accepted_recipients) == answered
    assert sorted(error.accepted_recipients + error.unknown_recipients) == sorted(message.to)
    assert "r1000@example.com" in error.unknown_recipients  # a 503 may have been accepted


def test_connection_failure_of_a_chunk_keeps_the_error_contract(mailtrap_server, scale_backend):
    import requests

    mailtrap_server.handler = lambda request: (
        Reply(drop=True) if mailtrap_server.calls > 1 else None
    )
    with pytest.raises(requests.ConnectionError) as raised:
        scale_backend(send_concurrency=1).send_messages([merge_message(700)])
    assert isinstance(raised.value, AnymailAPIError)
    assert str(raised.value).startswith("Error posting to http://127.0.0.1:")
    assert "Accepted: to[0:500]" in str(raised.value)


def test_refused_entries_are_failed_recipients_of_a_sent_message(mailtrap_server, scale_backend):
    def handler(request: Received) -> Reply:
        answer = mailtrap_answer(request)
        answer["responses"][0] = {"success": False, "errors": ["invalid"]}
        return Reply(json_body=answer)

    mailtrap_server.handler = handler
    message = merge_message(1000)
    assert scale_backend().send_messages([message]) == 1
    assert message.anymail_status.status == {"queued", "failed"}
    assert message.anymail_status.recipients["r500@example.com"].status == "failed"
