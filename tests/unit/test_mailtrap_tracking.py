"""Mailtrap tracking webhook: signature, JSON / JSON Lines, event mapping, bad input."""

from __future__ import annotations

import functools
import json
import logging
import warnings
from datetime import datetime, timezone
from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import reverse

from anymail.exceptions import (
    AnymailConfigurationError,
    AnymailInsecureWebhookWarning,
    AnymailWebhookValidationFailure,
)
from anymail.webhooks.mailtrap import MailtrapTrackingWebhookView
from tests.unit.conftest import MAILTRAP_TRACKING_URL as URL
from tests.unit.conftest import WEBHOOK_BASIC_AUTH, basic_auth_header, mailtrap_signature

# The cross-SDK signature test vector (MAILTRAP_API.md §6.6).
VECTOR_SECRET = "8d9a3c0e7f5b2d4a6c1e9f8b3a7d5c2e"
VECTOR_BODY = (
    '{"event":"delivery","sending_stream":"transactional","category":"welcome",'
    '"message_id":"a8b1d8f6-1f8d-4a3c-9b2e-1a2b3c4d5e6f","email":"recipient@example.com",'
    '"event_id":"f1e2d3c4-b5a6-7890-1234-567890abcdef","timestamp":1716070000}'
)
VECTOR_SIGNATURE = "6d262e2611cd09be1f948382b5c611d63b0e585c4c9c5e40139d6ac3876d5433"


def make_event(**fields: Any) -> dict[str, Any]:
    event = {
        "event": "delivery",
        "message_id": "3f9c0a52-6b1e-11f1-9a4c-0a58a9feac02",
        "email": "ana@example.org",
        "timestamp": 1791200000,
        "event_id": "c2b5e0f4-0d4b-4c8e-9a55-1d2f3a4b5c6d",
        "sending_stream": "transactional",
    }
    event.update(fields)
    return {key: value for key, value in event.items() if value is not None}


@pytest.fixture
def post(webhook_settings: Any, post_webhook: Any) -> Any:
    """POST to the tracking URL with valid basic auth (override with keyword arguments)."""
    return functools.partial(post_webhook, URL)


# -- URL and dispatch ------------------------------------------------------------------------


def test_url_name_reverses_to_tracking_path() -> None:
    assert reverse("anymail:mailtrap_tracking_webhook") == URL


def test_event_is_sent_with_view_class_and_esp_name(post: Any, tracking_receiver: Any) -> None:
    assert post({"events": [make_event()]}).status_code == 200
    call = tracking_receiver.calls[0]
    assert call["sender"] is MailtrapTrackingWebhookView
    assert call["esp_name"] == "Mailtrap"


def test_each_event_is_sent_in_order(post: Any, tracking_receiver: Any) -> None:
    events = [make_event(event="delivery"), make_event(event="open"), make_event(event="click")]
    post({"events": events})
    assert [e.event_type for e in tracking_receiver.events] == ["delivered", "opened", "clicked"]


def test_envelope_without_events_sends_nothing(post: Any, tracking_receiver: Any) -> None:
    assert post({}).status_code == 200
    assert tracking_receiver.events == []


def test_json_lines_body_is_accepted(post: Any, tracking_receiver: Any) -> None:
    body = "\n".join(json.dumps(make_event(event=name)) for name in ("delivery", "open")) + "\n"
    assert post(body, content_type="application/jsonl").status_code == 200
    assert [e.event_type for e in tracking_receiver.events] == ["delivered", "opened"]


def test_json_lines_body_is_detected_by_shape(post: Any, tracking_receiver: Any) -> None:
    body = "\n".join(json.dumps(make_event(event=name)) for name in ("bounce", "spam"))
    assert post(body, content_type="application/json").status_code == 200
    assert [e.event_type for e in tracking_receiver.events] == ["bounced", "complained"]


def test_tracking_does_not_need_an_api_token(
    settings: Any, post_webhook: Any, tracking_receiver: Any
) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_BASIC_AUTH}
    assert post_webhook(URL, {"events": [make_event()]}).status_code == 200


