"""Inbound mail: receiving raw messages, the notification webhook, the messages API."""

from __future__ import annotations

import time
from email.message import EmailMessage
from typing import Any

import requests

from mailtrap_emulator import EmulatorServer, sign

from .helpers import TOKEN
from .receiver import Receiver


def raw_email() -> bytes:
    message = EmailMessage()
    message["From"] = "Ana Silva <ana@example.org>"
    message["To"] = "support-1a2b3c4d@inbound-mailtrap.io"
    message["Cc"] = "team@example.org"
    message["Subject"] = "Question about order 4711"
    message["Message-ID"] = "<CAF12345@mail.example.org>"
    message["References"] = "<a@x> <b@x>"
    message.set_content("Hello, where is my order?")
    message.add_alternative("<p>Hello, where is my order?</p>", subtype="html")
    message.add_attachment(b"JPEGDATA", "image", "jpeg", filename="photo.jpg")
    return message.as_bytes()


RAW_EMAIL = raw_email()


def receive(emulator: EmulatorServer, inbox_id: int = 250) -> dict[str, Any]:
    response = requests.post(
        f"{emulator.url}/_emulator/inbound/{inbox_id}",
        data=RAW_EMAIL,
        headers={"Content-Type": "message/rfc822"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def fetch(emulator: EmulatorServer, inbox_id: int, message_id: str, **headers: str) -> Any:
    headers = headers or {"Authorization": f"Bearer {TOKEN}"}
    return requests.get(
        f"{emulator.url}/api/inbound/inboxes/{inbox_id}/messages/{message_id}",
        headers=headers,
        timeout=10,
    )


def test_received_message_gets_a_long_numeric_id(emulator: EmulatorServer) -> None:
    received = receive(emulator)
    assert received["id"].isdigit()
    assert int(received["id"]) > 2**53


def test_inbound_webhook_is_signed_and_has_the_documented_fields(
    emulator: EmulatorServer, receiver: Receiver
) -> None:
    webhook = emulator.add_webhook(
        receiver.url + "/inbound", webhook_type="inbound_receiving", inbound_inbox_id=250
    )
    received = receive(emulator, 250)
    assert emulator.wait_for_webhooks(10)
    (request,) = receiver.requests
    assert request.headers["mailtrap-signature"] == sign(request.body, webhook["signing_secret"])
    (event,) = request.json()["events"]
    assert event["event"] == "inbound.message_received"
    assert event["inbox_id"] == 250
    assert event["message_id"] == received["id"]
    assert event["from"] == "Ana Silva <ana@example.org>"
    assert abs(event["timestamp"] - time.time() * 1000) < 60_000  # milliseconds
    assert event["event_id"]


def test_inbound_webhook_for_another_inbox_is_not_notified(
    emulator: EmulatorServer, receiver: Receiver
) -> None:
    emulator.add_webhook(
        receiver.url + "/inbound", webhook_type="inbound_receiving", inbound_inbox_id=999
    )
    receive(emulator, 250)
    assert emulator.wait_for_webhooks(5)
    assert receiver.requests == []


def test_sending_webhooks_do_not_get_inbound_events(
    emulator: EmulatorServer, receiver: Receiver
) -> None:
    emulator.add_webhook(receiver.url + "/events")
    receive(emulator)
    assert emulator.wait_for_webhooks(5)
    assert receiver.requests == []


def test_message_details_have_the_documented_shape(emulator: EmulatorServer) -> None:
    received = receive(emulator, 250)
    response = fetch(emulator, 250, received["id"])
    assert response.status_code == 200
    details = response.json()
    assert details["id"] == received["id"]
    assert details["inbox_id"] == 250
    assert details["from"] == "Ana Silva <ana@example.org>"
    assert details["to"] == ["support-1a2b3c4d@inbound-mailtrap.io"]
    assert details["cc"] == ["team@example.org"]
    assert details["bcc"] == []
    assert details["subject"] == "Question about order 4711"
    assert details["rfc_message_id"] == details["message_id"] == "<CAF12345@mail.example.org>"
    assert details["references"] == ["<a@x>", "<b@x>"]
    assert details["headers"]["subject"] == "Question about order 4711"
    assert details["text_body"].strip() == "Hello, where is my order?"
    assert details["html_body"].strip() == "<p>Hello, where is my order?</p>"
    assert details["size"] == len(RAW_EMAIL)
    assert details["received_at"].endswith("Z")
    (attachment,) = details["attachments"]
    assert attachment["filename"] == "photo.jpg"
    assert attachment["content_type"] == "image/jpeg"
    assert attachment["size"] == len(b"JPEGDATA")
    assert details["raw_message_expires_at"]


def test_api_token_header_also_works_for_the_messages_api(emulator: EmulatorServer) -> None:
    received = receive(emulator, 250)
    assert fetch(emulator, 250, received["id"], **{"Api-Token": TOKEN}).status_code == 200


def test_messages_api_without_token_is_401(emulator: EmulatorServer) -> None:
    received = receive(emulator, 250)
    response = requests.get(
        f"{emulator.url}/api/inbound/inboxes/250/messages/{received['id']}", timeout=10
    )
    assert response.status_code == 401
    assert response.json() == {"error": "Incorrect API token"}


def test_message_in_another_inbox_is_404(emulator: EmulatorServer) -> None:
    received = receive(emulator, 250)
    response = fetch(emulator, 251, received["id"])
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}


def test_raw_message_url_downloads_without_credentials(emulator: EmulatorServer) -> None:
    details = fetch(emulator, 250, receive(emulator, 250)["id"]).json()
    response = requests.get(details["raw_message_url"], timeout=10)
    assert response.status_code == 200
    assert response.content == RAW_EMAIL


def test_raw_message_url_refuses_a_second_auth_mechanism(emulator: EmulatorServer) -> None:
    details = fetch(emulator, 250, receive(emulator, 250)["id"]).json()
    response = requests.get(
        details["raw_message_url"], headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    assert response.status_code == 400


def test_raw_message_url_needs_its_signature(emulator: EmulatorServer) -> None:
    details = fetch(emulator, 250, receive(emulator, 250)["id"]).json()
    response = requests.get(details["raw_message_url"].split("?")[0], timeout=10)
    assert response.status_code == 403


def test_attachment_download_url_serves_the_attachment(emulator: EmulatorServer) -> None:
    details = fetch(emulator, 250, receive(emulator, 250)["id"]).json()
    response = requests.get(details["attachments"][0]["download_url"], timeout=10)
    assert response.content == b"JPEGDATA"


def test_messages_list_has_data_total_count_and_last_id(emulator: EmulatorServer) -> None:
    receive(emulator, 250)
    receive(emulator, 250)
    receive(emulator, 300)
    response = requests.get(
        f"{emulator.url}/api/inbound/inboxes/250/messages",
        headers={"Api-Token": TOKEN},
        timeout=10,
    )
    body = response.json()
    assert (len(body["data"]), body["total_count"], body["last_id"]) == (2, 2, None)


def test_empty_inbound_body_is_400(emulator: EmulatorServer) -> None:
    response = requests.post(
        f"{emulator.url}/_emulator/inbound/250",
        data=b"",
        headers={"Content-Type": "message/rfc822"},
        timeout=10,
    )
    assert response.status_code == 400
