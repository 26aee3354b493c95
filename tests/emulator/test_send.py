"""POST /api/send: authentication, message ids, streams and the stored MIME message."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from email import policy
from email.parser import BytesParser

import pytest
import requests

from mailtrap_emulator import EmulatorServer

from .helpers import message, post, send

TEMPLATE_UUID = "5f1c2d9e-8a77-4b0e-9d61-3f2a0c7b1e44"


def stored_mime(emulator: EmulatorServer, message_id: str):  # type: ignore[no-untyped-def]
    raw = requests.get(f"{emulator.url}/_emulator/messages/{message_id}/raw", timeout=10)
    return BytesParser(policy=policy.default).parsebytes(raw.content)


def test_missing_token_is_401_unauthorized(emulator: EmulatorServer) -> None:
    response = post(emulator, "/api/send", message(), token=None)
    assert response.status_code == 401
    assert response.json() == {"success": False, "errors": ["Unauthorized"]}


def test_api_token_header_is_accepted(emulator: EmulatorServer) -> None:
    assert post(emulator, "/api/send", message(), token="anything").status_code == 200


def test_bearer_authorization_is_accepted(emulator: EmulatorServer) -> None:
    response = post(
        emulator, "/api/send", message(), token=None, headers={"Authorization": "Bearer abc"}
    )
    assert response.status_code == 200


@pytest.fixture(scope="module")
def strict_emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(tokens=["good-token"], sending_domains=["shop.example"]) as server:
        yield server


def test_configured_tokens_reject_other_tokens(strict_emulator: EmulatorServer) -> None:
    response = post(strict_emulator, "/api/send", message(), token="bad-token")
    assert response.status_code == 401
    assert post(strict_emulator, "/api/send", message(), token="good-token").status_code == 200


def test_unverified_sender_domain_is_401(strict_emulator: EmulatorServer) -> None:
    body = message(**{"from": {"email": "webmaster@other.example"}})
    response = post(strict_emulator, "/api/send", body, token="good-token")
    assert response.status_code == 401
    assert response.json() == {"success": False, "errors": ["Unauthorized"]}


def test_success_returns_one_uuid_per_recipient_in_to_cc_bcc_order(
    emulator: EmulatorServer,
) -> None:
    body = message(
        to=[{"email": "t1@example.org"}, {"email": "t2@example.org"}],
        cc=[{"email": "c@example.org"}],
        bcc=[{"email": "b@example.org"}],
    )
    result = send(emulator, body)
    assert result["success"] is True
    assert len(result["message_ids"]) == 4
    assert all(str(uuid.UUID(mid)) == mid for mid in result["message_ids"])
    stored = emulator.message(result["message_ids"][0])
    assert stored is not None
    assert [(r["kind"], r["email"], r["message_id"]) for r in stored["recipients"]] == [
        ("to", "t1@example.org", result["message_ids"][0]),
        ("to", "t2@example.org", result["message_ids"][1]),
        ("cc", "c@example.org", result["message_ids"][2]),
        ("bcc", "b@example.org", result["message_ids"][3]),
    ]


def test_message_is_stored_with_stream_category_and_custom_variables(
    emulator: EmulatorServer,
) -> None:
    body = message(category="welcome", custom_variables={"user_id": "42"})
    (message_id,) = send(emulator, body)["message_ids"]
    stored = emulator.message(message_id)
    assert stored is not None
    assert stored["stream"] == "transactional"
    assert stored["category"] == "welcome"
    assert stored["custom_variables"] == {"user_id": "42"}
    assert stored["payload"] == body


def test_bulk_prefix_uses_the_bulk_stream(emulator: EmulatorServer) -> None:
    (message_id,) = send(emulator, message(), path="/bulk/api/send")["message_ids"]
    assert emulator.message(message_id)["stream"] == "bulk"  # type: ignore[index]


def test_bulk_host_header_uses_the_bulk_stream(emulator: EmulatorServer) -> None:
    result = send(emulator, message(), headers={"Host": "bulk.api.mailtrap.io"})
    assert emulator.message(result["message_ids"][0])["stream"] == "bulk"  # type: ignore[index]


def test_mime_message_has_addresses_subject_headers_and_bodies(
    emulator: EmulatorServer,
) -> None:
    body = message(
        cc=[{"email": "cc@example.org"}],
        bcc=[{"email": "hidden@example.org"}],
        reply_to={"email": "help@shop.example"},
        html="<p>Hi <b>Ana</b></p>",
        headers={"X-Order-Ref": "4711"},
    )
    (first, *_) = send(emulator, body)["message_ids"]
    mime = stored_mime(emulator, first)
    assert mime["From"] == "Example Shop <orders@shop.example>"
    assert mime["To"] == "Ana Silva <ana@example.org>"
    assert mime["Cc"] == "cc@example.org"
    assert mime["Bcc"] is None
    assert mime["Reply-To"] == "help@shop.example"
    assert mime["Subject"] == "Order 4711 confirmed"
    assert mime["X-Order-Ref"] == "4711"
    assert mime.get_body(("plain",)).get_content().strip() == "Hi Ana, order 4711 is confirmed."
    assert mime.get_body(("html",)).get_content().strip() == "<p>Hi <b>Ana</b></p>"


def test_reply_to_header_in_headers_sets_several_reply_addresses(
    emulator: EmulatorServer,
) -> None:
    body = message(headers={"Reply-To": "a@shop.example, b@shop.example"})
    (message_id,) = send(emulator, body)["message_ids"]
    assert stored_mime(emulator, message_id)["Reply-To"] == "a@shop.example, b@shop.example"


def test_mime_message_has_attachments_and_inline_images(emulator: EmulatorServer) -> None:
    body = message(
        html='<p>Logo <img src="cid:shoplogo"></p>',
        attachments=[
            {"filename": "invoice.pdf", "type": "application/pdf", "content": "JVBERi0xLjcK"},
            {"filename": "notes.txt", "type": 'text/plain; charset="utf-8"', "content": "aGk="},
            {
                "filename": "logo.png",
                "type": "image/png",
                "content": base64.b64encode(b"\x89PNG fake").decode(),
                "disposition": "inline",
                "content_id": "shoplogo",
            },
        ],
    )
    (message_id,) = send(emulator, body)["message_ids"]
    mime = stored_mime(emulator, message_id)
    parts = {part.get_filename(): part for part in mime.walk() if part.get_filename()}
    assert parts["invoice.pdf"].get_content_type() == "application/pdf"
    assert parts["invoice.pdf"].get_content_disposition() == "attachment"
    assert parts["invoice.pdf"].get_payload(decode=True) == b"%PDF-1.7\n"
    assert parts["notes.txt"].get_content_type() == "text/plain"
    assert parts["logo.png"]["Content-ID"] == "<shoplogo>"
    assert parts["logo.png"].get_content_disposition() == "inline"
    assert parts["logo.png"].get_payload(decode=True) == b"\x89PNG fake"


def test_mime_attachment_keeps_the_type_parameters(emulator: EmulatorServer) -> None:
    content = "Grüße".encode()
    body = message(
        attachments=[
            {
                "filename": "greeting.csv",
                "type": 'text/csv; charset="utf-8"',
                "content": base64.b64encode(content).decode(),
            }
        ]
    )
    (message_id,) = send(emulator, body)["message_ids"]
    (part,) = [p for p in stored_mime(emulator, message_id).walk() if p.get_filename()]
    assert part.get_content_type() == "text/csv"
    assert part.get_param("charset") == "utf-8"
    assert part.get_payload(decode=True) == content


def test_template_send_renders_a_body_from_uuid_and_variables(emulator: EmulatorServer) -> None:
    body = message(
        subject=None,
        text=None,
        template_uuid=TEMPLATE_UUID,
        template_variables={"first_name": "Ana"},
    )
    (message_id,) = send(emulator, body)["message_ids"]
    mime = stored_mime(emulator, message_id)
    assert TEMPLATE_UUID in mime["Subject"]
    text = mime.get_body(("plain",)).get_content()
    assert "first_name" in text
    assert '"Ana"' in text


def test_unknown_path_is_a_json_404(emulator: EmulatorServer) -> None:
    response = requests.get(f"{emulator.url}/api/nothing-here", timeout=10)
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}
