"""AnymailInboundMessage: parsing, header and body accessors, parts, construction."""

from __future__ import annotations

import io
from base64 import b64encode
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from anymail.exceptions import AnymailDeprecationWarning
from anymail.inbound import AnymailInboundMessage
from anymail.utils import EmailAddress

PNG = b"\x89PNG\r\n\x1a\n-fake-image-data"

RAW = """\
From: "Ana Silva" <ana@example.org>
To: support@example.com, Bo <bo@example.com>
Cc: carol@example.com
Subject: =?utf-8?q?R=C3=A9sum=C3=A9?=
Date: Fri, 02 Oct 2026 09:14:05 +0200
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed"

--mixed
Content-Type: multipart/related; boundary="related"

--related
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

Caf=E9\r
ligne 2
--alt
Content-Type: text/html; charset="utf-8"

<p>Caf\u00e9 <img src="cid:logo@example"></p>
--alt--
--related
Content-Type: image/png
Content-Disposition: inline; filename="logo.png"
Content-ID: <logo@example>
Content-Transfer-Encoding: base64

{png}
--related--
--mixed
Content-Type: text/csv; charset="utf-8"
Content-Disposition: attachment; filename="data.csv"

a,é
--mixed
Content-Type: message/rfc822
Content-Disposition: attachment

From: inner@example.com
Subject: Forwarded

Inner body
--mixed--
""".replace("{png}", b64encode(PNG).decode())


@pytest.fixture
def message() -> AnymailInboundMessage:
    return AnymailInboundMessage.parse_raw_mime(RAW)


# -- Parsing ---------------------------------------------------------------------------------


def test_parsed_message_is_an_email_message(message: AnymailInboundMessage) -> None:
    assert isinstance(message, EmailMessage)


def test_every_part_is_an_inbound_message(message: AnymailInboundMessage) -> None:
    assert all(isinstance(part, AnymailInboundMessage) for part in message.walk())


def test_no_argument_constructor_works() -> None:
    assert AnymailInboundMessage().subject is None


def test_parse_raw_mime_keeps_8bit_utf8_text() -> None:
    raw = "Subject: Grüße\nContent-Type: text/plain; charset=utf-8\n\nSchöne Grüße\n"
    parsed = AnymailInboundMessage.parse_raw_mime(raw)
    assert parsed.subject == "Grüße"
    assert parsed.text == "Schöne Grüße\n"


def test_parse_raw_mime_bytes() -> None:
    assert AnymailInboundMessage.parse_raw_mime_bytes(RAW.encode()).subject == "Résumé"


def test_parse_raw_mime_chunks_skips_empty_chunks() -> None:
    raw = RAW.encode()
    chunks = [b""] + [raw[i : i + 7] for i in range(0, len(raw), 7)] + [b""]
    assert AnymailInboundMessage.parse_raw_mime_chunks(chunks).as_bytes() == (
        AnymailInboundMessage.parse_raw_mime_bytes(raw).as_bytes()
    )


def test_parse_raw_mime_chunks_handles_utf8_split_across_chunks() -> None:
    raw = "Subject: x\nContent-Type: text/plain; charset=utf-8\n\nÉté\n".encode()
    split = raw.index("É".encode()) + 1  # in the middle of the two-byte É
    parsed = AnymailInboundMessage.parse_raw_mime_chunks([raw[:split], raw[split:]])
    assert parsed.text == "Été\n"


def test_parse_raw_mime_file_accepts_binary_file() -> None:
    parsed = AnymailInboundMessage.parse_raw_mime_file(io.BytesIO(RAW.encode()))
    assert parsed.subject == "Résumé"


def test_parse_raw_mime_file_accepts_text_file() -> None:
    parsed = AnymailInboundMessage.parse_raw_mime_file(io.StringIO(RAW))
    assert parsed.subject == "Résumé"


def test_envelope_and_spam_attributes_default_to_none(message: AnymailInboundMessage) -> None:
    attributes = (
        "envelope_sender",
        "envelope_recipient",
        "stripped_text",
        "stripped_html",
        "spam_detected",
        "spam_score",
    )
    assert [getattr(message, name) for name in attributes] == [None] * 6


# -- Headers ---------------------------------------------------------------------------------


def test_from_email_is_an_email_address(message: AnymailInboundMessage) -> None:
    assert message.from_email == EmailAddress("Ana Silva", "ana@example.org")
    assert isinstance(message.from_email, EmailAddress)


