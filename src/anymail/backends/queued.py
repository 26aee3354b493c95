"""QueuedEmailBackend: validate and store in the caller's transaction; workers send later.

Import it as `anymail.backends.mailtrap.QueuedEmailBackend`. Everything that runs in
the caller for a synchronous send runs here too -- pre_send, payload building,
validation, serialization -- so bad input raises at once; then each message's ready
/api/send body is stored in the outbox (anymail.queue) and a drain task is enqueued
when the transaction commits. See docs/queued-sending.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from ..exceptions import AnymailConfigurationError, AnymailError
from ..message import AnymailStatus
from ..queue.enqueue import kick, row_values, set_queued_status
from ..queue.entries import Entry, payload_entries
from ..queue.ids import id_stream
from ..queue.insert import store
from ..queue.options import QueueOptions, read_queue_options
from ..queue.outbox import database
from ..sending.engine import attach_outcome
from .mailtrap import EmailBackend

QUEUE_APP_MISSING = (
    'QueuedEmailBackend stores messages in the anymail.queue app: add "anymail.queue" '
    "to INSTALLED_APPS and run `manage.py migrate`."
)


class QueuedEmailBackend(EmailBackend):
    """Mailtrap's backend, sending through a transactional outbox and task workers."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        #: How messages are queued, claimed and retried (the `queue_*` options).
        self.queue_options: QueueOptions = read_queue_options(self.esp_name, kwargs)
        super().__init__(fail_silently=fail_silently, **kwargs)
        if not apps.is_installed("anymail.queue"):
            raise AnymailConfigurationError(QUEUE_APP_MISSING)

    def open(self) -> bool:
        return False  # the caller makes no API call; workers open their own sessions

    def send_messages(self, email_messages: Iterable[EmailMessage] | None) -> int:
        """Queue the messages; returns how many were queued.

        A message that fails validation raises before anything is stored (as does a
        database error while storing), and the error's `unsent_messages` lists them all
        (with fail_silently, an AnymailError only leaves that message out). Nothing is
        sent before the caller's transaction commits.
        """
        if not email_messages:
            return 0
        messages = list(email_messages)
        queued: list[EmailMessage] = []
        try:
            entries = self._prepare_all(messages, queued)
            if not queued:
                return 0
            using = database(self.queue_options.database)
            store(row_values(self, timezone.now()), entries, using)
        except Exception as error:
            for message in queued:  # not queued after all
                message.anymail_status = AnymailStatus()  # type: ignore[attr-defined]
            attach_outcome(error, sent=[], unsent=messages, unknown=[])  # none queued
            raise
        transaction.on_commit(lambda: kick(self), using=using)
        return len(queued)

    def _prepare_all(self, messages: list[EmailMessage], queued: list[EmailMessage]) -> list[Entry]:
        """pre_send, payload and entries of each message, in order: all the entries.

        Each message's status says `queued` at once (while the message is at hand: a
        second pass over thousands of messages costs more than it seems); `queued`
        lists those messages, so that the caller can take it back if storing fails.
        """
        ids = id_stream(len(messages))
        entries: list[Entry] = []
        for message in messages:
            try:
                payload = self.prepare(message)
                if payload is None:  # cancelled by pre_send, or no recipients
                    continue
                message_entries = payload_entries(payload, ids)
            except AnymailError:
                if not self.fail_silently:
                    raise
                continue
            set_queued_status(message, message_entries)
            queued.append(message)
            entries += message_entries
        return entries
