"""§5 anymail.inbound.AnymailInboundMessage: parsing, properties, methods, constructors."""

from __future__ import annotations

import base64
import datetime as dt
import email.message
import email.policy
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from anymail.exceptions import AnymailDeprecationWarning
from anymail.inbound import AnymailInboundMessage
from anymail.utils import EmailAddress

M = AnymailInboundMessage

MULTIPART = (
    b"From: Ana Silva <ana@example.org>\r\n"
    b"To: One <one@example.com>, two@example.com\r\n"
    b"Cc: cc@example.com\r\n"
    b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"
    b"Date: Fri, 02 Oct 2026 09:14:05 +0200\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="mixed"\r\n'
    b"\r\n"
    b"--mixed\r\n"
    b'Content-Type: multipart/related; boundary="related"\r\n'
    b"\r\n"
    b"--related\r\n"
    b'Content-Type: multipart/alternative; boundary="alt"\r\n'
    b"\r\n"
    b"--alt\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Gr\xc3\xbc\xc3\x9fe\r\nline 2\r\n"
    b"--alt\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"\r\n"
    b'<p>Hi <img src="cid:logo@example"></p>\r\n'
    b"--alt--\r\n"
    b"--related\r\n"
    b"Content-Type: image/png\r\n"
    b"Content-Disposition: inline\r\n"
    b"Content-ID: <logo@example>\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"iVBORw0KGgo=\r\n"
    b"--related--\r\n"
    b"--mixed\r\n"
    b'Content-Type: text/plain; charset=utf-8; name="notes.txt"\r\n'
    b'Content-Disposition: attachment; filename="notes.txt"\r\n'
    b"\r\n"
    b"attached text\r\n"
    b"--mixed\r\n"
    b"Content-Type: application/pdf\r\n"
    b'Content-Disposition: attachment; filename="doc.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"JVBERi0xLjQ=\r\n"
    b"--mixed--\r\n"
)


@pytest.fixture
def msg() -> AnymailInboundMessage:
    return M.parse_raw_mime_bytes(MULTIPART)


def simple(headers: str, body: str = "body") -> AnymailInboundMessage:
    return M.parse_raw_mime(headers + "\n" + body)


# --- class and construction ------------------------------------------------------


def test_is_a_python_email_message_subclass() -> None:
    assert issubclass(M, email.message.EmailMessage)


def test_no_argument_constructor_works() -> None:
    assert isinstance(M(), M)


@pytest.mark.parametrize(
    "attr",
    [
        "envelope_sender",
        "envelope_recipient",
        "stripped_text",
        "stripped_html",
        "spam_detected",
        "spam_score",
    ],
)
def test_esp_instance_attributes_default_to_none(msg: AnymailInboundMessage, attr: str) -> None:
    assert getattr(msg, attr) is None


def test_parsing_uses_email_policy_default(msg: AnymailInboundMessage) -> None:
    assert msg.policy == email.policy.default


def test_every_parsed_sub_part_is_an_anymail_inbound_message(msg: AnymailInboundMessage) -> None:
    parts = list(msg.walk())
    assert len(parts) == 8
    assert all(isinstance(part, M) for part in parts)


# --- header properties ---------------------------------------------------------------


def test_from_email_is_an_email_address(msg: AnymailInboundMessage) -> None:
    assert isinstance(msg.from_email, EmailAddress)
    assert msg.from_email.addr_spec == "ana@example.org"
    assert msg.from_email.display_name == "Ana Silva"


def test_from_email_missing_is_none() -> None:
    assert simple("Subject: x\n").from_email is None


def test_from_email_empty_is_none() -> None:
    assert simple("From: \n").from_email is None


def test_from_email_with_several_addresses_is_a_list() -> None:
    from_email = simple("From: a@example.com, B <b@example.com>\n").from_email
    assert isinstance(from_email, list)
    assert [addr.addr_spec for addr in from_email] == ["a@example.com", "b@example.com"]
    assert all(isinstance(addr, EmailAddress) for addr in from_email)


def test_to_is_a_list_of_email_addresses(msg: AnymailInboundMessage) -> None:
    assert [addr.addr_spec for addr in msg.to] == ["one@example.com", "two@example.com"]
    assert msg.to[0].display_name == "One"
    assert all(isinstance(addr, EmailAddress) for addr in msg.to)