def test_from_email_missing_is_none() -> None:
    assert AnymailInboundMessage.parse_raw_mime("Subject: x\n\n").from_email is None


def test_from_email_empty_is_none() -> None:
    assert AnymailInboundMessage.parse_raw_mime("From: \n\n").from_email is None


def test_several_from_addresses_give_a_list() -> None:
    parsed = AnymailInboundMessage.parse_raw_mime("From: a@example.com, b@example.com\n\n")
    assert [address.addr_spec for address in parsed.from_email] == [  # type: ignore[union-attr]
        "a@example.com",
        "b@example.com",
    ]


def test_to_lists_every_address(message: AnymailInboundMessage) -> None:
    assert [str(address) for address in message.to] == [
        "support@example.com",
        "Bo <bo@example.com>",
    ]


def test_to_collects_all_to_headers() -> None:
    parsed = AnymailInboundMessage.parse_raw_mime("To: a@example.com\nTo: b@example.com\n\n")
    assert [address.addr_spec for address in parsed.to] == ["a@example.com", "b@example.com"]


def test_cc_is_parsed(message: AnymailInboundMessage) -> None:
    assert [address.addr_spec for address in message.cc] == ["carol@example.com"]


def test_missing_bcc_is_empty_list(message: AnymailInboundMessage) -> None:
    assert message.bcc == []


def test_blank_to_is_empty_list() -> None:
    assert AnymailInboundMessage.parse_raw_mime("To:   \n\n").to == []


def test_group_syntax_without_members_is_empty_list() -> None:
    assert AnymailInboundMessage.parse_raw_mime("To: undisclosed-recipients:;\n\n").to == []


def test_get_address_header_reads_any_header() -> None:
    parsed = AnymailInboundMessage.parse_raw_mime("X-Original-To: Zed <zed@example.com>\n\n")
    assert parsed.get_address_header("X-Original-To") == [EmailAddress("Zed", "zed@example.com")]


def test_subject_is_decoded(message: AnymailInboundMessage) -> None:
    assert message.subject == "Résumé"


def test_missing_subject_is_none() -> None:
    assert AnymailInboundMessage.parse_raw_mime("From: a@example.com\n\n").subject is None


def test_date_is_aware_datetime(message: AnymailInboundMessage) -> None:
    assert message.date == datetime(2026, 10, 2, 9, 14, 5, tzinfo=timezone(timedelta(hours=2)))


def test_date_without_zone_is_naive() -> None:
    parsed = AnymailInboundMessage.parse_raw_mime("Date: Fri, 02 Oct 2026 09:14:05 -0000\n\n")
    assert parsed.date == datetime(2026, 10, 2, 9, 14, 5)


def test_unparsable_date_is_none() -> None:
    assert AnymailInboundMessage.parse_raw_mime("Date: next tuesday\n\n").date is None


def test_missing_date_is_none() -> None:
    assert AnymailInboundMessage.parse_raw_mime("Subject: x\n\n").date is None


def test_get_date_header_reads_any_header() -> None:
    parsed = AnymailInboundMessage.parse_raw_mime("Resent-Date: 1 Jan 2030 00:00:00 +0000\n\n")
    assert parsed.get_date_header("Resent-Date") == datetime(2030, 1, 1, tzinfo=timezone.utc)


# -- Body and parts --------------------------------------------------------------------------


def test_text_is_decoded_with_its_charset_and_newlines_normalized(
    message: AnymailInboundMessage,
) -> None:
    assert message.text == "Café\nligne 2"


def test_html_is_the_first_html_part(message: AnymailInboundMessage) -> None:
    assert message.html == '<p>Café <img src="cid:logo@example"></p>'


def test_missing_html_is_none() -> None:
    assert AnymailInboundMessage.parse_raw_mime("Subject: x\n\nplain only\n").html is None


def test_text_attachment_is_not_the_body() -> None:
    raw = (
        'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
        "Content-Type: text/plain\nContent-Disposition: attachment\n\nattached\n--b--\n"
    )
    assert AnymailInboundMessage.parse_raw_mime(raw).text is None


def test_attachments_are_parts_with_attachment_disposition(
    message: AnymailInboundMessage,
) -> None:
    assert [part.get_content_type() for part in message.attachments] == [
        "text/csv",
        "message/rfc822",
    ]


def test_inlines_are_parts_with_inline_disposition(message: AnymailInboundMessage) -> None:
    assert [part.get_filename() for part in message.inlines] == ["logo.png"]


