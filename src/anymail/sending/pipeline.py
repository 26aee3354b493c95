"""What the engine needs from a backend: the three steps of sending one message.

The engine (`engine.py`) and the deliveries (`delivery.py`) drive any object with this
shape; Django backends (`anymail.backends.base.AnymailBaseBackend`) provide it. Naming
the contract here keeps the engine free of Django-backend imports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from django.core.mail import EmailMessage

from .outcomes import Outcome


class MessagePipeline(Protocol):
    """Prepare in the caller's thread, exchange anywhere, complete in the caller's thread."""

    fail_silently: bool

    def prepare(self, message: EmailMessage) -> Any:
        """pre_send and the payload; None when the message is not to be sent."""

    def exchange(self, payload: Any, message: EmailMessage) -> Any:
        """The API call and the parsing of its answer (may run in a worker thread)."""

    def complete(self, message: EmailMessage, payload: Any, response: Any) -> None:
        """Statuses, post_send and the refusal check."""


class PayloadOwner(Protocol):
    """What the payload walk reads from the backend that builds it."""

    esp_name: str
    ignore_unsupported_features: bool
    idna_encoder: Callable[[str], str]


class OutcomeSettler(Protocol):
    """Optional: a backend that can find out what became of sends of unknown outcome."""

    def settle_unknown(
        self, unknown: Sequence[EmailMessage], sent: Sequence[EmailMessage], since: datetime
    ) -> list[Outcome | BaseException]:
        """Per message of `unknown`: SENT (statuses set, post_send run), NOT_ACCEPTED,
        UNKNOWN (cannot tell), or the exception post_send raised for a message found sent."""
