"""Building received messages by hand, as an ESP would deliver them (mainly for receiver tests).

The base of `anymail.inbound.AnymailInboundMessage`: its ``construct*`` class methods
live here so that module stays about reading received mail.
"""

from __future__ import annotations

import base64 as base64_codec
from collections.abc import Iterable, Mapping
from email.message import MIMEPart
from typing import Any, TypeVar

from .inbound_headers import SafeHeadersMessage

__all__ = ["ConstructibleMessage", "HeaderPairs"]

HeaderPairs = Mapping[str, str] | Iterable[tuple[str, str]]
M = TypeVar("M", bound="ConstructibleMessage")


class ConstructibleMessage(SafeHeadersMessage):
    """Class methods that build messages and attachment parts of the calling class."""

    @classmethod
    def parse_raw_mime_bytes(cls: type[M], b: bytes, limits: Any = None) -> M:
        """Parse a complete message from bytes (implemented by AnymailInboundMessage)."""
        raise NotImplementedError

    @classmethod
    def construct(
        cls: type[M],
        raw_headers: str | None = None,
        from_email: str | None = None,
        to: str | None = None,
        cc: str | None = None,
        bcc: str | None = None,
        subject: str | None = None,
        headers: HeaderPairs | None = None,
        text: str | None = None,
        text_charset: str = "utf-8",
        html: str | None = None,
        html_charset: str = "utf-8",
        attachments: Iterable[M] | None = None,
    ) -> M:
        """Build a message as an ESP would deliver it: mixed ⊃ related ⊃ alternative."""
        if raw_headers:
            msg = cls.parse_raw_mime_bytes(raw_headers.encode("utf-8", "surrogateescape"))
        else:
            msg = cls()
        for name in ("Content-Type", "Content-Transfer-Encoding"):
            del msg[name]
        explicit = {"From": from_email, "To": to, "Cc": cc, "Bcc": bcc, "Subject": subject}
        for name, value in explicit.items():
            if value is not None:
                del msg[name]
                msg[name] = value
        if headers:
            pairs = headers.items() if isinstance(headers, Mapping) else headers
            for name, value in pairs:
                msg[name] = value
        if "MIME-Version" not in msg:
            msg["MIME-Version"] = "1.0"

        alternative = cls._multipart("alternative")
        for content, subtype, charset in (
            (text, "plain", text_charset),
            (html, "html", html_charset),
        ):
            if content is not None:
                alternative.attach(cls._text_part(content, subtype, charset))
        related = cls._multipart("related")
        related.attach(alternative)
        msg["Content-Type"] = "multipart/mixed"
        msg.set_payload([related])
        for attachment in attachments or []:
            inline = attachment.get_content_disposition() == "inline"
            (related if inline else msg).attach(attachment)
        return msg

    @classmethod
    def _multipart(cls: type[M], subtype: str) -> M:
        part = cls()
        part["Content-Type"] = f"multipart/{subtype}"
        part.set_payload([])
        return part

    @classmethod
    def construct_attachment(
        cls: type[M],
        content_type: str,
        content: str | bytes,
        charset: str | None = None,
        filename: str | None = None,
        content_id: str | None = None,
        base64: bool = False,
    ) -> M:
        """Build an attachment part; it is inline (with a Content-ID) iff content_id is given."""
        if base64:
            content = base64_codec.b64decode(content)
        maintype, _, subtype = content_type.partition("/")
        part = cls()
        name = _clean_filename(filename)
        options: dict[str, Any] = {
            "disposition": "inline" if content_id else "attachment",
            "filename": name,
            "cid": f"<{content_id.strip('<>')}>" if content_id else None,
        }
        if maintype == "message":
            if isinstance(content, str):
                content = content.encode(charset or "utf-8")
            attached = cls.parse_raw_mime_bytes(content)
            MIMEPart.set_content(part, attached, subtype=subtype, **options)
            if name is not None:
                part.set_param("name", name)
        else:
            if isinstance(content, str):
                charset = charset or "utf-8"
                content = content.encode(charset)
            part = cls._bytes_part(content, maintype, subtype, charset, name, **options)
        return part

    @classmethod
    def _text_part(cls: type[M], content: str, subtype: str, charset: str) -> M:
        return cls._bytes_part(content.encode(charset), "text", subtype, charset)

    @classmethod
    def _bytes_part(
        cls: type[M],
        content: bytes,
        maintype: str,
        subtype: str,
        charset: str | None,
        name: str | None = None,
        **options: Any,
    ) -> M:
        """A base64 part: content round-trips exactly (set_content on str adds a newline).

        A file name also goes in Content-Type's `name=` (before the charset), as mail
        clients write it and as code reading `get_param("name")` expects.
        """
        part = cls()
        MIMEPart.set_content(part, content, maintype, subtype, **options)
        if name is not None:
            part.set_param("name", name)
        if charset:
            part.set_param("charset", charset)
        return part

    @classmethod
    def construct_attachment_from_uploaded_file(
        cls: type[M], file: Any, content_id: str | None = None
    ) -> M:
        """Build an attachment part from a Django UploadedFile (name, type and charset kept)."""
        content = file.read()
        content_type = getattr(file, "content_type", None) or "application/octet-stream"
        return cls.construct_attachment(
            content_type,
            content,
            charset=getattr(file, "charset", None),
            filename=getattr(file, "name", None),
            content_id=content_id,
        )


def _clean_filename(filename: str | None) -> str | None:
    """CR/LF would break the header, so they become spaces."""
    if filename is None:
        return None
    return filename.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
