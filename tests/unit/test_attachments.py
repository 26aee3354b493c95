"""Attachment: one normalized shape for tuples, EmailAttachment, MIMEBase and MIMEPart."""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Callable
from email.message import Message, MIMEPart
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from email.mime.message import MIMEMessage
from email.mime.text import MIMEText
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.utils.translation import gettext_lazy

from anymail.utils import Attachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


# -- tuples and EmailAttachment ------------------------------------------------------------------


def test_tuple_with_mimetype() -> None:
    attachment = Attachment(("data.bin", b"\x00\x01", "application/x-thing"))
    assert (attachment.name, attachment.content, attachment.mimetype) == (
        "data.bin",
        b"\x00\x01",
        "application/x-thing",
    )
    assert attachment.content_type == "application/x-thing"


def test_email_attachment_namedtuple() -> None:
    from django.core.mail import EmailAttachment

    attachment = Attachment(EmailAttachment("a.pdf", b"%PDF", "application/pdf"))
    assert (attachment.name, attachment.mimetype) == ("a.pdf", "application/pdf")


def test_mimetype_guessed_from_filename() -> None:
    assert Attachment(("report.pdf", b"%PDF", None)).mimetype == "application/pdf"


def test_unknown_mimetype_defaults_to_octet_stream() -> None:
    assert Attachment(("blob.unknownext", b"x", None)).mimetype == "application/octet-stream"


def test_no_filename_defaults_to_octet_stream() -> None:
    attachment = Attachment((None, b"x", None))
    assert attachment.name is None
    assert attachment.mimetype == "application/octet-stream"


def test_str_content_gets_charset() -> None:
    attachment = Attachment(("notes.txt", "hello", None))
    assert attachment.content_type == 'text/plain; charset="utf-8"'


def test_text_bytes_content_gets_charset() -> None:
    attachment = Attachment(("page.html", b"<p>", "text/html"))
    assert attachment.content_type == 'text/html; charset="utf-8"'


def test_binary_content_has_no_charset() -> None:
    assert Attachment(("a.png", PNG, "image/png")).content_type == "image/png"


def test_charset_follows_given_encoding() -> None:
    attachment = Attachment(("notes.txt", "héllo", None), encoding="iso-8859-1")
    assert attachment.content_type == 'text/plain; charset="iso-8859-1"'
    assert attachment.content_bytes == "héllo".encode("iso-8859-1")


def test_charset_defaults_to_default_charset(settings: Any) -> None:
    settings.DEFAULT_CHARSET = "iso-8859-1"
    assert Attachment(("n.txt", "x", None)).content_type == 'text/plain; charset="iso-8859-1"'


def test_str_content_bytes_are_encoded_utf8() -> None:
    assert Attachment(("n.txt", "héllo", None)).content_bytes == "héllo".encode()


def test_b64content() -> None:
    assert Attachment(("a.bin", b"hello", None)).b64content == "aGVsbG8="


def test_tuple_attachment_is_not_inline() -> None:
    attachment = Attachment(("a.png", PNG, "image/png"))
    assert not attachment.inline
    assert attachment.cid is None


def test_django_email_message_content_is_rfc822() -> None:
    inner = EmailMessage("Inner subject", "Inner body", "a@example.com", ["b@example.com"])
    attachment = Attachment(("fwd.eml", inner, None))
    assert attachment.mimetype == "message/rfc822"
    assert b"Subject: Inner subject" in attachment.content_bytes


def test_python_message_content_is_rfc822() -> None:
    inner = Message()
    inner["Subject"] = "Python message"
    inner.set_payload("body")
    attachment = Attachment((None, inner, None))
    assert attachment.mimetype == "message/rfc822"
    assert b"Subject: Python message" in attachment.content_bytes


# -- MIME parts ----------------------------------------------------------------------------------


def test_mimebase_keeps_its_content_type_header() -> None:
    part = MIMEText("hi", "plain", "iso-8859-1")
    attachment = Attachment(part)
    assert attachment.mimetype == "text/plain"
    assert attachment.content_type == 'text/plain; charset="iso-8859-1"'
    assert attachment.content_bytes == b"hi"


def test_mimebase_filename_and_decoded_content() -> None:
    part = MIMEImage(PNG, "png")
    part.add_header("Content-Disposition", "attachment", filename="pic.png")
    attachment = Attachment(part)
    assert (attachment.name, attachment.content_bytes) == ("pic.png", PNG)
    assert not attachment.inline


def test_mimepart_keeps_its_content_type() -> None:
    part = MIMEPart()
    part.set_content(b"data", maintype="application", subtype="x-thing", filename="t.bin")
    attachment = Attachment(part)
    assert attachment.mimetype == "application/x-thing"
    assert attachment.name == "t.bin"
    assert attachment.content_bytes == b"data"


