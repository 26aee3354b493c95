"""Mailtrap inbound webhook: fetch and download of the message, sample payload, bad input."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
import responses
from django.urls import reverse

from anymail.exceptions import (
    AnymailAPIError,
    AnymailConfigurationError,
    AnymailRequestsAPIError,
)
from anymail.inbound import AnymailInboundMessage
from anymail.webhooks.mailtrap import MailtrapInboundWebhookView
from tests.unit.conftest import MAILTRAP_API_TOKEN
from tests.unit.conftest import MAILTRAP_INBOUND_URL as URL

MESSAGE_URL = "https://mailtrap.io/api/inbound/inboxes/250/messages/1870314786754420736"
RAW_URL = "https://bucket.s3.amazonaws.com/250/raw.eml?X-Amz-Signature=presigned-9f8e7d"
RAW_MESSAGE = (
    b"From: Ana Silva <ana@example.org>\r\n"
    b"To: support-1a2b3c4d@inbound-mailtrap.io\r\n"
    b"Subject: Question about order 4711\r\n"
    b"Date: Fri, 2 Oct 2026 09:14:05 +0000\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Hello, where is my order?\r\n"
)
MESSAGE_DATA = {
    "id": "1870314786754420736",
    "inbox_id": 250,
    "subject": "Question about order 4711",
    "raw_message_url": RAW_URL,
}


def make_entry(**fields: Any) -> dict[str, Any]:
    entry = {
        "event": "inbound.message_received",
        "event_id": "5b0e6c1a-9a11-11f1-8d3e-0a58a9feac03",
        "timestamp": 1791203456789,
        "inbox_id": 250,
        "message_id": "1870314786754420736",
        "from": "Ana Silva <ana@example.org>",
    }
    entry.update(fields)
    return {key: value for key, value in entry.items() if value is not None}


SAMPLE_PAYLOAD = {
    "events": [
        {
            "event": "inbound_message_received",
            "message_id": "8d2a4c16-9c7f-4a7e-8b51-8d2a4c169c7f",
            "inbound_inbox_id": 1,
            "inbound_inbox_address": "hello@inbound.example.com",
            "from": "sender@example.com",
            "to": "hello@inbound.example.com",
            "subject": "Hello from a customer",
            "timestamp": 1733497282,
        }
    ]
}


@pytest.fixture
def mailtrap_inbound() -> Iterator[responses.RequestsMock]:
    """Mailtrap's message API and the pre-signed raw download, answering successfully."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(MESSAGE_URL, json=MESSAGE_DATA)
        mock.get(RAW_URL, body=RAW_MESSAGE)
        yield mock


@pytest.fixture
def post(webhook_settings: Any, post_webhook: Any) -> Any:
    """POST to the inbound URL with valid basic auth (override with keyword arguments)."""
    return functools.partial(post_webhook, URL)


# -- Successful delivery ---------------------------------------------------------------------


def test_url_name_reverses_to_inbound_path() -> None:
    assert reverse("anymail:mailtrap_inbound_webhook") == URL


def test_message_is_fetched_with_bearer_token(
    post: Any, mailtrap_inbound: Any, inbound_receiver: Any
) -> None:
    post({"events": [make_entry()]})
    request = mailtrap_inbound.calls[0].request
    assert request.url == MESSAGE_URL
    assert request.headers["Authorization"] == f"Bearer {MAILTRAP_API_TOKEN}"


def test_raw_message_is_downloaded_without_credentials(
    post: Any, mailtrap_inbound: Any, inbound_receiver: Any
) -> None:
    post({"events": [make_entry()]})
    download = mailtrap_inbound.calls[1].request
    assert download.url == RAW_URL
    assert "Authorization" not in download.headers


def test_raw_message_is_streamed(post: Any, mailtrap_inbound: Any, inbound_receiver: Any) -> None:
    post({"events": [make_entry()]})
    assert mailtrap_inbound.calls[1].request.req_kwargs["stream"] is True


def test_both_requests_have_a_timeout(
    post: Any, mailtrap_inbound: Any, inbound_receiver: Any
) -> None:
    post({"events": [make_entry()]})
    assert [call.request.req_kwargs["timeout"] for call in mailtrap_inbound.calls] == [30, 30]


