"""§4 signals on the receiving side: the `tracking` and `inbound` signals and their events.

(The event-class basics are also covered by test_contract_signals.py, written by
the sending-side auditor; this file covers how the webhook views send them.)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from django.dispatch import Signal
from django.test import Client

from anymail.inbound import AnymailInboundMessage
from anymail.signals import (
    AnymailEvent,
    AnymailInboundEvent,
    AnymailTrackingEvent,
    inbound,
    post_send,
    pre_send,
    tracking,
)
from anymail.webhooks.mailtrap import MailtrapInboundWebhookView, MailtrapTrackingWebhookView

from ._receiving import (
    INBOUND_API,
    INBOUND_URL,
    RAW_MIME,
    RAW_URL,
    TOKEN,
    TRACKING_URL,
    WEBHOOK_USER_PASS,
    basic_auth,
    inbound_entry,
    recording,
    tracking_event,
)


@pytest.fixture
def client(settings: Any) -> Client:
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_USER_PASS, "MAILTRAP_API_TOKEN": TOKEN}
    return Client(headers={"Authorization": basic_auth()})


@pytest.fixture
def mailtrap_inbound_api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as rsps:
        rsps.add(
            responses.GET,
            f"{INBOUND_API}inbound/inboxes/250/messages/1870314786754420736",
            json={"id": "1870314786754420736", "raw_message_url": RAW_URL},
        )
        rsps.add(responses.GET, RAW_URL, body=RAW_MIME)
        yield rsps


def post_json(client: Client, url: str, data: Any) -> Any:
    return client.post(url, data=json.dumps(data), content_type="application/json")


@pytest.mark.parametrize("signal", [pre_send, post_send, tracking, inbound])
def test_all_four_signals_are_plain_django_signals(signal: Any) -> None:
    assert type(signal) is Signal


def test_tracking_signal_sender_is_the_tracking_view_class(client: Client) -> None:
    with recording(tracking) as rec:
        post_json(client, TRACKING_URL, {"events": [tracking_event()]})
    assert rec.calls[0]["sender"] is MailtrapTrackingWebhookView


def test_tracking_signal_esp_name_is_mailtrap(client: Client) -> None:
    with recording(tracking) as rec:
        post_json(client, TRACKING_URL, {"events": [tracking_event()]})
    assert rec.calls[0]["esp_name"] == "Mailtrap"


def test_tracking_signal_event_is_an_anymail_tracking_event(client: Client) -> None:
    with recording(tracking) as rec:
        post_json(client, TRACKING_URL, {"events": [tracking_event()]})
    assert isinstance(rec.calls[0]["event"], AnymailTrackingEvent)


def test_tracking_signal_sent_once_per_event_in_order(client: Client) -> None:
    events = [tracking_event(event_id=f"e{i}") for i in range(3)]
    with recording(tracking) as rec:
        post_json(client, TRACKING_URL, {"events": events})
    assert [event.event_id for event in rec.events] == ["e0", "e1", "e2"]


def test_tracking_signal_receiver_exception_propagates(client: Client) -> None:
    """tracking uses send(), not send_robust(): receiver errors are not swallowed."""
    with (
        recording(tracking, raise_on=1, exc=RuntimeError("receiver failed")),
        pytest.raises(RuntimeError, match="receiver failed"),
    ):
        post_json(client, TRACKING_URL, {"events": [tracking_event()]})


def test_inbound_signal_sender_is_the_inbound_view_class(
    client: Client, mailtrap_inbound_api: responses.RequestsMock
) -> None:
    with recording(inbound) as rec:
        post_json(client, INBOUND_URL, {"events": [inbound_entry()]})
    assert rec.calls[0]["sender"] is MailtrapInboundWebhookView


def test_inbound_signal_esp_name_is_mailtrap(
    client: Client, mailtrap_inbound_api: responses.RequestsMock
) -> None:
    with recording(inbound) as rec:
        post_json(client, INBOUND_URL, {"events": [inbound_entry()]})
    assert rec.calls[0]["esp_name"] == "Mailtrap"


def test_inbound_signal_event_is_an_anymail_inbound_event(
    client: Client, mailtrap_inbound_api: responses.RequestsMock
) -> None:
    with recording(inbound) as rec:
        post_json(client, INBOUND_URL, {"events": [inbound_entry()]})
    event = rec.calls[0]["event"]
    assert isinstance(event, AnymailInboundEvent)
    assert isinstance(event.message, AnymailInboundMessage)


def test_inbound_signal_receiver_exception_propagates(
    client: Client, mailtrap_inbound_api: responses.RequestsMock
) -> None:
    with (
        recording(inbound, raise_on=1, exc=RuntimeError("receiver failed")),
        pytest.raises(RuntimeError, match="receiver failed"),
    ):
        post_json(client, INBOUND_URL, {"events": [inbound_entry()]})


def test_event_classes_share_the_anymail_event_base() -> None:
    assert issubclass(AnymailTrackingEvent, AnymailEvent)
    assert issubclass(AnymailInboundEvent, AnymailEvent)


def test_event_type_is_a_required_argument() -> None:
    with pytest.raises(TypeError):
        AnymailTrackingEvent(message_id="x")


def test_inbound_event_without_event_type_is_a_type_error() -> None:
    """Open point 11.4: the testing docs' AnymailInboundEvent(message=...) form fails."""
    with pytest.raises(TypeError):
        AnymailInboundEvent(message=AnymailInboundMessage())


def test_event_base_accepts_positional_fields() -> None:
    stamp = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    event = AnymailEvent("delivered", stamp, "id-1", {"raw": True})
    assert (event.event_type, event.timestamp, event.event_id, event.esp_event) == (
        "delivered",
        stamp,
        "id-1",
        {"raw": True},
    )


def test_tracking_event_ignores_unknown_kwargs() -> None:
    event = AnymailTrackingEvent(event_type="opened", not_a_field=1)
    assert event.event_type == "opened"


def test_inbound_event_keeps_message() -> None:
    message = AnymailInboundMessage.construct(subject="Hi")
    event = AnymailInboundEvent(event_type="inbound", message=message)
    assert event.message is message


def test_receivers_can_be_tested_without_http() -> None:
    """§8: build events by hand and send the signals directly."""
    message = AnymailInboundMessage.construct(
        from_email="ana@example.org", to="support@example.com", subject="Help", text="Hi!"
    )
    with recording(inbound) as inbound_rec, recording(tracking) as tracking_rec:
        tracking.send(
            sender=MailtrapTrackingWebhookView,
            event=AnymailTrackingEvent(event_type="bounced", recipient="bad@example.com"),
            esp_name="Mailtrap",
        )
        inbound.send(
            sender=MailtrapInboundWebhookView,
            event=AnymailInboundEvent(event_type="inbound", message=message),
            esp_name="Mailtrap",
        )
    assert tracking_rec.events[0].recipient == "bad@example.com"
    assert inbound_rec.events[0].message.subject == "Help"
    assert inbound_rec.events[0].message.text == "Hi!"