def test_content_id_map_keys_are_bare_content_ids(message: AnymailInboundMessage) -> None:
    content_id_map = message.content_id_map
    assert list(content_id_map) == ["logo@example"]
    assert content_id_map["logo@example"].get_content_bytes() == PNG


def test_inline_attachments_is_deprecated_alias(message: AnymailInboundMessage) -> None:
    with pytest.warns(AnymailDeprecationWarning):
        assert message.inline_attachments == message.content_id_map


def test_is_inline(message: AnymailInboundMessage) -> None:
    assert [part.is_inline() for part in (message.inlines[0], message.attachments[0])] == [
        True,
        False,
    ]


def test_is_inline_attachment_is_deprecated_alias(message: AnymailInboundMessage) -> None:
    with pytest.warns(AnymailDeprecationWarning):
        assert message.inlines[0].is_inline_attachment() is True


def test_get_content_bytes_decodes_transfer_encoding(message: AnymailInboundMessage) -> None:
    assert message.inlines[0].get_content_bytes() == PNG


def test_get_content_bytes_of_attached_message_is_the_message(
    message: AnymailInboundMessage,
) -> None:
    attached = message.attachments[1].get_content_bytes()
    assert attached.startswith(b"From: inner@example.com\n")
    assert b"Inner body" in attached


def test_get_content_bytes_of_multipart_raises(message: AnymailInboundMessage) -> None:
    with pytest.raises(ValueError):
        message.get_content_bytes()


def test_get_content_text_uses_part_charset(message: AnymailInboundMessage) -> None:
    assert message.attachments[0].get_content_text() == "a,é"


def test_get_content_text_with_explicit_charset() -> None:
    part = AnymailInboundMessage.construct_attachment("text/plain", "é".encode("latin-1"))
    assert part.get_content_text(charset="latin-1") == "é"


def test_get_content_text_replaces_undecodable_bytes() -> None:
    part = AnymailInboundMessage.construct_attachment("text/plain", b"ok \xff", charset="utf-8")
    assert part.get_content_text() == "ok \ufffd"


def test_get_content_text_errors_argument_is_used() -> None:
    part = AnymailInboundMessage.construct_attachment("text/plain", b"ok \xff", charset="utf-8")
    with pytest.raises(UnicodeDecodeError):
        part.get_content_text(errors="strict")


def test_get_content_text_without_charset_is_us_ascii() -> None:
    part = AnymailInboundMessage.construct_attachment("application/octet-stream", b"ab\xff")
    assert part.get_content_text() == "ab\ufffd"


def test_get_content_text_with_unknown_charset_falls_back_to_utf8() -> None:
    raw = "Content-Type: text/plain; charset=x-unknown-42\n\nÉté\n"
    assert AnymailInboundMessage.parse_raw_mime(raw).text == "Été\n"


def test_get_content_text_of_attached_message_is_the_message(
    message: AnymailInboundMessage,
) -> None:
    assert "Subject: Forwarded" in (message.attachments[1].get_content_text() or "")


def test_get_content_text_of_multipart_raises(message: AnymailInboundMessage) -> None:
    with pytest.raises(ValueError):
        message.get_content_text()


def test_as_uploaded_file(message: AnymailInboundMessage) -> None:
    uploaded = message.attachments[0].as_uploaded_file()
    assert isinstance(uploaded, SimpleUploadedFile)
    assert (uploaded.name, uploaded.content_type, uploaded.read()) == (
        "data.csv",
        "text/csv",
        "a,é".encode(),
    )


def test_as_uploaded_file_without_disposition_is_none(message: AnymailInboundMessage) -> None:
    assert message.as_uploaded_file() is None


# -- Construction ----------------------------------------------------------------------------


def test_construct_sets_explicit_fields() -> None:
    built = AnymailInboundMessage.construct(
        from_email="Ana <ana@example.org>", to="to@example.com", cc="cc@example.com",
        bcc="bcc@example.com", subject="Hi ✓",
    )  # fmt: skip
    assert (str(built.from_email), built.subject) == ("Ana <ana@example.org>", "Hi ✓")
    assert [a.addr_spec for a in built.to + built.cc + built.bcc] == [
        "to@example.com",
        "cc@example.com",
        "bcc@example.com",
    ]


