"""Mailtrap sending events -> normalized `AnymailTrackingEvent`s."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..exceptions import AnymailConfigurationError, AnymailWebhookPayloadError
from ..signals import AnymailTrackingEvent, EventType, RejectReason
from .webhook_body import epoch_to_datetime, require_event_name, require_fields

#: Mailtrap `event` -> (EventType, RejectReason); anything else is UNKNOWN.
EVENT_TYPES: dict[str, tuple[str, str | None]] = {
    "delivery": (EventType.DELIVERED, None),
    "open": (EventType.OPENED, None),
    "click": (EventType.CLICKED, None),
    "bounce": (EventType.BOUNCED, RejectReason.BOUNCED),
    "soft bounce": (EventType.DEFERRED, RejectReason.OTHER),
    "suspension": (EventType.DEFERRED, RejectReason.OTHER),
    "spam": (EventType.COMPLAINED, RejectReason.SPAM),
    "unsubscribe": (EventType.UNSUBSCRIBED, RejectReason.UNSUBSCRIBED),
    "reject": (EventType.REJECTED, RejectReason.BLOCKED),
    "blocked": (EventType.UNKNOWN, RejectReason.BLOCKED),  # not documented by Mailtrap
}


#: Optional fields copied into AnymailTrackingEvent: strings when present.
_OPTIONAL_STRINGS: dict[str, tuple[type, ...]] = {
    name: (str,) for name in ("category", "event_id", "email", "response", "url", "user_agent")
}


def reject_inbound_entries(entries: list[Any]) -> None:
    """Inbound events posted to the tracking URL mean the webhooks are swapped: say so."""
    for entry in entries:
        event_name = entry.get("event") if isinstance(entry, dict) else None
        if isinstance(event_name, str) and event_name.startswith("inbound"):
            raise AnymailConfigurationError(
                "You seem to have set Mailtrap's *inbound* webhook "
                "to Anymail's Mailtrap *tracking* webhook URL."
            )


def check_tracking_entry(entry: Any, number: int) -> tuple[dict[str, Any], datetime]:
    """A tracking entry with its required fields, plus its timestamp converted (400 if bad)."""
    require_event_name(entry, number)
    require_fields(entry, number, message_id=(str,), timestamp=(int, float))
    # Decision (issue 11.4): a wrong type in a field that reaches the event is rejected (400)
    # like a missing required field, rather than handed to receivers or silently dropped.
    require_fields(entry, number, optional=True, custom_variables=(dict,), **_OPTIONAL_STRINGS)
    timestamp = epoch_to_datetime(entry["timestamp"])
    if timestamp is None:
        raise AnymailWebhookPayloadError(f"Event {number} has an out-of-range 'timestamp'")
    return entry, timestamp


def tracking_event(
    esp_event: dict[str, Any],
    timestamp: datetime,
    event_types: dict[str, tuple[str, str | None]] = EVENT_TYPES,
) -> AnymailTrackingEvent:
    """Normalize one (validated) Mailtrap sending event."""
    event_type, reject_reason = event_types.get(esp_event["event"], (EventType.UNKNOWN, None))
    category = esp_event.get("category")
    return AnymailTrackingEvent(
        event_type=event_type,
        timestamp=timestamp,
        event_id=esp_event.get("event_id"),
        esp_event=esp_event,
        message_id=esp_event["message_id"],
        recipient=esp_event.get("email"),
        reject_reason=reject_reason,
        mta_response=esp_event.get("response"),
        click_url=esp_event.get("url"),
        user_agent=esp_event.get("user_agent"),
        tags=[category] if category else [],
        metadata=esp_event.get("custom_variables") or {},
    )
