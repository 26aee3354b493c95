"""Queued sends: the caller writes only the outbox row; the worker that sends it logs it,
under the outbox row's id, and every later attempt updates that one log row."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from anymail.backends.queued import QueuedEmailBackend
from anymail.mail_log.models import SentMessage
from anymail.message import AnymailMessage
from anymail.queue.drain import drain
from anymail.queue.models import OutboxMessage
from mailtrap_emulator import EmulatorServer

from .conftest import only_logged, post_events, recipients_of, tracking_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(log_settings: Any) -> Callable[..., QueuedEmailBackend]:
    return lambda **kwargs: QueuedEmailBackend(**kwargs)


def drain_now(backend: QueuedEmailBackend) -> None:
    """One foreground drain of everything due (retries included: made due now)."""
    OutboxMessage.objects.filter(status="pending").update(next_attempt_at=timezone.now())
    drain(backend, chain=False)


def test_a_queued_message_is_logged_by_the_worker_under_the_outbox_id(
    queued: Callable[..., QueuedEmailBackend], message: Callable[..., AnymailMessage]
) -> None:
    backend = queued()
    sent = message(cc=["carla@example.org"], tags=["password-reset"], metadata={"user": 7})
    backend.send_messages([sent])
    assert SentMessage.objects.count() == 0  # the caller wrote the outbox row only
    drain_now(backend)

    row = OutboxMessage.objects.get()
    logged = only_logged()
    assert str(logged.id) == str(row.id) == sent.anymail_status.message_id
    assert (logged.status, logged.category, logged.metadata) == (
        "sent",
        "password-reset",
        {"user": "7"},
    )
    assert (logged.created_at, logged.accepted_at) == (row.created_at, row.sent_at)
    assert recipients_of(logged) == [
        ("to", "ana@example.org", "sent", row.esp_status["ana@example.org"]["message_id"]),
        ("cc", "carla@example.org", "sent", row.esp_status["carla@example.org"]["message_id"]),
    ]


def test_a_retried_message_is_queued_with_its_error_then_sent(
    emulator: EmulatorServer,
    queued: Callable[..., QueuedEmailBackend],
    message: Callable[..., AnymailMessage],
) -> None:
    backend = queued()
    backend.send_messages([message()])
    emulator.set_faults("429:first=1:retry_after=0")
    drain_now(backend)
    waiting = only_logged()
    assert (waiting.status, recipients_of(waiting)[0][2:]) == ("queued", ("queued", None))
    assert "429" in waiting.error

    drain_now(backend)
    done = only_logged()
    assert done.id == waiting.id
    assert (done.status, done.error, done.accepted_at is not None) == ("sent", "", True)
    assert recipients_of(done)[0][2] == "sent" and recipients_of(done)[0][3]


def test_a_message_the_queue_gives_up_on_is_logged_not_accepted(
    emulator: EmulatorServer,
    queued: Callable[..., QueuedEmailBackend],
    message: Callable[..., AnymailMessage],
) -> None:
    backend = queued(queue_attempts=1)
    backend.send_messages([message()])
    emulator.set_faults("429")
    drain_now(backend)
    logged = only_logged()
    assert (logged.status, logged.accepted_at) == ("not_accepted", None)
    assert "gave up after 1 attempts" in logged.error


def test_an_unknown_outcome_is_logged_and_a_webhook_with_the_project_id_resolves_it(
    emulator: EmulatorServer,
    queued: Callable[..., QueuedEmailBackend],
    message: Callable[..., AnymailMessage],
) -> None:
    backend = queued(queue_unknown_outcome="at_most_once")
    backend.send_messages([message()])
    emulator.set_faults("drop_after_store")
    drain_now(backend)
    logged = only_logged()
    assert (logged.status, recipients_of(logged)) == (
        "unknown",
        [("to", "ana@example.org", "unknown", None)],
    )

    (stored,) = emulator.messages()  # it did reach Mailtrap, whose webhook says so:
    (mailtrap_id,) = stored["message_ids"]
    variables = stored["custom_variables"]
    assert variables == {"anymail_id": str(logged.id)}
    post_events([tracking_event(mailtrap_id, "ana@example.org", custom_variables=variables)])
    assert recipients_of(only_logged()) == [("to", "ana@example.org", "delivered", mailtrap_id)]


def test_a_worker_lost_mid_call_is_logged_unknown(
    queued: Callable[..., QueuedEmailBackend], message: Callable[..., AnymailMessage]
) -> None:
    backend = queued(queue_unknown_outcome="at_most_once")
    backend.send_messages([message()])
    expired = timezone.now() - timedelta(seconds=1)
    OutboxMessage.objects.update(status="sending", attempts=1, lease_expires_at=expired)
    drain(backend, chain=False)  # gives the lost row up
    logged = only_logged()
    assert logged.status == "unknown"
    assert "lease expired" in logged.error


def test_a_queued_merge_batch_is_one_logged_message_per_outbox_row(
    queued: Callable[..., QueuedEmailBackend], message: Callable[..., AnymailMessage]
) -> None:
    backend = queued()
    batch = message(to=["ana@example.org", "ben@example.org"], subject="", body="")
    batch.template_id = "5a1bd4ea-8f06-4a1d-a6c1-5b9a1f3a4c33"
    batch.merge_data = {"ana@example.org": {"n": 1}, "ben@example.org": {"n": 2}}
    backend.send_messages([batch])
    drain_now(backend)
    rows = {row.id: row for row in OutboxMessage.objects.all()}
    assert len(rows) == 2
    for logged in SentMessage.objects.all():
        (email,) = rows[logged.id].recipient_list
        assert recipients_of(logged) == [
            ("to", email, "sent", rows[logged.id].esp_status[email]["message_id"])
        ]


def test_bodies_from_the_stored_body_with_the_setting(
    log_settings: Any,
    queued: Callable[..., QueuedEmailBackend],
    message: Callable[..., AnymailMessage],
) -> None:
    log_settings.ANYMAIL["MAIL_LOG_STORE_BODIES"] = True
    backend = queued()
    sent = message()
    sent.attach_alternative("<p>Follow the link</p>", "text/html")
    sent.attach("report.csv", "a,b\n1,2\n", "text/csv")
    backend.send_messages([sent])
    drain_now(backend)
    logged = only_logged()
    assert (logged.text_body, logged.html_body) == (
        "Follow the link to reset your password.",
        "<p>Follow the link</p>",
    )
    assert logged.attachments == [{"filename": "report.csv", "mimetype": "text/csv", "size": 8}]
    assert "anymail_id" in json.loads(OutboxMessage.objects.get().body)["custom_variables"]
