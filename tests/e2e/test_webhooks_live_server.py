"""Webhooks over real HTTP: signed requests to Django's live server on 127.0.0.1.

The inbound view's calls to Mailtrap go to a tiny local HTTP server standing in
for the message API and the pre-signed raw-message download.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from anymail.signals import inbound, tracking

TRACKING_SECRET = "tracking-signing-secret-e2e"
INBOUND_SECRET = "inbound-signing-secret-e2e"
API_TOKEN = "e2e-api-token-31c7"
RAW_MESSAGE = (
    b"From: Ana <ana@example.org>\r\nTo: inbox@inbound-mailtrap.io\r\n"
    b"Subject: Live inbound\r\n\r\nHello over HTTP\r\n"
)
EVENTS = [
    {"event": "delivery", "message_id": "m-1", "email": "a@example.org", "timestamp": 1791200000},
    {"event": "open", "message_id": "m-1", "email": "a@example.org", "timestamp": 1791200100},
]


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class FakeMailtrap(BaseHTTPRequestHandler):
    """Serves one inbound message (details + raw MIME) and records each request's headers."""

    seen: list[dict[str, Any]] = []

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self.seen.append({"path": path, "authorization": self.headers.get("Authorization")})
        if path == "/api/inbound/inboxes/250/messages/msg-1":
            host, port = self.server.server_address[:2]
            data = {"id": "msg-1", "raw_message_url": f"http://{host}:{port}/raw/msg-1.eml?sig=x"}
            self._reply(json.dumps(data).encode(), "application/json")
        elif path == "/raw/msg-1.eml":
            self._reply(RAW_MESSAGE, "message/rfc822")
        else:
            self.send_error(404)

    def _reply(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


@pytest.fixture
def fake_mailtrap() -> Iterator[str]:
    """Base API URL of the local stand-in for mailtrap.io."""
    FakeMailtrap.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeMailtrap)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def webhook_server(live_server: Any, settings: Any, fake_mailtrap: str) -> str:
    """The live server's webhook base URL, with signing secrets and basic auth configured."""
    settings.ANYMAIL = {
        "WEBHOOK_SECRET": "hook:pass",
        "MAILTRAP_TRACKING_SECRET": TRACKING_SECRET,
        "MAILTRAP_INBOUND_SECRET": INBOUND_SECRET,
        "MAILTRAP_API_TOKEN": API_TOKEN,
        "MAILTRAP_API_URL": fake_mailtrap,
    }
    return f"{live_server.url}/anymail/mailtrap/"


@pytest.fixture
def received() -> Iterator[list[Any]]:
    """Every tracking and inbound event the live server dispatches."""
    events: list[Any] = []

    def receiver(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
        events.append(event)

    tracking.connect(receiver)
    inbound.connect(receiver)
    yield events
    tracking.disconnect(receiver)
    inbound.disconnect(receiver)


def post(url: str, body: bytes, secret: str | None, content_type: str) -> requests.Response:
    headers = {"Content-Type": content_type}
    if secret is not None:
        headers["Mailtrap-Signature"] = sign(body, secret)
    return requests.post(url, data=body, headers=headers, auth=("hook", "pass"), timeout=10)


def test_signed_json_tracking_events_are_dispatched(webhook_server: str, received: list) -> None:
    body = json.dumps({"events": EVENTS}).encode()
    response = post(webhook_server + "tracking/", body, TRACKING_SECRET, "application/json")
    assert response.status_code == 200
    assert [event.event_type for event in received] == ["delivered", "opened"]


def test_signed_json_lines_tracking_events_are_dispatched(
    webhook_server: str, received: list
) -> None:
    body = b"".join(json.dumps(event).encode() + b"\n" for event in EVENTS)
    response = post(webhook_server + "tracking/", body, TRACKING_SECRET, "application/jsonl")
    assert response.status_code == 200
    assert [event.event_type for event in received] == ["delivered", "opened"]


def test_credentials_in_the_url_work_as_basic_auth(webhook_server: str, received: list) -> None:
    # Mailtrap is given https://user:pass@host/... and sends them as basic auth.
    url = webhook_server.replace("http://", "http://hook:pass@") + "tracking/"
    body = json.dumps({"events": EVENTS[:1]}).encode()
    headers = {
        "Content-Type": "application/json",
        "Mailtrap-Signature": sign(body, TRACKING_SECRET),
    }
    assert requests.post(url, data=body, headers=headers, timeout=10).status_code == 200
    assert len(received) == 1


def test_unsigned_request_is_rejected(webhook_server: str, received: list) -> None:
    body = json.dumps({"events": EVENTS}).encode()
    response = post(webhook_server + "tracking/", body, None, "application/json")
    assert response.status_code == 400
    assert received == []


def test_signature_with_the_wrong_secret_is_rejected(webhook_server: str, received: list) -> None:
    body = json.dumps({"events": EVENTS}).encode()
    response = post(webhook_server + "tracking/", body, INBOUND_SECRET, "application/json")
    assert response.status_code == 400
    assert received == []


def test_malformed_signed_body_gets_400_with_reason(webhook_server: str, received: list) -> None:
    body = json.dumps({"events": [{"event": "delivery", "timestamp": 1}]}).encode()
    response = post(webhook_server + "tracking/", body, TRACKING_SECRET, "application/json")
    assert response.status_code == 400
    assert response.text == "Event 1 is missing 'message_id'"
    assert received == []


def test_head_probe_answers_200(webhook_server: str) -> None:
    assert requests.head(webhook_server + "tracking/", timeout=10).status_code == 200


def test_signed_inbound_notification_fetches_and_dispatches_the_message(
    webhook_server: str, received: list
) -> None:
    entry = {
        "event": "inbound.message_received",
        "inbox_id": 250,
        "message_id": "msg-1",
        "timestamp": 1791203456789,
    }
    body = json.dumps({"events": [entry]}).encode()
    response = post(webhook_server + "inbound/", body, INBOUND_SECRET, "application/json")
    assert response.status_code == 200
    assert [event.message.subject for event in received] == ["Live inbound"]
    assert received[0].event_id == "250/msg-1"
    assert FakeMailtrap.seen == [
        {"path": "/api/inbound/inboxes/250/messages/msg-1", "authorization": f"Bearer {API_TOKEN}"},
        {"path": "/raw/msg-1.eml", "authorization": None},
    ]


def test_inbound_sample_payload_is_acknowledged_without_fetching(
    webhook_server: str, received: list
) -> None:
    sample = {"event": "inbound_message_received", "message_id": "x", "inbound_inbox_id": 1}
    body = json.dumps({"events": [sample]}).encode()
    response = post(webhook_server + "inbound/", body, INBOUND_SECRET, "application/json")
    assert response.status_code == 200
    assert received == []
    assert FakeMailtrap.seen == []