def test_requests_timeout_setting_is_used(
    post: Any, webhook_settings: Any, mailtrap_inbound: Any, inbound_receiver: Any
) -> None:
    webhook_settings.ANYMAIL = {**webhook_settings.ANYMAIL, "REQUESTS_TIMEOUT": 5}
    post({"events": [make_entry()]})
    assert mailtrap_inbound.calls[0].request.req_kwargs["timeout"] == 5


def test_download_is_parsed_in_chunks_of_download_chunk_size(
    post: Any,
    webhook_settings: Any,
    mailtrap_inbound: Any,
    inbound_receiver: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    webhook_settings.ANYMAIL = {**webhook_settings.ANYMAIL, "MAILTRAP_DOWNLOAD_CHUNK_SIZE": 16}
    seen: list[bytes] = []
    original = AnymailInboundMessage.parse_raw_mime_chunks.__func__  # type: ignore[attr-defined]

    def recording(cls: Any, chunks: Any) -> Any:
        return original(cls, (seen.append(chunk) or chunk for chunk in chunks))

    monkeypatch.setattr(AnymailInboundMessage, "parse_raw_mime_chunks", classmethod(recording))
    post({"events": [make_entry()]})
    assert b"".join(seen) == RAW_MESSAGE
    assert {len(chunk) for chunk in seen[:-1]} == {16}


def test_inbound_event_carries_the_parsed_message(
    post: Any, mailtrap_inbound: Any, inbound_receiver: Any
) -> None:
    assert post({"events": [make_entry()]}).status_code == 200
    message = inbound_receiver.only_event.message
    assert isinstance(message, AnymailInboundMessage)
    assert message.subject == "Question about order 4711"
    assert str(message.from_email) == "Ana Silva <ana@example.org>"
    assert message.text == "Hello, where is my order?\n"


def test_inbound_event_fields(post: Any, mailtrap_inbound: Any, inbound_receiver: Any) -> None:
    post({"events": [make_entry()]})
    event = inbound_receiver.only_event
    assert event.event_type == "inbound"
    assert event.event_id == "250/1870314786754420736"
    assert event.esp_event == MESSAGE_DATA


def test_timestamp_milliseconds_become_aware_utc_datetime(
    post: Any, mailtrap_inbound: Any, inbound_receiver: Any
) -> None:
    post({"events": [make_entry(timestamp=1791203456789)]})
    assert inbound_receiver.only_event.timestamp == datetime(
        2026, 10, 5, 12, 30, 56, 789000, tzinfo=timezone.utc
    )


@pytest.mark.parametrize("timestamp", [None, "1791203456789", True], ids=["missing", "str", "bool"])
def test_unusable_timestamp_gives_none(
    post: Any, mailtrap_inbound: Any, inbound_receiver: Any, timestamp: Any
) -> None:
    post({"events": [make_entry(timestamp=timestamp)]})
    assert inbound_receiver.only_event.timestamp is None


@pytest.mark.parametrize(
    "timestamp", [10**400, -(10**400), 1e308, float("inf"), float("nan")], ids=str
)
def test_overflowing_timestamp_gives_none(
    post: Any, mailtrap_inbound: Any, inbound_receiver: Any, timestamp: Any
) -> None:
    # Issue 11.4: 10**400 raised OverflowError (int / 1000) -> 500.
    assert post({"events": [make_entry(timestamp=timestamp)]}).status_code == 200
    assert inbound_receiver.only_event.timestamp is None


def test_signal_sender_is_inbound_view_and_esp_name_mailtrap(
    post: Any, mailtrap_inbound: Any, inbound_receiver: Any
) -> None:
    post({"events": [make_entry()]})
    assert inbound_receiver.calls[0]["sender"] is MailtrapInboundWebhookView
    assert inbound_receiver.calls[0]["esp_name"] == "Mailtrap"


def test_documented_ids_make_the_fetch_path(post: Any, inbound_receiver: Any) -> None:
    with responses.RequestsMock() as mock:
        mock.get("https://mailtrap.io/api/inbound/inboxes/25/messages/a-B_9", json=MESSAGE_DATA)
        mock.get(RAW_URL, body=RAW_MESSAGE)
        response = post({"events": [make_entry(inbox_id="25", message_id="a-B_9")]})
    assert response.status_code == 200
    assert inbound_receiver.only_event.event_id == "25/a-B_9"


BAD_INBOX_ID = "Event 1 has an invalid 'inbox_id' (expected a number)"
BAD_MESSAGE_ID = "Event 1 has an invalid 'message_id' (expected letters, digits, '-' or '_')"


@pytest.mark.parametrize(
    ("inbox_id", "message_id", "reason"),
    [
        ("..", "5", BAD_INBOX_ID),
        (".", "5", BAD_INBOX_ID),
        ("25/0", "1", BAD_INBOX_ID),
        ("٢٥٠", "1", BAD_INBOX_ID),  # non-ASCII digits
        (-1, "1", BAD_INBOX_ID),
        (10**20, "1", BAD_INBOX_ID),
        (250, "..", BAD_MESSAGE_ID),
        (250, "a b/c", BAD_MESSAGE_ID),
        (250, "%2e%2e", BAD_MESSAGE_ID),
        (250, "x" * 129, BAD_MESSAGE_ID),
    ],
)
def test_ids_of_another_form_answer_400_without_any_request(
    post: Any, inbound_receiver: Any, inbox_id: Any, message_id: Any, reason: str
) -> None:
    # Issue 11.5: {"inbox_id": "..", "message_id": "5"} sent the Bearer token to
    # https://mailtrap.io/api/inbound/messages/5. Only the documented id forms are accepted.
    with responses.RequestsMock() as mock:  # any request at all would fail the test
        response = post({"events": [make_entry(inbox_id=inbox_id, message_id=message_id)]})
        assert len(mock.calls) == 0
    assert response.status_code == 400
    assert response.content.decode() == reason
    assert inbound_receiver.events == []


def test_api_url_setting_gets_a_trailing_slash(
    post: Any, webhook_settings: Any, inbound_receiver: Any
) -> None:
    webhook_settings.ANYMAIL = {
        **webhook_settings.ANYMAIL,
        "MAILTRAP_API_URL": "https://dev.test/api",
    }
    with responses.RequestsMock() as mock:
        mock.get(
            "https://dev.test/api/inbound/inboxes/250/messages/1870314786754420736",
            json=MESSAGE_DATA,
        )
        mock.get(RAW_URL, body=RAW_MESSAGE)
        assert post({"events": [make_entry()]}).status_code == 200


def test_as_view_kwargs_configure_the_view(settings: Any) -> None:
    view = MailtrapInboundWebhookView(
        api_url="https://dev.example/api", api_token="kwarg-token", inbound_secret="in-secret"
    )
    assert view.api_url == "https://dev.example/api/"
    assert view.api_token == "kwarg-token"
    assert view.signing_secret == b"in-secret"


def test_as_view_accepts_api_settings(settings: Any) -> None:
    MailtrapInboundWebhookView.as_view(api_url="https://x/", api_token="t", inbound_secret="s")


def test_bare_api_token_setting_is_used(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": "u:p"}
    settings.MAILTRAP_API_TOKEN = "bare-token"
    assert MailtrapInboundWebhookView().api_token == "bare-token"


def test_all_messages_are_fetched_before_any_signal(post: Any, inbound_receiver: Any) -> None:
    second = MESSAGE_URL.replace("1870314786754420736", "2")
    with responses.RequestsMock() as mock:
        mock.get(MESSAGE_URL, json=MESSAGE_DATA)
        mock.get(RAW_URL, body=RAW_MESSAGE)
        mock.get(second, status=500, json={"error": "boom"})
        with pytest.raises(AnymailRequestsAPIError):
            post({"events": [make_entry(), make_entry(message_id="2")]})
    assert inbound_receiver.events == []


def test_null_entries_are_skipped(post: Any, mailtrap_inbound: Any, inbound_receiver: Any) -> None:
    assert post({"events": [None, make_entry()]}).status_code == 200
    assert len(inbound_receiver.events) == 1


def test_json_lines_body_is_accepted(
    post: Any, mailtrap_inbound: Any, inbound_receiver: Any
) -> None:
    response = post(json.dumps(make_entry()) + "\n", content_type="application/jsonl")
    assert response.status_code == 200
    assert len(inbound_receiver.events) == 1


# -- Mailtrap's "test your integration" sample -----------------------------------------------


def test_sample_payload_is_acknowledged_without_fetch_or_signal(
    post: Any, mailtrap_inbound: Any, inbound_receiver: Any
) -> None:
    # Decision on open point 11.1: no None dispatch.
    assert post(SAMPLE_PAYLOAD).status_code == 200
    assert len(mailtrap_inbound.calls) == 0
    assert inbound_receiver.calls == []


@pytest.mark.parametrize("inbox_id", [1, "1"])
def test_inbox_1_is_treated_as_sample(
    post: Any, mailtrap_inbound: Any, inbound_receiver: Any, inbox_id: Any
) -> None:
    assert post({"events": [make_entry(inbox_id=inbox_id)]}).status_code == 200
    assert len(mailtrap_inbound.calls) == 0
    assert inbound_receiver.calls == []


def test_sample_needs_no_message_id(
    post: Any, mailtrap_inbound: Any, inbound_receiver: Any
) -> None:
    assert post({"events": [make_entry(inbox_id=None, message_id=None)]}).status_code == 200


# -- Configuration and misdirected events ----------------------------------------------------


def test_missing_api_token_raises_setting_error(settings: Any, post_webhook: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": "u:p"}
    with pytest.raises(AnymailConfigurationError) as failure:
        post_webhook(URL, SAMPLE_PAYLOAD, auth="u:p")
    assert str(failure.value) == (
        "You must set ANYMAIL = {'MAILTRAP_API_TOKEN': ...} or ANYMAIL_MAILTRAP_API_TOKEN "
        "or MAILTRAP_API_TOKEN in your Django settings"
    )


def test_tracking_event_raises_configuration_error_with_exact_text(
    post: Any, mailtrap_inbound: Any, inbound_receiver: Any
) -> None:
    with pytest.raises(AnymailConfigurationError) as failure:
        post({"events": [make_entry(), {"event": "delivery", "message_id": "m"}]})
    assert str(failure.value) == (
        "You seem to have set Mailtrap's *tracking* webhook "
        "to Anymail's Mailtrap *inbound* webhook URL."
    )
    assert len(mailtrap_inbound.calls) == 0
    assert inbound_receiver.events == []


def test_unknown_inbound_event_raises_value_error(post: Any, mailtrap_inbound: Any) -> None:
    with pytest.raises(ValueError, match=r"^Unknown Mailtrap inbound event type: inbound.bounced$"):
        post({"events": [make_entry(event="inbound.bounced")]})


def test_tracking_secret_is_not_used_by_inbound_view(settings: Any) -> None:
    settings.ANYMAIL = {
        "MAILTRAP_API_TOKEN": "t",
        "MAILTRAP_TRACKING_SECRET": "tracking-only",
        "WEBHOOK_SECRET": "u:p",
    }
    assert MailtrapInboundWebhookView().signing_secret is None


def test_inbound_secret_signature_is_accepted(
    settings: Any, post_webhook: Any, mailtrap_inbound: Any, inbound_receiver: Any
) -> None:
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "t", "MAILTRAP_INBOUND_SECRET": "in-secret"}
    response = post_webhook(URL, {"events": [make_entry()]}, auth=None, signing_secret="in-secret")
    assert response.status_code == 200
    assert len(inbound_receiver.events) == 1


def test_wrong_inbound_signature_answers_400_without_fetch(
    settings: Any, post_webhook: Any, mailtrap_inbound: Any, inbound_receiver: Any
) -> None:
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "t", "MAILTRAP_INBOUND_SECRET": "in-secret"}
    response = post_webhook(URL, {"events": [make_entry()]}, auth=None, signing_secret="other")
    assert response.status_code == 400
    assert len(mailtrap_inbound.calls) == 0
    assert inbound_receiver.events == []


def test_wrong_inbound_signature_names_inbound_setting(settings: Any) -> None:
    from django.test import RequestFactory

    from anymail.exceptions import AnymailWebhookValidationFailure

    view = MailtrapInboundWebhookView(api_token="t", inbound_secret="in-secret")
    request = RequestFactory().post(
        URL, data=b"{}", content_type="application/json", HTTP_MAILTRAP_SIGNATURE="0" * 64
    )
    with pytest.raises(AnymailWebhookValidationFailure, match="MAILTRAP_INBOUND_SECRET"):
        view.run_validators(request)


# -- Malformed input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("nope", "Body is neither JSON nor JSON Lines (line 1 does not parse)"),
        ({"events": {}}, "'events' must be a list"),
        ({"events": ["inbound.message_received"]}, "Event 1 is not a JSON object"),
        ({"events": [make_entry(event=None)]}, "Event 1 is missing 'event'"),
        ({"events": [make_entry(message_id=None)]}, "Event 1 is missing 'message_id'"),
        (
            {"events": [make_entry(message_id={"id": 1})]},
            "Event 1 has an invalid 'message_id' (expected string or integer)",
        ),
        (
            {"events": [make_entry(inbox_id=[250])]},
            "Event 1 has an invalid 'inbox_id' (expected integer or string)",
        ),
    ],
    ids=[
        "not-json",
        "events-not-list",
        "entry-not-object",
        "no-event",
        "no-message-id",
        "message-id-object",
        "inbox-id-list",
    ],
)
def test_malformed_body_answers_400_without_fetch_or_signal(
    post: Any, mailtrap_inbound: Any, inbound_receiver: Any, body: Any, reason: str
) -> None:
    response = post(body)
    assert response.status_code == 400
    assert response.content.decode() == reason
    assert len(mailtrap_inbound.calls) == 0
    assert inbound_receiver.events == []


