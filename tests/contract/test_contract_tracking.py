"""§6.5 Mailtrap tracking view: event mapping, field mapping, malformed input, misdirection."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client, RequestFactory

from anymail.exceptions import AnymailConfigurationError
from anymail.signals import AnymailTrackingEvent, tracking
from anymail.webhooks.mailtrap import MailtrapTrackingWebhookView

from ._receiving import (
    TRACKING_URL,
    WEBHOOK_USER_PASS,
    basic_auth,
    recording,
    tracking_event,
)

MISDIRECTED_INBOUND = (
    "You seem to have set Mailtrap's *inbound* webhook "
    "to Anymail's Mailtrap *tracking* webhook URL."
)


@pytest.fixture(autouse=True)
def secured(settings: Any) -> Any:
    # No MAILTRAP_API_TOKEN on purpose: tracking must not need it.
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_USER_PASS}
    return settings


def post(body: Any, content_type: str = "application/json") -> Any:
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    client = Client(headers={"Authorization": basic_auth()})
    return client.post(TRACKING_URL, data=data, content_type=content_type)


def events_for(*raw_events: dict[str, Any]) -> list[AnymailTrackingEvent]:
    with recording(tracking) as rec:
        response = post({"events": list(raw_events)})
    assert response.status_code == 200
    return rec.events


def one_event(**fields: Any) -> AnymailTrackingEvent:
    (event,) = events_for(tracking_event(**fields))
    return event


# --- event type / reject reason table -------------------------------------------------


@pytest.mark.parametrize(
    ("esp_event", "event_type", "reject_reason"),
    [
        ("delivery", "delivered", None),
        ("open", "opened", None),
        ("click", "clicked", None),
        ("bounce", "bounced", "bounced"),
        ("soft bounce", "deferred", "other"),
        ("suspension", "deferred", "other"),
        ("spam", "complained", "spam"),
        ("unsubscribe", "unsubscribed", "unsubscribed"),
        ("reject", "rejected", "blocked"),
        ("blocked", "unknown", "blocked"),
        ("something_new", "unknown", None),
        ("soft_bounce", "unknown", None),
        ("Delivery", "unknown", None),
    ],
)
def test_event_type_and_reject_reason_mapping(
    esp_event: str, event_type: str, reject_reason: str | None
) -> None:
    event = one_event(event=esp_event)
    assert event.event_type == event_type
    assert event.reject_reason == reject_reason


# --- field mapping ---------------------------------------------------------------------


def test_timestamp_is_epoch_seconds_as_aware_utc() -> None:
    event = one_event(timestamp=1791200000)
    assert event.timestamp == dt.datetime.fromtimestamp(1791200000, tz=dt.timezone.utc)
    assert event.timestamp is not None and event.timestamp.utcoffset() == dt.timedelta(0)


def test_message_id_from_message_id() -> None:
    assert one_event(message_id="abc-123").message_id == "abc-123"


def test_event_id_from_event_id() -> None:
    assert one_event(event_id="ev-1").event_id == "ev-1"


def test_event_id_none_when_missing() -> None:
    raw = tracking_event()
    del raw["event_id"]
    (event,) = events_for(raw)
    assert event.event_id is None


def test_recipient_from_email() -> None:
    assert one_event(email="rcpt@example.com").recipient == "rcpt@example.com"


def test_mta_response_from_response() -> None:
    event = one_event(event="bounce", response="550 5.1.1 No such user", response_code=550)
    assert event.mta_response == "550 5.1.1 No such user"


def test_click_url_from_url() -> None:
    assert one_event(event="click", url="https://shop.example/x").click_url == (
        "https://shop.example/x"
    )


def test_user_agent_from_user_agent() -> None:
    assert one_event(event="open", user_agent="Mozilla/5.0").user_agent == "Mozilla/5.0"


def test_optional_fields_are_none_when_missing() -> None:
    event = one_event()
    assert event.mta_response is None
    assert event.click_url is None
    assert event.user_agent is None


def test_tags_is_category_in_a_list() -> None:
    assert one_event(category="welcome").tags == ["welcome"]


def test_tags_is_empty_without_category() -> None:
    assert one_event().tags == []


def test_tags_is_empty_for_empty_category() -> None:
    assert one_event(category="").tags == []


def test_metadata_is_custom_variables_as_sent() -> None:
    variables = {"order_id": "4711", "count": 3, "vip": True}
    assert one_event(custom_variables=variables).metadata == variables


def test_metadata_is_empty_dict_without_custom_variables() -> None:
    assert one_event().metadata == {}


def test_description_is_always_none() -> None:
    assert one_event(event="reject", reason="suppressed").description is None


def test_esp_event_is_the_raw_event_dict() -> None:
    raw = tracking_event(category="c", custom_variables={"a": "b"}, extra_field=[1, 2])
    (event,) = events_for(raw)
    assert event.esp_event == raw


def test_event_is_an_anymail_tracking_event() -> None:
    assert isinstance(one_event(), AnymailTrackingEvent)


# --- body shapes ----------------------------------------------------------------------


def test_several_events_in_one_post_each_dispatched() -> None:
    events = events_for(
        tracking_event(event="delivery", event_id="1"),
        tracking_event(event="soft bounce", event_id="2"),
        tracking_event(event="click", event_id="3"),
    )
    assert [(e.event_id, e.event_type) for e in events] == [
        ("1", "delivered"),
        ("2", "deferred"),
        ("3", "clicked"),
    ]


def test_missing_events_key_means_no_events_and_200() -> None:
    with recording(tracking) as rec:
        response = post({})
    assert response.status_code == 200
    assert rec.calls == []


def test_empty_events_list_is_200() -> None:
    with recording(tracking) as rec:
        response = post({"events": []})
    assert response.status_code == 200
    assert rec.calls == []


def test_json_lines_body_is_accepted() -> None:
    """MAILTRAP_API.md §6.1 payload_format jsonlines (docs/webhooks.md §3: both accepted)."""
    lines = [tracking_event(event_id="a"), tracking_event(event="open", event_id="b")]
    body = "\n".join(json.dumps(line) for line in lines) + "\n"
    with recording(tracking) as rec:
        response = post(body, content_type="application/jsonl")
    assert response.status_code == 200
    assert [(e.event_id, e.event_type) for e in rec.events] == [
        ("a", "delivered"),
        ("b", "opened"),
    ]


def test_tracking_does_not_need_api_token() -> None:
    assert post({"events": [tracking_event()]}).status_code == 200


# --- §6.2 project rule: malformed input -> 400, no signal -------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        "{bad json",
        "[1, 2",
        '{"events": "not a list"}',
        '{"events": [42]}',
        '{"events": ["delivery"]}',
    ],
)
def test_malformed_body_is_400(body: str) -> None:
    assert post(body).status_code == 400


def test_event_missing_event_field_is_400() -> None:
    raw = tracking_event()
    del raw["event"]
    assert post({"events": [raw]}).status_code == 400


def test_event_missing_message_id_is_400() -> None:
    """Project rule overrides the reference's KeyError/500."""
    raw = tracking_event()
    del raw["message_id"]
    assert post({"events": [raw]}).status_code == 400


