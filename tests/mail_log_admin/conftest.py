"""Message log admin fixtures: log rows made directly (the admin only reads them), and the
URLs of the admin's pages."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any

import pytest
from django.urls import reverse

from anymail.mail_log.models import MessageEvent, Recipient, SentMessage

#: When the test messages were sent (fixed: timelines and lists are compared exactly).
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=dt_timezone.utc)

MESSAGES_URL = reverse("admin:anymail_mail_log_sentmessage_changelist")
EVENTS_URL = reverse("admin:anymail_mail_log_messageevent_changelist")
INBOUND_URL = reverse("admin:anymail_mail_log_inboundmessage_changelist")


def message_url(message: SentMessage) -> str:
    return reverse("admin:anymail_mail_log_sentmessage_change", args=[message.pk])


def delete_url(message: SentMessage) -> str:
    return reverse("admin:anymail_mail_log_sentmessage_delete", args=[message.pk])


def log_message(
    using: str = "default",
    *,
    to: tuple[str, ...] = ("ana@example.org",),
    cc: tuple[str, ...] = (),
    minutes: float = 0,
    status: str = "sent",
    accepted: bool = True,
    **fields: Any,
) -> SentMessage:
    """A logged message sent `minutes` after T0, with recipients (each with a Mailtrap id
    when accepted)."""
    created_at = T0 + timedelta(minutes=minutes)
    message = SentMessage.objects.using(using).create(
        created_at=created_at,
        accepted_at=created_at if accepted else None,
        status=status,
        status_at=created_at,
        stream=fields.pop("stream", "transactional"),
        from_email=fields.pop("from_email", "Shop <shop@example.com>"),
        subject=fields.pop("subject", "Reset your password"),
        **fields,
    )
    for kind, addresses in (("to", to), ("cc", cc)):
        for address in addresses:
            Recipient.objects.using(using).create(
                message=message,
                kind=kind,
                email=address.lower(),
                mailtrap_message_id=str(uuid.uuid4()) if accepted else None,
                status=status,
                status_at=created_at,
            )
    return message


def log_event(
    recipient: Recipient | None,
    event_type: str,
    minutes: float,
    using: str = "default",
    **fields: Any,
) -> MessageEvent:
    """A stored tracking event `minutes` after T0 (recipient None: an unmatched one)."""
    return MessageEvent.objects.using(using).create(
        recipient=recipient,
        event_key=fields.pop("event_key", str(uuid.uuid4())),
        event_type=event_type,
        timestamp=T0 + timedelta(minutes=minutes),
        mailtrap_message_id=fields.pop(
            "mailtrap_message_id", recipient.mailtrap_message_id if recipient else ""
        ),
        email=fields.pop("email", recipient.email if recipient else ""),
        **fields,
    )


@pytest.fixture
def make_message(db: None) -> Callable[..., SentMessage]:
    """Factory: log_message() in the default database."""
    return log_message


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """A cheap password hasher: each test logs in a new admin user (the default hasher
    spends most of a second per password on purpose)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
