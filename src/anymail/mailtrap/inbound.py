"""Mailtrap inbound: a webhook entry -> the message fetched from Mailtrap -> an inbound event.

Mailtrap's inbound webhook carries only ids; the message's details come from the
general API (`GET inbound/inboxes/{inbox}/messages/{id}`, Bearer token) and its raw
MIME from a pre-signed download URL in those details.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import requests

from ..exceptions import (
    AnymailAPIError,
    AnymailConfigurationError,
    AnymailRequestsAPIError,
    AnymailWebhookPayloadError,
)
from ..inbound import AnymailInboundMessage
from ..signals import AnymailInboundEvent, EventType
from .client import ESP_NAME, MailtrapAPIError, MailtrapClient
from .webhook_body import epoch_to_datetime, require_event_name, require_fields

INBOUND_EVENT_NAMES = frozenset({"inbound.message_received", "inbound_message_received"})
#: Documented id forms (MAILTRAP_API.md §7.1): a numeric inbox id; a message id that is a
#: long numeric string (letters, "-" and "_" allowed too, but never "." or "/", which
#: could move the token-bearing GET to another path).
INBOX_ID_FORM = re.compile(r"[0-9]{1,20}")
MESSAGE_ID_FORM = re.compile(r"[A-Za-z0-9_-]{1,128}")

logger = logging.getLogger("anymail.inbound")


def check_inbound_entries(entries: list[Any]) -> list[dict[str, Any]]:
    """The entries with a message to fetch; raises for a wrong URL or a malformed entry."""
    for entry in entries:
        event_name = entry.get("event") if isinstance(entry, dict) else None
        if isinstance(event_name, str) and event_name not in INBOUND_EVENT_NAMES:
            if event_name.startswith("inbound"):
                raise ValueError(f"Unknown Mailtrap inbound event type: {event_name}")
            raise AnymailConfigurationError(
                "You seem to have set Mailtrap's *tracking* webhook "
                "to Anymail's Mailtrap *inbound* webhook URL."
            )
    deliveries = []
    for number, entry in enumerate(entries, 1):
        require_event_name(entry, number)
        # Decision (open point 11.1): the sample is acknowledged but sends no signal.
        if not is_inbound_sample(entry):
            require_fields(entry, number, inbox_id=(int, str), message_id=(str, int))
            require_documented_ids(entry, number)
            deliveries.append(entry)
    return deliveries


def require_documented_ids(entry: dict[str, Any], number: int) -> None:
    """The ids go into the path of a GET carrying the API token: only their documented form."""
    if not _has_form(entry["inbox_id"], INBOX_ID_FORM):
        raise AnymailWebhookPayloadError(
            f"Event {number} has an invalid 'inbox_id' (expected a number)"
        )
    if not _has_form(entry["message_id"], MESSAGE_ID_FORM):
        raise AnymailWebhookPayloadError(
            f"Event {number} has an invalid 'message_id' (expected letters, digits, '-' or '_')"
        )


def _has_form(value: int | str, form: re.Pattern[str]) -> bool:
    if isinstance(value, int):
        return 0 <= value < 10**20
    return form.fullmatch(value) is not None


def is_inbound_sample(entry: dict[str, Any]) -> bool:
    """Mailtrap's "test your integration" payload: no inbox_id (or inbox 1), nothing to fetch."""
    inbox_id = entry.get("inbox_id")
    return inbox_id is None or (not isinstance(inbox_id, bool) and str(inbox_id) == "1")


def fetch_inbound_event(
    client: MailtrapClient,
    entry: dict[str, Any],
    chunk_size: int,
    deadline: float | None = None,
) -> AnymailInboundEvent:
    """Fetch the message's details and raw MIME from Mailtrap; errors propagate (-> retry).

    The download takes at most `deadline` seconds. Parsing never raises: a message
    beyond the INBOUND_MAX_* limits, or one the parser fails on, still makes an event,
    with `message.parse_problem` saying why (see AnymailInboundMessage).
    """
    inbox_id, message_id = str(entry["inbox_id"]), str(entry["message_id"])
    event_id = f"{inbox_id}/{message_id}"
    with _request_errors("fetch", event_id):
        message_data = client.request_json("GET", client.inbound_message_path(inbox_id, message_id))
    raw_url = message_data.get("raw_message_url") if isinstance(message_data, dict) else None
    if not isinstance(raw_url, str) or not raw_url:
        raise AnymailAPIError(
            f"Mailtrap inbound message {event_id} has no raw_message_url", esp_name=ESP_NAME
        )
    try:
        with (
            _request_errors("download the raw message", event_id),
            client.download(raw_url, chunk_size, deadline=deadline) as chunks,
        ):
            message = AnymailInboundMessage.parse_raw_mime_chunks(chunks)
    except BaseException:
        # Error reports show this frame's locals, DEBUG or not: drop the pre-signed URL
        del raw_url, message_data
        raise
    if message.parse_problem is not None:
        logger.warning("Mailtrap inbound message %s: %s", event_id, message.parse_problem)
    return AnymailInboundEvent(
        event_type=EventType.INBOUND,
        timestamp=milliseconds_to_datetime(entry.get("timestamp")),
        event_id=event_id,
        esp_event=message_data,
        message=message,
    )


@contextmanager
def _request_errors(action: str, event_id: str) -> Iterator[None]:
    """Re-raise errors with the message's context but without URLs (the raw one is pre-signed)."""
    try:
        yield
    except MailtrapAPIError as err:
        if err.problem == "invalid JSON":
            raise AnymailAPIError(
                f"Invalid JSON fetching Mailtrap inbound message {event_id}", esp_name=ESP_NAME
            ) from None
        raise AnymailRequestsAPIError(
            f"Could not {action} for Mailtrap inbound message {event_id} ({err.problem})",
            response=err.response,
            esp_name=ESP_NAME,
        ) from None
    except requests.RequestException as err:
        raise AnymailRequestsAPIError(
            f"Could not {action} for Mailtrap inbound message {event_id} ({type(err).__name__})",
            response=err.response,
            esp_name=ESP_NAME,
        ) from None


def milliseconds_to_datetime(value: Any) -> datetime | None:
    """Inbound timestamps are in milliseconds (optional: None if missing or unusable)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        seconds = value / 1000
    except OverflowError:  # an int too large for a float, e.g. 10**400
        return None
    return epoch_to_datetime(seconds)