@pytest.mark.parametrize("opener", ["[", '{"a":'], ids=["arrays", "objects"])
def test_deeply_nested_json_answers_400_without_fetch(
    post: Any, mailtrap_inbound: Any, inbound_receiver: Any, opener: str
) -> None:
    # Issue 11.1: ~1,500 levels raised RecursionError while decoding -> 500.
    closer = "]" if opener == "[" else "}"
    entry = json.dumps(make_entry(extra="PLACEHOLDER"))
    body = '{"events": [' + entry.replace('"PLACEHOLDER"', opener * 1500 + "1" + closer * 1500)
    response = post(body + "]}")
    assert response.status_code == 400
    assert response.content == b"Body is nested more than 100 levels deep"
    assert len(mailtrap_inbound.calls) == 0
    assert inbound_receiver.events == []


def test_one_bad_entry_rejects_the_whole_request(
    post: Any, mailtrap_inbound: Any, inbound_receiver: Any
) -> None:
    response = post({"events": [make_entry(), make_entry(message_id=None)]})
    assert response.status_code == 400
    assert len(mailtrap_inbound.calls) == 0
    assert inbound_receiver.events == []


# -- Fetch failures (raise, so Mailtrap retries) and secrecy ---------------------------------


def test_api_error_raises_with_context(post: Any, inbound_receiver: Any) -> None:
    with responses.RequestsMock() as mock:
        mock.get(MESSAGE_URL, status=401, json={"error": "Incorrect API token"})
        with pytest.raises(AnymailRequestsAPIError) as failure:
            post({"events": [make_entry()]})
    text = str(failure.value)
    assert "250/1870314786754420736" in text
    assert "Mailtrap API response 401" in text
    assert MAILTRAP_API_TOKEN not in text
    assert inbound_receiver.events == []


