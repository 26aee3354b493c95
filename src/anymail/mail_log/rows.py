"""One Mailtrap send entry -> the log's rows: a SentMessage and its Recipients (unsaved).

Every logged message is built from the JSON body Mailtrap got for it (an /api/send body,
or one /api/batch entry): the payload's data for a synchronous send, the stored body for
a queued one. So both paths log exactly what was sent -- SEND_DEFAULTS, esp_extra and
merge data applied -- through this one function. A merge batch is one entry (and one
logged message) per `to` recipient, as Mailtrap makes one message of each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from email.utils import getaddresses
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol
from urllib.parse import urlsplit

from django.apps import apps

from .options import LogOptions
from .status import Status, Stream, highest

if TYPE_CHECKING:
    from .models import Recipient, SentMessage

#: Recipient kinds, in the order Mailtrap answers their message ids.
KINDS = ("to", "cc", "bcc")
#: The queue's custom variable with the project's id: the row's id already says it.
ID_VARIABLE = "anymail_id"
#: Longest error text kept (an API error's text can carry a whole response body).
MAX_ERROR = 2000
_LIMITS = {"subject": 500, "category": 255, "template_id": 100, "from_email": 400}


class Answer(Protocol):
    """What Mailtrap answered for one recipient (an AnymailRecipientStatus, or `Accepted`)."""

    @property
    def message_id(self) -> Any: ...

    @property
    def status(self) -> str | None: ...


class Accepted(NamedTuple):
    """An answer read back from the outbox's `esp_status`."""

    message_id: Any
    status: str | None


class Outcome(NamedTuple):
    """How one entry's send ended, for its recipients without an answer of their own."""

    status: str  # Status.SENT, NOT_ACCEPTED, UNKNOWN or QUEUED
    error: str = ""
    unknown: frozenset[str] = frozenset()  # emails whose copy may have gone out


def log_models() -> tuple[type[SentMessage], type[Recipient]]:
    """The models, looked up at run time (the receivers load before the models do)."""
    return (
        apps.get_model("anymail_mail_log", "SentMessage"),
        apps.get_model("anymail_mail_log", "Recipient"),
    )


def stream_of(send_api_url: str, sandbox: bool) -> str:
    """The stream a send API URL serves: its host or path says bulk (bulk.api.mailtrap.io,
    or the emulator's /bulk/api/)."""
    if sandbox:
        return Stream.SANDBOX
    parts = urlsplit(send_api_url)
    bulk = (parts.hostname or "").startswith("bulk.") or parts.path.startswith("/bulk/")
    return Stream.BULK if bulk else Stream.TRANSACTIONAL


#: A row to insert: column (attribute) name -> value, every column, in the same order.
Row = dict[str, Any]


def entry_rows(
    entry: Mapping[str, Any],
    *,
    message_id: Any,
    created_at: datetime,
    outcome: Outcome,
    answers: Mapping[str, Answer],
    stream: str,
    mailer: str | None,
    options: LogOptions,
    at: datetime | None = None,
) -> tuple[Row, list[Row]]:
    """The SentMessage row and Recipient rows of one entry; `answers` are Mailtrap's per
    recipient (by email as sent). `at`: when the outcome became known (default
    `created_at`). Plain rows, not model instances: a send run inserts thousands (insert.py)."""
    at = at or created_at
    recipients = []
    for kind in KINDS:
        for address in entry.get(kind) or ():
            email = str(address.get("email", "")) if isinstance(address, Mapping) else ""
            status, mailtrap_id = recipient_status(email, outcome, answers.get(email))
            recipients.append(
                {
                    "message_id": message_id,
                    "kind": kind,
                    "email": email.lower(),
                    "name": str(address.get("name") or "")[:200],
                    "mailtrap_message_id": mailtrap_id,
                    "status": status,
                    "status_at": at,
                }
            )
    statuses = [recipient["status"] for recipient in recipients]
    bodies = options.store_bodies
    message = {
        "id": message_id,
        "created_at": created_at,
        "status": highest(statuses) if statuses else outcome.status,
        "status_at": at,
        "accepted_at": at if Status.SENT in statuses else None,
        "stream": stream,
        "mailer": mailer or "",
        "from_email": _clip("from_email", _address(entry.get("from"))),
        "subject": _clip("subject", entry.get("subject")),
        "category": _clip("category", entry.get("category")),
        "template_id": _clip("template_id", entry.get("template_uuid")),
        "metadata": _metadata(entry.get("custom_variables")),
        "error": outcome.error[:MAX_ERROR],
        "text_body": str(entry.get("text") or "") if bodies else "",
        "html_body": str(entry.get("html") or "") if bodies else "",
        "attachments": [],
    }
    return message, recipients