# -- Mapping ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mailtrap_event", "event_type", "reject_reason"),
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
        ("future_event", "unknown", None),
    ],
)
def test_event_name_maps_to_event_type_and_reject_reason(
    post: Any, tracking_receiver: Any, mailtrap_event: str, event_type: str, reject_reason: Any
) -> None:
    post({"events": [make_event(event=mailtrap_event)]})
    event = tracking_receiver.only_event
    assert (event.event_type, event.reject_reason) == (event_type, reject_reason)


def test_timestamp_seconds_become_aware_utc_datetime(post: Any, tracking_receiver: Any) -> None:
    post({"events": [make_event(timestamp=1791200000)]})
    assert tracking_receiver.only_event.timestamp == datetime(
        2026, 10, 5, 11, 33, 20, tzinfo=timezone.utc
    )


def test_fractional_timestamp_is_accepted(post: Any, tracking_receiver: Any) -> None:
    post({"events": [make_event(timestamp=1791200000.5)]})
    assert tracking_receiver.only_event.timestamp.microsecond == 500000


def test_identifiers_and_recipient_are_copied(post: Any, tracking_receiver: Any) -> None:
    post({"events": [make_event(message_id="m-1", event_id="e-1", email="bo@example.org")]})
    event = tracking_receiver.only_event
    assert (event.message_id, event.event_id, event.recipient) == ("m-1", "e-1", "bo@example.org")


def test_missing_event_id_gives_none(post: Any, tracking_receiver: Any) -> None:
    post({"events": [make_event(event_id=None)]})
    assert tracking_receiver.only_event.event_id is None


def test_response_becomes_mta_response(post: Any, tracking_receiver: Any) -> None:
    post({"events": [make_event(event="soft bounce", response="451 4.7.1 Try again later")]})
    assert tracking_receiver.only_event.mta_response == "451 4.7.1 Try again later"


def test_click_url_and_user_agent_are_copied(post: Any, tracking_receiver: Any) -> None:
    post({"events": [make_event(event="click", url="https://x.example/o", user_agent="UA/1")]})
    event = tracking_receiver.only_event
    assert (event.click_url, event.user_agent) == ("https://x.example/o", "UA/1")


def test_category_becomes_single_tag(post: Any, tracking_receiver: Any) -> None:
    post({"events": [make_event(category="welcome")]})
    assert tracking_receiver.only_event.tags == ["welcome"]


def test_no_category_gives_no_tags(post: Any, tracking_receiver: Any) -> None:
    post({"events": [make_event()]})
    assert tracking_receiver.only_event.tags == []


def test_custom_variables_become_metadata(post: Any, tracking_receiver: Any) -> None:
    post({"events": [make_event(custom_variables={"order": "4711", "n": 3})]})
    assert tracking_receiver.only_event.metadata == {"order": "4711", "n": 3}


def test_no_custom_variables_gives_empty_metadata(post: Any, tracking_receiver: Any) -> None:
    post({"events": [make_event()]})
    assert tracking_receiver.only_event.metadata == {}


def test_description_is_always_none(post: Any, tracking_receiver: Any) -> None:
    post({"events": [make_event(event="reject", reason="suppressed")]})
    assert tracking_receiver.only_event.description is None


def test_raw_event_is_kept_as_esp_event(post: Any, tracking_receiver: Any) -> None:
    raw = make_event(bounce_category="greylisting")
    post({"events": [raw]})
    assert tracking_receiver.only_event.esp_event == raw


# -- Signature -------------------------------------------------------------------------------


def test_cross_sdk_test_vector_signature_is_accepted(
    settings: Any, client: Any, tracking_receiver: Any
) -> None:
    settings.ANYMAIL = {"MAILTRAP_TRACKING_SECRET": VECTOR_SECRET}
    response = client.post(
        URL,
        data=VECTOR_BODY,
        content_type="application/jsonl",
        headers={"Mailtrap-Signature": VECTOR_SIGNATURE},
    )
    assert response.status_code == 200
    assert tracking_receiver.only_event.message_id == "a8b1d8f6-1f8d-4a3c-9b2e-1a2b3c4d5e6f"