def test_download_error_raises_without_leaking_the_presigned_url(
    post: Any, inbound_receiver: Any
) -> None:
    with responses.RequestsMock() as mock:
        mock.get(MESSAGE_URL, json=MESSAGE_DATA)
        mock.get(RAW_URL, status=403, body="<Error><Code>AccessDenied</Code></Error>")
        with pytest.raises(AnymailRequestsAPIError) as failure:
            post({"events": [make_entry()]})
    text = str(failure.value)
    assert "403" in text
    assert "presigned-9f8e7d" not in text
    assert MAILTRAP_API_TOKEN not in text


@pytest.mark.parametrize("debug", [True, False])
def test_download_error_report_shows_no_presigned_url(
    settings: Any, post: Any, inbound_receiver: Any, debug: bool
) -> None:
    from django.views.debug import ExceptionReporter

    settings.DEBUG = debug
    with responses.RequestsMock() as mock:
        mock.get(MESSAGE_URL, json=MESSAGE_DATA)
        mock.get(RAW_URL, status=403, body="<Error><Code>AccessDenied</Code></Error>")
        with pytest.raises(AnymailRequestsAPIError) as failure:
            post({"events": [make_entry()]})
    reporter = ExceptionReporter(None, failure.type, failure.value, failure.tb, is_email=True)
    for report in (reporter.get_traceback_html(), reporter.get_traceback_text()):
        assert "fetch_inbound_event" in report
        assert "presigned-9f8e7d" not in report
        assert MAILTRAP_API_TOKEN not in report


