"""New log rows -> the database: one INSERT per table for a whole send run (insert.py).

In its own transaction, or a savepoint inside the caller's: a failure to log leaves the
caller's transaction usable. (Messages sent inside a transaction that is then rolled
back lose their log rows with it: see MAIL_LOG_DATABASE in docs/message-log.md.)
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from .bulk import insert_rows
from .options import KEEP, LogOptions
from .rows import Row, log_models
from .tracking import adopt_unmatched


def store_new(
    using: str,
    messages: Sequence[Row],
    recipients: Sequence[Row],
    options: LogOptions,
    queued: bool = False,
) -> None:
    """Insert the rows, then match any kept events that arrived before them (`queued`:
    Mailtrap got the messages' ids as `anymail_id`, events may name them by it)."""
    if not messages:
        return
    message_model, recipient_model = log_models()
    with transaction.atomic(using=using):
        insert_rows(using, message_model, messages)
        insert_rows(using, recipient_model, recipients)
        if options.unknown_events == KEEP:
            ids = [one["mailtrap_message_id"] for one in recipients if one["mailtrap_message_id"]]
            project_ids = [message["id"] for message in messages] if queued else []
            if ids or project_ids:
                adopt_unmatched(using, ids, project_ids)
