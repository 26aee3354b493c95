"""`manage.py mailtrap_log prune --older-than 90d`: batched deletes of old log entries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anymail.mail_log.models import InboundMessage, MessageEvent, Recipient, SentMessage
from anymail.message import AnymailMessage

from .conftest import post_events, tracking_event

pytestmark = pytest.mark.django_db


def prune(*args: str) -> str:
    out = StringIO()
    call_command("mailtrap_log", "prune", *args, stdout=out)
    return out.getvalue()


def test_old_messages_go_with_their_recipients_and_events(
    backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    messages = [message(to=[f"u{n}@example.org", f"v{n}@example.org"]) for n in range(5)]
    backend().send_messages(messages)
    post_events(
        [
            tracking_event(str(status.message_id), email)
            for one in messages
            for email, status in one.anymail_status.recipients.items()
        ]
        + [tracking_event("not-ours", "who@example.org")]  # kept, unmatched
    )
    old = timezone.now() - timedelta(days=91)
    kept = messages[4].anymail_status.recipients["u4@example.org"].message_id
    SentMessage.objects.exclude(recipients__mailtrap_message_id=kept).update(created_at=old)
    MessageEvent.objects.filter(recipient__isnull=True).update(received_at=old)
    InboundMessage.objects.create(event_key="1/2", received_at=old)
    InboundMessage.objects.create(event_key="1/3", received_at=timezone.now())

    output = prune("--older-than", "90d", "--batch-size", "3")

    assert "Deleted 4 SentMessage, 8 Recipient, 9 MessageEvent, 1 InboundMessage" in output
    assert SentMessage.objects.count() == 1
    assert set(Recipient.objects.values_list("email", flat=True)) == {
        "u4@example.org",
        "v4@example.org",
    }
    assert MessageEvent.objects.count() == 2
    assert list(InboundMessage.objects.values_list("event_key", flat=True)) == ["1/3"]
    assert "Deleted 0 SentMessage" in prune("--older-than", "90d")  # nothing left to do


def test_each_batch_is_a_bounded_number_of_queries(
    backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    backend().send_messages([message(to=[f"u{n}@example.org"]) for n in range(12)])
    SentMessage.objects.update(created_at=timezone.now() - timedelta(days=100))
    with CaptureQueriesContext(connection) as small:
        prune("--older-than", "90d", "--batch-size", "4")
    backend().send_messages([message(to=[f"u{n}@example.org"]) for n in range(12)])
    SentMessage.objects.update(created_at=timezone.now() - timedelta(days=100))
    with CaptureQueriesContext(connection) as large:
        prune("--older-than", "90d", "--batch-size", "12")
    assert SentMessage.objects.count() == 0
    batches_small, batches_large = 3, 1
    per_batch = (len(small) - len(large)) / (batches_small - batches_large)
    assert per_batch <= 10


@pytest.mark.parametrize("value", ["90", "ninety days", "-3d"])
def test_a_duration_is_required(value: str) -> None:
    with pytest.raises(CommandError, match="older-than"):
        prune("--older-than", value)
