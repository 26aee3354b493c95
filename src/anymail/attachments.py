"""Normalized attachments from any form Django accepts (tuples, MIMEBase, MIMEPart)."""

from __future__ import annotations

import mimetypes
from base64 import b64encode
from email.message import Message
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage as DjangoEmailMessage
from django.core.mail.message import DEFAULT_ATTACHMENT_MIME_TYPE


class Attachment:
    """One attachment or inline image, in a shape every ESP adapter can read."""

    def __init__(self, attachment: Any, encoding: str | None = None) -> None:
        self.encoding = encoding or settings.DEFAULT_CHARSET
        self.name: str | None
        self.content: bytes | str | None
        self.mimetype: str
        self.content_type: str
        self.inline = False
        self.content_id: str | None = None
        # (content, encoding, encoded bytes) of the last str content encoded
        self._encoded: tuple[str, str, bytes] | None = None
        if isinstance(attachment, Message):
            self._init_from_mime(attachment)
        else:
            self._init_from_tuple(attachment)
        self.cid = self._unbracketed(self.content_id)

    @staticmethod
    def _unbracketed(content_id: str | None) -> str | None:
        if content_id and content_id.startswith("<") and content_id.endswith(">"):
            return content_id[1:-1]
        return content_id

    def _init_from_mime(self, part: Message) -> None:
        self.name = part.get_filename()
        self.mimetype = part.get_content_type()
        self.content_type = str(part["Content-Type"] or self.mimetype)
        if part.get_content_maintype() == "message":
            inner = part.get_payload(0)
            self.content = inner.as_bytes() if isinstance(inner, Message) else None
        else:
            payload = part.get_payload(decode=True)
            self.content = payload if isinstance(payload, bytes) else None
        content_id = part["Content-ID"]
        self.content_id = str(content_id).strip() if content_id is not None else None
        disposition = part.get_content_disposition()
        self.inline = disposition == "inline" or (disposition is None and bool(self.content_id))

    def _init_from_tuple(self, attachment: Any) -> None:
        filename, content, mimetype = (*tuple(attachment), None, None, None)[:3]
        self.name = str(filename) if filename else None
        if isinstance(content, DjangoEmailMessage):
            content = content.message().as_bytes()
            mimetype = mimetype or "message/rfc822"
        elif isinstance(content, Message):
            content = content.as_bytes()
            mimetype = mimetype or "message/rfc822"
        if not mimetype and self.name:
            mimetype, _ = mimetypes.guess_type(self.name)
        self.mimetype = mimetype or DEFAULT_ATTACHMENT_MIME_TYPE
        self.content = content
        if isinstance(content, str) or self.mimetype.startswith("text/"):
            self.content_type = f'{self.mimetype}; charset="{self.encoding}"'
        else:
            self.content_type = self.mimetype

    @property
    def content_bytes(self) -> bytes:
        """The raw content as bytes (str content encoded with the attachment's charset).

        Encoded once and remembered: a text attachment may be large, and its size, its
        body and its repr all need the bytes. Assigning `content` again re-encodes it.
        """
        content = self.content
        if content is None:
            return b""
        if not isinstance(content, str):
            return bytes(content)  # a bytes object is returned as is, not copied
        cached = self._encoded
        if cached is None or cached[0] is not content or cached[1] != self.encoding:
            cached = self._encoded = (content, self.encoding, content.encode(self.encoding))
        return cached[2]

    @property
    def b64content(self) -> str:
        """The content, base64-encoded (computed on demand: attachments can be large)."""
        return b64encode(self.content_bytes).decode("ascii")

    def __repr__(self) -> str:
        details = [repr(self.mimetype), f"len={len(self.content_bytes)}"]
        if self.name:
            details.insert(0, repr(self.name))
        if self.inline:
            details.append(f"content_id={self.content_id!r}")
        return f"Attachment<{', '.join(details)}>"
