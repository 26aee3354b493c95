"""End to end: send through the emulator over HTTP, let it post signed tracking webhooks to
a live Django server, and read the log -- synchronous and queued sends, inbound mail.

On PostgreSQL everything runs as in production: the emulator posts each send's delivery
event at once, while the sender is still writing its log rows (the hand-over of events
that arrive first is part of the test). The test database on SQLite is in memory, and
the live server shares the test's connection to it; so there the webhooks are
registered after the send, and events are fired while the test waits.
"""

from __future__ import annotations

import email.message
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings

from anymail.backends.queued import QueuedEmailBackend
from anymail.mail_log.models import InboundMessage, MessageEvent
from anymail.message import AnymailMessage
from anymail.queue.drain import drain
from mailtrap_emulator import EmulatorServer
from tests.queue.services import missing_service

from .conftest import WEBHOOK_CREDENTIALS, events_of, only_logged, recipients_of

INBOX_ID = 250
DATABASES = ["default", "postgres"] if "postgres" in django_settings.DATABASES else ["default"]
pytestmark = pytest.mark.django_db(transaction=True, databases=DATABASES)


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: Any, log_settings: Any) -> Iterator[str]:
    """The log's database (and the outbox's): the test database, or PostgreSQL."""
    if request.param == "sqlite":
        yield "default"
        return
    if "postgres" not in django_settings.DATABASES:
        missing_service("PostgreSQL is not reachable at 127.0.0.1:5432 (or psycopg is missing)")
    log_settings.ANYMAIL["MAIL_LOG_DATABASE"] = "postgres"
    log_settings.ANYMAIL["MAILTRAP_QUEUE_DATABASE"] = "postgres"
    yield "postgres"


@pytest.fixture
def webhooks(live_server: Any, log_settings: Any, emulator: EmulatorServer) -> Callable[[], None]:
    """Register the live server's webhook URLs with the emulator, as in Mailtrap's settings
    (basic auth in the URL), and trust the signing secrets it returns."""
    base = live_server.url.replace("://", f"://{WEBHOOK_CREDENTIALS}@") + "/anymail/mailtrap/"

    def register(payload_format: str = "json") -> None:
        hook = emulator.add_webhook(base + "tracking/", payload_format=payload_format)
        log_settings.ANYMAIL["MAILTRAP_TRACKING_SECRET"] = hook["signing_secret"]
        inbound = emulator.add_webhook(
            base + "inbound/", webhook_type="inbound_receiving", inbound_inbox_id=INBOX_ID
        )
        log_settings.ANYMAIL["MAILTRAP_INBOUND_SECRET"] = inbound["signing_secret"]

    return register


def settle(emulator: EmulatorServer) -> None:
    """Wait until the emulator has posted everything, and every post was answered 200."""
    assert emulator.wait_for_webhooks(timeout=15)
    assert {post["status"] for post in emulator.webhook_deliveries()} == {"delivered"}


def send_with_webhooks(
    database: str, webhooks: Callable[..., None], emulator: EmulatorServer, send: Callable[[], Any]
) -> Any:
    """Send with the webhooks on (PostgreSQL), or send, then fire the delivery (SQLite)."""
    if database != "default":
        webhooks()
        return send()
    result = send()
    webhooks()
    for stored in emulator.messages():
        for recipient in stored["recipients"]:
            emulator.trigger_event(recipient["message_id"], "delivery")
    return result