def test_cc_is_a_list_of_email_addresses(msg: AnymailInboundMessage) -> None:
    assert [addr.addr_spec for addr in msg.cc] == ["cc@example.com"]


def test_bcc_is_a_list_of_email_addresses() -> None:
    assert [addr.addr_spec for addr in simple("Bcc: b@example.com\n").bcc] == ["b@example.com"]


@pytest.mark.parametrize("prop", ["to", "cc", "bcc"])
def test_address_lists_are_empty_when_missing(prop: str) -> None:
    assert getattr(simple("Subject: x\n"), prop) == []


@pytest.mark.parametrize("header", ["To", "Cc", "Bcc"])
def test_address_lists_are_empty_when_blank(header: str) -> None:
    assert getattr(simple(f"{header}: \n"), header.lower()) == []


def test_to_collects_addresses_from_all_to_headers() -> None:
    message = simple("To: a@example.com\nTo: b@example.com, c@example.com\n")
    assert [addr.addr_spec for addr in message.to] == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]


def test_subject_is_the_decoded_header(msg: AnymailInboundMessage) -> None:
    assert msg.subject == "Grüße"


def test_subject_missing_is_none() -> None:
    assert simple("From: a@example.com\n").subject is None


def test_date_is_an_aware_datetime_when_zoned(msg: AnymailInboundMessage) -> None:
    expected = dt.datetime(2026, 10, 2, 9, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert msg.date == expected
    assert msg.date is not None and msg.date.utcoffset() == dt.timedelta(hours=2)


def test_date_is_naive_without_zone_info() -> None:
    date = simple("Date: Fri, 02 Oct 2026 09:14:05\n").date
    assert date == dt.datetime(2026, 10, 2, 9, 14, 5)
    assert date is not None and date.tzinfo is None


def test_date_missing_is_none() -> None:
    assert simple("Subject: x\n").date is None


def test_date_unparsable_is_none() -> None:
    assert simple("Date: sometime last week\n").date is None


def test_get_address_header_returns_email_addresses() -> None:
    message = simple("Reply-To: R <r@example.com>\n")
    result = message.get_address_header("Reply-To")
    assert [(a.display_name, a.addr_spec) for a in result] == [("R", "r@example.com")]


def test_get_address_header_missing_is_empty_list() -> None:
    assert simple("Subject: x\n").get_address_header("Reply-To") == []


def test_get_date_header_parses_any_header() -> None:
    message = simple("Resent-Date: Fri, 02 Oct 2026 09:14:05 +0000\n")
    assert message.get_date_header("Resent-Date") == dt.datetime(
        2026, 10, 2, 9, 14, 5, tzinfo=dt.timezone.utc
    )


def test_get_date_header_missing_is_none() -> None:
    assert simple("Subject: x\n").get_date_header("Resent-Date") is None


# --- body properties -----------------------------------------------------------------


def test_text_is_the_first_text_plain_body_part(msg: AnymailInboundMessage) -> None:
    assert msg.text == "Grüße\nline 2"


def test_html_is_the_first_text_html_body_part(msg: AnymailInboundMessage) -> None:
    assert msg.html == '<p>Hi <img src="cid:logo@example"></p>'


def test_text_skips_text_plain_attachments() -> None:
    message = M.construct(
        attachments=[M.construct_attachment("text/plain", "not the body", filename="a.txt")]
    )
    assert message.text is None


def test_text_is_none_without_text_plain_part() -> None:
    assert M.construct(html="<p>x</p>").text is None


def test_html_is_none_without_text_html_part() -> None:
    assert M.construct(text="x").html is None


def test_text_normalises_crlf_and_cr_to_lf() -> None:
    message = M.parse_raw_mime_bytes(b"Content-Type: text/plain\r\n\r\na\r\nb\rc\nd")
    assert message.text == "a\nb\nc\nd"


def test_html_normalises_crlf_to_lf() -> None:
    message = M.parse_raw_mime_bytes(b"Content-Type: text/html\r\n\r\n<p>a</p>\r\n<p>b</p>")
    assert message.html == "<p>a</p>\n<p>b</p>"


def test_text_of_a_non_multipart_message() -> None:
    assert simple("Content-Type: text/plain; charset=us-ascii\n", "just text").text == "just text"


# --- attachments and inlines -----------------------------------------------------------


def test_attachments_lists_every_attachment_part(msg: AnymailInboundMessage) -> None:
    assert [part.get_filename() for part in msg.attachments] == ["notes.txt", "doc.pdf"]
    assert all(isinstance(part, M) for part in msg.attachments)


def test_attachments_are_found_recursively() -> None:
    nested = (
        b'Content-Type: multipart/mixed; boundary="a"\r\n\r\n'
        b'--a\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b'--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="deep.txt"'
        b"\r\n\r\ndeep\r\n--b--\r\n--a--\r\n"
    )
    assert [part.get_filename() for part in M.parse_raw_mime_bytes(nested).attachments] == [
        "deep.txt"
    ]


def test_attachments_empty_without_attachments() -> None:
    assert M.construct(text="x").attachments == []


def test_inlines_lists_inline_disposition_parts(msg: AnymailInboundMessage) -> None:
    assert [part.get_content_type() for part in msg.inlines] == ["image/png"]


def test_content_id_map_keys_are_content_ids_without_brackets(msg: AnymailInboundMessage) -> None:
    content_map = msg.content_id_map
    assert list(content_map) == ["logo@example"]
    assert content_map["logo@example"].get_content_bytes() == base64.b64decode("iVBORw0KGgo=")


def test_content_id_map_skips_inline_parts_without_content_id() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="a"\r\n\r\n'
        b"--a\r\nContent-Type: image/png\r\nContent-Disposition: inline\r\n\r\nxx\r\n--a--\r\n"
    )
    message = M.parse_raw_mime_bytes(raw)
    assert len(message.inlines) == 1
    assert message.content_id_map == {}


