"""In the worker, after outcomes are recorded: `outbox_recorded` for what changed,
post_send for sent messages; a log line and the `queued_message_failed` signal for
each message that will never be sent."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..message import AnymailRecipientStatus
from ..signals import post_send
from .batch_call import RowResult
from .mailer import QueueSender
from .messages import rebuild_message
from .signals import outbox_recorded, queued_message_failed

if TYPE_CHECKING:
    from .models import OutboxMessage

logger = logging.getLogger("anymail.queue")


def notify_recorded(sender: QueueSender, using: str, rows: Sequence[OutboxMessage]) -> None:
    """`outbox_recorded` for rows whose new state was just written; errors are logged."""
    if not rows or not outbox_recorded.has_listeners():
        return
    for receiver, result in outbox_recorded.send_robust(type(sender), rows=rows, using=using):
        if isinstance(result, Exception):
            logger.error("outbox_recorded receiver %r failed", receiver, exc_info=result)


def notify_sent(
    sender: QueueSender, rows: Sequence[OutboxMessage], results: dict[Any, RowResult]
) -> None:
    """post_send for each sent row; a receiver's error is logged, the row stays sent."""
    if not post_send.has_listeners():
        return  # rebuilding messages costs a JSON parse each: skip it when nobody listens
    for row in rows:
        message = rebuild_message(row, results[row.id].statuses)
        try:
            sender.run_post_send(message)
        except Exception:
            logger.exception("A post_send receiver failed for queued message %s", row.id)


def notify_final(sender: QueueSender, rows: Sequence[OutboxMessage]) -> None:
    """Log and signal each message that reached failed or unknown."""
    listening = queued_message_failed.has_listeners()
    for row in rows:
        logger.error("Queued message %s is %s: %s", row.id, row.status, row.last_error)
        if not listening:
            continue
        statuses = _statuses(row)
        queued_message_failed.send_robust(
            type(sender),
            message_id=str(row.id),
            status=str(row.status),
            error=row.last_error,
            message=rebuild_message(row, statuses),
            esp_name=sender.esp_name,
        )


def _statuses(row: OutboxMessage) -> dict[str, AnymailRecipientStatus]:
    status = "failed" if row.status == "failed" else "unknown"
    known = row.esp_status or {}
    return {
        email: AnymailRecipientStatus(
            known.get(email, {}).get("message_id"), known.get(email, {}).get("status") or status
        )
        for email in row.recipient_list
    }