@pytest.mark.parametrize("payload_format", ["json", "jsonlines"])
def test_delivery_engagement_and_bounces_reach_the_log(
    payload_format: str,
    database: str,
    webhooks: Callable[..., None],
    emulator: EmulatorServer,
    backend: Callable[..., Any],
    message: Callable[..., AnymailMessage],
) -> None:
    sent = message(to=["ana@example.org", "ben@example.org"])
    send_with_webhooks(
        database,
        lambda: webhooks(payload_format),
        emulator,
        lambda: backend().send_messages([sent]),
    )
    settle(emulator)
    assert {one[1]: one[2] for one in recipients_of(only_logged(database))} == {
        "ana@example.org": "delivered",
        "ben@example.org": "delivered",
    }

    ana = sent.anymail_status.recipients["ana@example.org"].message_id
    ben = sent.anymail_status.recipients["ben@example.org"].message_id
    emulator.trigger_event(ana, "open")
    emulator.trigger_event(ana, "click", url="https://shop.example/reset")
    emulator.trigger_event(ben, "bounce")
    emulator.trigger_event(ben, "open")  # late and odd: history only, the bounce stands
    settle(emulator)

    logged = only_logged(database)
    assert recipients_of(logged) == [
        ("to", "ana@example.org", "clicked", ana),
        ("to", "ben@example.org", "bounced", ben),
    ]
    assert logged.status == "bounced"
    assert sorted(events_of(logged)) == [
        ("ana@example.org", "clicked"),
        ("ana@example.org", "delivered"),
        ("ana@example.org", "opened"),
        ("ben@example.org", "bounced"),
        ("ben@example.org", "delivered"),
        ("ben@example.org", "opened"),
    ]
    assert MessageEvent.objects.using(database).filter(recipient__isnull=True).count() == 0


def test_a_queued_message_is_delivered_under_its_outbox_id(
    database: str,
    webhooks: Callable[..., None],
    emulator: EmulatorServer,
    message: Callable[..., AnymailMessage],
) -> None:
    backend = QueuedEmailBackend()
    sent = message()
    backend.send_messages([sent])
    send_with_webhooks(database, webhooks, emulator, lambda: drain(backend, chain=False))
    settle(emulator)
    logged = only_logged(database)
    assert str(logged.id) == sent.anymail_status.message_id
    assert (logged.status, recipients_of(logged)[0][2]) == ("delivered", "delivered")


def test_a_queued_message_of_unknown_outcome_is_resolved_by_its_webhook(
    database: str,
    webhooks: Callable[..., None],
    emulator: EmulatorServer,
    message: Callable[..., AnymailMessage],
) -> None:
    """The worker never got Mailtrap's answer (and will not send again); Mailtrap's
    delivery webhook carries the project's id (`anymail_id`), which names the message."""
    backend = QueuedEmailBackend(queue_unknown_outcome="at_most_once")
    backend.send_messages([message()])
    emulator.set_faults("drop_after_store")
    send_with_webhooks(database, webhooks, emulator, lambda: drain(backend, chain=False))
    settle(emulator)
    (stored,) = emulator.messages()
    logged = only_logged(database)
    assert "ConnectionError" in logged.error  # the worker's view, and Mailtrap's:
    assert recipients_of(logged) == [
        ("to", "ana@example.org", "delivered", stored["message_ids"][0])
    ]


def test_inbound_messages_are_logged_only_with_the_setting(
    database: str, webhooks: Callable[..., None], emulator: EmulatorServer, log_settings: Any
) -> None:
    webhooks()
    emulator.receive_inbound(INBOX_ID, b"From: a@example.net\r\nSubject: off\r\n\r\nHi\r\n")
    settle(emulator)
    assert InboundMessage.objects.using(database).count() == 0  # MAIL_LOG_INBOUND is off

    log_settings.ANYMAIL["MAIL_LOG_INBOUND"] = True
    question = email.message.EmailMessage()
    question["From"] = "Carla Diaz <carla@example.net>"
    question["To"] = "support@inbound.example"
    question["Subject"] = "Question about order 4711"
    question.set_content("Can I change the address?\n")
    stored = emulator.receive_inbound(INBOX_ID, question.as_bytes())
    settle(emulator)

    (inbound,) = InboundMessage.objects.using(database).all()
    assert (inbound.inbox, inbound.mailtrap_message_id) == (str(INBOX_ID), str(stored["id"]))
    assert (inbound.from_email, inbound.to, inbound.subject) == (
        "Carla Diaz <carla@example.net>",
        "support@inbound.example",
        "Question about order 4711",
    )