def test_inline_attachments_is_a_deprecated_alias_of_content_id_map(
    msg: AnymailInboundMessage,
) -> None:
    with pytest.warns(AnymailDeprecationWarning):
        result = msg.inline_attachments
    assert result == msg.content_id_map


def test_is_inline_true_for_inline_disposition(msg: AnymailInboundMessage) -> None:
    assert msg.inlines[0].is_inline() is True


def test_is_inline_false_for_attachments(msg: AnymailInboundMessage) -> None:
    assert msg.attachments[0].is_inline() is False


def test_is_inline_attachment_is_a_deprecated_alias_of_is_inline(
    msg: AnymailInboundMessage,
) -> None:
    with pytest.warns(AnymailDeprecationWarning):
        assert msg.inlines[0].is_inline_attachment() is True
    with pytest.warns(AnymailDeprecationWarning):
        assert msg.attachments[0].is_inline_attachment() is False


def test_header_methods_are_available_on_parts(msg: AnymailInboundMessage) -> None:
    part = msg.attachments[0]
    assert part.get_address_header("From") == []
    assert part.get_date_header("Date") is None


# --- content accessors --------------------------------------------------------------


def test_get_content_bytes_decodes_the_payload(msg: AnymailInboundMessage) -> None:
    assert msg.attachments[1].get_content_bytes() == b"%PDF-1.4"


def test_get_content_bytes_of_message_part_is_the_flattened_message() -> None:
    part = M.construct_attachment("message/rfc822", "Subject: inner\n\ninner body\n")
    content = part.get_content_bytes()
    assert isinstance(content, bytes)
    assert M.parse_raw_mime_bytes(content).subject == "inner"
    assert b"inner body" in content


def test_get_content_bytes_of_multipart_is_a_value_error(msg: AnymailInboundMessage) -> None:
    with pytest.raises(ValueError):
        msg.get_content_bytes()


def test_get_content_text_uses_the_part_charset() -> None:
    part = M.construct_attachment("text/plain", "caf\xe9".encode("iso-8859-1"), charset="latin-1")
    assert part.get_content_text() == "café"


def test_get_content_text_explicit_charset_wins() -> None:
    part = M.construct_attachment("text/plain", "café".encode(), charset="iso-8859-1")
    assert part.get_content_text(charset="utf-8") == "café"


def test_get_content_text_defaults_to_us_ascii_with_replacement() -> None:
    part = M.parse_raw_mime_bytes(
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: 8bit\r\n\r\nA\xffB"
    )
    assert part.get_content_text() == "A\ufffdB"