def test_construct_explicit_fields_replace_raw_headers() -> None:
    built = AnymailInboundMessage.construct(
        raw_headers="Subject: raw\nX-Raw: kept\n", subject="explicit"
    )
    assert built.get_all("Subject") == ["explicit"]
    assert built["X-Raw"] == "kept"


def test_construct_adds_headers_from_mapping() -> None:
    built = AnymailInboundMessage.construct(headers={"X-One": "1"})
    assert built["X-One"] == "1"


def test_construct_adds_headers_from_pairs() -> None:
    built = AnymailInboundMessage.construct(headers=[("X-Tag", "a"), ("X-Tag", "b")])
    assert built.get_all("X-Tag") == ["a", "b"]


def test_construct_nests_mixed_related_alternative() -> None:
    built = AnymailInboundMessage.construct(text="t", html="<p>h</p>")
    structure = [part.get_content_type() for part in built.walk()]
    assert structure == [
        "multipart/mixed",
        "multipart/related",
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]


def test_construct_bodies_round_trip_exactly() -> None:
    built = AnymailInboundMessage.construct(text="Plain ✓", html="<b>Html ✓</b>")
    reparsed = AnymailInboundMessage.parse_raw_mime_bytes(built.as_bytes())
    assert (reparsed.text, reparsed.html) == ("Plain ✓", "<b>Html ✓</b>")


def test_construct_uses_body_charsets() -> None:
    built = AnymailInboundMessage.construct(text="é", text_charset="iso-8859-1")
    text_part = next(p for p in built.walk() if p.get_content_type() == "text/plain")
    assert text_part.get_content_charset() == "iso-8859-1"
    assert text_part.get_content_bytes() == b"\xe9"


def test_construct_puts_inline_attachments_in_related_part() -> None:
    inline = AnymailInboundMessage.construct_attachment("image/png", PNG, content_id="img1")
    attached = AnymailInboundMessage.construct_attachment("text/plain", "x", filename="x.txt")
    built = AnymailInboundMessage.construct(html="<img>", attachments=[inline, attached])
    related, attachment = built.get_payload()[0], built.get_payload()[1]
    assert related.get_payload()[1] is inline
    assert attachment is attached


def test_construct_attachment_with_content_id_is_inline() -> None:
    part = AnymailInboundMessage.construct_attachment("image/png", PNG, content_id="img1")
    assert part.is_inline()
    assert part["Content-ID"] == "<img1>"


def test_construct_attachment_without_content_id_is_attachment() -> None:
    part = AnymailInboundMessage.construct_attachment("application/pdf", b"%PDF", filename="a.pdf")
    assert part.is_attachment()
    assert part.get_filename() == "a.pdf"


def test_construct_attachment_replaces_newlines_in_filename() -> None:
    part = AnymailInboundMessage.construct_attachment("text/plain", "x", filename="a\r\nb\nc.txt")
    assert part.get_filename() == "a b c.txt"


def test_construct_attachment_decodes_base64() -> None:
    part = AnymailInboundMessage.construct_attachment(
        "image/png", b64encode(PNG).decode(), base64=True
    )
    assert part.get_content_bytes() == PNG


def test_construct_attachment_text_keeps_charset() -> None:
    part = AnymailInboundMessage.construct_attachment("text/plain", "é", charset="iso-8859-1")
    assert part.get_content_charset() == "iso-8859-1"
    assert part.get_content_text() == "é"


def test_construct_attachment_parses_message_content() -> None:
    part = AnymailInboundMessage.construct_attachment(
        "message/rfc822", "From: x@example.com\nSubject: inner\n\nbody\n"
    )
    attached = part.get_payload()[0]
    assert isinstance(attached, AnymailInboundMessage)
    assert attached.subject == "inner"


def test_construct_attachment_from_uploaded_file() -> None:
    upload = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
    part = AnymailInboundMessage.construct_attachment_from_uploaded_file(upload, content_id="p1")
    assert (part.get_filename(), part.get_content_type()) == ("photo.png", "image/png")
    assert part.get_content_bytes() == PNG
    assert part.is_inline()


def test_constructed_message_survives_serialization() -> None:
    inline = AnymailInboundMessage.construct_attachment("image/png", PNG, content_id="img1")
    built = AnymailInboundMessage.construct(
        from_email="a@example.com", subject="S", text="t", attachments=[inline]
    )
    reparsed = AnymailInboundMessage.parse_raw_mime(built.as_string())
    assert reparsed.content_id_map["img1"].get_content_bytes() == PNG
