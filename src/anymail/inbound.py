"""AnymailInboundMessage: a received email, parsed once, with convenient accessors.

Inbound webhooks hand receivers one of these (``event.message``). It is a
standard :class:`email.message.EmailMessage` (``email.policy.default``), so the
whole stdlib API works on it; the extra properties below cover what a receiver
usually needs without walking the MIME tree by hand.

Received mail is hostile input, so parsing is bounded (`anymail.inbound_parsing`:
INBOUND_MAX_DEPTH / _PARTS / _LINES / _BYTES) and reading never raises: header
lookups fall back to the raw text (`anymail.inbound_headers`), and each property
below documents its fallback value.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import IO, Any, cast

from django.core.files.uploadedfile import SimpleUploadedFile

from .addresses import EmailAddress
from .exceptions import AnymailDeprecationWarning
from .inbound_construct import ConstructibleMessage
from .inbound_headers import address_pairs, decode_text, to_email_address
from .inbound_parsing import InboundLimits, parse_bounded
from .utils import DEFAULT_DOWNLOAD_CHUNK_SIZE

__all__ = ["AnymailInboundMessage"]


class AnymailInboundMessage(ConstructibleMessage):
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
        #: Why the body was not parsed (a sentence), or None when the message parsed fully.
        #: When set, this message has the original headers but no body or parts.
        self.parse_problem: str | None = None
        #: The raw message when parse_problem is set (None if it was cut off at
        #: INBOUND_MAX_BYTES); None for a message that parsed fully (use as_bytes()).
        self.raw_mime: bytes | None = None

    # --- Headers -------------------------------------------------------------

    @property
    def from_email(self) -> EmailAddress | list[EmailAddress] | None:
        """The From address; a list in the rare case of several; None if missing or unreadable."""
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
        """The decoded Subject (raw text if undecodable), or None if there is none."""
        value = self.get("Subject")
        return None if value is None else str(value)

    @property
    def date(self) -> datetime | None:
        """The Date header as a datetime (naive if it has no zone); None if unusable."""
        return self.get_date_header("Date")

    def get_address_header(self, header: str) -> list[EmailAddress]:
        """Every address in all `header` fields; [] when missing or blank.

        Never raises: a header the strict parser rejects is read with the lenient
        `email.utils.getaddresses`, and an address that is still unusable is skipped.
        """
        addresses: list[EmailAddress] = []
        for value in self.get_all(header) or []:
            for display_name, addr_spec in address_pairs(value):
                address = to_email_address(display_name, addr_spec)
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
        except Exception:  # TypeError, ValueError, IndexError, OverflowError, ...
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
        if self.parse_problem is not None:
            return None
        for part in self.walk():
            if part.get_content_type() == content_type and not part.is_attachment():
                return part.get_content_text()
        return None

    @property
    def attachments(self) -> list[AnymailInboundMessage]:
        """Every part (at any depth) with an ``attachment`` disposition."""
        if self.parse_problem is not None:
            return []
        return [part for part in self.walk() if part.is_attachment()]

    @property
    def inlines(self) -> list[AnymailInboundMessage]:
        """Every part with an ``inline`` disposition (images shown in the HTML, etc.)."""
        if self.parse_problem is not None:
            return []
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
            "inline_attachments has been renamed to content_id_map and will be removed in the near "
            "future.",
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
            "is_inline_attachment has been renamed to is_inline and will be removed in the near "
            "future.",
            AnymailDeprecationWarning,
            stacklevel=2,
        )
        return self.is_inline()

    def get_content_bytes(self) -> bytes:
        """The decoded payload; for message/* parts, the attached message as bytes.

        A broken transfer encoding gives the payload as it is in the message (undecoded).
        """
        maintype = self.get_content_maintype()
        if maintype == "multipart":
            raise ValueError("get_content_bytes() is not valid on multipart messages")
        if maintype == "message":
            return _flatten(self._attached_message())
        return self._decoded_payload() or b""

    def get_content_text(self, charset: str | None = None, errors: str | None = None) -> str | None:
        """The decoded payload as text with ``\\n`` line endings; None without a payload.

        An unknown or unusable declared charset falls back to UTF-8 (an explicit
        `charset` argument is used as given).
        """
        maintype = self.get_content_maintype()
        if maintype == "multipart":
            raise ValueError("get_content_text() is not valid on multipart messages")
        if maintype == "message":
            return _as_string(self._attached_message(), errors or "replace")
        payload = self._decoded_payload()
        if payload is None:
            return None
        errors = errors or "replace"
        if charset is None:
            text = decode_text(payload, self.get_content_charset(), errors)
        else:
            text = payload.decode(charset, errors)
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def as_uploaded_file(self) -> SimpleUploadedFile | None:
        """This attachment as a Django uploaded file (e.g. to save in a FileField).

        A multipart part (rare, but an attachment can be one) gives its MIME source. A
        filename Django refuses ("", ".", "..", or a path ending so) gives no name.
        """
        if "Content-Disposition" not in self:
            return None
        filename = self.get_filename()
        if filename is not None and os.path.basename(filename) in ("", ".", ".."):
            filename = None
        # No filename ⇒ name None, which Django accepts (it rejects ""); the stubs say str.
        filename = cast(str, filename)
        if self.get_content_maintype() == "multipart":
            content = _flatten(self)
        else:
            content = self.get_content_bytes()
        return SimpleUploadedFile(filename, content, self.get_content_type())

    def _attached_message(self) -> AnymailInboundMessage:
        payload = self.get_payload()
        attached = payload[0] if isinstance(payload, list) and payload else payload
        if isinstance(attached, AnymailInboundMessage):
            return attached
        return self.parse_raw_mime_bytes(self._decoded_payload() or b"")  # e.g. base64-encoded

    def _decoded_payload(self) -> bytes | None:
        """The payload with its Content-Transfer-Encoding undone (None for multiparts).

        If undoing the encoding fails, the payload as it is in the message.
        """
        try:
            payload = self.get_payload(decode=True)
        except Exception:
            payload = self.get_payload()
            if isinstance(payload, str):
                return payload.encode("utf-8", "surrogateescape")
        return payload if isinstance(payload, bytes) else None

    # --- Parsing -------------------------------------------------------------
    # Every parse is bounded by `limits` (default: the INBOUND_MAX_* settings). A message
    # beyond them, or one the stdlib parser fails on, is returned with only its headers,
    # `parse_problem` saying why and `raw_mime` holding its bytes: these never raise.

    @classmethod
    def parse_raw_mime(
        cls, s: str | bytes, limits: InboundLimits | None = None
    ) -> AnymailInboundMessage:
        """Parse a complete message; str is UTF-8 encoded first so 8-bit text survives."""
        if isinstance(s, str):
            s = s.encode("utf-8", errors="surrogateescape")
        return cls._parse([s], limits)

    @classmethod
    def parse_raw_mime_bytes(
        cls, b: bytes, limits: InboundLimits | None = None
    ) -> AnymailInboundMessage:
        """Parse a complete message from bytes."""
        return cls._parse([b], limits)

    @classmethod
    def parse_raw_mime_chunks(
        cls, chunks: Iterable[bytes], limits: InboundLimits | None = None
    ) -> AnymailInboundMessage:
        """Parse a message arriving in pieces (e.g. a streamed download) without joining them.

        Errors raised by `chunks` itself (a failed download) propagate.
        """
        return cls._parse(chunks, limits)

    @classmethod
    def parse_raw_mime_file(
        cls, fp: IO[str] | IO[bytes], limits: InboundLimits | None = None
    ) -> AnymailInboundMessage:
        """Parse a message from a text or binary file object (handy in tests)."""

        def chunks() -> Iterable[bytes]:
            while chunk := fp.read(DEFAULT_DOWNLOAD_CHUNK_SIZE):
                yield chunk.encode("utf-8", "surrogateescape") if isinstance(chunk, str) else chunk

        return cls._parse(chunks(), limits)

    @classmethod
    def _parse(cls, chunks: Iterable[bytes], limits: InboundLimits | None) -> AnymailInboundMessage:
        outcome = parse_bounded(cls, chunks, limits or InboundLimits.from_settings())
        message = cast(AnymailInboundMessage, outcome.message)
        message.parse_problem = outcome.problem
        message.raw_mime = outcome.raw
        return message


def _flatten(message: AnymailInboundMessage) -> bytes:
    """A (sub)message as MIME bytes; if the generator fails on odd headers, its raw payload."""
    try:
        return message.as_bytes()
    except Exception:
        payload = message.get_payload()
        return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _as_string(message: AnymailInboundMessage, errors: str) -> str:
    """A (sub)message as MIME text; if the generator fails on odd headers, decoded bytes."""
    try:
        return message.as_string()
    except Exception:
        return decode_text(_flatten(message), "utf-8", errors)
