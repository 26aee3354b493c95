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

#: Sent once per `send_messages` call of a backend built on the send engine, when every
#: message's outcome is known, with `backend` (the backend instance), `records` (one
#: `SendRecord` per message it tried to send, in the caller's order; messages pre_send
#: cancelled are left out) and `esp_name`. For receivers that keep a record of what was
#: sent, in bulk (anymail.mail_log). The send is over: a receiver's error is logged and
#: changes nothing for the caller. (QueuedEmailBackend does not send it: its workers
#: report through `anymail.queue.signals.outbox_recorded`.)
send_run_finished = Signal()
#: Sent once per webhook call, before the per-event `tracking` or `inbound` signals,
#: with `events` (all the call's normalized events, in order) and `esp_name`: for
#: receivers that store events in bulk. A receiver's error fails the call (HTTP 500), so
#: the ESP posts it again; such a receiver should store each event only once.
webhook_batch = Signal()


class SendRecord:
    """One message of a send_messages call and what became of it (`send_run_finished`)."""

    __slots__ = ("error", "message", "outcome", "payload")

    def __init__(self, message: Any, payload: Any, outcome: str, error: Any = None) -> None:
        #: The EmailMessage, with its anymail_status.
        self.message = message
        #: The ESP payload it was sent as (its attachments released); None if it failed
        #: before one was built (e.g. validation).
        self.payload = payload
        #: "sent", "not_accepted" (the ESP surely does not have it) or "unknown".
        self.outcome = outcome
        #: The exception that stopped it, if any.
        self.error = error

    def __repr__(self) -> str:
        error = "" if self.error is None else f", error={type(self.error).__name__}"
        return f"SendRecord(outcome={self.outcome!r}{error})"


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