def recipient_status(email: str, outcome: Outcome, answer: Answer | None) -> tuple[str, str | None]:
    if answer is not None and answer.message_id and answer.status in ("queued", "sent"):
        return Status.SENT, str(answer.message_id)
    if answer is not None and answer.status in ("failed", "rejected", "invalid"):
        return Status.NOT_ACCEPTED, None  # Mailtrap refused this recipient (or its entry)
    if email in outcome.unknown:
        return Status.UNKNOWN, None
    return outcome.status, None


def message_entry(message: Any) -> dict[str, Any]:
    """A send body rebuilt from an EmailMessage, for a message whose payload could not be
    built (it failed validation): the fields as given, addresses as parsed by the stdlib."""
    entry: dict[str, Any] = {
        "from": _parsed(getattr(message, "from_email", "") or ""),
        "subject": str(getattr(message, "subject", "") or ""),
        "text": str(getattr(message, "body", "") or ""),
    }
    for kind in KINDS:
        entry[kind] = [_parsed(one) for one in getattr(message, kind, None) or ()]
    tags = getattr(message, "tags", None)
    if isinstance(tags, list) and tags:
        entry["category"] = str(tags[0])
    metadata = getattr(message, "metadata", None)
    if isinstance(metadata, dict):
        entry["custom_variables"] = {str(key): str(value) for key, value in metadata.items()}
    template_id = getattr(message, "template_id", None)
    if isinstance(template_id, str):
        entry["template_uuid"] = template_id
    return entry


def attachment_info(attachments: Iterable[Any]) -> list[dict[str, Any]]:
    """Name, type and size of each attachment of an EmailMessage (never the content)."""
    info = []
    for attachment in attachments:
        if hasattr(attachment, "get_filename"):  # a MIMEBase part
            name, mimetype = attachment.get_filename(), attachment.get_content_type()
            size = len(attachment.get_payload(decode=True) or b"")
        else:  # (filename, content, mimetype), or Django's EmailAttachment
            name, content, mimetype = attachment
            size = len(content.encode() if isinstance(content, str) else content or b"")
        info.append({"filename": name or "", "mimetype": _bare(mimetype), "size": size})
    return info


def body_attachment_info(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The same for a stored send body (from the base64 content's length)."""
    info = []
    for item in entry.get("attachments") or ():
        if isinstance(item, Mapping):
            content = str(item.get("content") or "")
            size = len(content) * 3 // 4 - len(content) + len(content.rstrip("="))
            filename = str(item.get("filename") or "")
            info.append({"filename": filename, "mimetype": _bare(item.get("type")), "size": size})
    return info


def _bare(mimetype: Any) -> str:
    """A MIME type without its parameters ("text/csv", not 'text/csv; charset="utf-8"')."""
    return str(mimetype or "").partition(";")[0].strip()


def _parsed(address: str) -> dict[str, str]:
    pairs = getaddresses([str(address)])
    name, email = pairs[0] if pairs else ("", str(address))
    return {"email": email, "name": name} if name else {"email": email}


def _address(value: Any) -> str:
    if not isinstance(value, Mapping):
        return ""
    email = str(value.get("email") or "")
    name = value.get("name")
    return f"{name} <{email}>" if name else email


def _metadata(variables: Any) -> dict[str, Any]:
    if not isinstance(variables, Mapping):
        return {}
    if ID_VARIABLE in variables:
        return {key: value for key, value in variables.items() if key != ID_VARIABLE}
    return dict(variables)


def _clip(field: str, value: Any) -> str:
    return str(value or "")[: _LIMITS[field]]
