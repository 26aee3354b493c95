"""A light EmailMessage rebuilt from a stored body, for post_send and failure signals.

The worker has no caller's message object: receivers get an AnymailMessage with the
subject, addresses, text body, metadata (custom variables, `anymail_id` included) and
tags of the stored body, its `anymail_status`, and `anymail_id` (the project's id).
HTML and attachments are left out.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..message import AnymailMessage, AnymailRecipientStatus, AnymailStatus

if TYPE_CHECKING:
    from .models import OutboxMessage


def rebuild_message(
    row: OutboxMessage, statuses: dict[str, AnymailRecipientStatus] | None = None
) -> AnymailMessage:
    try:
        data: dict[str, Any] = json.loads(row.body)
    except ValueError:
        data = {}
    message = AnymailMessage(
        subject=data.get("subject", ""),
        body=data.get("text", ""),
        from_email=_address(data.get("from")),
        to=[_address(one) for one in data.get("to", ())],
        cc=[_address(one) for one in data.get("cc", ())],
        bcc=[_address(one) for one in data.get("bcc", ())],
    )
    message.metadata = dict(data.get("custom_variables") or {})
    if data.get("category"):
        message.tags = [data["category"]]
    message.anymail_id = str(row.id)  # type: ignore[attr-defined]
    status = AnymailStatus()
    if statuses:
        status.set_recipient_status(statuses)
    message.anymail_status = status
    return message


def _address(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    email = str(value.get("email", ""))
    name = value.get("name")
    return f'"{name}" <{email}>' if name else email
