"""Decoding and checking JSON / JSON Lines webhook bodies.

Every problem found here is the sender's (or an attacker's) fault, so it raises
AnymailWebhookPayloadError, which the view answers with 400 and a short
reason. Nothing here may raise anything else for any body: a malformed request
must never turn into a 500.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from ..exceptions import AnymailWebhookPayloadError

__all__ = ["decode_entries", "epoch_to_datetime", "require_event_name", "require_fields"]

JSON_LINES_CONTENT_TYPES = frozenset({"application/jsonl", "application/x-ndjson"})


def decode_entries(body: bytes, content_type: str = "") -> list[Any]:
    """The event entries of ``{"events": [...]}`` or of JSON Lines (one object per line).

    The body's shape decides, with the content type only as a hint: a body that
    parses as one JSON object is the envelope, unless it is itself a single
    event (has "event", or was labelled JSON Lines); anything else is tried as
    JSON Lines.
    """
    if not body.strip():
        raise AnymailWebhookPayloadError("Empty request body")
    try:
        document = json.loads(body)
    except ValueError:
        return _decode_json_lines(body)
    if not isinstance(document, dict):
        raise AnymailWebhookPayloadError("Body must be a JSON object or JSON Lines of objects")
    if "events" in document:
        events = document["events"]
        if not isinstance(events, list):
            raise AnymailWebhookPayloadError("'events' must be a list")
        return events
    if "event" in document or content_type.lower() in JSON_LINES_CONTENT_TYPES:
        return [document]  # JSON Lines with a single line
    return []  # an envelope without events: nothing to do


def _decode_json_lines(body: bytes) -> list[Any]:
    entries = []
    for number, line in enumerate(body.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entries.append(json.loads(line))
        except ValueError:
            raise AnymailWebhookPayloadError(
                f"Body is neither JSON nor JSON Lines (line {number} does not parse)"
            ) from None
    return entries


def require_event_name(entry: Any, number: int) -> None:
    """Every entry must be an object with a string "event"."""
    if not isinstance(entry, dict):
        raise AnymailWebhookPayloadError(f"Event {number} is not a JSON object")
    require_fields(entry, number, event=(str,))


def require_fields(
    entry: dict[str, Any], number: int, optional: bool = False, **fields: tuple[type, ...]
) -> None:
    """Check each named field's type; missing (None/"") fields fail unless `optional`."""
    for name, kinds in fields.items():
        value = entry.get(name)
        if value is None or value == "":
            if optional:
                continue
            raise AnymailWebhookPayloadError(f"Event {number} is missing '{name}'")
        if isinstance(value, bool) or not isinstance(value, kinds):
            expected = " or ".join(_JSON_TYPE_NAMES.get(kind, kind.__name__) for kind in kinds)
            raise AnymailWebhookPayloadError(
                f"Event {number} has an invalid '{name}' (expected {expected})"
            )


def epoch_to_datetime(value: Any) -> datetime | None:
    """Unix seconds → aware UTC datetime; None when not a number or out of range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):  # huge, NaN or infinite
        return None


_JSON_TYPE_NAMES = {str: "string", int: "integer", float: "number", dict: "object", list: "list"}