def test_connection_error_raises_without_token(post: Any, inbound_receiver: Any) -> None:
    with responses.RequestsMock() as mock:
        mock.get(MESSAGE_URL, body=requests.ConnectionError(f"refused {MESSAGE_URL}"))
        with pytest.raises(AnymailRequestsAPIError) as failure:
            post({"events": [make_entry()]})
    assert "ConnectionError" in str(failure.value)
    assert MAILTRAP_API_TOKEN not in str(failure.value)
    assert "Bearer" not in str(failure.value)


def test_fetch_failure_is_a_requests_exception(post: Any, inbound_receiver: Any) -> None:
    # callers that catch requests' errors keep working
    with responses.RequestsMock() as mock:
        mock.get(MESSAGE_URL, status=404, json={"error": "Not Found"})
        with pytest.raises(requests.RequestException):
            post({"events": [make_entry()]})


def test_non_json_message_data_raises_api_error(post: Any, inbound_receiver: Any) -> None:
    with responses.RequestsMock() as mock:
        mock.get(MESSAGE_URL, body="<html>maintenance</html>")
        with pytest.raises(AnymailAPIError, match="Invalid JSON"):
            post({"events": [make_entry()]})


def test_message_data_without_raw_url_raises_api_error(post: Any, inbound_receiver: Any) -> None:
    with responses.RequestsMock() as mock:
        mock.get(MESSAGE_URL, json={**MESSAGE_DATA, "raw_message_url": None})
        with pytest.raises(AnymailAPIError, match="has no raw_message_url"):
            post({"events": [make_entry()]})


