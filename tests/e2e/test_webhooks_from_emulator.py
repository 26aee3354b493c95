"""The emulator calls Anymail's webhook views on a live Django server, as Mailtrap would.

Webhooks are registered with the emulator like in Mailtrap's settings (URL with basic auth
credentials, payload format); the signing secret it returns goes into ANYMAIL settings, so
every post is authenticated twice. The emulator delivers in a background thread, so each test
waits until it has nothing pending before looking at the signals.
"""

from __future__ import annotations

import email.message
from collections.abc import Callable
from typing import Any

import pytest

from anymail.signals import inbound, tracking
from anymail.webhooks.mailtrap import MailtrapInboundWebhookView, MailtrapTrackingWebhookView
from mailtrap_emulator import EmulatorServer

WEBHOOK_CREDENTIALS = "e2e-hook:pass-7c41"
INBOX_ID = 250
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 16


@pytest.fixture
def webhook_urls(live_server: Any, emulator_settings: Any) -> dict[str, str]:
    """The live server's webhook URLs, with basic auth credentials as Mailtrap is given them."""
    emulator_settings.ANYMAIL["WEBHOOK_SECRET"] = WEBHOOK_CREDENTIALS
    base = live_server.url.replace("://", f"://{WEBHOOK_CREDENTIALS}@") + "/anymail/mailtrap/"
    return {"tracking": base + "tracking/", "inbound": base + "inbound/"}


@pytest.fixture
def add_tracking_webhook(
    emulator: EmulatorServer, emulator_settings: Any, webhook_urls: dict[str, str]
) -> Callable[..., dict[str, Any]]:
    """Register the tracking URL with the emulator and trust the signing secret it returns."""

    def add(payload_format: str, secret: str | None = None) -> dict[str, Any]:
        webhook = emulator.add_webhook(webhook_urls["tracking"], payload_format=payload_format)
        secret = secret or webhook["signing_secret"]
        emulator_settings.ANYMAIL["MAILTRAP_TRACKING_SECRET"] = secret
        return webhook

    return add


@pytest.fixture
def add_inbound_webhook(
    emulator: EmulatorServer, emulator_settings: Any, webhook_urls: dict[str, str]
) -> Callable[..., dict[str, Any]]:
    """Register the inbound URL for INBOX_ID and trust its signing secret."""

    def add(secret: str | None = None) -> dict[str, Any]:
        webhook = emulator.add_webhook(
            webhook_urls["inbound"], webhook_type="inbound_receiving", inbound_inbox_id=INBOX_ID
        )
        emulator_settings.ANYMAIL["MAILTRAP_INBOUND_SECRET"] = secret or webhook["signing_secret"]
        return webhook

    return add


def delivered(emulator: EmulatorServer) -> list[dict[str, Any]]:
    """Every webhook post, after waiting until the emulator has none pending."""
    assert emulator.wait_for_webhooks(timeout=15)
    return emulator.webhook_deliveries()


def events_of(recorder: Any) -> list[Any]:
    return [call["event"] for call in recorder.calls]


@pytest.mark.parametrize(
    ("payload_format", "content_type"),
    [("json", "application/json"), ("jsonlines", "application/jsonl")],
)
def test_delivery_events_arrive_as_tracking_signals(
    payload_format: str,
    content_type: str,
    emulator: EmulatorServer,
    add_tracking_webhook: Callable[..., Any],
    connect_receiver: Callable[..., Any],
    send: Callable[..., Any],
    new_message: Callable[..., Any],
) -> None:
    add_tracking_webhook(payload_format)
    received = connect_receiver(tracking)
    message = send(
        new_message(to=["ana@example.org", "ben@example.org"], tags=["orders"], metadata={"n": 7})
    )

    (post,) = delivered(emulator)  # one POST per API call, carrying both events
    assert (post["status"], post["headers"]["Content-Type"]) == ("delivered", content_type)
    assert "Mailtrap-Signature" in post["headers"]
    events = events_of(received)
    assert [(e.event_type, e.recipient) for e in events] == [
        ("delivered", "ana@example.org"),
        ("delivered", "ben@example.org"),
    ]
    for event in events:
        assert event.message_id == message.anymail_status.recipients[event.recipient].message_id
        assert event.tags == ["orders"]
        assert event.metadata == {"n": "7"}
        assert event.event_id and event.timestamp is not None
        assert event.esp_event["sending_stream"] == "transactional"
    assert {call["sender"] for call in received.calls} == {MailtrapTrackingWebhookView}
    assert {call["esp_name"] for call in received.calls} == {"Mailtrap"}


