"""Turn an API payload into a real MIME message, and read MIME messages back for display."""

from __future__ import annotations

import html as html_lib
import json
import mimetypes
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

from .validation import decode_base64

#: Headers the emulator writes itself; payload `headers` cannot replace these.
GENERATED_HEADERS = {
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
}


def format_address(address: dict[str, Any]) -> str:
    """`Name <email>` (or just the email) from an API address object."""
    name = address.get("name") or ""
    if not name:
        return str(address["email"])
    try:
        local, domain = address["email"].rsplit("@", 1)
        return str(Address(display_name=name, username=local, domain=domain))
    except (ValueError, IndexError):
        return formataddr((name, address["email"]))


def render_template(template_uuid: str, variables: dict[str, Any] | None) -> tuple[str, str, str]:
    """Stand-in for a stored Mailtrap template: subject, text and html naming the variables."""
    variables = variables or {}
    subject = f"Template {template_uuid}"
    lines = [f"Rendered from template {template_uuid}."]
    lines += [f"{name}: {json.dumps(value)}" for name, value in variables.items()]
    text = "\n".join(lines) + "\n"
    rows = "".join(
        f"<li><b>{html_lib.escape(name)}</b>: {html_lib.escape(json.dumps(value))}</li>"
        for name, value in variables.items()
    )
    body_html = (
        f"<p>Rendered from template <code>{html_lib.escape(template_uuid)}</code>.</p>"
        f"<ul>{rows}</ul>"
    )
    return subject, text, body_html


def build_mime(payload: dict[str, Any], *, sender_domain: str) -> bytes:
    """The RFC 5322 message Mailtrap would send for an (already validated) payload."""
    subject: str
    text: str | None
    body_html: str | None
    if payload.get("template_uuid"):
        subject, text, body_html = render_template(
            payload["template_uuid"], payload.get("template_variables")
        )
    else:
        subject, text, body_html = payload["subject"], payload.get("text"), payload.get("html")

    message = EmailMessage(policy=policy.SMTP)
    message["From"] = format_address(payload["from"])
    for field_name in ("to", "cc"):
        if payload.get(field_name):
            message[field_name.title()] = ", ".join(format_address(a) for a in payload[field_name])
    if payload.get("reply_to"):
        message["Reply-To"] = format_address(payload["reply_to"])
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender_domain)
    message["MIME-Version"] = "1.0"
    if payload.get("category"):
        message["X-Mailtrap-Category"] = payload["category"]
    for name, value in (payload.get("headers") or {}).items():
        if name.lower() in GENERATED_HEADERS:
            continue
        del message[name]
        message[name] = value

    if text:
        message.set_content(text, cte="quoted-printable")
        if body_html:
            message.add_alternative(body_html, subtype="html", cte="quoted-printable")
    else:
        message.set_content(body_html or "", subtype="html", cte="quoted-printable")

    attachments = payload.get("attachments") or []
    inline = [a for a in attachments if a.get("disposition") == "inline"]
    regular = [a for a in attachments if a.get("disposition") != "inline"]
    html_part = _html_part(message) if inline else None
    for attachment in inline:
        maintype, subtype, params = _split_type(attachment)
        target = html_part if html_part is not None else message
        target.add_related(
            decode_base64(attachment["content"]) or b"",
            maintype,
            subtype,
            params=params,
            cid=f"<{attachment.get('content_id') or attachment['filename']}>",
            filename=attachment["filename"],
            disposition="inline",
        )
    for attachment in regular:
        maintype, subtype, params = _split_type(attachment)
        message.add_attachment(
            decode_base64(attachment["content"]) or b"",
            maintype,
            subtype,
            params=params,
            filename=attachment["filename"],
        )
    return message.as_bytes()


def _html_part(message: EmailMessage) -> EmailMessage | None:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part
    return None


def _split_type(attachment: dict[str, Any]) -> tuple[str, str, dict[str, str]]:
    """maintype, subtype and parameters (e.g. charset) of an attachment's `type`."""
    content_type = attachment.get("type") or mimetypes.guess_type(attachment["filename"])[0]
    header = Message()
    header["Content-Type"] = content_type or "application/octet-stream"
    params = {str(name): str(value) for name, value in header.get_params()[1:]}
    declared = (content_type or "").split(";")[0].strip().lower()
    if header.get_content_type() != declared:  # unparsable: Message falls back to text/plain
        return "application", "octet-stream", {}
    maintype, _, subtype = declared.partition("/")
    return maintype, subtype, params


@dataclass
class ParsedAttachment:
    """One attachment (or inline part) of a parsed message."""

    filename: str
    content_type: str
    disposition: str | None
    content_id: str | None
    data: bytes


@dataclass
class ParsedMessage:
    """What the web inbox and the inbound API show of a raw message."""

    message: Message
    text: str | None
    html: str | None
    attachments: list[ParsedAttachment] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        """A decoded header value, or None."""
        value = self.message.get(name)
        return str(value) if value is not None else None

    def addresses(self, name: str) -> list[str]:
        """Each address of an address header as `Name <email>` text."""
        header = self.message.get(name)
        if header is None:
            return []
        return [str(a) for a in getattr(header, "addresses", [])] or [str(header)]


def _decoded_payload(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def parse_mime(raw: bytes) -> ParsedMessage:
    """Split a raw message into bodies and attachments."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    text = html = None
    attachments: list[ParsedAttachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        content_id = part.get("Content-ID")
        is_body = disposition is None or (disposition == "inline" and not part.get_filename())
        if content_type == "text/plain" and is_body and text is None and not content_id:
            text = part.get_content()
        elif content_type == "text/html" and is_body and html is None and not content_id:
            html = part.get_content()
        else:
            attachments.append(
                ParsedAttachment(
                    filename=part.get_filename() or "attachment",
                    content_type=content_type,
                    disposition=disposition,
                    content_id=str(content_id).strip("<>") if content_id else None,
                    data=_decoded_payload(part),
                )
            )
    return ParsedMessage(message=message, text=text, html=html, attachments=attachments)
