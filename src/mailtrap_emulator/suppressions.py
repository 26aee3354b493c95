"""The suppression list: which events put an address on it, and its entries' shape.

Mailtrap suppresses an address after a hard bounce, a spam complaint or an unsubscribe, and
on request ("manual import"). The emulator records the same, but -- unlike Mailtrap, which
then rejects further mail to the address -- it keeps delivering, so sending behaves the
same whatever happened before (docs/emulator.md).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from typing import Any

from .storage import utc_now_iso

SUPPRESSION_TYPES = ("hard bounce", "unsubscription", "spam complaint", "manual import")
SUPPRESSION_STREAMS = ("transactional", "bulk", "any")
#: Webhook payload event name -> the suppression type it causes.
SUPPRESSING_EVENTS = {
    "bounce": "hard bounce",
    "spam": "spam complaint",
    "unsubscribe": "unsubscription",
}
#: The address the emulator pretends to send from (TEST-NET-1, RFC 5737).
SENDING_IP = "192.0.2.1"


def recipient_mx(email: str) -> str:
    """The made-up MX host of a recipient's domain, as the logs and suppressions name it."""
    return "mx." + email.rsplit("@", 1)[-1].lower()


_last_id = (0, 0)  # (milliseconds, sequence) of the newest id
_id_lock = threading.Lock()


def time_ordered_id() -> str:
    """A UUIDv7 (RFC 9562, with a 12-bit sequence for ids made in the same millisecond)
    whose text sorts by creation order, so a suppression list ordered by id is oldest first
    and `last_id` paging works even after deletions."""
    global _last_id
    with _id_lock:
        millis, sequence = max(int(time.time() * 1000), _last_id[0]), 0
        if millis == _last_id[0]:
            sequence = _last_id[1] + 1
            if sequence > 0xFFF:
                millis, sequence = millis + 1, 0
        _last_id = (millis, sequence)
    random_bits = int.from_bytes(os.urandom(8), "big") >> 2
    value = millis << 80 | 0x7 << 76 | sequence << 64 | 0x2 << 62 | random_bits
    return str(uuid.UUID(int=value))


def _entry(email: str, kind: str, sending_stream: str, domain_name: str | None) -> dict[str, Any]:
    return {
        "id": time_ordered_id(),
        "type": kind,
        "created_at": utc_now_iso(),
        "email": email,
        "sending_stream": sending_stream,
        "domain_name": domain_name,
        "message_bounce_category": None,
        "message_category": None,
        "message_client_ip": None,
        "message_created_at": None,
        "message_esp_response": None,
        "message_esp_server_type": None,
        "message_outgoing_ip": None,
        "message_recipient_mx_name": None,
        "message_sender_email": None,
        "message_subject": None,
    }


def suppression_from_event(
    event: dict[str, Any], message: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The entry a hard bounce, spam complaint or unsubscribe event causes; None for others.

    `event` is the webhook payload, `message` the stored message it belongs to.
    """
    kind = SUPPRESSING_EVENTS.get(event["event"])
    if kind is None:
        return None
    entry = _entry(event["email"], kind, event["sending_stream"], event.get("sending_domain_name"))
    entry.update(
        message_bounce_category=event.get("bounce_category"),
        message_category=event.get("category"),
        message_esp_response=event.get("response"),
        message_outgoing_ip=SENDING_IP,
        message_recipient_mx_name=recipient_mx(event["email"]),
    )
    if message is not None:
        entry.update(
            message_created_at=message["created_at"],
            message_sender_email=message["from"]["email"],
            message_subject=message["subject"] or None,
        )
    return entry


def manual_suppression(
    email: Any, kind: Any = "manual import", sending_stream: Any = "any", domain_name: Any = None
) -> dict[str, Any]:
    """An entry added by hand; ValueError names what is wrong with the arguments."""
    if not isinstance(email, str) or "@" not in email.strip():
        raise ValueError("'email' must be an email address")
    if kind not in SUPPRESSION_TYPES:
        raise ValueError(f"'type' must be one of: {', '.join(SUPPRESSION_TYPES)}")
    if sending_stream not in SUPPRESSION_STREAMS:
        raise ValueError(f"'sending_stream' must be one of: {', '.join(SUPPRESSION_STREAMS)}")
    if domain_name is not None and not isinstance(domain_name, str):
        raise ValueError("'domain_name' must be a string")
    return _entry(email.strip(), kind, sending_stream, domain_name or None)