def test_signature_helper_matches_test_vector() -> None:
    assert mailtrap_signature(VECTOR_BODY, VECTOR_SECRET) == VECTOR_SIGNATURE


def signed_view_request(signature: str | None, body: str = VECTOR_BODY) -> Any:
    headers = {"HTTP_MAILTRAP_SIGNATURE": signature} if signature is not None else {}
    return RequestFactory().post(URL, data=body, content_type="application/json", **headers)


def test_missing_signature_fails_with_exact_text(settings: Any) -> None:
    view = MailtrapTrackingWebhookView(tracking_secret=VECTOR_SECRET)
    with pytest.raises(
        AnymailWebhookValidationFailure, match=r"^Mailtrap webhook called without signature$"
    ):
        view.run_validators(signed_view_request(None))


def test_wrong_signature_fails_with_exact_text(settings: Any) -> None:
    view = MailtrapTrackingWebhookView(tracking_secret=VECTOR_SECRET)
    with pytest.raises(AnymailWebhookValidationFailure) as failure:
        view.run_validators(signed_view_request("0" * 64))
    assert str(failure.value) == (
        "Mailtrap webhook called with incorrect signature "
        "(check Anymail MAILTRAP_TRACKING_SECRET setting)"
    )


def test_uppercase_hex_signature_is_rejected(settings: Any) -> None:
    view = MailtrapTrackingWebhookView(tracking_secret=VECTOR_SECRET)
    with pytest.raises(AnymailWebhookValidationFailure):
        view.run_validators(signed_view_request(VECTOR_SIGNATURE.upper()))


def test_signature_over_a_modified_body_fails(settings: Any) -> None:
    view = MailtrapTrackingWebhookView(tracking_secret=VECTOR_SECRET)
    with pytest.raises(AnymailWebhookValidationFailure):
        view.run_validators(signed_view_request(VECTOR_SIGNATURE, body=VECTOR_BODY + " "))


def test_bad_signature_answers_400_and_runs_no_handler(
    settings: Any, post_webhook: Any, tracking_receiver: Any
) -> None:
    settings.ANYMAIL = {"MAILTRAP_TRACKING_SECRET": "right-secret"}
    response = post_webhook(URL, {"events": [make_event()]}, auth=None, signing_secret="wrong")
    assert response.status_code == 400
    assert tracking_receiver.events == []


def test_missing_signature_answers_400(
    settings: Any, post_webhook: Any, tracking_receiver: Any
) -> None:
    settings.ANYMAIL = {"MAILTRAP_TRACKING_SECRET": "right-secret"}
    assert post_webhook(URL, {"events": [make_event()]}, auth=None).status_code == 400
    assert tracking_receiver.events == []


def test_any_secret_of_a_list_is_accepted(
    settings: Any, post_webhook: Any, tracking_receiver: Any
) -> None:
    settings.ANYMAIL = {"MAILTRAP_TRACKING_SECRET": ["new-secret", "old-secret"]}
    body = {"events": [make_event()]}
    assert post_webhook(URL, body, auth=None, signing_secret="old-secret").status_code == 200
    assert post_webhook(URL, body, auth=None, signing_secret="new-secret").status_code == 200
    assert len(tracking_receiver.events) == 2


def test_tracking_secret_view_kwarg_is_used(settings: Any) -> None:
    view = MailtrapTrackingWebhookView(tracking_secret=VECTOR_SECRET)
    view.run_validators(signed_view_request(VECTOR_SIGNATURE))  # no error
    assert view.signing_secret == VECTOR_SECRET.encode()


def test_tracking_secret_as_view_kwarg_is_accepted(settings: Any, tracking_receiver: Any) -> None:
    view = MailtrapTrackingWebhookView.as_view(tracking_secret=VECTOR_SECRET)
    assert view(signed_view_request(VECTOR_SIGNATURE)).status_code == 200


def test_no_signing_secret_means_signing_secret_is_none(webhook_settings: Any) -> None:
    assert MailtrapTrackingWebhookView().signing_secret is None


