"""The log on PostgreSQL (MAIL_LOG_DATABASE="postgres"): recording, webhook calls of any
size in the same few queries, concurrent webhook calls for the same recipients, pruning,
and a log that outlives the caller's rolled-back transaction on another database."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anymail.mail_log.models import MessageEvent, Recipient, SentMessage
from anymail.message import AnymailMessage
from tests.queue.services import postgres_marks

from .conftest import only_logged, post_events, recipients_of, statement, tracking_event

pytestmark = postgres_marks()
PG = "postgres"


@pytest.fixture
def pg_log(log_settings: Any) -> Any:
    log_settings.ANYMAIL["MAIL_LOG_DATABASE"] = PG
    return log_settings


def test_sends_are_logged_in_the_log_database(
    pg_log: Any, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    sent = message(to=["ana@example.org", "ben@example.org"])
    backend().send_messages([sent])
    assert SentMessage.objects.count() == 0  # not in "default"
    logged = only_logged(PG)
    assert [one[2] for one in recipients_of(logged)] == ["sent", "sent"]


def test_the_log_outlives_a_rolled_back_transaction_on_another_database(
    pg_log: Any, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic(using="default"):
        backend().send_messages([message(subject="sent, then the request failed")])
        raise RuntimeError("the request failed after sending")
    assert only_logged(PG).subject == "sent, then the request failed"


@pytest.mark.parametrize("count", [2, 500])
def test_a_webhook_call_is_the_same_queries_whatever_its_size(
    count: int, pg_log: Any, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    messages = [message(to=[f"user{n}@example.org"]) for n in range(count)]
    backend(batch_messages=True).send_messages(messages)
    events = [
        tracking_event(str(one.anymail_status.message_id), f"user{n}@example.org")
        for n, one in enumerate(messages)
    ]
    with CaptureQueriesContext(connections[PG]) as queries:
        assert post_events(events).status_code == 200
    sql = [query["sql"] for query in queries.captured_queries]
    statements = [statement(one) for one in sql]
    assert statements == ["BEGIN", "SELECT", f"{count} times", "UPDATE", "UPDATE", "COMMIT"]
    assert sql[1].endswith("FOR UPDATE")  # recipients and messages locked while updated
    assert set(Recipient.objects.using(PG).values_list("status", flat=True)) == {"delivered"}
    assert MessageEvent.objects.using(PG).count() == count


def test_concurrent_calls_for_the_same_recipients_keep_the_status_order(
    pg_log: Any, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    """Mailtrap posts the bounce and a (late) delivery at once, many times over: whichever
    call commits last, the bounce stands."""
    messages = [message(to=[f"user{n}@example.org"]) for n in range(40)]
    backend(batch_messages=True).send_messages(messages)
    targets = [
        (str(one.anymail_status.message_id), f"user{n}@example.org")
        for n, one in enumerate(messages)
    ]
    bounces = [
        tracking_event(mid, email, "bounce", timestamp=1_791_200_000) for mid, email in targets
    ]
    deliveries = [tracking_event(mid, email, timestamp=1_791_200_100) for mid, email in targets]
    answers: list[int] = []
    start = threading.Barrier(4)

    def post(events: list[dict[str, Any]]) -> None:
        start.wait()
        try:
            answers.append(post_events(events).status_code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=post, args=(events,))
        for events in (bounces, deliveries, list(reversed(deliveries)), list(reversed(bounces)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == [200] * 4
    assert set(Recipient.objects.using(PG).values_list("status", flat=True)) == {"bounced"}
    assert set(SentMessage.objects.using(PG).values_list("status", flat=True)) == {"bounced"}
    assert MessageEvent.objects.using(PG).count() == 80  # each event once


def test_prune_on_postgresql(
    pg_log: Any, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    backend().send_messages([message(to=[f"u{n}@example.org"]) for n in range(7)])
    SentMessage.objects.using(PG).update(created_at=timezone.now() - timedelta(days=91))
    backend().send_messages([message(subject="recent")])
    out = StringIO()
    call_command("mailtrap_log", "prune", "--older-than", "90d", "--batch-size", "3", stdout=out)
    assert "Deleted 7 SentMessage, 7 Recipient, 0 MessageEvent" in out.getvalue()
    assert only_logged(PG).subject == "recent"


class _Pauses:
    """Holds a webhook call inside its transaction (after it stored its kept events, its
    hand-over locks taken) and a send just before it logs, so a test can interleave them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from anymail.mail_log import sends, tracking

        self.webhook_inside = threading.Event()
        self.webhook_release = threading.Event()
        self.send_ids: list[str] = []
        self.send_ready = threading.Event()
        self.send_release = threading.Event()
        self.send_logged = threading.Event()
        write_statuses, store_new = tracking.write_statuses, sends.store_new

        def paused_write_statuses(*args: Any, **kwargs: Any) -> Any:
            self.webhook_inside.set()
            assert self.webhook_release.wait(30)
            return write_statuses(*args, **kwargs)

        def paused_store_new(using: str, messages: Any, recipients: Any, *rest: Any) -> Any:
            self.send_ids.extend(str(one["mailtrap_message_id"]) for one in recipients)
            self.send_ready.set()
            assert self.send_release.wait(30)
            store_new(using, messages, recipients, *rest)
            self.send_logged.set()

        monkeypatch.setattr(tracking, "write_statuses", paused_write_statuses)
        monkeypatch.setattr(sends, "store_new", paused_store_new)


