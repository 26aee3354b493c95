"""Sending-event payloads exactly as Mailtrap posts them (MAILTRAP_API.md §6.3, §7.1)."""

from __future__ import annotations

import time
import uuid
from typing import Any

#: Event names as they appear in webhook payloads.
EVENT_NAMES = (
    "delivery",
    "open",
    "click",
    "bounce",
    "soft bounce",
    "spam",
    "unsubscribe",
    "suspension",
    "reject",
)
#: Payload name -> `event_types` name in the webhook management API, where they differ.
MANAGEMENT_NAMES = {"soft bounce": "soft_bounce", "spam": "spam_complaint"}
_ALIASES = {
    **{value: key for key, value in MANAGEMENT_NAMES.items()},
    "soft-bounce": "soft bounce",
    "softbounce": "soft bounce",
    "complaint": "spam",
}

#: Event-specific fields and the values used when a trigger does not give them.
DEFAULT_DETAILS: dict[str, dict[str, Any]] = {
    "open": {"ip": "203.0.113.10", "user_agent": "Mozilla/5.0 (Mailtrap emulator)"},
    "click": {
        "ip": "203.0.113.10",
        "user_agent": "Mozilla/5.0 (Mailtrap emulator)",
        "url": "https://example.com/",
    },
    "unsubscribe": {"ip": "203.0.113.10", "user_agent": "Mozilla/5.0 (Mailtrap emulator)"},
    "bounce": {
        "response": "550 5.1.1 The email account that you tried to reach does not exist",
        "response_code": 550,
        "bounce_category": "invalid_recipient",
    },
    "soft bounce": {
        "response": "451 4.7.1 Try again later",
        "response_code": 451,
        "bounce_category": "greylisting",
    },
    "suspension": {"reason": "Your account has reached its daily sending limit."},
    "reject": {"reason": "Recipient is on the suppression list (hard bounce)."},
}
ALL_EVENT_TYPES = [MANAGEMENT_NAMES.get(name, name) for name in EVENT_NAMES]


def normalize_event_name(name: Any) -> str | None:
    """The payload spelling of an event name given in either spelling; None if unknown."""
    if not isinstance(name, str):
        return None
    name = _ALIASES.get(name.strip().lower(), name.strip().lower())
    return name if name in EVENT_NAMES else None


def management_name(event: str) -> str:
    """The `event_types` spelling used to subscribe a webhook to a payload event name."""
    return MANAGEMENT_NAMES.get(event, event)


def build_event(
    event: str,
    *,
    message_id: str,
    email: str,
    stream: str,
    sender_email: str,
    category: str | None,
    custom_variables: dict[str, Any] | None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One sending event object; `details` override the event-specific defaults."""
    payload: dict[str, Any] = {
        "event": event,
        "message_id": message_id,
        "email": email,
        "timestamp": int(time.time()),
        "event_id": str(uuid.uuid4()),
        "sending_stream": stream,
        "sending_domain_name": sender_email.rsplit("@", 1)[-1],
    }
    if category:
        payload["category"] = category
    if custom_variables:
        payload["custom_variables"] = custom_variables
    allowed = DEFAULT_DETAILS.get(event, {})
    for name, default in allowed.items():
        value = (details or {}).get(name)
        payload[name] = default if value in (None, "") else value
    if "response_code" in payload:
        payload["response_code"] = int(payload["response_code"])
    return payload


def build_inbound_event(*, inbox_id: int, message_id: str, sender: str) -> dict[str, Any]:
    """The `inbound.message_received` notification (timestamp in milliseconds)."""
    return {
        "event": "inbound.message_received",
        "event_id": str(uuid.uuid4()),
        "timestamp": int(time.time() * 1000),
        "inbox_id": inbox_id,
        "message_id": message_id,
        "from": sender,
    }