def test_inbound_secret_is_not_used_by_tracking_view(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_INBOUND_SECRET": "inbound-only", "WEBHOOK_SECRET": "u:p"}
    view = MailtrapTrackingWebhookView()
    assert view.signing_secret is None
    view.run_validators(RequestFactory().post(URL, HTTP_AUTHORIZATION=basic_auth_header("u:p")))


def test_signing_secret_alone_gives_no_insecure_warning(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_TRACKING_SECRET": "s3cret"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", AnymailInsecureWebhookWarning)
        MailtrapTrackingWebhookView()


def test_no_secret_at_all_warns_insecure(settings: Any) -> None:
    settings.ANYMAIL = {}
    with pytest.warns(AnymailInsecureWebhookWarning):
        MailtrapTrackingWebhookView()


def test_empty_signing_secret_counts_as_unset(settings: Any) -> None:
    # Decision on open point 11.6: an empty HMAC key protects nothing, so warn instead.
    settings.ANYMAIL = {"MAILTRAP_TRACKING_SECRET": ""}
    with pytest.warns(AnymailInsecureWebhookWarning):
        view = MailtrapTrackingWebhookView()
    assert view.signing_secret is None


def test_basic_auth_is_still_enforced_with_a_signature(
    settings: Any, post_webhook: Any, tracking_receiver: Any
) -> None:
    settings.ANYMAIL = {"MAILTRAP_TRACKING_SECRET": "s3cret", "WEBHOOK_SECRET": "u:p"}
    body = {"events": [make_event()]}
    assert post_webhook(URL, body, auth="u:wrong", signing_secret="s3cret").status_code == 400
    assert post_webhook(URL, body, auth="u:p", signing_secret="s3cret").status_code == 200
    assert len(tracking_receiver.events) == 1


def test_signature_is_checked_before_basic_auth(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_TRACKING_SECRET": "s3cret", "WEBHOOK_SECRET": "u:p"}
    request = signed_view_request("0" * 64)  # wrong signature and no basic auth
    with pytest.raises(AnymailWebhookValidationFailure, match="incorrect signature"):
        MailtrapTrackingWebhookView().run_validators(request)


def test_signature_failure_text_reveals_no_secret_or_digest(settings: Any) -> None:
    view = MailtrapTrackingWebhookView(tracking_secret=VECTOR_SECRET)
    with pytest.raises(AnymailWebhookValidationFailure) as failure:
        view.run_validators(signed_view_request("0" * 64))
    assert VECTOR_SECRET not in str(failure.value)
    assert VECTOR_SIGNATURE not in str(failure.value)


def error_report_for_rejected_request(caplog: pytest.LogCaptureFixture, post: Any) -> str:
    """The HTML report an AdminEmailHandler would mail for the logged 400 (DEBUG off).

    Failed authentication is logged on anymail.webhooks.security (auth_failures.py),
    without a traceback; Django's own django.security record of it is dropped.
    """
    from django.views.debug import ExceptionReporter

    from anymail.webhooks.auth_failures import reset_throttle

    reset_throttle()
    with caplog.at_level(logging.DEBUG):
        assert post().status_code == 400
    assert not [r for r in caplog.records if r.name.startswith("django.security")]
    record = next(r for r in caplog.records if r.name == "anymail.webhooks.security")
    # what AdminEmailHandler.emit does for a record without exc_info:
    reporter = ExceptionReporter(record.request, None, record.getMessage(), None, is_email=True)
    return reporter.get_traceback_html()


def test_error_report_for_bad_signature_shows_no_secret(
    settings: Any, post_webhook: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.ANYMAIL = {"MAILTRAP_TRACKING_SECRET": VECTOR_SECRET}
    report = error_report_for_rejected_request(
        caplog, lambda: post_webhook(URL, VECTOR_BODY, auth=None, signing_secret="wrong")
    )
    assert "incorrect signature" in report  # the reason is in the report...
    assert VECTOR_SECRET not in report  # ...but no secret
    assert VECTOR_SIGNATURE not in report
    assert mailtrap_signature(VECTOR_BODY, "wrong") not in report  # (the header is cleansed)


def test_error_report_for_bad_basic_auth_shows_no_credentials(
    settings: Any, post_webhook: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": "u:p4ss-c0rrect"}
    report = error_report_for_rejected_request(
        caplog, lambda: post_webhook(URL, VECTOR_BODY, auth="u:wrong")
    )
    assert "Missing or invalid basic auth" in report
    assert "p4ss-c0rrect" not in report
    assert basic_auth_header("u:wrong").split()[1] not in report


def test_view_repr_reveals_no_secret(settings: Any) -> None:
    view = MailtrapTrackingWebhookView(tracking_secret=VECTOR_SECRET)
    assert VECTOR_SECRET not in repr(view)


# -- Misdirected and malformed input ---------------------------------------------------------


def test_inbound_event_raises_configuration_error_with_exact_text(
    post: Any, tracking_receiver: Any
) -> None:
    body = {"events": [make_event(), {"event": "inbound.message_received", "inbox_id": 250}]}
    with pytest.raises(AnymailConfigurationError) as failure:
        post(body)
    assert str(failure.value) == (
        "You seem to have set Mailtrap's *inbound* webhook "
        "to Anymail's Mailtrap *tracking* webhook URL."
    )
    assert tracking_receiver.events == []


def test_misdirected_event_is_detected_before_other_fields_are_validated(post: Any) -> None:
    body = {"events": [{"event": "delivery"}, {"event": "inbound_message_received"}]}
    with pytest.raises(AnymailConfigurationError):
        post(body)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("this is not json", "Body is neither JSON nor JSON Lines (line 1 does not parse)"),
        ("", "Empty request body"),
        ("[]", "Body must be a JSON object or JSON Lines of objects"),
        ({"events": "delivery"}, "'events' must be a list"),
        ({"events": ["delivery"]}, "Event 1 is not a JSON object"),
        ({"events": [None]}, "Event 1 is not a JSON object"),
        ({"events": [make_event(event=None)]}, "Event 1 is missing 'event'"),
        ({"events": [make_event(event=7)]}, "Event 1 has an invalid 'event' (expected string)"),
        ({"events": [make_event(message_id=None)]}, "Event 1 is missing 'message_id'"),
        ({"events": [make_event(timestamp=None)]}, "Event 1 is missing 'timestamp'"),
        (
            {"events": [make_event(timestamp="1791200000")]},
            "Event 1 has an invalid 'timestamp' (expected integer or number)",
        ),
        (
            {"events": [make_event(timestamp=True)]},
            "Event 1 has an invalid 'timestamp' (expected integer or number)",
        ),
        ({"events": [make_event(timestamp=10**20)]}, "Event 1 has an out-of-range 'timestamp'"),
        (
            {"events": [make_event(custom_variables=["a"])]},
            "Event 1 has an invalid 'custom_variables' (expected object)",
        ),
        (
            {"events": [make_event(category=["a", "b"])]},
            "Event 1 has an invalid 'category' (expected string)",
        ),
    ],
    ids=[
        "not-json",
        "empty",
        "array",
        "events-not-list",
        "event-not-object",
        "event-null",
        "no-event",
        "event-not-string",
        "no-message-id",
        "no-timestamp",
        "timestamp-string",
        "timestamp-bool",
        "timestamp-out-of-range",
        "custom-variables-not-object",
        "category-not-string",
    ],
)
def test_malformed_body_answers_400_with_reason_and_runs_no_handler(
    post: Any, tracking_receiver: Any, body: Any, reason: str
) -> None:
    response = post(body)
    assert response.status_code == 400
    assert response.content.decode() == reason
    assert tracking_receiver.events == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("event_id", ["c2b5e0f4"]),
        ("event_id", 12345),
        ("email", 42),
        ("email", {"address": "ana@example.org"}),
        ("response", ["550", "no such user"]),
        ("url", 1),
        ("user_agent", {"ua": "x"}),
        ("category", 7),
    ],
)
def test_optional_field_of_a_wrong_type_answers_400(
    post: Any, tracking_receiver: Any, field: str, value: Any
) -> None:
    # Issue 11.4: these reached receivers as event_id / recipient / mta_response / ...
    # Decision: rejected like any malformed event (documented in docs/webhooks.md §7).
    expected = "object" if field == "custom_variables" else "string"
    response = post({"events": [make_event(), make_event(**{field: value})]})
    assert response.status_code == 400
    assert response.content.decode() == f"Event 2 has an invalid '{field}' (expected {expected})"
    assert tracking_receiver.events == []


