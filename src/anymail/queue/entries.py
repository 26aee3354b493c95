"""A prepared Mailtrap payload -> the outbox rows that carry it (one /api/batch entry each).

An ordinary message is one entry: its complete /api/send body. A merge batch (one
message per `to` recipient) becomes one entry per `to`, each with `base` merged in, so
every entry can be sent alone in any /api/batch call. Each entry carries the row's id
as the custom variable `anymail_id`, so Mailtrap's webhooks name the queued message.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..mailtrap.payload import RECIPIENT_TYPES, MailtrapPayload

#: The custom variable that carries the project's message id to Mailtrap.
ID_VARIABLE = "anymail_id"


@dataclass
class Entry:
    """One future outbox row: its id, JSON body and recipients (to, cc, bcc order)."""

    id: uuid.UUID
    key: str  # str(id), computed once
    body: str
    recipients: list[str]


def payload_entries(payload: MailtrapPayload) -> Iterator[Entry]:
    """The entries of one message (serialization errors raise here, in the caller)."""
    body = payload.build_body()
    if not payload.is_batch_send:
        yield _entry(payload, body, payload_recipients(body))
        return
    base: dict[str, Any] = body["base"]
    for request in body["requests"]:
        entry = {**base, **request}
        yield _entry(payload, entry, payload_recipients(entry))


def payload_recipients(entry: dict[str, Any]) -> list[str]:
    return [recipient["email"] for kind in RECIPIENT_TYPES for recipient in entry.get(kind, ())]


def _entry(payload: MailtrapPayload, data: dict[str, Any], recipients: list[str]) -> Entry:
    entry_id = uuid.uuid4()
    key = str(entry_id)
    data["custom_variables"] = {**data.get("custom_variables", {}), ID_VARIABLE: key}
    return Entry(entry_id, key, payload.encode_json(data).text(), recipients)
