"""The console backend: the test backend's pipeline, plus each sent message printed to a stream.

Handy in development: every Anymail feature is accepted and recorded (like the test
backend), and the MIME message goes to ``stream`` (stdout by default) as Django's
console backend would print it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend

from .test import EmailBackend as AnymailTestBackend

__all__ = ["EmailBackend"]


class EmailBackend(AnymailTestBackend, DjangoConsoleBackend):
    """Anymail test backend that also writes each processed message to ``stream``."""

    esp_name = "Console"

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        # Django's console backend pops `stream` and creates the lock on the way up the MRO
        super().__init__(fail_silently=fail_silently, **kwargs)

    def message_id_for(self, message: EmailMessage) -> Any:
        """A random UUID4 string, like a real ESP's opaque message id."""
        return str(uuid.uuid4())

    def complete(self, message: EmailMessage, payload: Any, response: Any) -> None:
        """After the status is parsed and post_send ran, print the message (one at a time)."""
        super().complete(message, payload, response)
        with self._lock:
            self.write_message(message)
            self.stream.flush()  # flush after each message, like Django's console backend

    def send_messages(self, email_messages: Iterable[EmailMessage] | None) -> Any:
        """Like the test backend, but returns None for no messages (Django's console quirk)."""
        if not email_messages:
            return None
        return super().send_messages(email_messages)
