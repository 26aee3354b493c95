"""The one code path that changes statuses: sends, queue workers, webhooks and reconcile
all end here.

A recipient's status only moves up the order in status.py, so reports may come in any
order, twice, or concurrently: the recipients (and their messages) are read with
`SELECT ... FOR UPDATE` on databases that have it (SQLite serializes writers itself),
the new statuses are worked out in Python, and the changes are written with one bulk
UPDATE per table (bulk.py). The number of queries does not grow with the number of
reports (up to a few hundred rows per statement).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import router

from .bulk import update_rows
from .options import LogOptions
from .rows import log_models
from .status import higher

if TYPE_CHECKING:
    from .models import Recipient, SentMessage

#: Values per `IN (...)` lookup and rows per bulk statement.
CHUNK = 500


class Report(NamedTuple):
    """A status reported for one recipient (None: history only) and when it happened."""

    recipient: Recipient
    status: str | None
    at: datetime


def database(options: LogOptions) -> str:
    """The alias the log is written to: MAIL_LOG_DATABASE, else the router's choice."""
    message_model, _recipient_model = log_models()
    return options.database or router.db_for_write(message_model)


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def locked_recipients(using: str, **lookup: Sequence[Any]) -> list[Recipient]:
    """Recipients matching one `field__in` lookup, with their messages, locked for update
    (call inside a transaction). Recipients of one message share one message object, so
    its status can be rolled up from all of them."""
    _message_model, recipient_model = log_models()
    ((field, values),) = lookup.items()
    query = recipient_model.objects.using(using).select_related("message").select_for_update()
    found: list[Recipient] = []
    for part in chunks(sorted(set(values), key=str)):
        found += query.filter(**{field: part}).order_by("id")
    messages: dict[Any, SentMessage] = {}
    for recipient in found:
        recipient.message = messages.setdefault(recipient.message_id, recipient.message)
    return found


def write_statuses(
    using: str,
    reports: Iterable[Report],
    dirty: Iterable[Recipient] = (),
    messages: Iterable[SentMessage] = (),
    message_fields: Sequence[str] = (),
) -> int:
    """Apply the reports in time order (equal statuses keep the earliest time) and write
    what changed; `dirty` recipients and `messages` are written anyway (with
    `message_fields` besides the status). Returns how many recipients changed status."""
    message_model, recipient_model = log_models()
    recipients = {recipient.pk: recipient for recipient in dirty}
    changed_messages = {message.pk: message for message in messages}
    known = dict(changed_messages)  # one object per message, whichever look-up found it
    changed = 0
    for report in sorted(reports, key=lambda report: report.at):
        recipient = report.recipient
        if not higher(recipient.status, report.status):
            continue
        assert report.status is not None
        recipient.status, recipient.status_at = report.status, report.at
        recipients[recipient.pk] = recipient
        changed += 1
        message = known.setdefault(recipient.message_id, recipient.message)
        if higher(message.status, report.status):
            message.status, message.status_at = report.status, report.at
            changed_messages[message.pk] = message
    recipient_fields = ("status", "status_at", "mailtrap_message_id")
    update_rows(using, recipient_model, _rows(recipients.values(), recipient_fields))
    message_fields = ("status", "status_at", *message_fields)
    update_rows(using, message_model, _rows(changed_messages.values(), message_fields))
    return changed


def _rows(objects: Iterable[Any], fields: Sequence[str]) -> list[dict[str, Any]]:
    return [{"pk": one.pk, **{name: getattr(one, name) for name in fields}} for one in objects]