def test_get_content_text_errors_argument_is_used() -> None:
    part = M.parse_raw_mime_bytes(
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: 8bit\r\n\r\nA\xffB"
    )
    assert part.get_content_text(errors="ignore") == "AB"
    with pytest.raises(UnicodeDecodeError):
        part.get_content_text(errors="strict")


def test_get_content_text_normalises_line_endings() -> None:
    part = M.construct_attachment("text/plain", "a\r\nb\rc\n", filename="x.txt")
    assert part.get_content_text() == "a\nb\nc\n"


def test_get_content_text_of_message_part_is_the_message_as_string() -> None:
    part = M.construct_attachment("message/rfc822", "Subject: inner\n\ninner body\n")
    text = part.get_content_text()
    assert isinstance(text, str)
    assert "Subject: inner" in text
    assert "inner body" in text


def test_get_content_text_of_multipart_is_a_value_error(msg: AnymailInboundMessage) -> None:
    with pytest.raises(ValueError):
        msg.get_content_text()


def test_as_uploaded_file_returns_a_simple_uploaded_file(msg: AnymailInboundMessage) -> None:
    uploaded = msg.attachments[1].as_uploaded_file()
    assert isinstance(uploaded, SimpleUploadedFile)
    assert uploaded.name == "doc.pdf"
    assert uploaded.content_type == "application/pdf"
    assert uploaded.read() == b"%PDF-1.4"


def test_as_uploaded_file_is_none_without_content_disposition(msg: AnymailInboundMessage) -> None:
    text_part = next(part for part in msg.walk() if part.get_content_type() == "text/plain")
    assert text_part.as_uploaded_file() is None


def test_as_uploaded_file_works_for_attachment_without_filename() -> None:
    """A part with a Content-Disposition but no filename is still an uploaded file."""
    part = M.parse_raw_mime_bytes(
        b"Content-Type: application/octet-stream\r\nContent-Disposition: attachment\r\n\r\ndata"
    )
    uploaded = part.as_uploaded_file()
    assert isinstance(uploaded, SimpleUploadedFile)
    assert uploaded.read() == b"data"
    assert uploaded.content_type == "application/octet-stream"


def test_as_uploaded_file_works_for_inline_part(msg: AnymailInboundMessage) -> None:
    uploaded = msg.inlines[0].as_uploaded_file()
    assert isinstance(uploaded, SimpleUploadedFile)
    assert uploaded.content_type == "image/png"


# --- parsing class methods -----------------------------------------------------------


def test_parse_raw_mime_str_keeps_8bit_utf8() -> None:
    raw = "Subject: ü\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n"
    message = M.parse_raw_mime(raw + "\nGrüße 😀\n")
    assert isinstance(message, M)
    assert message.text == "Grüße 😀\n"


def test_parse_raw_mime_bytes_returns_an_inbound_message() -> None:
    message = M.parse_raw_mime_bytes(MULTIPART)
    assert isinstance(message, M)
    assert message.subject == "Grüße"


def test_parse_raw_mime_chunks_feeds_an_iterable_of_byte_chunks() -> None:
    chunks = [MULTIPART[i : i + 7] for i in range(0, len(MULTIPART), 7)]
    message = M.parse_raw_mime_chunks(iter(chunks))
    assert isinstance(message, M)
    assert message.as_bytes() == M.parse_raw_mime_bytes(MULTIPART).as_bytes()


def test_parse_raw_mime_chunks_skips_empty_chunks() -> None:
    message = M.parse_raw_mime_chunks([b"", b"Subject: x\r\n", b"", b"\r\nbody", b""])
    assert message.subject == "x"
    assert message.get_content_text() == "body"


def test_parse_raw_mime_chunks_sub_parts_are_inbound_messages() -> None:
    message = M.parse_raw_mime_chunks([MULTIPART])
    assert all(isinstance(part, M) for part in message.walk())


def test_parse_raw_mime_file_accepts_binary_files() -> None:
    """Open point 11.3: kept from 15.1 (and documented in docs/webhooks.md §8)."""
    message = M.parse_raw_mime_file(io.BytesIO(MULTIPART))
    assert message.subject == "Grüße"


def test_parse_raw_mime_file_accepts_text_files() -> None:
    message = M.parse_raw_mime_file(io.StringIO("Subject: text file\n\nbody\n"))
    assert isinstance(message, M)
    assert message.subject == "text file"


