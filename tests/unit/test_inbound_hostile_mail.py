"""AnymailInboundMessage on hostile mail: bounded parsing (11.2), no accessor raises (11.3)."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from anymail.addresses import EmailAddress
from anymail.inbound import AnymailInboundMessage
from anymail.inbound_parsing import (
    DEFAULT_INBOUND_MAX_BYTES,
    DEFAULT_INBOUND_MAX_DEPTH,
    DEFAULT_INBOUND_MAX_LINES,
    DEFAULT_INBOUND_MAX_PARTS,
    HARD_MAX_DEPTH,
    InboundLimits,
)

HEADERS = b"From: Ana <ana@example.org>\r\nTo: support@example.com\r\nSubject: Poison\r\n"


def nested_multipart(levels: int) -> bytes:
    """A message whose multiparts nest `levels` deep around one text part (depth levels+1)."""
    raw = HEADERS
    for level in range(levels):
        raw += b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (level, level)
    raw += b"Content-Type: text/plain\r\n\r\ninnermost\r\n"
    for level in reversed(range(levels)):
        raw += b"--b%d--\r\n" % level
    return raw


def flat_multipart(parts: int) -> bytes:
    raw = HEADERS + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    for number in range(parts):
        raw += b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % number
    return raw + b"--b--\r\n"


def parse(raw: bytes, **limits: Any) -> AnymailInboundMessage:
    return AnymailInboundMessage.parse_raw_mime_bytes(raw, InboundLimits(**limits))


def assert_headers_only(message: AnymailInboundMessage, setting: str) -> None:
    assert message.parse_problem is not None
    assert message.parse_problem.startswith("The message was not parsed because ")
    assert setting in message.parse_problem
    assert message.parse_problem.endswith("; only its headers are available.")
    assert message.subject == "Poison"
    assert message.from_email == EmailAddress("Ana", "ana@example.org")
    assert message.text is None
    assert message.html is None
    assert message.attachments == []
    assert message.inlines == []


# -- Bounded parsing (11.2) --------------------------------------------------------------------


def test_defaults() -> None:
    assert InboundLimits() == InboundLimits.from_settings()
    assert (
        DEFAULT_INBOUND_MAX_DEPTH,
        DEFAULT_INBOUND_MAX_PARTS,
        DEFAULT_INBOUND_MAX_LINES,
        DEFAULT_INBOUND_MAX_BYTES,
    ) == (20, 1000, 1_000_000, 32 * 1024 * 1024)


def test_a_thousand_nested_multiparts_give_headers_and_the_problem() -> None:
    # Issue 11.2: this raised RecursionError inside the stdlib parser -> 500.
    raw = nested_multipart(1000)
    for message in (
        AnymailInboundMessage.parse_raw_mime_bytes(raw),
        AnymailInboundMessage.parse_raw_mime_chunks(
            raw[i : i + 100] for i in range(0, len(raw), 100)
        ),
    ):
        assert_headers_only(message, "INBOUND_MAX_DEPTH")
        assert "nested more than 20 levels deep" in (message.parse_problem or "")
        assert message.raw_mime == raw


def test_depth_limit_is_exact() -> None:
    assert parse(nested_multipart(4), max_depth=5).parse_problem is None
    assert parse(nested_multipart(4), max_depth=5).text == "innermost"
    assert_headers_only(parse(nested_multipart(5), max_depth=5), "INBOUND_MAX_DEPTH")


def test_depth_limit_cannot_exceed_the_hard_maximum() -> None:
    assert InboundLimits(max_depth=10_000).max_depth == HARD_MAX_DEPTH
    assert parse(nested_multipart(1000), max_depth=10_000).parse_problem is not None


def test_part_count_limit() -> None:
    assert parse(flat_multipart(9), max_parts=10).parse_problem is None  # 9 + the message
    message = parse(flat_multipart(10), max_parts=10)
    assert_headers_only(message, "INBOUND_MAX_PARTS")
    assert "more than 10 MIME parts" in (message.parse_problem or "")


def test_line_limit() -> None:
    raw = HEADERS + b"\r\n" + b"line\r\n" * 100
    assert parse(raw, max_lines=200).parse_problem is None
    message = parse(raw, max_lines=50)
    assert_headers_only(message, "INBOUND_MAX_LINES")
    assert message.raw_mime == raw


def test_size_limit_stops_reading_and_keeps_no_raw_bytes() -> None:
    pulled: list[int] = []

    def chunks() -> Iterator[bytes]:
        yield HEADERS + b"\r\n"
        for number in range(1000):
            pulled.append(number)
            yield b"x" * 1000 + b"\r\n"

    message = AnymailInboundMessage.parse_raw_mime_chunks(chunks(), InboundLimits(max_bytes=5000))
    assert_headers_only(message, "INBOUND_MAX_BYTES")
    assert "larger than 5000 bytes" in (message.parse_problem or "")
    assert message.raw_mime is None  # not downloaded in full
    assert len(pulled) < 10  # it stopped reading


def test_limits_come_from_settings(settings: Any) -> None:
    settings.ANYMAIL = {
        "INBOUND_MAX_DEPTH": 3,
        "INBOUND_MAX_PARTS": 4,
        "INBOUND_MAX_LINES": 5000,
        "INBOUND_MAX_BYTES": 10**6,
    }
    assert InboundLimits.from_settings() == InboundLimits(3, 4, 5000, 10**6)
    assert_headers_only(AnymailInboundMessage.parse_raw_mime(nested_multipart(3)), "DEPTH")


def test_none_means_no_limit_for_parts_lines_and_bytes() -> None:
    message = parse(flat_multipart(1500), max_parts=None, max_lines=None, max_bytes=None)
    assert message.parse_problem is None
    assert len(list(message.walk())) == 1501


def test_a_message_within_the_limits_has_no_problem_and_no_raw_copy() -> None:
    message = parse(flat_multipart(3))
    assert message.parse_problem is None
    assert message.raw_mime is None
    assert message.text == "part 0"


def test_download_errors_from_the_chunks_propagate() -> None:
    def chunks() -> Iterator[bytes]:
        yield HEADERS
        raise ConnectionError("reset by peer")

    with pytest.raises(ConnectionError):
        AnymailInboundMessage.parse_raw_mime_chunks(chunks())


def test_garbage_parses_without_raising() -> None:
    for raw in (b"", b"\x00\xff" * 100, b":\r\n" * 50, b"\r\n\r\n--", b"Content-Type: (" * 500):
        message = AnymailInboundMessage.parse_raw_mime_bytes(raw)
        assert isinstance(message, AnymailInboundMessage)
        _ = (message.subject, message.text, message.attachments, message.to)


# -- Accessors never raise (11.3) ---------------------------------------------------------------


def test_text_with_an_unusable_charset_falls_back_to_utf8() -> None:
    # Issue 11.3: ValueError ("embedded null character") from bytes.decode.
    for charset in (b'"ut\x00f8"', b"base64", b"no-such-charset", b"idna"):
        raw = b"Content-Type: text/plain; charset=" + charset + b"\r\n\r\nol\xc3\xa1 \xff\r\n"
        assert AnymailInboundMessage.parse_raw_mime_bytes(raw).text == "olá \ufffd\n"


def test_explicit_charset_argument_is_used_as_given() -> None:
    message = AnymailInboundMessage.parse_raw_mime_bytes(b"\r\nabc\r\n")
    with pytest.raises(LookupError):
        message.get_content_text(charset="no-such-charset")


def test_from_email_on_an_unterminated_address_does_not_raise() -> None:
    # Issue 11.3: IndexError inside the stdlib header parser (Python 3.10-3.12).
    message = AnymailInboundMessage.parse_raw_mime_bytes(b"From: Ana <ana@\r\n\r\nhi\r\n")
    from_email = message.from_email  # best effort: whatever the lenient parser could read
    assert from_email is None or isinstance(from_email, EmailAddress)
    assert str(message["From"]).startswith("Ana")  # the header itself is readable too


def test_address_headers_with_nested_comments_do_not_raise() -> None:
    # Issue 11.3: RecursionError in the stdlib header parser.
    message = AnymailInboundMessage.parse_raw_mime_bytes(
        b"To: " + b"(" * 5000 + b"x@example.com\r\nTo: Bo <bo@example.com>\r\n"
        b"Cc: " + b"(" * 5000 + b"\r\n\r\nhi\r\n"
    )
    assert message.to == [EmailAddress("Bo", "bo@example.com")]  # the readable one is kept
    assert message.cc == []
    unparsable = message.get_all("To")[0]
    assert str(unparsable).startswith("((((")
    assert "could not be parsed" in str(unparsable.defects[0])


def test_broken_transfer_encoding_gives_the_undecoded_payload() -> None:
    # Issue 11.3: the Content-Transfer-Encoding header itself made get_payload raise.
    message = AnymailInboundMessage.parse_raw_mime_bytes(
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
        b"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n"
        b"Content-Transfer-Encoding: base64 " + b"(" * 5000 + b"\r\n\r\nQUJD\r\n--x--\r\n"
    )
    [attachment] = message.attachments
    assert attachment.get_content_bytes() == b"QUJD"
    uploaded = attachment.as_uploaded_file()
    assert uploaded is not None and uploaded.name == "a.pdf"


@pytest.mark.parametrize("body", [b"Q", b"QUJD=====", b"!!!!", b"\xff\xfe"])
def test_invalid_base64_does_not_raise(body: bytes) -> None:
    message = AnymailInboundMessage.parse_raw_mime_bytes(
        b"Content-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\n" + body
    )
    assert isinstance(message.attachments[0].get_content_bytes(), bytes)


def test_pathological_content_type_counts_as_text_plain() -> None:
    message = AnymailInboundMessage.parse_raw_mime_bytes(
        b"Content-Type: " + b"(" * 5000 + b"\r\n\r\nbody\r\n"
    )
    assert message.get_content_type() == "text/plain"
    assert message.text == "body\n"


def test_empty_attached_message_part_does_not_raise() -> None:
    part = AnymailInboundMessage()
    part["Content-Type"] = "message/rfc822"
    part["Content-Disposition"] = "attachment"
    part.set_payload([])
    assert isinstance(part.get_content_bytes(), bytes)
    assert isinstance(part.get_content_text(), str)


def test_multipart_attachment_becomes_a_file_of_its_mime_source() -> None:
    message = AnymailInboundMessage.parse_raw_mime_bytes(
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
        b"Content-Type: multipart/alternative; boundary=y\r\nContent-Disposition: attachment\r\n"
        b"\r\n--y\r\nContent-Type: text/plain\r\n\r\ninner\r\n--y--\r\n--x--\r\n"
    )
    [attachment] = message.attachments
    uploaded = attachment.as_uploaded_file()
    assert uploaded is not None
    assert b"inner" in uploaded.read()
    with pytest.raises(ValueError):  # the contract keeps this for multiparts
        attachment.get_content_bytes()


@pytest.mark.parametrize(
    "value", [b"Fri, 02 Oct 99999999999 09:14:05 +0000", b"(((", b"Mon, 32 Foo 2026 99:99:99"]
)
def test_unusable_date_gives_none(value: bytes) -> None:
    message = AnymailInboundMessage.parse_raw_mime_bytes(b"Date: " + value + b"\r\n\r\n")
    assert message.date is None


def test_every_accessor_of_a_hostile_message() -> None:
    raw = (
        b"From: " + b"(" * 3000 + b"\r\nTo: Ana <ana@\r\nSubject: =?ut\x00f8?q?x?=\r\n"
        b"Date: " + b"(" * 3000 + b"\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
        b"--x\r\nContent-Type: text/plain; charset=ut\x00f8\r\n\r\n\xff\r\n"
        b"--x\r\nContent-Type: text/html; charset=base64\r\nContent-Disposition: inline\r\n"
        b"Content-ID: " + b"(" * 3000 + b"\r\n\r\n<p>\r\n--x--\r\n"
    )
    message = AnymailInboundMessage.parse_raw_mime_bytes(raw)
    values: dict[str, Any] = {
        name: getattr(message, name)
        for name in ("from_email", "to", "cc", "bcc", "subject", "date", "text", "html")
    }
    assert values["text"] == "\ufffd"
    assert values["html"] == "<p>"  # charset "base64" is no text encoding: read as UTF-8
    assert isinstance(message.content_id_map, dict)
    assert values["date"] is None or isinstance(values["date"], datetime)
    for part in message.walk():
        if not part.is_multipart():
            part.get_content_bytes()
            part.get_content_text()


def test_a_parsed_message_still_pickles() -> None:
    """Receivers hand messages to task queues: the header cache is not pickled along."""
    message = AnymailInboundMessage.parse_raw_mime_bytes(HEADERS + b"\r\nHello\r\n")
    assert message.subject == "Poison"  # fills the cache
    copy = pickle.loads(pickle.dumps(message))
    assert "_parsed_headers" not in copy.__dict__
    assert (copy.subject, copy.text, copy.parse_problem) == ("Poison", "Hello\n", None)
    poison = pickle.loads(pickle.dumps(parse(nested_multipart(30))))
    assert poison.parse_problem is not None and poison.raw_mime == nested_multipart(30)
