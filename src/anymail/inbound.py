"""AnymailInboundMessage: a received email, parsed once, with convenient accessors.

Inbound webhooks hand receivers one of these (``event.message``). It is a
standard :class:`email.message.EmailMessage` (``email.policy.default``), so the
whole stdlib API works on it; the extra properties below cover what a receiver
usually needs without walking the MIME tree by hand.
"""

from __future__ import annotations

import base64 as base64_codec
import warnings
from collections.abc import Iterable, Mapping
from datetime import datetime
from email import policy
from email.headerregistry import AddressHeader
from email.message import EmailMessage, MIMEPart
from email.parser import BytesFeedParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import IO, Any, cast

from django.core.files.uploadedfile import SimpleUploadedFile

from .addresses import EmailAddress
from .exceptions import AnymailDeprecationWarning, AnymailInvalidAddress
from .utils import DEFAULT_DOWNLOAD_CHUNK_SIZE

__all__ = ["AnymailInboundMessage"]

HeaderPairs = Mapping[str, str] | Iterable[tuple[str, str]]


class AnymailInboundMessage(EmailMessage):
    """A received message; every MIME sub-part is an AnymailInboundMessage too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Filled in by ESPs that report them (Mailtrap does not):
        self.envelope_sender: str | None = None
        self.envelope_recipient: str | None = None
        self.stripped_text: str | None = None
        self.stripped_html: str | None = None
        self.spam_detected: bool | None = None
        self.spam_score: float | None = None

    # --- Headers -------------------------------------------------------------

    @property
    def from_email(self) -> EmailAddress | list[EmailAddress] | None:
        """The From address; a list in the rare case of several, None if missing."""
        addresses = self.get_address_header("From")
        if not addresses:
            return None
        return addresses[0] if len(addresses) == 1 else addresses

    @property
    def to(self) -> list[EmailAddress]:
        """All To addresses (from every To header)."""
        return self.get_address_header("To")

    @property
    def cc(self) -> list[EmailAddress]:
        """All Cc addresses."""
        return self.get_address_header("Cc")

    @property
    def bcc(self) -> list[EmailAddress]:
        """All Bcc addresses (rarely present in received mail)."""
        return self.get_address_header("Bcc")

    @property
    def subject(self) -> str | None:
        """The decoded Subject, or None if there is none."""
        value = self.get("Subject")
        return None if value is None else str(value)

    @property
    def date(self) -> datetime | None:
        """The Date header as a datetime (naive if it has no zone); None if unusable."""
        return self.get_date_header("Date")

    def get_address_header(self, header: str) -> list[EmailAddress]:
        """Every address in all `header` fields; [] when missing or blank."""
        addresses: list[EmailAddress] = []
        for value in self.get_all(header) or []:
            if isinstance(value, AddressHeader):
                pairs = [(a.display_name, a.addr_spec) for a in value.addresses]
            else:  # a header the registry does not know as an address field
                pairs = getaddresses([str(value)])
            for display_name, addr_spec in pairs:
                address = _to_email_address(display_name, addr_spec)
                if address is not None:
                    addresses.append(address)
        return addresses

    def get_date_header(self, header: str) -> datetime | None:
        """Parse a date header leniently: an unparsable date gives None, never an error."""
        value = self.get(header)
        if value is None:
            return None
        try:
            return parsedate_to_datetime(str(value))
        except (TypeError, ValueError, IndexError):
            return None

    # --- Body and parts ------------------------------------------------------

    @property
    def text(self) -> str | None:
        """The plain-text body (first non-attachment text/plain part), or None."""
        return self._body_text("text/plain")

    @property
    def html(self) -> str | None:
        """The HTML body (first non-attachment text/html part), or None."""
        return self._body_text("text/html")

    def _body_text(self, content_type: str) -> str | None:
        for part in self.walk():
            if part.get_content_type() == content_type and not part.is_attachment():
                return part.get_content_text()
        return None

    @property
    def attachments(self) -> list[AnymailInboundMessage]:
        """Every part (at any depth) with an ``attachment`` disposition."""
        return [part for part in self.walk() if part.is_attachment()]

    @property
    def inlines(self) -> list[AnymailInboundMessage]:
        """Every part with an ``inline`` disposition (images shown in the HTML, etc.)."""
        return [part for part in self.walk() if part.is_inline()]

    @property
    def content_id_map(self) -> dict[str, AnymailInboundMessage]:
        """Inline parts by Content-ID (without <>), to resolve ``cid:`` links in the HTML."""
        result: dict[str, AnymailInboundMessage] = {}
        for part in self.inlines:
            content_id = part.get("Content-ID")
            if content_id:
                result[str(content_id).strip().strip("<>")] = part
        return result

    @property
    def inline_attachments(self) -> dict[str, AnymailInboundMessage]:
        """Deprecated alias of content_id_map."""
        warnings.warn(
            "inline_attachments has been renamed to content_id_map and will be removed.",
            AnymailDeprecationWarning,
            stacklevel=2,
        )
        return self.content_id_map

    def is_inline(self) -> bool:
        """True when this part's disposition is ``inline``."""
        return self.get_content_disposition() == "inline"

    def is_inline_attachment(self) -> bool:
        """Deprecated alias of is_inline()."""
        warnings.warn(
            "is_inline_attachment has been renamed to is_inline and will be removed.",
            AnymailDeprecationWarning,
            stacklevel=2,
        )
        return self.is_inline()

    def get_content_bytes(self) -> bytes:
        """The decoded payload; for message/* parts, the attached message as bytes."""
        maintype = self.get_content_maintype()
        if maintype == "multipart":
            raise ValueError("get_content_bytes() is not valid on multipart messages")
        if maintype == "message":
            return self._attached_message().as_bytes()
        return self._decoded_payload() or b""

    def get_content_text(self, charset: str | None = None, errors: str | None = None) -> str | None:
        """The decoded payload as text with ``\\n`` line endings; None without a payload."""
        maintype = self.get_content_maintype()
        if maintype == "multipart":
            raise ValueError("get_content_text() is not valid on multipart messages")
        if maintype == "message":
            return self._attached_message().as_string()
        payload = self._decoded_payload()
        if payload is None:
            return None
        errors = errors or "replace"
        if charset is None:
            charset = self.get_content_charset() or "us-ascii"
            try:
                text = payload.decode(charset, errors)
            except LookupError:  # an unknown charset in received mail: best effort
                text = payload.decode("utf-8", errors)
        else:
            text = payload.decode(charset, errors)
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def as_uploaded_file(self) -> SimpleUploadedFile | None:
        """This attachment as a Django uploaded file (e.g. to save in a FileField)."""
        if "Content-Disposition" not in self:
            return None
        # No filename ⇒ name None, which Django accepts (it rejects ""); the stubs say str.
        filename = cast(str, self.get_filename())
        return SimpleUploadedFile(filename, self.get_content_bytes(), self.get_content_type())

    def _attached_message(self) -> AnymailInboundMessage:
        payload = self.get_payload()
        attached = payload[0] if isinstance(payload, list) else payload
        if isinstance(attached, AnymailInboundMessage):
            return attached
        return self.parse_raw_mime_bytes(self._decoded_payload() or b"")

    def _decoded_payload(self) -> bytes | None:
        """The payload with its Content-Transfer-Encoding undone (None for multiparts)."""
        payload = self.get_payload(decode=True)
        return payload if isinstance(payload, bytes) else None

    # --- Parsing -------------------------------------------------------------

    @classmethod
    def parse_raw_mime(cls, s: str | bytes) -> AnymailInboundMessage:
        """Parse a complete message; str is UTF-8 encoded first so 8-bit text survives."""
        if isinstance(s, str):
            s = s.encode("utf-8", errors="surrogateescape")
        return cls.parse_raw_mime_bytes(s)

    @classmethod
    def parse_raw_mime_bytes(cls, b: bytes) -> AnymailInboundMessage:
        """Parse a complete message from bytes."""
        parser = BytesParser(cls, policy=policy.default)
        return cast(AnymailInboundMessage, parser.parsebytes(b))

    @classmethod
    def parse_raw_mime_chunks(cls, chunks: Iterable[bytes]) -> AnymailInboundMessage:
        """Parse a message arriving in pieces (e.g. a streamed download) without joining them."""
        parser = BytesFeedParser(_factory=cls, policy=policy.default)
        for chunk in chunks:
            if chunk:
                parser.feed(chunk)
        return cast(AnymailInboundMessage, parser.close())

    @classmethod
    def parse_raw_mime_file(cls, fp: IO[str] | IO[bytes]) -> AnymailInboundMessage:
        """Parse a message from a text or binary file object (handy in tests)."""

        def chunks() -> Iterable[bytes]:
            while chunk := fp.read(DEFAULT_DOWNLOAD_CHUNK_SIZE):
                yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk

        return cls.parse_raw_mime_chunks(chunks())

    # --- Construction (mainly for tests of inbound receivers) -----------------

    @classmethod
    def construct(
        cls,
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
        attachments: Iterable[AnymailInboundMessage] | None = None,
    ) -> AnymailInboundMessage:
        """Build a message as an ESP would deliver it: mixed ⊃ related ⊃ alternative."""
        msg = cls.parse_raw_mime(raw_headers) if raw_headers else cls()
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
            (related if attachment.is_inline() else msg).attach(attachment)
        return msg

    @classmethod
    def _multipart(cls, subtype: str) -> AnymailInboundMessage:
        part = cls()
        part["Content-Type"] = f"multipart/{subtype}"
        part.set_payload([])
        return part

    @classmethod
    def construct_attachment(
        cls,
        content_type: str,
        content: str | bytes,
        charset: str | None = None,
        filename: str | None = None,
        content_id: str | None = None,
        base64: bool = False,
    ) -> AnymailInboundMessage:
        """Build an attachment part; it is inline (with a Content-ID) iff content_id is given."""
        if base64:
            content = base64_codec.b64decode(content)
        maintype, _, subtype = content_type.partition("/")
        part = cls()
        options: dict[str, Any] = {
            "disposition": "inline" if content_id else "attachment",
            "filename": _clean_filename(filename),
            "cid": f"<{content_id.strip('<>')}>" if content_id else None,
        }
        if maintype == "message":
            if isinstance(content, str):
                content = content.encode(charset or "utf-8")
            attached = cls.parse_raw_mime_bytes(content)
            MIMEPart.set_content(part, attached, subtype=subtype, **options)
        else:
            if isinstance(content, str):
                charset = charset or "utf-8"
                content = content.encode(charset)
            part = cls._bytes_part(content, maintype, subtype, charset, **options)
        return part

    @classmethod
    def _text_part(cls, content: str, subtype: str, charset: str) -> AnymailInboundMessage:
        return cls._bytes_part(content.encode(charset), "text", subtype, charset)

    @classmethod
    def _bytes_part(
        cls, content: bytes, maintype: str, subtype: str, charset: str | None, **options: Any
    ) -> AnymailInboundMessage:
        """A base64 part: content round-trips exactly (set_content on str adds a newline)."""
        part = cls()
        MIMEPart.set_content(part, content, maintype, subtype, **options)
        if charset:
            part.set_param("charset", charset)
        return part

    @classmethod
    def construct_attachment_from_uploaded_file(
        cls, file: Any, content_id: str | None = None
    ) -> AnymailInboundMessage:
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


def _to_email_address(display_name: str, addr_spec: str) -> EmailAddress | None:
    """Received headers can be odd: skip empty entries, keep the rest as parsed."""
    if not addr_spec and not display_name:
        return None
    username, _, domain = addr_spec.rpartition("@") if "@" in addr_spec else (addr_spec, "", "")
    try:
        return EmailAddress(display_name, username=username, domain=domain)
    except AnymailInvalidAddress:
        return None
