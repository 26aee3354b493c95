"""The caller's side: prepared messages -> outbox rows and `queued` statuses; the kick.

Runs in the caller's thread and transaction. The rows are inserted with as few
statements as the database allows (see `insert.store`); the drain is enqueued only when
the transaction commits, so a rolled back request sends nothing and a committed message
always has a drain coming.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin

from django.core.mail import EmailMessage

from ..message import AnymailRecipientStatus, AnymailStatus
from .drain import request_drain
from .entries import Entry
from .mailer import QueueSender, backend_path
from .status import Status

logger = logging.getLogger("anymail.queue")


def set_queued_status(message: EmailMessage, entries: Sequence[Entry]) -> None:
    """Every recipient `queued`, with the project's id (one per entry) as message_id.

    Fills the fresh `anymail_status` that `prepare` gave the message for this send."""
    status: AnymailStatus = message.anymail_status  # type: ignore[attr-defined]
    if len(entries) == 1:  # the common case, without set_recipient_status's recounting
        key = entries[0].key
        status.recipients = {
            email: AnymailRecipientStatus(key, "queued") for email in entries[0].recipients
        }
        status.message_id, status.status = key, {"queued"}
        return
    status.set_recipient_status(
        {
            email: AnymailRecipientStatus(entry.key, "queued")
            for entry in entries
            for email in entry.recipients
        }
    )


def row_values(sender: QueueSender, now: datetime) -> dict[str, Any]:
    """The column values all of this backend's new rows share."""
    options = sender.queue_options
    client = sender.client
    deadline = None if options.deadline is None else now + timedelta(seconds=options.deadline)
    return dict(
        status=str(Status.PENDING),  # a plain str: the rows bypass the ORM
        created_at=now,
        mailer=sender.alias,
        backend=backend_path(sender),
        endpoint=urljoin(client.send_api_url, client.send_endpoint("batch")),
        priority=options.priority,
        attempts=0,
        max_attempts=options.attempts,
        at_most_once=options.at_most_once,
        next_attempt_at=now,
        deadline=deadline,
        last_error="",
    )


def kick(sender: QueueSender) -> None:
    """After commit: make sure a drain is coming (errors are logged: the rows are safe,
    and the next drain of this mailer, or `manage.py mailtrap_queue drain`, sends them)."""
    try:
        request_drain(sender)
    except Exception:
        logger.exception("Could not enqueue a drain task for queued messages")