def _in_thread(target: Callable[[], Any]) -> threading.Thread:
    def run() -> None:
        try:
            target()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_webhook_and_the_send_of_its_message_at_the_same_moment_do_not_miss_each_other(
    pg_log: Any,
    backend: Callable[..., Any],
    message: Callable[..., AnymailMessage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The webhook stores its event as kept (the send's rows are not there yet) and is
    still in its transaction when the send logs: the send waits for the webhook's lock on
    that message id, then adopts the event it can now see."""
    pauses = _Pauses(monkeypatch)
    sender = _in_thread(lambda: backend().send_messages([message(to=["ana@example.org"])]))
    assert pauses.send_ready.wait(30)
    [mailtrap_id] = pauses.send_ids
    webhook = _in_thread(lambda: post_events([tracking_event(mailtrap_id, "ana@example.org")]))
    try:
        assert pauses.webhook_inside.wait(30)
        pauses.send_release.set()
        assert not pauses.send_logged.wait(0.5)  # waiting for the webhook's hand-over lock
    finally:
        pauses.send_release.set()
        pauses.webhook_release.set()
        webhook.join(30)
        sender.join(30)
    assert pauses.send_logged.is_set()
    [event] = MessageEvent.objects.using(PG).all()
    assert event.recipient is not None and event.recipient.mailtrap_message_id == mailtrap_id
    assert [one[2] for one in recipients_of(only_logged(PG))] == ["delivered"]


def test_a_send_does_not_wait_for_a_webhook_call_about_other_messages(
    pg_log: Any,
    backend: Callable[..., Any],
    message: Callable[..., AnymailMessage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pauses = _Pauses(monkeypatch)
    webhook = _in_thread(lambda: post_events([tracking_event("not-logged-1", "zoe@example.org")]))
    assert pauses.webhook_inside.wait(30)  # holding the hand-over lock for "not-logged-1"
    pauses.send_release.set()
    sender = _in_thread(lambda: backend().send_messages([message(to=["ana@example.org"])]))
    try:
        assert pauses.send_logged.wait(10)  # logged while the webhook call is still open
    finally:
        pauses.webhook_release.set()
        webhook.join(30)
        sender.join(30)
    assert [one[2] for one in recipients_of(only_logged(PG))] == ["sent"]
    assert MessageEvent.objects.using(PG).get().recipient is None  # kept, still unmatched