# --- construct ----------------------------------------------------------------------


def test_construct_sets_explicit_fields() -> None:
    message = M.construct(
        from_email="From <from@example.com>",
        to="to@example.com",
        cc="cc@example.com",
        bcc="bcc@example.com",
        subject="Subject",
        text="text body",
        html="<p>html body</p>",
    )
    assert isinstance(message, M)
    assert isinstance(message.from_email, EmailAddress)
    assert message.from_email.addr_spec == "from@example.com"
    assert [a.addr_spec for a in message.to] == ["to@example.com"]
    assert [a.addr_spec for a in message.cc] == ["cc@example.com"]
    assert [a.addr_spec for a in message.bcc] == ["bcc@example.com"]
    assert message.subject == "Subject"
    assert message.text == "text body"
    assert message.html == "<p>html body</p>"


def test_construct_always_builds_mixed_related_alternative() -> None:
    message = M.construct()
    types = [part.get_content_type() for part in message.walk()]
    assert types[:3] == ["multipart/mixed", "multipart/related", "multipart/alternative"]


def test_construct_nests_bodies_in_the_alternative_part() -> None:
    message = M.construct(text="t", html="<p>h</p>")
    related = message.get_payload()[0]
    alternative = related.get_payload()[0]
    assert related.get_content_type() == "multipart/related"
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/html"]


def test_construct_explicit_fields_replace_raw_headers() -> None:
    message = M.construct(
        raw_headers="Subject: raw subject\nTo: raw@example.com\nX-Extra: kept\n",
        subject="explicit subject",
    )
    assert message.get_all("Subject") == ["explicit subject"]
    assert [a.addr_spec for a in message.to] == ["raw@example.com"]
    assert message["X-Extra"] == "kept"


def test_construct_explicit_to_replaces_raw_to() -> None:
    message = M.construct(raw_headers="To: raw@example.com\n", to="explicit@example.com")
    assert [a.addr_spec for a in message.to] == ["explicit@example.com"]


def test_construct_headers_mapping_is_added() -> None:
    message = M.construct(headers={"X-One": "1", "Reply-To": "r@example.com"})
    assert message["X-One"] == "1"
    assert [a.addr_spec for a in message.get_address_header("Reply-To")] == ["r@example.com"]


def test_construct_headers_pairs_are_added_including_repeats() -> None:
    message = M.construct(headers=[("Received", "by a"), ("Received", "by b")])
    assert message.get_all("Received") == ["by a", "by b"]


def test_construct_text_charset_is_used() -> None:
    message = M.construct(text="café", text_charset="iso-8859-1")
    text_part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    assert text_part.get_content_charset() == "iso-8859-1"
    assert text_part.get_content_bytes() == "café".encode("iso-8859-1")
    assert message.text == "café"


def test_construct_html_charset_is_used() -> None:
    message = M.construct(html="<p>café</p>", html_charset="iso-8859-1")
    html_part = next(p for p in message.walk() if p.get_content_type() == "text/html")
    assert html_part.get_content_charset() == "iso-8859-1"
    assert message.html == "<p>café</p>"


def test_construct_default_body_charset_is_utf8() -> None:
    message = M.construct(text="😀")
    text_part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    assert text_part.get_content_charset() == "utf-8"


def test_construct_puts_inline_attachments_in_the_related_part() -> None:
    inline = M.construct_attachment("image/png", b"PNG", content_id="img1")
    message = M.construct(html='<img src="cid:img1">', attachments=[inline])
    related = message.get_payload()[0]
    assert related.get_content_type() == "multipart/related"
    assert inline in related.get_payload()
    assert inline not in message.get_payload()
    assert message.content_id_map == {"img1": inline}


def test_construct_puts_other_attachments_in_the_mixed_part() -> None:
    attachment = M.construct_attachment("application/pdf", b"%PDF", filename="a.pdf")
    message = M.construct(text="x", attachments=[attachment])
    assert attachment in message.get_payload()
    assert message.attachments == [attachment]


def test_construct_round_trips_through_bytes() -> None:
    attachment = M.construct_attachment("application/pdf", b"%PDF", filename="a.pdf")
    message = M.construct(subject="s", text="t", attachments=[attachment])
    parsed = M.parse_raw_mime_bytes(message.as_bytes())
    assert parsed.subject == "s"
    assert parsed.text == "t"
    assert parsed.attachments[0].get_content_bytes() == b"%PDF"


