"""A prepared Mailtrap payload -> the outbox rows that carry it (one /api/batch entry each).

An ordinary message is one entry: its complete /api/send body. A merge batch (one
message per `to` recipient) becomes one entry per `to`, each with `base` merged in, so
every entry can be sent alone in any /api/batch call. Each entry carries the row's id
as the custom variable `anymail_id`, so Mailtrap's webhooks name the queued message.

This runs in the caller for every queued message, so it stays lean: the body is
encoded once, with the id (see `ids`) already in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from ..mailtrap.payload import MailtrapPayload

#: The custom variable that carries the project's message id to Mailtrap.
ID_VARIABLE = "anymail_id"
#: Joins a row's recipient emails (an email address never contains a line break).
RECIPIENT_SEPARATOR = "\n"
CC_BCC = ("cc", "bcc")


class Entry(NamedTuple):
    """One future outbox row: its id (a UUID's str), JSON body and recipient emails
    (to, cc, bcc order)."""

    key: str
    body: str
    recipients: list[str]


def payload_entries(payload: MailtrapPayload, ids: Iterator[str]) -> list[Entry]:
    """The entries of one message (serialization errors raise here, in the caller)."""
    body = payload.build_body()
    if not payload.is_batch_send:
        return [_entry(payload, body, next(ids))]
    base: dict[str, Any] = body["base"]
    return [_entry(payload, {**base, **request}, next(ids)) for request in body["requests"]]


def _entry(payload: MailtrapPayload, data: dict[str, Any], key: str) -> Entry:
    variables = data.get("custom_variables")
    data["custom_variables"] = {**variables, ID_VARIABLE: key} if variables else {ID_VARIABLE: key}
    recipients = [recipient["email"] for recipient in data.get("to", ())]
    if "cc" in data or "bcc" in data:
        recipients += [recipient["email"] for kind in CC_BCC for recipient in data.get(kind, ())]
    return Entry(key, payload.encode_json(data).text(), recipients)
