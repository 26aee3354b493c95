"""Hypothesis strategies for hostile webhook bodies and hostile mail."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from hypothesis import strategies as st

# -- JSON --------------------------------------------------------------------------------------

HUGE_NUMBERS = [10**400, -(10**400), 2**63, 2**64 + 1, 1e308, -1e308, float("inf"), float("nan")]

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(HUGE_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)


def sometimes(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the well-formed value, sometimes any JSON value at all."""
    return st.one_of(good, good, good, json_values)


TRACKING_EVENT_NAMES = [
    "delivery", "open", "click", "bounce", "soft bounce", "suspension", "spam",
    "unsubscribe", "reject", "blocked", "something new",
]  # fmt: skip

#: Sending events as Mailtrap documents them (MAILTRAP_API.md §6.3).
valid_tracking_events = st.fixed_dictionaries(
    {
        "event": st.sampled_from(TRACKING_EVENT_NAMES),
        "message_id": st.uuids().map(str),
        "timestamp": st.integers(min_value=0, max_value=2**33),
    },
    optional={
        "email": st.text(max_size=30),
        "event_id": st.uuids().map(str),
        "category": st.text(max_size=10),
        "custom_variables": st.dictionaries(st.text(max_size=5), json_scalars, max_size=3),
        "response": st.text(max_size=30),
        "response_code": st.integers(min_value=200, max_value=599),
        "url": st.text(max_size=30),
        "user_agent": st.text(max_size=30),
        "sending_stream": st.sampled_from(["transactional", "bulk"]),
    },
)
#: Anything shaped roughly like a sending event, often with a wrong type or value somewhere.
tracking_events = st.fixed_dictionaries(
    {
        "event": st.one_of(
            st.sampled_from(TRACKING_EVENT_NAMES),
            st.sampled_from(["inbound.message_received", "inbound.x", ""]),
            json_values,
        ),
        "message_id": sometimes(st.uuids().map(str)),
        "timestamp": sometimes(st.integers(min_value=0, max_value=2**33)),
    },
    optional={
        "email": sometimes(st.text(max_size=30)),
        "event_id": sometimes(st.uuids().map(str)),
        "category": sometimes(st.text(max_size=10)),
        "custom_variables": sometimes(st.dictionaries(st.text(max_size=5), json_scalars)),
        "response": sometimes(st.text(max_size=30)),
        "response_code": json_values,
        "url": sometimes(st.text(max_size=30)),
        "user_agent": sometimes(st.text(max_size=30)),
    },
)


def as_envelope(entries: list[Any]) -> bytes:
    return json.dumps({"events": entries}).encode()


def as_json_lines(entries: list[Any]) -> bytes:
    return b"".join(json.dumps(entry).encode() + b"\n" for entry in entries)


@st.composite
def mutated(draw: st.DrawFn, body: st.SearchStrategy[bytes]) -> bytes:
    """A body with a few random byte edits (insert, delete, replace) or cut short."""
    data = bytearray(draw(body))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        position = draw(st.integers(min_value=0, max_value=max(0, len(data))))
        edit = draw(st.sampled_from(["insert", "delete", "replace", "truncate"]))
        piece = draw(st.binary(min_size=1, max_size=3))
        if edit == "insert":
            data[position:position] = piece
        elif edit == "delete":
            del data[position : position + len(piece)]
        elif edit == "replace":
            data[position : position + len(piece)] = piece
        else:
            del data[position:]
    return bytes(data)