def test_optional_fields_may_be_null_or_empty(post: Any, tracking_receiver: Any) -> None:
    event = {**make_event(), "event_id": None, "email": "", "response": None, "url": None}
    assert post({"events": [event]}).status_code == 200
    assert tracking_receiver.only_event.event_id is None


@pytest.mark.parametrize("opener", ["[", '{"a":'], ids=["arrays", "objects"])
@pytest.mark.parametrize("content_type", ["application/json", "application/jsonl"])
def test_deeply_nested_json_answers_400_not_500(
    post: Any, tracking_receiver: Any, opener: str, content_type: str
) -> None:
    # Issue 11.1: ~1,500 levels (3 KB) raised RecursionError while decoding -> 500.
    closer = "]" if opener == "[" else "}"
    deep = opener * 1500 + "1" + closer * 1500
    body = json.dumps({"events": [make_event(custom_variables={"x": "PLACEHOLDER"})]})
    response = post(body.replace('"PLACEHOLDER"', deep), content_type=content_type)
    assert response.status_code == 400
    assert response.content == b"Body is nested more than 100 levels deep"
    assert tracking_receiver.events == []


def test_deeply_nested_json_line_answers_400(post: Any, tracking_receiver: Any) -> None:
    body = json.dumps(make_event()) + "\n" + "[" * 1500 + "]" * 1500 + "\n"
    response = post(body, content_type="application/jsonl")
    assert response.status_code == 400
    assert tracking_receiver.events == []