def test_inline_disposition_is_inline() -> None:
    part = MIMEImage(PNG, "png")
    part.add_header("Content-Disposition", "inline")
    assert Attachment(part).inline


def test_content_id_without_disposition_is_inline() -> None:
    part = MIMEImage(PNG, "png")
    part["Content-ID"] = "<logo@example>"
    attachment = Attachment(part)
    assert attachment.inline
    assert attachment.cid == "logo@example"
    assert attachment.content_id == "<logo@example>"


def test_content_id_with_attachment_disposition_is_not_inline() -> None:
    part = MIMEImage(PNG, "png")
    part["Content-ID"] = "<logo@example>"
    part.add_header("Content-Disposition", "attachment", filename="logo.png")
    assert not Attachment(part).inline


def test_mimepart_inline_with_content_id() -> None:
    part = MIMEPart()
    part.set_content(PNG, maintype="image", subtype="png", disposition="inline")
    part["Content-ID"] = "<img1@inline>"
    attachment = Attachment(part)
    assert attachment.inline
    assert attachment.cid == "img1@inline"


def test_rfc822_mime_part_content_is_the_attached_message() -> None:
    inner = Message()
    inner["Subject"] = "Attached"
    inner.set_payload("body")
    attachment = Attachment(MIMEMessage(inner))
    assert attachment.mimetype == "message/rfc822"
    assert b"Subject: Attached" in attachment.content_bytes


def test_generic_mimebase_part() -> None:
    part = MIMEBase("application", "json")
    part.set_payload('{"a": 1}')
    assert Attachment(part).content_bytes == b'{"a": 1}'


class CountingText(str):
    """Text attachment content that counts how often it is encoded to bytes."""

    encodes: int

    def __new__(cls, text: str) -> CountingText:
        content = super().__new__(cls, text)
        content.encodes = 0
        return content

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        self.encodes += 1
        return super().encode(encoding, errors)


def test_text_content_is_encoded_once_for_every_use() -> None:
    text = "id,city\n" + "1,Zürich\n" * 1000
    content = CountingText(text)
    attachment = Attachment(("orders.csv", content, "text/csv"), "utf-8")
    uses = [attachment.content_bytes, attachment.b64content, repr(attachment)]
    uses.append(attachment.content_bytes)
    assert content.encodes == 1
    encoded = text.encode("utf-8")
    assert uses[0] is uses[3]
    assert uses[0] == encoded
    assert uses[1] == b64encode(encoded).decode("ascii")
    assert f"len={len(encoded)}" in uses[2]


def test_new_text_content_or_charset_is_encoded_again() -> None:
    attachment = Attachment(("a.txt", "é", "text/plain"), "utf-8")
    assert attachment.content_bytes == b"\xc3\xa9"
    attachment.encoding = "iso-8859-1"
    assert attachment.content_bytes == b"\xe9"
    attachment.content = "ü"
    assert attachment.content_bytes == b"\xfc"


# -- through the send pipeline -------------------------------------------------------------------


def test_message_attachments_reach_payload_in_order(
    send_params: Callable[..., dict[str, Any]], new_message: Callable[..., Any]
) -> None:
    message = new_message()
    message.attach("one.txt", "first")
    message.attach("two.csv", b"a,b", "text/csv")
    attachments = send_params(message)["attachments"]
    assert [a.name for a in attachments] == ["one.txt", "two.csv"]
    assert all(isinstance(a, Attachment) for a in attachments)


def test_message_encoding_sets_attachment_charset(
    send_params: Callable[..., dict[str, Any]], new_message: Callable[..., Any]
) -> None:
    message = new_message()
    message.encoding = "iso-8859-1"
    message.attach("n.txt", "x")
    (attachment,) = send_params(message)["attachments"]
    assert attachment.content_type == 'text/plain; charset="iso-8859-1"'


def test_lazy_attachment_name_and_content_become_str(
    send_params: Callable[..., dict[str, Any]], new_message: Callable[..., Any]
) -> None:
    message = new_message()
    message.attachments.append((gettext_lazy("lazy.txt"), gettext_lazy("lazy content"), None))
    (attachment,) = send_params(message)["attachments"]
    assert type(attachment.name) is str
    assert attachment.name == "lazy.txt"
    assert attachment.content_bytes == b"lazy content"


@pytest.mark.parametrize("filename", ["a.png", None])
def test_repr_mentions_type_and_size(filename: str | None) -> None:
    text = repr(Attachment((filename, PNG, "image/png")))
    assert "'image/png'" in text
    assert f"len={len(PNG)}" in text
