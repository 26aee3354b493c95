"""Decoding and checking JSON / JSON Lines webhook bodies.

Every problem found here is the sender's (or an attacker's) fault, so it raises
AnymailWebhookPayloadError, which the view answers with 400 and a short
reason. Nothing here may raise anything else for any body: a malformed request
must never turn into a 500.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from itertools import accumulate
from typing import Any

from ..exceptions import AnymailWebhookPayloadError

__all__ = [
    "MAX_JSON_DEPTH",
    "decode_entries",
    "epoch_to_datetime",
    "json_nesting_depth",
    "require_event_name",
    "require_fields",
]

JSON_LINES_CONTENT_TYPES = frozenset({"application/jsonl", "application/x-ndjson"})
#: Mailtrap's bodies nest 4 levels deep; far deeper ones would make `json` raise RecursionError.
MAX_JSON_DEPTH = 100

_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_BRACKET_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 / -1 as signed bytes


def decode_entries(body: bytes, content_type: str = "") -> list[Any]:
    """The event entries of ``{"events": [...]}`` or of JSON Lines (one object per line).

    The body's shape decides, with the content type only as a hint: a body that
    parses as one JSON object is the envelope, unless it is itself a single
    event (has "event", or was labelled JSON Lines); anything else is tried as
    JSON Lines.
    """
    if not body.strip():
        raise AnymailWebhookPayloadError("Empty request body")
    if json_nesting_depth(body) > MAX_JSON_DEPTH:
        raise AnymailWebhookPayloadError(f"Body is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        document = json.loads(body)
    except ValueError:
        return _decode_json_lines(body)
    except RecursionError:  # not reached after the depth check; kept as a safety net
        raise AnymailWebhookPayloadError("Body is nested too deeply") from None
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
        except (ValueError, RecursionError):
            raise AnymailWebhookPayloadError(
                f"Body is neither JSON nor JSON Lines (line {number} does not parse)"
            ) from None
    return entries


def json_nesting_depth(body: bytes) -> int:
    """How deeply the arrays and objects of a JSON (Lines) body nest, in linear time.

    Exact for valid JSON (brackets inside strings do not count); for anything else
    a bound that only decides which 400 the body gets.
    """
    # Drop escaped backslashes, then escaped quotes: what remains splits cleanly on quotes,
    # and every other piece is outside a string.
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside_strings = b"".join(unescaped.split(b'"')[::2])
    brackets = outside_strings.translate(None, _NOT_BRACKETS).translate(_BRACKET_STEPS)
    return max(accumulate(memoryview(brackets).cast("b")), default=0)


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
