"""`manage.py mailtrap_log reconcile`: statuses the webhooks missed, from the emulator's
Email Logs API over HTTP, through the webhooks' own code; nothing recorded twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from anymail.mail_log.models import MessageEvent, Recipient, SentMessage
from anymail.mail_log.reconcile import reconcile as run_reconcile
from anymail.mailtrap.email_logs import EmailLogs
from anymail.message import AnymailMessage
from anymail.sending.rate_limit import RateLimiter
from mailtrap_emulator import EmulatorServer

from .conftest import events_of, only_logged, post_events, recipients_of

pytestmark = pytest.mark.django_db


def reconcile(*args: str) -> str:
    out = StringIO()
    call_command("mailtrap_log", "reconcile", *args, stdout=out)
    return out.getvalue()


def log_calls(emulator: EmulatorServer) -> dict[str, int]:
    return {
        name: count for name, count in emulator.stats()["requests"].items() if "email_logs" in name
    }


def test_missed_events_are_recorded_from_the_email_logs(
    emulator: EmulatorServer, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    sent = message(to=["ana@example.org", "ben@example.org"])
    backend().send_messages([sent])  # no webhook registered: Mailtrap's events go nowhere
    ana = str(sent.anymail_status.recipients["ana@example.org"].message_id)
    ben = str(sent.anymail_status.recipients["ben@example.org"].message_id)
    emulator.trigger_event(ana, "open")
    emulator.trigger_event(ana, "click", url="https://shop.example/reset")
    emulator.trigger_event(ben, "bounce")
    assert {one[2] for one in recipients_of(only_logged())} == {"sent"}

    output = reconcile("--since", "2d")

    logged = only_logged()
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
    ]
    assert set(MessageEvent.objects.values_list("source", flat=True)) == {"reconcile"}
    bounce = MessageEvent.objects.get(event_type="bounced")
    assert bounce.details["bounce_category"] == "invalid_recipient"
    assert bounce.details["mta_response"].startswith("550 5.1.1")
    assert "2 looked up" in output and "5 events recorded" in output
    assert log_calls(emulator) == {"GET /api/email_logs/{id}": 2}

    # again: only ana is still open (clicked and bounced are past "sent")
    assert "0 looked up" in reconcile()
    assert MessageEvent.objects.count() == 5


def test_running_again_records_nothing_twice(
    emulator: EmulatorServer, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    sent = message()
    backend().send_messages([sent])
    emulator.trigger_event(str(sent.anymail_status.message_id), "open")
    reconcile()
    assert recipients_of(only_logged())[0][2] == "opened"
    Recipient.objects.update(status="sent")  # as if it were still open: looked up again
    assert "1 looked up" in reconcile() and "0 events recorded" in reconcile()
    assert recipients_of(only_logged())[0][2] == "opened"
    assert sorted(events_of(only_logged())) == [
        ("ana@example.org", "delivered"),
        ("ana@example.org", "opened"),
    ]


def test_events_a_webhook_brought_are_not_recorded_again(
    emulator: EmulatorServer, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    sent = message()
    backend().send_messages([sent])
    mailtrap_id = str(sent.anymail_status.message_id)
    emulator.trigger_event(mailtrap_id, "soft_bounce")
    (delivery, _soft_bounce) = emulator.message(mailtrap_id)["events"]
    post_events([delivery])  # the webhook brought the delivery, not the soft bounce
    SentMessage.objects.update(status="sent")
    Recipient.objects.update(status="sent")

    reconcile()
    rows = MessageEvent.objects.order_by("id")
    assert [(row.event_type, row.source) for row in rows] == [
        ("delivered", "webhook"),
        ("deferred", "reconcile"),
    ]


def test_a_send_of_unknown_outcome_is_found_by_address_and_subject(
    emulator: EmulatorServer, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    emulator.set_faults("drop_after_store:first=1")
    with pytest.raises(Exception, match="ConnectionError"):
        backend().send_messages([message(subject="Your receipt")])
    backend().send_messages([message(subject="Another message")])  # not a candidate
    assert recipients_of(only_logged(subject="Your receipt"))[0][2:] == ("unknown", None)

    output = reconcile()

    stored = emulator.messages(recipient="ana@example.org")
    receipt_id = next(one["message_ids"][0] for one in stored if one["subject"] == "Your receipt")
    assert recipients_of(only_logged(subject="Your receipt")) == [
        ("to", "ana@example.org", "delivered", receipt_id)
    ]
    assert "1 sends of unknown outcome found" in output


def test_old_messages_sandbox_and_unknown_ids_are_left_alone(
    emulator: EmulatorServer, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    backend().send_messages([message(subject="old")])
    SentMessage.objects.update(created_at=timezone.now() - timedelta(days=3))
    backend(sandbox_id=7).send_messages([message(subject="sandbox")])
    backend().send_messages([message(subject="gone")])
    Recipient.objects.filter(message__subject="gone").update(mailtrap_message_id="no-such-id")

    output = reconcile("--since", "2d")
    assert "1 looked up (1 not in Mailtrap's logs" in output
    assert {row.subject: row.status for row in SentMessage.objects.all()} == {
        "old": "sent",
        "sandbox": "sent",
        "gone": "sent",
    }


def test_a_token_that_cannot_read_the_logs_stops_the_command(
    settings: Any, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    backend().send_messages([message()])
    with EmulatorServer(tokens=["another-token"]) as strict:  # refuses ours: 401
        settings.ANYMAIL["MAILTRAP_ACCOUNT_API_URL"] = strict.api_url
        with pytest.raises(CommandError, match="401"):
            reconcile()


def test_look_ups_are_paced_by_the_email_logs_limits(
    emulator: EmulatorServer, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    """Three look-ups under a limit of two a minute: the third waits for the window."""
    backend().send_messages([message(to=[f"u{n}@example.org"]) for n in range(3)])
    logs = EmailLogs.from_settings()
    waits: list[float] = []
    logs.get_limiter = RateLimiter(2, 60.0, clock=lambda: 1000.0, sleep=waits.append)
    done = run_reconcile("default", timezone.now() - timedelta(days=2), logs)
    assert (done.looked_up, waits) == (3, [60.0])
