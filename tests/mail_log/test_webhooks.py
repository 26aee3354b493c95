"""Tracking webhook calls -> the log: statuses in the defined order, each event stored
once, events for messages not (yet) logged kept or dropped, a constant number of
queries per call, and a failed call that Mailtrap posts again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from anymail.mail_log.models import MessageEvent, Recipient
from anymail.message import AnymailMessage
from anymail.signals import post_send, tracking

from .conftest import (
    events_of,
    logged,
    only_logged,
    post_events,
    recipients_of,
    statement,
    tracking_event,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(backend: Callable[..., Any], message: Callable[..., AnymailMessage]) -> AnymailMessage:
    """A message to ana and ben, sent through the emulator and logged."""
    one = message(to=["ana@example.org", "ben@example.org"])
    assert backend().send_messages([one]) == 1
    return one


def mailtrap_id(message: AnymailMessage, email: str) -> str:
    return str(message.anymail_status.recipients[email].message_id)


def event(message: AnymailMessage, email: str, name: str = "delivery", **fields: Any) -> dict:
    return tracking_event(mailtrap_id(message, email), email, name, **fields)


def statuses() -> dict[str, str]:
    return {one.email: one.status for one in Recipient.objects.all()}


def test_events_update_recipients_and_the_message_and_are_kept_as_history(
    sent: AnymailMessage,
) -> None:
    response = post_events(
        [
            event(sent, "ana@example.org", timestamp=1_791_200_000),
            event(sent, "ben@example.org", timestamp=1_791_200_001),
            event(
                sent,
                "ana@example.org",
                "click",
                timestamp=1_791_200_300,
                url="https://shop.example/reset",
                user_agent="Mozilla/5.0",
                ip="203.0.113.9",
            ),
        ]
    )
    assert response.status_code == 200

    row = only_logged()
    assert statuses() == {"ana@example.org": "clicked", "ben@example.org": "delivered"}
    assert (row.status, row.status_at.timestamp()) == ("clicked", 1_791_200_300)
    assert events_of(row) == [
        ("ana@example.org", "delivered"),
        ("ben@example.org", "delivered"),
        ("ana@example.org", "clicked"),
    ]
    click = MessageEvent.objects.get(event_type="clicked")
    assert (click.esp_event_type, click.source) == ("click", "webhook")
    assert click.details == {"click_url": "https://shop.example/reset", "user_agent": "Mozilla/5.0"}


def test_bounce_details_are_kept(sent: AnymailMessage) -> None:
    post_events(
        [
            event(
                sent,
                "ben@example.org",
                "bounce",
                response="550 5.1.1 User unknown",
                response_code=550,
                bounce_category="invalid_recipient",
            )
        ]
    )
    bounce = MessageEvent.objects.get()
    assert bounce.details == {
        "mta_response": "550 5.1.1 User unknown",
        "reject_reason": "bounced",
        "response_code": 550,
        "bounce_category": "invalid_recipient",
    }
    assert only_logged().status == "bounced"  # a message is as bad as its worst recipient


def test_an_event_mailtrap_posts_twice_is_recorded_once(sent: AnymailMessage) -> None:
    delivered = event(sent, "ana@example.org")
    post_events([delivered, delivered])  # twice in one call
    post_events([delivered])  # Mailtrap's retry of the call
    assert events_of(only_logged()) == [("ana@example.org", "delivered")]
    assert statuses()["ana@example.org"] == "delivered"


@pytest.mark.parametrize(
    ("reported", "final"),
    [
        (["bounce", "delivery"], "bounced"),  # a late delivery does not hide a bounce
        (["open", "delivery"], "opened"),  # ...nor an open
        (["delivery", "soft bounce", "open"], "opened"),
        (["soft bounce", "delivery"], "delivered"),
        (["click", "open"], "clicked"),
        (["spam", "open", "click"], "complained"),
        (["unsubscribe", "delivery"], "unsubscribed"),
        (["reject", "delivery"], "rejected"),
        (["suspension"], "deferred"),
    ],
)
def test_events_arriving_out_of_order_follow_the_status_order(
    reported: list[str], final: str, sent: AnymailMessage
) -> None:
    for number, name in enumerate(reported):  # one call each, in this order
        post_events([event(sent, "ana@example.org", name, timestamp=1_791_200_000 + number)])
    assert statuses()["ana@example.org"] == final
    assert len(events_of(only_logged())) == len(reported)  # every event is in the history


def test_in_one_call_the_events_apply_in_time_order(sent: AnymailMessage) -> None:
    post_events(
        [
            event(sent, "ana@example.org", "open", timestamp=1_791_200_100),
            event(sent, "ana@example.org", "delivery", timestamp=1_791_200_000),
            event(sent, "ana@example.org", "delivery", timestamp=1_791_200_050, event_id="again"),
        ]
    )
    recipient = Recipient.objects.get(email="ana@example.org")
    assert (recipient.status, recipient.status_at.timestamp()) == ("opened", 1_791_200_100)


def test_unknown_event_types_are_history_only(sent: AnymailMessage) -> None:
    post_events([event(sent, "ana@example.org", "blocked")])  # undocumented: UNKNOWN
    assert statuses()["ana@example.org"] == "sent"
    assert events_of(only_logged()) == [("ana@example.org", "unknown")]


@pytest.mark.parametrize("setting", ["keep", "ignore", None])
def test_events_for_messages_not_in_the_log(setting: str | None, log_settings: Any) -> None:
    if setting is not None:
        log_settings.ANYMAIL["MAIL_LOG_UNKNOWN_EVENTS"] = setting
    response = post_events([tracking_event("0b7c1e32-unknown", "who@example.org")])
    assert response.status_code == 200
    kept = list(MessageEvent.objects.values_list("mailtrap_message_id", "recipient"))
    assert kept == ([] if setting == "ignore" else [("0b7c1e32-unknown", None)])


def test_a_kept_event_joins_its_message_when_the_send_logs_it(
    backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    """The delivery webhook can arrive before the send that caused it has logged its rows
    (they are written when the whole send_messages call is over)."""

    def webhook_during_the_send(sender: Any, message: Any, status: Any, **kwargs: Any) -> None:
        email = "ana@example.org"
        post_events([tracking_event(str(status.recipients[email].message_id), email)])
        assert logged() == [] and MessageEvent.objects.get().recipient is None

    post_send.connect(webhook_during_the_send, weak=False)
    try:
        backend().send_messages([message()])
    finally:
        post_send.disconnect(webhook_during_the_send)

    row = only_logged()
    assert (row.status, recipients_of(row)[0][2]) == ("delivered", "delivered")
    assert events_of(row) == [("ana@example.org", "delivered")]


@pytest.mark.parametrize("count", [2, 200])  # (SQLite: <= 999 parameters a statement, so
def test_a_call_costs_the_same_queries_whatever_its_size(  # an UPDATE of <= 249 rows)
    count: int, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    messages = [message(to=[f"user{n}@example.org"]) for n in range(count)]
    backend(batch_messages=True).send_messages(messages)
    events = [
        tracking_event(str(one.anymail_status.message_id), f"user{n}@example.org")
        for n, one in enumerate(messages)
    ]
    with CaptureQueriesContext(connection) as queries:
        assert post_events(events).status_code == 200
    statements = [statement(query["sql"]) for query in queries.captured_queries]
    # savepoint, look-up (locking on PostgreSQL), the events' INSERT (one statement run
    # for every event), one UPDATE per table, release
    assert statements == ["SAVEPOINT", "SELECT", f"{count} times", "UPDATE", "UPDATE", "RELEASE"]
    assert set(statuses().values()) == {"delivered"}
    assert MessageEvent.objects.filter(recipient__isnull=False).count() == count


def test_a_failed_call_is_posted_again_and_counts_once(sent: AnymailMessage) -> None:
    """Another tracking receiver fails: the call answers 500, Mailtrap posts it again."""
    calls = []

    def flaky(sender: Any, event: Any, **kwargs: Any) -> None:
        calls.append(event.event_type)
        if len(calls) == 1:
            raise RuntimeError("a receiver failed")

    tracking.connect(flaky, weak=False)
    try:
        events = [event(sent, "ana@example.org", "bounce"), event(sent, "ben@example.org")]
        client = Client(raise_request_exception=False)
        assert post_events(events, client).status_code == 500
        assert post_events(events, client).status_code == 200
    finally:
        tracking.disconnect(flaky)
    assert statuses() == {"ana@example.org": "bounced", "ben@example.org": "delivered"}
    assert sorted(events_of(only_logged())) == [
        ("ana@example.org", "bounced"),
        ("ben@example.org", "delivered"),
    ]


def test_nothing_is_recorded_when_disabled(log_settings: Any, sent: AnymailMessage) -> None:
    log_settings.ANYMAIL["MAIL_LOG_ENABLED"] = False
    assert post_events([event(sent, "ana@example.org")]).status_code == 200
    assert MessageEvent.objects.count() == 0
    assert statuses()["ana@example.org"] == "sent"
