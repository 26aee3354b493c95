"""Inbound messages (with MAIL_LOG_INBOUND): who wrote, about what, to which inbox, when.

Only those few fields -- never the message's text or attachments. One INSERT per webhook
call; a retried call (same inbox and message ids) stores nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.utils import timezone

from ..signals import AnymailInboundEvent
from .apply import database
from .options import read_options


def record_inbound(events: Sequence[AnymailInboundEvent]) -> None:
    options = read_options()
    if not (options.enabled and options.inbound) or not events:
        return
    model = apps.get_model("anymail_mail_log", "InboundMessage")
    now = timezone.now()
    rows = []
    for event in events:
        message: Any = event.message
        inbox, _, message_id = str(event.event_id or "").partition("/")
        rows.append(
            model(
                event_key=str(event.event_id or uuid.uuid4())[:200],
                received_at=event.timestamp or now,
                inbox=inbox[:32],
                mailtrap_message_id=message_id[:128],
                from_email=str(_address(getattr(message, "from_email", None)))[:400],
                to=", ".join(str(one) for one in getattr(message, "to", None) or ()),
                subject=str(getattr(message, "subject", None) or "")[:500],
            )
        )
    model.objects.using(database(options)).bulk_create(rows, ignore_conflicts=True)


def _address(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(str(one) for one in value)
    return value or ""
