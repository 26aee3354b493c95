"""§4 signals: event classes (constructors, defaults) and constants."""

from __future__ import annotations

import pytest

from anymail.signals import (
    AnymailEvent,
    AnymailInboundEvent,
    AnymailTrackingEvent,
    EventType,
    RejectReason,
)


def test_event_type_is_required() -> None:
    with pytest.raises(TypeError):
        AnymailEvent()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        AnymailTrackingEvent()
    with pytest.raises(TypeError):
        AnymailInboundEvent()


def test_event_base_defaults_and_unknown_kwargs_ignored() -> None:
    event = AnymailEvent("sent", unknown="ignored")
    assert event.event_type == "sent"
    assert event.timestamp is None
    assert event.event_id is None
    assert event.esp_event is None


def test_tracking_event_defaults() -> None:
    event = AnymailTrackingEvent(event_type="delivered")
    assert event.event_type == "delivered"
    assert event.click_url is None
    assert event.description is None
    assert event.message_id is None
    assert event.metadata == {}
    assert event.mta_response is None
    assert event.recipient is None
    assert event.reject_reason is None
    assert event.tags == []
    assert event.user_agent is None
    assert event.timestamp is None
    assert event.event_id is None
    assert event.esp_event is None


def test_tracking_event_keeps_given_values() -> None:
    event = AnymailTrackingEvent(
        event_type="clicked",
        event_id="e1",
        click_url="https://x",
        recipient="a@example.com",
        tags=["t"],
        metadata={"k": "v"},
        esp_event={"raw": 1},
    )
    assert event.event_id == "e1"
    assert event.click_url == "https://x"
    assert event.recipient == "a@example.com"
    assert event.tags == ["t"]
    assert event.metadata == {"k": "v"}
    assert event.esp_event == {"raw": 1}


def test_inbound_event_default_message_none() -> None:
    event = AnymailInboundEvent(event_type="inbound")
    assert event.message is None
    assert event.event_type == "inbound"


def test_event_type_constants() -> None:
    names = [
        "QUEUED",
        "SENT",
        "REJECTED",
        "FAILED",
        "BOUNCED",
        "DEFERRED",
        "DELIVERED",
        "AUTORESPONDED",
        "OPENED",
        "CLICKED",
        "COMPLAINED",
        "UNSUBSCRIBED",
        "SUBSCRIBED",
        "INBOUND",
        "INBOUND_FAILED",
        "UNKNOWN",
    ]
    for name in names:
        assert getattr(EventType, name) == name.lower()
    assert EventType.INBOUND_FAILED == "inbound_failed"


def test_reject_reason_constants() -> None:
    for name in ["INVALID", "BOUNCED", "TIMED_OUT", "BLOCKED", "SPAM", "UNSUBSCRIBED", "OTHER"]:
        assert getattr(RejectReason, name) == name.lower()
    assert RejectReason.TIMED_OUT == "timed_out"