def test_event_missing_timestamp_is_400() -> None:
    raw = tracking_event()
    del raw["timestamp"]
    assert post({"events": [raw]}).status_code == 400


def test_event_with_non_numeric_timestamp_is_400() -> None:
    assert post({"events": [tracking_event(timestamp="yesterday")]}).status_code == 400


def test_malformed_event_sends_no_signal_for_any_event_of_the_request() -> None:
    bad = tracking_event(event_id="bad")
    del bad["message_id"]
    with recording(tracking) as rec:
        response = post({"events": [tracking_event(event_id="good"), bad]})
    assert response.status_code == 400
    assert rec.calls == []


def test_malformed_body_sends_no_signal() -> None:
    with recording(tracking) as rec:
        post("not json")
    assert rec.calls == []


# --- misdirected inbound events ---------------------------------------------------------


def call_view(body: Any) -> Any:
    request = RequestFactory().post(
        TRACKING_URL,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=basic_auth(),
    )
    return MailtrapTrackingWebhookView.as_view()(request)


@pytest.mark.parametrize("name", ["inbound.message_received", "inbound_message_received"])
def test_inbound_event_raises_configuration_error_exact_text(name: str) -> None:
    with pytest.raises(AnymailConfigurationError) as info:
        call_view({"events": [{"event": name, "inbox_id": 250, "message_id": "1"}]})
    assert str(info.value) == MISDIRECTED_INBOUND


def test_any_event_starting_with_inbound_is_misdirected() -> None:
    with pytest.raises(AnymailConfigurationError, match=r"\*inbound\* webhook"):
        call_view({"events": [{"event": "inbound.something_else"}]})


def test_misdirected_check_needs_only_the_event_field() -> None:
    """Step 3 (misdirection) comes before step 4 (field validation → 400)."""
    with pytest.raises(AnymailConfigurationError, match=r"\*inbound\* webhook"):
        call_view({"events": [{"event": "inbound.message_received"}]})


def test_misdirected_inbound_event_is_http_500() -> None:
    client = Client(headers={"Authorization": basic_auth()}, raise_request_exception=False)
    response = client.post(
        TRACKING_URL,
        data=json.dumps({"events": [{"event": "inbound.message_received"}]}),
        content_type="application/json",
    )
    assert response.status_code == 500


def test_misdirected_inbound_event_sends_no_signal() -> None:
    with recording(tracking) as rec, pytest.raises(AnymailConfigurationError):
        call_view({"events": [tracking_event(), {"event": "inbound.message_received"}]})
    assert rec.calls == []


# --- receiver exceptions ------------------------------------------------------------------


def test_receiver_exception_stops_remaining_events() -> None:
    events = [tracking_event(event_id=str(i)) for i in range(3)]
    with (
        recording(tracking, raise_on=2, exc=RuntimeError("boom")) as rec,
        pytest.raises(RuntimeError),
    ):
        post({"events": events})
    assert [e.event_id for e in rec.events] == ["0", "1"]


def test_receiver_exception_is_http_500() -> None:
    client = Client(headers={"Authorization": basic_auth()}, raise_request_exception=False)
    with recording(tracking, raise_on=1, exc=RuntimeError("boom")):
        response = client.post(
            TRACKING_URL,
            data=json.dumps({"events": [tracking_event()]}),
            content_type="application/json",
        )
    assert response.status_code == 500


def test_all_events_parsed_before_any_signal() -> None:
    """A bad last event means even the first (valid) one is not dispatched."""
    with recording(tracking) as rec:
        response = post({"events": [tracking_event(), tracking_event(timestamp=None)]})
    assert response.status_code == 400
    assert rec.calls == []
