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
from ..queue.enqueue import kick, row_values
from ..queue.entries import Entry, payload_entries
from ..queue.options import QueueOptions, read_queue_options
from ..queue.outbox import database, store
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

        A message that fails validation raises before anything is stored, and the error's
        `unsent_messages` lists them all (with fail_silently, an AnymailError only leaves
        that message out). Nothing is sent before the caller's transaction commits.
        """
        if not email_messages:
            return 0
        messages = list(email_messages)
        try:
            prepared = self._prepare_all(messages)
        except Exception as error:
            _nothing_queued(error, messages)
            raise
        if not prepared:
            return 0
        using = database(self.queue_options.database)
        common, entries = row_values(self, prepared, timezone.now())
        store(common, entries, using)
        transaction.on_commit(lambda: kick(self), using=using)
        return len(prepared)

    def _prepare_all(self, messages: list[EmailMessage]) -> list[tuple[EmailMessage, list[Entry]]]:
        """pre_send, payload and serialized entries of each message, in order."""
        prepared = []
        for message in messages:
            try:
                payload = self.prepare(message)
                if payload is None:  # cancelled by pre_send, or no recipients
                    continue
                prepared.append((message, list(payload_entries(payload))))
            except AnymailError:
                if not self.fail_silently:
                    raise
        return prepared


def _nothing_queued(error: BaseException, messages: list[EmailMessage]) -> None:
    """Say on the error that none of the messages was queued (as send_messages' errors do)."""
    try:
        error.sent_messages = []  # type: ignore[attr-defined]
        error.unsent_messages = messages  # type: ignore[attr-defined]
    except AttributeError:  # an exception type with __slots__
        pass
