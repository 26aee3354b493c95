"""Mailtrap's rules for send and batch bodies, with its error wording where it is documented."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from typing import Any

MAX_ADDRESSES = 1000
MAX_BATCH_REQUESTS = 500
MAX_CATEGORY_LENGTH = 255
MAX_CUSTOM_VARIABLES_BYTES = 1000
RECIPIENT_FIELDS = ("to", "cc", "bcc")
#: Fields a batch `base` may carry (everything but recipients).
BASE_FIELDS = (
    "from",
    "reply_to",
    "subject",
    "text",
    "html",
    "attachments",
    "headers",
    "category",
    "custom_variables",
    "template_uuid",
    "template_variables",
)
TEMPLATE_EXCLUDED_FIELDS = ("subject", "text", "html", "category")

_LOCAL_PART = re.compile(r"^[^\s@<>(),;:\"\[\]\\]+$")
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}$"
)


def is_valid_email(value: Any) -> bool:
    """An ASCII addr-spec with a dotted domain (IDN domains must arrive punycoded)."""
    if not isinstance(value, str) or value.count("@") != 1:
        return False
    local, domain = value.split("@")
    return bool(_LOCAL_PART.match(local)) and value.isascii() and bool(_DOMAIN.match(domain))


def _has_non_ascii_local_part(value: Any) -> bool:
    return isinstance(value, str) and "@" in value and not value.rsplit("@", 1)[0].isascii()


def _present(payload: dict[str, Any], name: str) -> bool:
    return payload.get(name) not in (None, "")


def _address_errors(payload: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    sender = payload.get("from")
    if not sender:
        errors.append("'from' is required")
    elif not isinstance(sender, dict) or not isinstance(sender.get("email"), str):
        errors.append("'from' address is invalid")
    elif _has_non_ascii_local_part(sender["email"]):
        errors.append("'From' header does not match the sender's domain")
    elif not is_valid_email(sender["email"]):
        errors.append("'from' address is invalid")

    reply_to = payload.get("reply_to")
    if reply_to is not None and (
        not isinstance(reply_to, dict) or not is_valid_email(reply_to.get("email"))
    ):
        errors.append("'reply_to' address is invalid")

    total = 0
    for field in RECIPIENT_FIELDS:
        addresses = payload.get(field)
        if addresses is None:
            continue
        if not isinstance(addresses, list):
            errors.append(f"'{field}' must be an array")
            continue
        total += len(addresses)
        if len(addresses) > MAX_ADDRESSES:
            errors.append(f"too many addresses in '{field}' (maximum is {MAX_ADDRESSES})")
            continue
        for index, address in enumerate(addresses):
            if not isinstance(address, dict) or not is_valid_email(address.get("email")):
                errors.append(f"address is invalid in '{field}' {index}")
    if total == 0:
        errors.append("'to', 'cc' or 'bcc' address is required")
    return errors


def _content_errors(payload: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    if _present(payload, "template_uuid"):
        template_uuid = payload["template_uuid"]
        try:
            uuid.UUID(str(template_uuid))
        except ValueError:
            errors.append("'template_uuid' is invalid")
        for field in TEMPLATE_EXCLUDED_FIELDS:
            if field in payload and payload[field] is not None:
                errors.append(f"'{field}' is not allowed with 'template_uuid'")
        variables = payload.get("template_variables")
        if variables is not None and not isinstance(variables, dict):
            errors.append("'template_variables' must be an object")
        return errors
    if payload.get("template_variables") is not None:
        errors.append("'template_variables' is not allowed without 'template_uuid'")
    if not _present(payload, "subject"):
        errors.append("'subject' is required")
    elif not isinstance(payload["subject"], str):
        errors.append("'subject' must be a string")
    if not _present(payload, "text") and not _present(payload, "html"):
        errors.append("must specify either text or html body")
    for field in ("text", "html"):
        if _present(payload, field) and not isinstance(payload[field], str):
            errors.append(f"'{field}' must be a string")
    category = payload.get("category")
    if category is not None:
        if not isinstance(category, str):
            errors.append("'category' must be a string")
        elif len(category) > MAX_CATEGORY_LENGTH:
            errors.append(f"'category' is too long (maximum is {MAX_CATEGORY_LENGTH} characters)")
    return errors


def _metadata_errors(payload: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    custom_variables = payload.get("custom_variables")
    if custom_variables is not None:
        if not isinstance(custom_variables, dict):
            errors.append("'custom_variables' must be an object")
        elif len(
            json.dumps(custom_variables, separators=(",", ":"), ensure_ascii=False).encode()
        ) > (MAX_CUSTOM_VARIABLES_BYTES):
            errors.append(f"'custom_variables' size exceeds {MAX_CUSTOM_VARIABLES_BYTES} bytes")
    headers = payload.get("headers")
    if headers is not None:
        if not isinstance(headers, dict):
            errors.append("'headers' must be an object")
        elif not all(isinstance(v, str) for v in headers.values()):
            errors.append("'headers' values must be strings")
    return errors


def _attachment_errors(payload: dict[str, Any]) -> list[str]:
    attachments = payload.get("attachments")
    if attachments is None:
        return []
    if not isinstance(attachments, list):
        return ["'attachments' must be an array"]
    errors: list[str] = []
    for index, attachment in enumerate(attachments):
        if not isinstance(attachment, dict):
            errors.append(f"attachment {index} is invalid")
            continue
        if not _present(attachment, "filename"):
            errors.append(f"'filename' is required in attachment {index}")
        content = attachment.get("content")
        if not _present(attachment, "content"):
            errors.append(f"'content' is required in attachment {index}")
        elif decode_base64(content) is None:
            errors.append(f"'content' is not valid base64 in attachment {index}")
        disposition = attachment.get("disposition")
        if disposition is not None and disposition not in ("attachment", "inline"):
            errors.append(f"'disposition' is invalid in attachment {index}")
    return errors


def decode_base64(content: Any) -> bytes | None:
    """Strictly decode Base64 attachment content; None when it is not valid Base64."""
    if not isinstance(content, str):
        return None
    try:
        return base64.b64decode("".join(content.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def message_errors(payload: Any, *, max_bytes: int) -> list[str]:
    """All validation errors of one (effective) message, empty when Mailtrap would accept it."""
    if not isinstance(payload, dict):
        return ["request body must be a JSON object"]
    errors = (
        _address_errors(payload)
        + _content_errors(payload)
        + _metadata_errors(payload)
        + _attachment_errors(payload)
    )
    if len(json.dumps(payload, ensure_ascii=False).encode()) > max_bytes:
        errors.append(f"message size exceeds the {max_bytes // (1024 * 1024)} MB limit")
    return errors


def batch_errors(body: Any) -> list[str]:
    """Errors that reject a whole batch call (HTTP 400) rather than one entry."""
    if not isinstance(body, dict):
        return ["request body must be a JSON object"]
    requests = body.get("requests")
    if not requests:
        return ["empty field: 'requests'"]
    if not isinstance(requests, list):
        return ["'requests' must be an array"]
    if len(requests) > MAX_BATCH_REQUESTS:
        return [f"too many requests in batch (maximum is {MAX_BATCH_REQUESTS})"]
    base = body.get("base")
    if base is not None:
        if not isinstance(base, dict):
            return ["'base' must be an object"]
        recipients = [field for field in RECIPIENT_FIELDS if field in base]
        if recipients:
            return [f"'{recipients[0]}' is not allowed in 'base'"]
    return []


def effective_message(base: dict[str, Any] | None, request: Any) -> Any:
    """A batch entry on top of `base`: each field the entry sets replaces the base field whole."""
    if not isinstance(request, dict):
        return request
    merged = {name: value for name, value in (base or {}).items() if name in BASE_FIELDS}
    merged.update(request)
    return merged
