"""Queued messages: logged by the worker that sends them, under the outbox row's id.

The caller's `send_mail` writes only the outbox row (its one write per message); each
drain then reports the rows it took (`anymail.queue.signals.outbox_recorded`) and this
module writes them to the log: the first report of a row inserts its log rows, built
from the stored /api/send body like every other logged message (rows.py), with the
outbox row's id; later reports (a retry, the final outcome) update them through the
status code path of webhooks (apply.py). A message waiting for a retry is in the log
as "queued", with the last attempt's error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from .apply import Report, database, locked_recipients, write_statuses
from .options import read_options
from .rows import (
    MAX_ERROR,
    Accepted,
    Outcome,
    body_attachment_info,
    entry_rows,
    log_models,
    recipient_status,
    stream_of,
)
from .status import Status
from .store import store_new

#: An outbox row's status (anymail/queue/status.py) -> its recipients' status here.
_ROW_STATUS = {
    "sent": Status.SENT,
    "pending": Status.QUEUED,
    "failed": Status.NOT_ACCEPTED,
    "unknown": Status.UNKNOWN,
}


def record_outbox_rows(rows: Sequence[Any]) -> None:
    """Log what a drain recorded for these outbox rows."""
    options = read_options()
    if not options.enabled or not rows:
        return
    using = database(options)
    message_model, _recipient_model = log_models()
    now = timezone.now()
    with transaction.atomic(using=using):
        ids = [row.id for row in rows]
        logged = set(
            message_model.objects.using(using).filter(id__in=ids).values_list("id", flat=True)
        )
        messages, recipients, known = [], [], []
        for row in rows:
            outcome, answers = _result(row)
            if row.id in logged:
                known.append((row, outcome, answers))
                continue
            entry = _body(row)
            message, rows_of_message = entry_rows(
                entry,
                message_id=row.id,
                created_at=row.created_at,
                outcome=outcome,
                answers=answers,
                stream=stream_of(row.endpoint, _is_sandbox(row.endpoint)),
                mailer=row.mailer,
                options=options,
                at=now,
            )
            if outcome.status == Status.SENT:
                message["accepted_at"] = row.sent_at or now
            if options.store_bodies:
                message["attachments"] = body_attachment_info(entry)
            messages.append(message)
            recipients += rows_of_message
        store_new(using, messages, recipients, options, queued=True)
        if known:
            _update(using, known, now)


def _update(
    using: str, known: Sequence[tuple[Any, Outcome, Mapping[str, Accepted]]], now: Any
) -> None:
    """A later report of logged rows: Mailtrap's ids, statuses, error, acceptance time."""
    by_message: dict[Any, list[Any]] = {}
    for recipient in locked_recipients(using, message_id__in=[row.id for row, *_ in known]):
        by_message.setdefault(recipient.message_id, []).append(recipient)
    reports, dirty, messages = [], [], []
    for row, outcome, answers in known:
        lowered = {email.lower(): answer for email, answer in answers.items()}
        recipients = by_message.get(row.id, [])
        for recipient in recipients:
            status, mailtrap_id = recipient_status(
                recipient.email, outcome, lowered.get(recipient.email)
            )
            if mailtrap_id and not recipient.mailtrap_message_id:
                recipient.mailtrap_message_id = mailtrap_id
                dirty.append(recipient)
            reports.append(Report(recipient, status, now))
        if recipients:
            message = recipients[0].message
            message.error = outcome.error[:MAX_ERROR]
            if outcome.status == Status.SENT:
                message.accepted_at = row.sent_at or now
            messages.append(message)
    write_statuses(using, reports, dirty, messages, ["error", "accepted_at"])


def _result(row: Any) -> tuple[Outcome, dict[str, Accepted]]:
    """How the row's latest attempt ended, and Mailtrap's answer per recipient."""
    status = _ROW_STATUS.get(str(row.status), Status.UNKNOWN)
    error = "" if status == Status.SENT else str(row.last_error or "")
    answers = {
        str(email): Accepted(answer.get("message_id"), answer.get("status"))
        for email, answer in (row.esp_status or {}).items()
        if isinstance(answer, dict)
    }
    return Outcome(status, error), answers


def _body(row: Any) -> Mapping[str, Any]:
    """The stored /api/send body (its recipients alone if it cannot be read)."""
    try:
        body = json.loads(row.body)
    except (TypeError, ValueError):
        body = None
    if isinstance(body, dict):
        return body
    return {"to": [{"email": email} for email in row.recipient_list]}


def _is_sandbox(endpoint: str) -> bool:
    """A sandbox batch endpoint ends with the inbox id: .../batch/<id>."""
    last = endpoint.rstrip("/").rpartition("/")[2]
    return last.isdigit()
