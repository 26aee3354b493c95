"""A send_messages call's outcomes -> log rows (synchronous, concurrent and batched sends).

The backend reports the whole call at once (`anymail.signals.send_run_finished`) with
each message, its payload and its outcome; the rows of every message are inserted
together at the end (store.py). Messages pre_send cancelled are not reported.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.utils import timezone

from ..mailtrap.client import ESP_NAME
from ..queue.ids import id_stream
from ..signals import SendRecord
from .apply import database
from .options import read_options
from .rows import Answer, Outcome, attachment_info, entry_rows, message_entry, stream_of
from .status import Status
from .store import store_new

#: The engine's outcome (sending/outcomes.py) -> the status of recipients without an answer.
_OUTCOME_STATUS = {"sent": Status.SENT, "not_accepted": Status.NOT_ACCEPTED}


def record_send_run(backend: Any, records: Sequence[SendRecord]) -> None:
    """Log every message of one send_messages call of a Mailtrap backend."""
    if getattr(backend, "esp_name", None) != ESP_NAME or not records:
        return
    options = read_options()
    if not options.enabled:
        return
    now = timezone.now()
    client = getattr(backend, "client", None)
    sandbox = bool(getattr(backend, "use_sandbox", False))
    stream = stream_of(getattr(client, "send_api_url", ""), sandbox)
    mailer = getattr(backend, "alias", None)
    ids = id_stream(len(records))
    messages, recipients = [], []
    for record in records:
        outcome = _outcome(record)
        answers = _answers(record.message)
        attachments = attachment_info(record.message.attachments) if options.store_bodies else []
        for entry in _entries(record):
            message, rows = entry_rows(
                entry,
                message_id=next(ids),
                created_at=now,
                outcome=outcome,
                answers=answers,
                stream=stream,
                mailer=mailer,
                options=options,
            )
            message["attachments"] = attachments
            messages.append(message)
            recipients += rows
    store_new(database(options), messages, recipients, options)


def _entries(record: SendRecord) -> Iterator[Mapping[str, Any]]:
    """The send bodies of one message: the payload's, one per `to` for a merge batch, or
    (no payload: it failed validation) rebuilt from the message."""
    payload = record.payload
    if payload is None or not hasattr(payload, "is_batch_send"):
        yield message_entry(record.message)
    elif payload.is_batch_send:
        body = payload.build_body()
        base = body["base"]
        for request in body["requests"]:
            yield {**base, **request}
    else:
        yield payload.data


def _outcome(record: SendRecord) -> Outcome:
    error = record.error
    return Outcome(
        _OUTCOME_STATUS.get(record.outcome, Status.UNKNOWN),
        "" if error is None else f"{type(error).__name__}: {error}",
        frozenset(getattr(error, "unknown_recipients", None) or ()),
    )


def _answers(message: Any) -> Mapping[str, Answer]:
    """Mailtrap's per-recipient answers, as the send recorded them on anymail_status."""
    status = getattr(message, "anymail_status", None)
    return getattr(status, "recipients", None) or {}
