"""Anymail's signals and the normalized event objects they carry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.dispatch import Signal

#: Sent before a message is sent; receivers may modify the message or raise AnymailCancelSend.
pre_send = Signal()
#: Sent after the ESP accepted a message, with its AnymailStatus.
post_send = Signal()
#: Sent once per normalized tracking event from a webhook.
tracking = Signal()
#: Sent once per inbound message from a webhook.
inbound = Signal()


class AnymailEvent:
    """Base for normalized ESP events."""

    def __init__(
        self,
        event_type: str,
        timestamp: datetime | None = None,
        event_id: str | None = None,
        esp_event: Any = None,
        **kwargs: Any,
    ) -> None:
        self.event_type = event_type
        self.timestamp = timestamp
        self.event_id = event_id
        self.esp_event = esp_event

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(event_type={self.event_type!r}, "
            f"event_id={self.event_id!r}, timestamp={self.timestamp!r})"
        )


class AnymailTrackingEvent(AnymailEvent):
    """A normalized delivery, engagement or failure event for one sent message."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.click_url: str | None = kwargs.pop("click_url", None)
        self.description: str | None = kwargs.pop("description", None)
        self.message_id: str | None = kwargs.pop("message_id", None)
        self.metadata: dict[str, Any] = kwargs.pop("metadata", None) or {}
        self.mta_response: str | None = kwargs.pop("mta_response", None)
        self.recipient: str | None = kwargs.pop("recipient", None)
        self.reject_reason: str | None = kwargs.pop("reject_reason", None)
        self.tags: list[str] = kwargs.pop("tags", None) or []
        self.user_agent: str | None = kwargs.pop("user_agent", None)


class AnymailInboundEvent(AnymailEvent):
    """A normalized inbound message event."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = kwargs.pop("message", None)


class EventType:
    """Normalized event types (the values are plain lowercase strings)."""

    # Delivery (and non-delivery):
    QUEUED = "queued"
    SENT = "sent"
    REJECTED = "rejected"
    FAILED = "failed"
    BOUNCED = "bounced"
    DEFERRED = "deferred"
    DELIVERED = "delivered"
    AUTORESPONDED = "autoresponded"
    # Engagement:
    OPENED = "opened"
    CLICKED = "clicked"
    COMPLAINED = "complained"
    UNSUBSCRIBED = "unsubscribed"
    SUBSCRIBED = "subscribed"
    # Inbound:
    INBOUND = "inbound"
    INBOUND_FAILED = "inbound_failed"
    # Anything else:
    UNKNOWN = "unknown"


class RejectReason:
    """Normalized reasons for rejected, bounced or deferred mail."""

    INVALID = "invalid"
    BOUNCED = "bounced"
    TIMED_OUT = "timed_out"
    BLOCKED = "blocked"
    SPAM = "spam"
    UNSUBSCRIBED = "unsubscribed"
    OTHER = "other"