def test_brackets_inside_strings_do_not_count_as_nesting(post: Any, tracking_receiver: Any) -> None:
    event = make_event(custom_variables={"note": "[{" * 1500 + '\\"\\'})
    assert post({"events": [event]}).status_code == 200
    assert tracking_receiver.only_event.metadata == event["custom_variables"]


def test_nan_timestamp_answers_400(post: Any, tracking_receiver: Any) -> None:
    body = '{"events": [{"event": "open", "message_id": "m", "timestamp": NaN}]}'
    assert post(body).status_code == 400
    assert tracking_receiver.events == []


def test_one_bad_event_rejects_the_whole_request(post: Any, tracking_receiver: Any) -> None:
    response = post({"events": [make_event(), make_event(), make_event(message_id=None)]})
    assert response.status_code == 400
    assert response.content == b"Event 3 is missing 'message_id'"
    assert tracking_receiver.events == []


def test_bad_json_line_rejects_the_whole_request(post: Any, tracking_receiver: Any) -> None:
    body = json.dumps(make_event()) + "\n{truncated"
    response = post(body, content_type="application/jsonl")
    assert response.status_code == 400
    assert tracking_receiver.events == []


def test_malformed_body_is_checked_only_after_authentication(
    post: Any, tracking_receiver: Any
) -> None:
    response = post("not json", auth="user:wrong")
    assert response.status_code == 400
    assert b"JSON" not in response.content  # Django's generic 400, not the parser's reason


# -- Receiver errors -------------------------------------------------------------------------


def test_receiver_exception_propagates_and_stops_remaining_events(post: Any) -> None:
    from anymail.signals import tracking

    seen: list[str] = []

    def failing_receiver(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
        seen.append(event.message_id)
        raise RuntimeError("receiver failed")

    tracking.connect(failing_receiver)
    try:
        with pytest.raises(RuntimeError, match="receiver failed"):
            post({"events": [make_event(message_id="a"), make_event(message_id="b")]})
    finally:
        tracking.disconnect(failing_receiver)
    assert seen == ["a"]
