"""Request bodies: attachments encoded once, large bodies streamed, nothing pinned after a send."""

from __future__ import annotations

import json
import os
import re
from base64 import b64encode

import pytest
import responses

from anymail.sending.json_body import STREAM_THRESHOLD, JSONStream, encode_json
from tests.support.mailtrap_server import Reply
from tests.support.sending import (  # noqa: F401 (fixtures)
    TOKEN,
    mailtrap_server_fixture,
    make_message,
    scale_backend_fixture,
)


def with_attachment(size: int, number: int = 0) -> object:
    message = make_message(number)
    message.attach("data.bin", os.urandom(size), "application/octet-stream")
    return message


def expected_body(message: object, content: bytes) -> bytes:
    """The body as the plain (small-body) path writes it: json.dumps of the whole payload."""
    return json.dumps(
        {
            "from": {"email": "from@example.com"},
            "to": [{"email": "to0@example.com"}],
            "subject": "message 0",
            "text": "Body",
            "attachments": [
                {
                    "filename": "data.bin",
                    "type": "application/octet-stream",
                    "content": b64encode(content).decode(),
                }
            ],
        }
    ).encode()


def test_esp_response_does_not_pin_the_request_body(settings):
    from anymail.backends.mailtrap import EmailBackend

    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": TOKEN}
    message = with_attachment(50_000)
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, re.compile(".*"), json={"success": True, "message_ids": ["1"]})
        assert EmailBackend().send_messages([message]) == 1
        esp_response = message.anymail_status.esp_response
        assert esp_response.request.body is None
        assert esp_response.json() == {"success": True, "message_ids": ["1"]}
        assert "Api-Token" not in esp_response.request.headers  # never kept: it is the secret
        # the request the `responses` library recorded is untouched
        assert json.loads(mock.calls[0].request.body)["subject"] == "message 0"


def test_small_bodies_stay_a_json_str(settings):
    from anymail.backends.mailtrap import EmailBackend

    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": TOKEN}
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, re.compile(".*"), json={"success": True, "message_ids": ["1"]})
        EmailBackend().send_messages([with_attachment(1000)])
        assert isinstance(mock.calls[0].request.body, str)


def test_responses_records_a_streamed_body_as_json_bytes(settings):
    """Users' tests with `responses` keep working for bodies large enough to be streamed."""
    from anymail.backends.mailtrap import EmailBackend

    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": TOKEN}
    message = with_attachment(STREAM_THRESHOLD + 1)
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, re.compile(".*"), json={"success": True, "message_ids": ["1"]})
        assert EmailBackend().send_messages([message]) == 1
        body = mock.calls[0].request.body
    assert body == expected_body(message, message.attachments[0][1])
    assert json.loads(body)["subject"] == "message 0"


def test_large_bodies_are_streamed_with_a_content_length(mailtrap_server, scale_backend):
    message = with_attachment(STREAM_THRESHOLD + 12345)
    content = message.attachments[0][1]
    assert scale_backend().send_messages([message]) == 1
    [request] = mailtrap_server.requests
    assert request.headers["Content-Length"] == str(len(request.body))
    assert "Transfer-Encoding" not in request.headers
    assert request.body == expected_body(message, content)


def test_streamed_body_is_byte_identical_to_the_plain_body():
    data = {
        "a": "é/\u2603\n",
        "attachments": [{"content": None}, {"content": None}],
        "n": [1, 2.5, None, True],
    }
    contents = [os.urandom(STREAM_THRESHOLD + 7), os.urandom(5)]
    from anymail.sending.json_body import Base64Content

    for entry, content in zip(data["attachments"], contents, strict=True):
        entry["content"] = Base64Content(content)
    document = encode_json(data)
    stream = document.body()
    assert isinstance(stream, JSONStream)
    streamed = b"".join(iter(lambda: stream.read(16384), b""))
    for entry, content in zip(data["attachments"], contents, strict=True):
        entry["content"] = b64encode(content).decode()
    assert streamed == json.dumps(data).encode()
    assert len(stream) == len(streamed)


def test_stream_restarts_for_a_retry(mailtrap_server, scale_backend):
    mailtrap_server.reply(Reply(status=429, headers={"Retry-After": "0"}))
    message = with_attachment(STREAM_THRESHOLD + 1)
    content = message.attachments[0][1]
    assert scale_backend().send_messages([message]) == 1
    first, second = mailtrap_server.requests
    assert first.body == second.body == expected_body(message, content)


def test_payload_attachment_content_compares_as_base64(settings):
    from anymail.backends.mailtrap import EmailBackend, MailtrapPayload

    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": TOKEN}
    message = make_message()
    message.attach("a.txt", b"hello", "text/plain")
    payload = MailtrapPayload(message, {}, EmailBackend())
    assert payload.data["attachments"][0]["content"] == b64encode(b"hello").decode()


@pytest.mark.parametrize("size", [0, 1, 2, 3, 49_151, 49_152, 49_153, 196_609])
def test_chunked_base64_matches_b64encode(size):
    from anymail.sending.json_body import Base64Content

    content = os.urandom(size)
    assert b"".join(Base64Content(content).chunks()) == b64encode(content)
    assert Base64Content(content).size == len(b64encode(content))


@pytest.mark.parametrize("batch_messages", [False, True])
def test_text_attachment_is_encoded_once_per_message(
    mailtrap_server, scale_backend, batch_messages
):
    """Sized (batching), posted, then posted again after a 429: the str is encoded once."""
    from tests.unit.test_attachments import CountingText

    mailtrap_server.reply(Reply(status=429, headers={"Retry-After": "0"}))
    messages, contents = [], []
    for number in range(2):
        contents.append(CountingText(f"message {number}\n" + "1,Zürich\n" * 5000))
        messages.append(make_message(number))
        messages[-1].attach("orders.csv", contents[-1], "text/csv")
    backend = scale_backend(batch_messages=batch_messages, send_concurrency=1)
    assert backend.send_messages(messages) == 2
    assert [content.encodes for content in contents] == [1, 1]
    posted = b"".join(request.body for request in mailtrap_server.requests)
    for content in contents:
        assert b64encode(str.encode(content, "utf-8")) in posted


def test_a_stream_never_makes_a_piece_larger_than_64_kib():
    """Pieces stay under glibc's mmap threshold (128 KiB): see json_body.STREAM_THRESHOLD."""
    from anymail.sending.json_body import Base64Content

    data = {"html": "x" * 300_000, "attachments": [{"content": Base64Content(os.urandom(300_000))}]}
    stream = encode_json(data).body()
    assert isinstance(stream, JSONStream)
    pieces = list(stream._generate())
    assert max(len(piece) for piece in pieces) == 64 * 1024
    assert (
        b"".join(pieces)
        == json.dumps(
            {
                "html": data["html"],
                "attachments": [
                    {"content": b64encode(data["attachments"][0]["content"].raw).decode()}
                ],
            }
        ).encode()
    )


def test_bodies_from_128_kib_are_streamed():
    assert isinstance(encode_json({"t": "x" * (128 * 1024)}).body(), JSONStream)
    assert isinstance(encode_json({"t": "x" * (127 * 1024)}).body(), str)