def test_fetch_failure_logs_contain_no_token(
    post: Any, inbound_receiver: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG), responses.RequestsMock() as mock:
        mock.get(MESSAGE_URL, status=500, json={"error": "boom"})
        with pytest.raises(AnymailRequestsAPIError):
            post({"events": [make_entry()]})
    assert MAILTRAP_API_TOKEN not in caplog.text


def test_view_repr_hides_the_token(webhook_settings: Any) -> None:
    view = MailtrapInboundWebhookView()
    assert MAILTRAP_API_TOKEN not in repr(view)


def test_receiver_exception_propagates(post: Any, mailtrap_inbound: Any) -> None:
    from anymail.signals import inbound

    def failing_receiver(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
        raise RuntimeError("receiver failed")

    inbound.connect(failing_receiver)
    try:
        with pytest.raises(RuntimeError, match="receiver failed"):
            post({"events": [make_entry()]})
    finally:
        inbound.disconnect(failing_receiver)


def test_error_report_for_fetch_failure_shows_no_token(settings: Any, post: Any) -> None:
    from django.views.debug import ExceptionReporter

    with responses.RequestsMock() as mock:
        mock.get(MESSAGE_URL, status=500, json={"error": "boom"})
        with pytest.raises(AnymailRequestsAPIError) as failure:
            post({"events": [make_entry()]})
    report = ExceptionReporter(
        None, failure.type, failure.value, failure.tb, is_email=True
    ).get_traceback_html()
    assert "fetch_event" in report
    assert MAILTRAP_API_TOKEN not in report