@st.composite
def deeply_nested(draw: st.DrawFn) -> bytes:
    levels = draw(st.integers(min_value=50, max_value=3000))
    opener, closer = draw(
        st.sampled_from([(b"[", b"]"), (b'{"a":', b"}"), (b'{"events":[', b"]}")])
    )
    inner = draw(st.sampled_from([b"1", b'{"event":"delivery"}', b""]))
    closing = closer * draw(st.sampled_from([levels, levels // 2, 0]))
    return opener * levels + inner + closing


def webhook_bodies(
    valid: st.SearchStrategy[Any], anything: st.SearchStrategy[Any]
) -> st.SearchStrategy[bytes]:
    """Envelopes and JSON Lines of valid entries, of mixed ones, mutations of them, and junk."""

    def encoded(entries: st.SearchStrategy[list[Any]]) -> st.SearchStrategy[bytes]:
        return st.one_of(entries.map(as_envelope), entries.map(as_json_lines))

    valid_bodies = encoded(st.lists(valid, min_size=1, max_size=3))
    mixed_bodies = encoded(st.lists(st.one_of(valid, anything, json_values), max_size=4))
    junk = st.one_of(
        deeply_nested(),
        json_values.map(lambda value: json.dumps(value).encode()),
        st.binary(max_size=200),
        st.just(b""),
    )
    return st.one_of(
        valid_bodies,
        valid_bodies,
        valid_bodies,
        mixed_bodies,
        mixed_bodies,
        mutated(valid_bodies),
        junk,
    )


content_types = st.sampled_from(
    ["application/json", "application/json", "application/jsonl", "text/plain", "x/y; a=b"]
)

# -- MIME --------------------------------------------------------------------------------------

NASTY_HEADER_VALUES = [
    "Ana <ana@", "<<<<", "a@b@c", '"unterminated', "=?ut\x00f8?q?x?=", "=?utf-8?b?####?=",
    "=?unknown?q?abc?=", "Ana <ana@example.org>, , ,", "undisclosed-recipients:;", ":;",
    "(comment) ana@example.org", "\\", '"\\', "Fri, 02 Oct 99999999999 09:14:05 +0000",
    "Mon, 32 Foo 2026 99:99:99", "text/plain; charset", "multipart/mixed; boundary=",
    "attachment; filename*=utf-8''%ff%fe", "attachment; filename*0*=x; filename*1=y",
]  # fmt: skip
HEADER_NAMES = [
    "From", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date", "Content-ID", "Message-ID",
    "Content-Disposition", "Content-Transfer-Encoding", "Content-Type", "X-Custom",
]  # fmt: skip
CHARSETS = [
    "utf-8", "us-ascii", "iso-8859-1", "ut\x00f8", "base64", "idna", "utf-16", "utf-7",
    "punycode", "x-unknown", "", "rot13", "hex", "zlib", "uu", "\"", "utf-8'en'",
]  # fmt: skip
TRANSFER_ENCODINGS = [
    "7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "uuencode", "BASE64",
    " base64 ", "garbage", "base64 (((",
]  # fmt: skip
CONTENT_TYPES = [
    "text/plain", "text/html", "application/pdf", "image/png", "message/rfc822",
    "message/delivery-status", "text/rfc822-headers", "application/octet-stream", "text",
    "multipart/mixed", "/", "text/plain/extra",
]  # fmt: skip

header_text = st.one_of(
    st.sampled_from(NASTY_HEADER_VALUES),
    st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=40),
    st.integers(min_value=1, max_value=1200).map(lambda n: "(" * n),
    st.integers(min_value=1, max_value=300).map(lambda n: '"' + "\\" * n),
    st.lists(
        st.sampled_from(["Ana", "<", ">", "@", ",", ";", ":", '"', "(", ")", "x"]), max_size=30
    ).map("".join),
)


def header_line(name: str, value: str) -> bytes:
    return f"{name}: {value}\r\n".encode("utf-8", "surrogateescape")


@st.composite
def headers(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(min_value=0, max_value=5))):
        lines.append(header_line(draw(st.sampled_from(HEADER_NAMES)), draw(header_text)))
    if draw(st.booleans()):
        lines.append(
            b"Content-Transfer-Encoding: "
            + draw(st.sampled_from(TRANSFER_ENCODINGS)).encode()
            + b"\r\n"
        )
    return b"".join(lines)


body_bytes = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=100).map(lambda text: text.encode("utf-8")),
    st.binary(max_size=100).map(lambda data: base64.encodebytes(data)),
    st.binary(max_size=45).map(lambda data: b"begin 644 x\n" + binascii.b2a_uu(data) + b"`\nend\n"),
    st.sampled_from([b"=\r\n=ZZ=", b"begin 644\n#\xff\nend", b"QUJD=====", b"\xff\xfe\x00"]),
)


@st.composite
def leaf_part(draw: st.DrawFn) -> bytes:
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    charset = draw(st.sampled_from(CHARSETS))
    disposition = draw(
        st.sampled_from(
            [
                b"",
                b"Content-Disposition: attachment; filename=a.bin\r\n",
                b"Content-Disposition: inline\r\nContent-ID: <c1>\r\n",
            ]
        )
    )
    head = header_line("Content-Type", f"{content_type}; charset={charset}") + disposition
    return head + draw(headers()) + b"\r\n" + draw(body_bytes)


@st.composite
def multipart_of(draw: st.DrawFn, children: st.SearchStrategy[bytes]) -> bytes:
    subtype = draw(st.sampled_from(["mixed", "alternative", "related", "digest", "report"]))
    boundary = draw(st.sampled_from(["b1", "b2", "=_x", "", "b1 (((", "a" * 80]))
    parts = draw(st.lists(children, max_size=4))
    close = draw(st.sampled_from([True, True, False]))
    head = header_line("Content-Type", f'multipart/{subtype}; boundary="{boundary}"')
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    if close:
        body += b"--" + boundary.encode() + b"--\r\n"
    return head + draw(headers()) + b"\r\n" + body


@st.composite
def attached_message(draw: st.DrawFn, children: st.SearchStrategy[bytes]) -> bytes:
    head = b"Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n"
    return head + b"\r\n" + draw(children)


mime_trees = st.recursive(
    leaf_part(),
    lambda children: st.one_of(multipart_of(children), attached_message(children)),
    max_leaves=12,
)


def nested_multiparts(levels: int) -> bytes:
    raw = b""
    for level in range(levels):
        raw += b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (level, level)
    return raw + b"Content-Type: text/plain\r\n\r\nx\r\n"


def many_parts(count: int) -> bytes:
    raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    return raw + b"--b\r\nContent-Type: text/plain\r\n\r\np\r\n" * count + b"--b--\r\n"


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    """Whole raw messages: generated trees, poison shapes, mutations and plain junk."""
    top = draw(headers())
    poison = st.one_of(
        st.integers(min_value=1, max_value=150).map(nested_multiparts),
        st.sampled_from([1001, 1200]).map(nested_multiparts),  # the poison
        st.integers(min_value=1, max_value=60).map(many_parts),
    )
    shape = draw(
        st.one_of(mime_trees, mime_trees, mime_trees, mime_trees, poison, st.binary(max_size=300))
    )
    raw = top + shape
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        raw = draw(mutated(st.just(raw)))
    return raw