def test_open_click_and_bounce_arrive_with_their_details(
    emulator: EmulatorServer,
    add_tracking_webhook: Callable[..., Any],
    connect_receiver: Callable[..., Any],
    send: Callable[..., Any],
    new_message: Callable[..., Any],
) -> None:
    add_tracking_webhook("jsonlines")
    message = send(new_message())
    message_id = message.anymail_status.message_id
    received = connect_receiver(tracking)
    emulator.trigger_event(message_id, "open")
    emulator.trigger_event(message_id, "click", url="https://shop.example/orders/4711")
    emulator.trigger_event(message_id, "bounce")
    delivered(emulator)

    opened, clicked, bounced = (e for e in events_of(received) if e.event_type != "delivered")
    assert opened.event_type == "opened"
    assert opened.user_agent == "Mozilla/5.0 (Mailtrap emulator)"
    assert (clicked.event_type, clicked.click_url) == (
        "clicked",
        "https://shop.example/orders/4711",
    )
    assert (bounced.event_type, bounced.reject_reason) == ("bounced", "bounced")
    assert bounced.mta_response.startswith("550 5.1.1")
    assert {e.message_id for e in (opened, clicked, bounced)} == {message_id}


def test_wrong_signing_secret_fails_delivery_and_runs_no_receiver(
    emulator: EmulatorServer,
    add_tracking_webhook: Callable[..., Any],
    connect_receiver: Callable[..., Any],
    send: Callable[..., Any],
    new_message: Callable[..., Any],
) -> None:
    add_tracking_webhook("json", secret="not-the-secret-mailtrap-returned")
    received = connect_receiver(tracking)
    send(new_message())

    (post,) = delivered(emulator)
    assert (post["status"], post["last_status_code"]) == ("failed", 400)
    assert post["attempts"] == emulator.config.webhook_max_attempts
    assert received.calls == []


def test_wrong_basic_auth_in_the_webhook_url_is_refused(
    emulator: EmulatorServer,
    emulator_settings: Any,
    live_server: Any,
    connect_receiver: Callable[..., Any],
    send: Callable[..., Any],
    new_message: Callable[..., Any],
) -> None:
    emulator_settings.ANYMAIL["WEBHOOK_SECRET"] = WEBHOOK_CREDENTIALS
    url = live_server.url.replace("://", "://e2e-hook:guessed@") + "/anymail/mailtrap/tracking/"
    emulator.add_webhook(url)
    received = connect_receiver(tracking)
    send(new_message())

    (post,) = delivered(emulator)
    assert (post["status"], post["last_status_code"]) == ("failed", 400)
    assert received.calls == []


def customer_email() -> bytes:
    """An inbound email with text, HTML, an inline image and an attachment."""
    question = email.message.EmailMessage()
    question["From"] = "Carla Diaz <carla@example.net>"
    question["To"] = "support@inbound.example, Sales <sales@inbound.example>"
    question["Subject"] = "Question about order 4711"
    question["Message-ID"] = "<question-4711@example.net>"
    question.set_content("Can I change the address?\n")
    question.add_alternative(
        '<p>Can I change the address?</p><img src="cid:sig@example.net">', subtype="html"
    )
    question.get_body(("html",)).add_related(
        PNG, "image", "png", cid="<sig@example.net>", filename="sig.png", disposition="inline"
    )
    question.add_attachment(b"%PDF-1.4 fake", "application", "pdf", filename="order-4711.pdf")
    return question.as_bytes()


def test_inbound_email_round_trip(
    emulator: EmulatorServer,
    add_inbound_webhook: Callable[..., Any],
    connect_receiver: Callable[..., Any],
) -> None:
    add_inbound_webhook()
    received = connect_receiver(inbound)
    stored = emulator.receive_inbound(INBOX_ID, customer_email())

    (post,) = delivered(emulator)
    assert post["status"] == "delivered"
    (call,) = received.calls
    assert (call["sender"], call["esp_name"]) == (MailtrapInboundWebhookView, "Mailtrap")
    event = call["event"]
    assert event.event_type == "inbound"
    assert event.event_id == f"{INBOX_ID}/{stored['id']}"
    assert event.esp_event["id"] == stored["id"]  # the message details fetched from the API
    message = event.message
    assert message.subject == "Question about order 4711"
    assert str(message.from_email) == "Carla Diaz <carla@example.net>"
    assert [a.addr_spec for a in message.to] == ["support@inbound.example", "sales@inbound.example"]
    assert message.text == "Can I change the address?\n"
    assert "<p>Can I change the address?</p>" in message.html
    assert [(a.get_filename(), a.get_content_bytes()) for a in message.attachments] == [
        ("order-4711.pdf", b"%PDF-1.4 fake")
    ]
    assert message.content_id_map["sig@example.net"].get_content_bytes() == PNG


def test_inbound_with_the_wrong_signing_secret_fetches_nothing(
    emulator: EmulatorServer,
    add_inbound_webhook: Callable[..., Any],
    connect_receiver: Callable[..., Any],
) -> None:
    add_inbound_webhook(secret="stale-secret")
    received = connect_receiver(inbound)
    emulator.receive_inbound(INBOX_ID, customer_email())

    (post,) = delivered(emulator)
    assert (post["status"], post["last_status_code"]) == ("failed", 400)
    assert received.calls == []