# --- construct_attachment ------------------------------------------------------------


def test_construct_attachment_is_an_attachment_without_content_id() -> None:
    part = M.construct_attachment("text/csv", "a,b\n", filename="data.csv")
    assert isinstance(part, M)
    assert part.is_attachment()
    assert not part.is_inline()
    assert part.get_content_type() == "text/csv"
    assert part.get_filename() == "data.csv"
    assert part.get_content_text() == "a,b\n"


def test_construct_attachment_is_inline_with_content_id() -> None:
    part = M.construct_attachment("image/png", b"PNG", content_id="logo")
    assert part.is_inline()
    assert not part.is_attachment()


def test_construct_attachment_wraps_content_id_in_angle_brackets() -> None:
    part = M.construct_attachment("image/png", b"PNG", content_id="logo@example")
    assert part["Content-ID"] == "<logo@example>"


def test_construct_attachment_keeps_bracketed_content_id() -> None:
    part = M.construct_attachment("image/png", b"PNG", content_id="<logo@example>")
    assert part["Content-ID"] == "<logo@example>"


@pytest.mark.parametrize("bad", ["\n", "\r"])
def test_construct_attachment_replaces_cr_lf_in_filename_with_space(bad: str) -> None:
    part = M.construct_attachment("text/plain", "x", filename=f"evil{bad}name.txt")
    assert part.get_filename() == "evil name.txt"


def test_construct_attachment_base64_true_decodes_content_first() -> None:
    encoded = base64.b64encode(b"\x00\x01binary").decode("ascii")
    part = M.construct_attachment("application/octet-stream", encoded, base64=True)
    assert part.get_content_bytes() == b"\x00\x01binary"


def test_construct_attachment_bytes_content_kept_exactly() -> None:
    part = M.construct_attachment("application/octet-stream", b"\x00\xff\r\n")
    assert part.get_content_bytes() == b"\x00\xff\r\n"


def test_construct_attachment_str_content_with_charset() -> None:
    part = M.construct_attachment("text/plain", "café", charset="iso-8859-1")
    assert part.get_content_charset() == "iso-8859-1"
    assert part.get_content_bytes() == "café".encode("iso-8859-1")


def test_construct_attachment_message_content_is_parsed() -> None:
    part = M.construct_attachment("message/rfc822", "Subject: forwarded\n\nbody\n")
    assert part.get_content_type() == "message/rfc822"
    payload = part.get_payload()
    attached = payload[0] if isinstance(payload, list) else payload
    assert isinstance(attached, M)
    assert attached.subject == "forwarded"


def test_construct_attachment_from_uploaded_file() -> None:
    upload = SimpleUploadedFile("report.txt", b"report", "text/plain")
    part = M.construct_attachment_from_uploaded_file(upload)
    assert isinstance(part, M)
    assert part.is_attachment()
    assert part.get_filename() == "report.txt"
    assert part.get_content_type() == "text/plain"
    assert part.get_content_bytes() == b"report"


def test_construct_attachment_from_uploaded_file_with_content_id_is_inline() -> None:
    upload = SimpleUploadedFile("logo.png", b"PNG", "image/png")
    part = M.construct_attachment_from_uploaded_file(upload, content_id="logo")
    assert part.is_inline()
    assert part["Content-ID"] == "<logo>"


def test_as_uploaded_file_round_trip() -> None:
    upload = SimpleUploadedFile("report.csv", b"a,b", "text/csv")
    part = M.construct_attachment_from_uploaded_file(upload)
    uploaded = part.as_uploaded_file()
    assert uploaded is not None
    assert (uploaded.name, uploaded.content_type, uploaded.read()) == (
        "report.csv",
        "text/csv",
        b"a,b",
    )


@pytest.mark.parametrize(
    "prop",
    [
        "from_email",
        "to",
        "cc",
        "bcc",
        "subject",
        "date",
        "text",
        "html",
        "attachments",
        "inlines",
        "content_id_map",
    ],
)
def test_properties_are_read_only(prop: str) -> None:
    message = M.construct(subject="s", text="t")
    with pytest.raises(AttributeError):
        setattr(message, prop, "changed")
