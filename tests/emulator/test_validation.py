"""Send validation: each of Mailtrap's rules answers 400 with its wording."""

from __future__ import annotations

import base64
import json
from typing import Any

from mailtrap_emulator import EmulatorServer

from .helpers import message, post

TEMPLATE_UUID = "5f1c2d9e-8a77-4b0e-9d61-3f2a0c7b1e44"


def errors_of(emulator: EmulatorServer, body: Any) -> list[str]:
    response = post(emulator, "/api/send", body)
    assert response.status_code == 400, response.text
    result = response.json()
    assert result["success"] is False
    return result["errors"]  # type: ignore[no-any-return]


def test_from_is_required(emulator: EmulatorServer) -> None:
    assert errors_of(emulator, message(**{"from": None})) == ["'from' is required"]


def test_from_address_must_be_valid(emulator: EmulatorServer) -> None:
    body = message(**{"from": {"email": "not-an-address"}})
    assert errors_of(emulator, body) == ["'from' address is invalid"]


def test_from_with_non_ascii_local_part_does_not_match_the_domain(
    emulator: EmulatorServer,
) -> None:
    body = message(**{"from": {"email": "jürgen@shop.example"}})
    assert errors_of(emulator, body) == ["'From' header does not match the sender's domain"]


def test_a_recipient_is_required(emulator: EmulatorServer) -> None:
    assert errors_of(emulator, message(to=None)) == ["'to', 'cc' or 'bcc' address is required"]


def test_cc_alone_is_enough_recipients(emulator: EmulatorServer) -> None:
    body = message(to=None, cc=[{"email": "cc@example.org"}])
    assert post(emulator, "/api/send", body).status_code == 200


def test_recipient_address_must_be_valid(emulator: EmulatorServer) -> None:
    body = message(cc=[{"email": "ok@example.org"}, {"email": "nope"}])
    assert errors_of(emulator, body) == ["address is invalid in 'cc' 1"]


def test_at_most_1000_addresses_per_field(emulator: EmulatorServer) -> None:
    body = message(bcc=[{"email": f"r{i}@example.org"} for i in range(1001)])
    assert errors_of(emulator, body) == ["too many addresses in 'bcc' (maximum is 1000)"]


def test_exactly_1000_addresses_are_accepted(emulator: EmulatorServer) -> None:
    body = message(to=[{"email": f"r{i}@example.org"} for i in range(1000)])
    response = post(emulator, "/api/send", body)
    assert response.status_code == 200
    assert len(response.json()["message_ids"]) == 1000


def test_subject_is_required(emulator: EmulatorServer) -> None:
    assert errors_of(emulator, message(subject=None)) == ["'subject' is required"]


def test_empty_subject_counts_as_missing(emulator: EmulatorServer) -> None:
    assert errors_of(emulator, message(subject="")) == ["'subject' is required"]


def test_text_or_html_is_required(emulator: EmulatorServer) -> None:
    assert errors_of(emulator, message(text=None)) == ["must specify either text or html body"]


def test_html_alone_is_enough(emulator: EmulatorServer) -> None:
    assert post(emulator, "/api/send", message(text=None, html="<p>x</p>")).status_code == 200


def test_category_is_not_allowed_with_template_uuid(emulator: EmulatorServer) -> None:
    body = message(subject=None, text=None, template_uuid=TEMPLATE_UUID, category="welcome")
    assert errors_of(emulator, body) == ["'category' is not allowed with 'template_uuid'"]


def test_subject_text_and_html_are_not_allowed_with_template_uuid(
    emulator: EmulatorServer,
) -> None:
    body = message(html="<p>x</p>", template_uuid=TEMPLATE_UUID)
    assert errors_of(emulator, body) == [
        "'subject' is not allowed with 'template_uuid'",
        "'text' is not allowed with 'template_uuid'",
        "'html' is not allowed with 'template_uuid'",
    ]


def test_template_variables_need_a_template_uuid(emulator: EmulatorServer) -> None:
    body = message(template_variables={"name": "Ana"})
    assert errors_of(emulator, body) == [
        "'template_variables' is not allowed without 'template_uuid'"
    ]


def test_template_uuid_must_be_a_uuid(emulator: EmulatorServer) -> None:
    body = message(subject=None, text=None, template_uuid="welcome-template")
    assert errors_of(emulator, body) == ["'template_uuid' is invalid"]


def test_category_is_at_most_255_characters(emulator: EmulatorServer) -> None:
    assert post(emulator, "/api/send", message(category="c" * 255)).status_code == 200
    assert errors_of(emulator, message(category="c" * 256)) == [
        "'category' is too long (maximum is 255 characters)"
    ]


def test_custom_variables_are_at_most_1000_bytes_as_json(emulator: EmulatorServer) -> None:
    fits = {"k": "v" * (1000 - len('{"k":""}'))}
    assert len(json.dumps(fits, separators=(",", ":"))) == 1000
    assert post(emulator, "/api/send", message(custom_variables=fits)).status_code == 200
    too_big = {"k": fits["k"] + "v"}
    assert errors_of(emulator, message(custom_variables=too_big)) == [
        "'custom_variables' size exceeds 1000 bytes"
    ]


def test_custom_variables_size_counts_utf8_bytes(emulator: EmulatorServer) -> None:
    too_big = {"k": "é" * 497}  # 505 characters of JSON text, but 1002 bytes in UTF-8
    assert errors_of(emulator, message(custom_variables=too_big)) == [
        "'custom_variables' size exceeds 1000 bytes"
    ]


def test_attachment_content_must_be_base64(emulator: EmulatorServer) -> None:
    body = message(attachments=[{"filename": "a.txt", "content": "not base64!"}])
    assert errors_of(emulator, body) == ["'content' is not valid base64 in attachment 0"]


def test_attachment_filename_is_required(emulator: EmulatorServer) -> None:
    body = message(attachments=[{"content": base64.b64encode(b"x").decode()}])
    assert errors_of(emulator, body) == ["'filename' is required in attachment 0"]


def test_attachment_content_is_required(emulator: EmulatorServer) -> None:
    body = message(attachments=[{"filename": "a.txt"}])
    assert errors_of(emulator, body) == ["'content' is required in attachment 0"]


def test_header_values_must_be_strings(emulator: EmulatorServer) -> None:
    assert errors_of(emulator, message(headers={"X-Count": 3})) == [
        "'headers' values must be strings"
    ]


def test_message_over_10_mb_is_rejected(emulator: EmulatorServer) -> None:
    content = base64.b64encode(b"\0" * (8 * 1024 * 1024)).decode()  # ~10.7 MB as Base64
    body = message(attachments=[{"filename": "big.bin", "content": content}])
    assert errors_of(emulator, body) == ["message size exceeds the 10 MB limit"]


def test_invalid_json_is_400(emulator: EmulatorServer) -> None:
    response = post(
        emulator, "/api/send", None, data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"success": False, "errors": ["request body is not valid JSON"]}


def test_several_errors_are_reported_together(emulator: EmulatorServer) -> None:
    assert errors_of(emulator, {}) == [
        "'from' is required",
        "'to', 'cc' or 'bcc' address is required",
        "'subject' is required",
        "must specify either text or html body",
    ]
