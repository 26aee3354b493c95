"""The worker's side, in-process against the emulator over 127.0.0.1: claim, batch, send,
record each outcome, retry, recover, signal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import django
import pytest
from django.core.mail import send_mail
from django.utils import timezone

from anymail.message import AnymailMessage
from anymail.queue.drain import drain
from anymail.queue.models import OutboxMessage
from anymail.queue.outbox import claim
from anymail.queue.signals import queued_message_failed
from anymail.signals import post_send
from mailtrap_emulator import EmulatorServer
from tests.conftest import DEFAULT_ALIAS, default_mailer

from .conftest import enqueued, run_enqueued

pytestmark = pytest.mark.django_db

BACKEND = "anymail.backends.queued.QueuedEmailBackend"


def batch_calls(emulator: EmulatorServer) -> int:
    return int(emulator.stats()["requests"].get("POST /api/batch", 0))


def queue(
    messages: list[AnymailMessage], capture: Any, **backend_kwargs: Any
) -> list[OutboxMessage]:
    with capture(execute=True):
        default_mailer(**backend_kwargs).send_messages(messages)
    return list(OutboxMessage.objects.order_by("created_at"))


def test_a_committed_message_is_sent_and_its_outcome_recorded(
    queue_settings: Any,
    message: Callable[..., AnymailMessage],
    emulator: EmulatorServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    (row,) = queue([message()], django_capture_on_commit_callbacks)
    reports = run_enqueued()
    assert reports[0]["sent"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert row.sent_at is not None and row.claim_token is None
    (stored,) = emulator.messages()
    (mailtrap_id,) = stored["message_ids"]
    assert row.esp_status == {"to@example.com": {"message_id": mailtrap_id, "status": "queued"}}
    assert stored["custom_variables"]["anymail_id"] == str(row.id)  # webhooks carry it


def test_many_separate_sends_go_out_in_few_batch_calls(
    queue_settings: Any, emulator: EmulatorServer, django_capture_on_commit_callbacks: Any
) -> None:
    for n in range(120):
        with django_capture_on_commit_callbacks(execute=True):
            send_mail(f"Message {n}", "Body", "from@example.com", [f"to{n}@example.com"])
    assert len(enqueued()) == 1
    run_enqueued()
    assert OutboxMessage.objects.filter(status="sent").count() == 120
    assert batch_calls(emulator) == 1
    assert len(emulator.messages(limit=500)) == 120


def test_the_batch_size_option_splits_claims(
    queue_settings: Any,
    message: Callable[..., AnymailMessage],
    emulator: EmulatorServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    queue_settings.ANYMAIL["MAILTRAP_QUEUE_BATCH_SIZE"] = 20
    queue(
        [message(to=[f"r{n}@example.com"]) for n in range(50)], django_capture_on_commit_callbacks
    )
    run_enqueued()
    assert OutboxMessage.objects.filter(status="sent").count() == 50
    assert batch_calls(emulator) == 3


def test_rate_limited_calls_are_retried_later_with_a_growing_delay(
    queue_settings: Any,
    message: Callable[..., AnymailMessage],
    emulator: EmulatorServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    emulator.set_faults("429")
    (row,) = queue([message()], django_capture_on_commit_callbacks)
    before = timezone.now()
    run_enqueued()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "429" in row.last_error
    first_delay = (row.next_attempt_at - before).total_seconds()
    assert 5 <= first_delay <= 11  # backoff 10 s, with jitter
    retries = [
        r
        for r in enqueued()
        if r.task.run_after is not None and r.task.run_after >= row.next_attempt_at
    ]
    assert retries, "a drain is scheduled for the retry"
    run_enqueued(now=row.next_attempt_at + timedelta(seconds=2))  # still 429
    assert drain_at(row, row.next_attempt_at + timedelta(seconds=1))["retrying"] == 1
    row.refresh_from_db()
    assert row.attempts == 2
    emulator.clear_faults()
    assert drain_at(row, row.next_attempt_at + timedelta(seconds=1))["sent"] == 1
    assert len(emulator.messages()) == 1


def drain_at(row: OutboxMessage, when: Any) -> dict[str, int]:
    """Run a drain as if at `when` (rows due by then are made due now)."""
    OutboxMessage.objects.filter(status="pending", next_attempt_at__lte=when).update(
        next_attempt_at=timezone.now()
    )
    return drain(default_mailer(), chain=False).as_dict()  # type: ignore[arg-type]


def test_an_entry_mailtrap_refuses_fails_alone_and_is_signalled(
    queue_settings: Any,
    message: Callable[..., AnymailMessage],
    emulator: EmulatorServer,
    django_capture_on_commit_callbacks: Any,
    connect_receiver: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    failures = connect_receiver(queued_message_failed)
    too_big = message(metadata={"blob": "x" * 2000})  # Mailtrap: custom_variables <= 1 KB
    good, bad = queue([message(), too_big], django_capture_on_commit_callbacks)
    with caplog.at_level(logging.ERROR, logger="anymail.queue"):
        run_enqueued()
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == "sent"
    assert (bad.status, bad.attempts) == ("failed", 1)
    assert "Mailtrap refused it" in bad.last_error
    assert bad.esp_status == {"to@example.com": {"message_id": None, "status": "failed"}}
    (call,) = failures.calls
    assert (call["message_id"], call["status"]) == (str(bad.id), "failed")
    assert call["message"].anymail_id == str(bad.id)
    assert call["message"].anymail_status.status == {"failed"}
    assert str(bad.id) in caplog.text
    assert len(emulator.messages()) == 1


@pytest.mark.parametrize("fault", ["drop", "500"])
def test_an_unknown_outcome_is_sent_again_by_default(
    fault: str,
    queue_settings: Any,
    message: Callable[..., AnymailMessage],
    emulator: EmulatorServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    emulator.set_faults(fault)
    (row,) = queue([message()], django_capture_on_commit_callbacks)
    run_enqueued()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 1)
    emulator.clear_faults()
    assert drain_at(row, row.next_attempt_at)["sent"] == 1
    assert len(emulator.messages()) == 1


def test_at_most_once_gives_up_on_an_unknown_outcome(
    queue_settings: Any,
    message: Callable[..., AnymailMessage],
    emulator: EmulatorServer,
    django_capture_on_commit_callbacks: Any,
    connect_receiver: Any,
) -> None:
    queue_settings.ANYMAIL["MAILTRAP_QUEUE_UNKNOWN_OUTCOME"] = "at_most_once"
    failures = connect_receiver(queued_message_failed)
    emulator.set_faults("drop")
    (row,) = queue([message()], django_capture_on_commit_callbacks)
    run_enqueued()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("unknown", 1)
    assert "ConnectionError" in row.last_error
    assert [call["status"] for call in failures.calls] == ["unknown"]


def test_retries_stop_after_the_attempts_allowed(
    queue_settings: Any,
    message: Callable[..., AnymailMessage],
    emulator: EmulatorServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    queue_settings.ANYMAIL["MAILTRAP_QUEUE_ATTEMPTS"] = 2
    emulator.set_faults("429")
    (row,) = queue([message()], django_capture_on_commit_callbacks)
    run_enqueued()
    drain_at(row, timezone.now() + timedelta(hours=1))
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 2)
    assert "gave up after 2 attempts" in row.last_error


def test_a_message_still_waiting_at_its_deadline_fails(
    queue_settings: Any,
    message: Callable[..., AnymailMessage],
    emulator: EmulatorServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    (row,) = queue([message()], django_capture_on_commit_callbacks)
    OutboxMessage.objects.update(deadline=timezone.now() - timedelta(seconds=1))
    run_enqueued()
    row.refresh_from_db()
    assert row.status == "failed" and "deadline" in row.last_error
    assert emulator.messages() == []


def lose_a_worker(rows: list[OutboxMessage]) -> None:
    """A worker claimed the rows and died: its lease is over."""
    backend = rows[0].backend
    _token, claimed = claim("default", DEFAULT_ALIAS, backend, 500, lease=60)
    assert {row.id for row in claimed} == {row.id for row in rows}
    OutboxMessage.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def test_a_lost_workers_messages_are_claimed_again_after_the_lease(
    queue_settings: Any,
    message: Callable[..., AnymailMessage],
    emulator: EmulatorServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    rows = queue([message(), message()], django_capture_on_commit_callbacks)
    enqueued_before = enqueued()
    lose_a_worker(rows)
    assert drain(default_mailer(), chain=False).as_dict()["sent"] == 2  # type: ignore[arg-type]
    assert {row.attempts for row in OutboxMessage.objects.all()} == {2}
    assert len(emulator.messages()) == 2
    assert enqueued_before  # the drain requested on commit is still there for a worker


def test_at_most_once_marks_a_lost_workers_messages_unknown(
    queue_settings: Any,
    message: Callable[..., AnymailMessage],
    emulator: EmulatorServer,
    django_capture_on_commit_callbacks: Any,
    connect_receiver: Any,
) -> None:
    queue_settings.ANYMAIL["MAILTRAP_QUEUE_UNKNOWN_OUTCOME"] = "at_most_once"
    failures = connect_receiver(queued_message_failed)
    rows = queue([message()], django_capture_on_commit_callbacks)
    lose_a_worker(rows)
    drain(default_mailer(), chain=False)  # type: ignore[arg-type]
    row = OutboxMessage.objects.get()
    assert row.status == "unknown" and "lease expired" in row.last_error
    assert [call["message_id"] for call in failures.calls] == [str(row.id)]
    assert emulator.messages() == []


def test_each_claim_schedules_a_follow_up_drain_after_its_lease(
    queue_settings: Any,
    message: Callable[..., AnymailMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    queue_settings.ANYMAIL["MAILTRAP_QUEUE_LEASE"] = 30
    queue([message()], django_capture_on_commit_callbacks)
    started = timezone.now()
    run_enqueued()
    later = [r.task.run_after for r in enqueued() if r.task.run_after is not None]
    assert later and min(later) >= started + timedelta(seconds=30)
    assert run_enqueued(now=max(later))[0]["claimed"] == 0  # nothing left: no new tasks
    assert enqueued() == []


def test_post_send_runs_in_the_worker_with_the_real_statuses(
    queue_settings: Any,
    message: Callable[..., AnymailMessage],
    emulator: EmulatorServer,
    django_capture_on_commit_callbacks: Any,
    connect_receiver: Any,
) -> None:
    sent = connect_receiver(post_send)
    (row,) = queue([message(metadata={"order": 5})], django_capture_on_commit_callbacks)
    assert sent.calls == []  # nothing is sent in the caller
    failing = connect_receiver(post_send, raises=RuntimeError("receiver bug"))
    run_enqueued()
    (call,) = sent.calls
    worker_message = call["message"]
    (stored,) = emulator.messages()
    assert worker_message.anymail_id == str(row.id)
    assert worker_message.subject == "Queued" and worker_message.to == ["to@example.com"]
    assert worker_message.metadata == {"order": "5", "anymail_id": str(row.id)}
    assert call["status"].status == {"queued"}
    assert call["status"].message_id == stored["message_ids"][0]
    assert len(failing.calls) == 1
    row.refresh_from_db()
    assert row.status == "sent"  # a failing receiver does not undo the send


requires_mailers = pytest.mark.skipif(
    django.VERSION < (6, 1), reason="MAILERS needs Django 6.1 (run in CI's Django 6.1 job)"
)


@requires_mailers
def test_a_mailers_entry_queues_and_its_worker_uses_the_same_entry(
    settings: Any,
    emulator: EmulatorServer,
    message: Callable[..., AnymailMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    options = {"api_token": "mailers-token", "api_url": emulator.api_url, "queue_priority": 5}
    settings.MAILERS = {
        "default": {"BACKEND": "anymail.backends.mailtrap.EmailBackend", "OPTIONS": {}},
        "queued": {"BACKEND": "anymail.backends.mailtrap.QueuedEmailBackend", "OPTIONS": options},
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            send_mail("Via MAILERS", "Body", "from@example.com", ["to@example.com"], using="queued")
            == 1
        )
    row = OutboxMessage.objects.get()
    assert (row.mailer, row.priority) == ("queued", 5)
    assert [result.args[0] for result in enqueued()] == ["queued"]
    run_enqueued()
    row.refresh_from_db()
    assert row.status == "sent"
    assert [stored["subject"] for stored in emulator.messages()] == ["Via MAILERS"]
