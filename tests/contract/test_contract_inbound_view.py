"""§6.6 Mailtrap inbound view: construction, fetch flow, event fields, sample, errors."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses
from django.test import Client, RequestFactory

from anymail.exceptions import AnymailConfigurationError
from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent, inbound
from anymail.webhooks.mailtrap import MailtrapInboundWebhookView

from ._receiving import (
    INBOUND_API,
    INBOUND_URL,
    RAW_MIME,
    RAW_URL,
    TOKEN,
    WEBHOOK_USER_PASS,
    basic_auth,
    inbound_entry,
    recording,
    sign,
)

MISDIRECTED_TRACKING = (
    "You seem to have set Mailtrap's *tracking* webhook "
    "to Anymail's Mailtrap *inbound* webhook URL."
)
MESSAGE_URL = f"{INBOUND_API}inbound/inboxes/250/messages/1870314786754420736"
MESSAGE_DATA = {
    "id": "1870314786754420736",
    "inbox_id": 250,
    "from": "Ana Silva <ana@example.org>",
    "subject": "Question about order 4711",
    "raw_message_url": RAW_URL,
}


@pytest.fixture(autouse=True)
def secured(settings: Any) -> Any:
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_USER_PASS, "MAILTRAP_API_TOKEN": TOKEN}
    return settings


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    """No real network: any request not registered by a test fails it."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def mock_message(
    rsps: responses.RequestsMock,
    url: str = MESSAGE_URL,
    data: dict[str, Any] | None = None,
    raw_url: str = RAW_URL,
    raw: bytes = RAW_MIME,
) -> None:
    rsps.add(responses.GET, url, json=MESSAGE_DATA if data is None else data)
    rsps.add(responses.GET, raw_url, body=raw)


def post(body: Any, client: Client | None = None) -> Any:
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    client = client or Client(headers={"Authorization": basic_auth()})
    return client.post(INBOUND_URL, data=data, content_type="application/json")


def receive(*entries: Any) -> list[AnymailInboundEvent]:
    with recording(inbound) as rec:
        response = post({"events": list(entries)})
    assert response.status_code == 200
    return rec.events


def call_view(body: Any, **view_kwargs: Any) -> Any:
    request = RequestFactory().post(
        INBOUND_URL,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=basic_auth(),
    )
    return MailtrapInboundWebhookView.as_view(**view_kwargs)(request)


# --- construction ------------------------------------------------------------------------


def test_missing_api_token_is_configuration_error_naming_the_setting(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_USER_PASS}
    with pytest.raises(AnymailConfigurationError, match="MAILTRAP_API_TOKEN"):
        post({"events": [inbound_entry()]})


def test_missing_api_token_is_http_500(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_USER_PASS}
    client = Client(headers={"Authorization": basic_auth()}, raise_request_exception=False)
    assert post({"events": [inbound_entry()]}, client).status_code == 500


def test_missing_api_token_fails_even_for_the_sample(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_USER_PASS}
    with pytest.raises(AnymailConfigurationError, match="MAILTRAP_API_TOKEN"):
        post({"events": [inbound_entry(inbox_id=None)]})


def test_api_token_from_bare_setting(settings: Any, api: responses.RequestsMock) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_USER_PASS}
    settings.MAILTRAP_API_TOKEN = "bare-token"
    mock_message(api)
    receive(inbound_entry())
    assert api.calls[0].request.headers["Authorization"] == "Bearer bare-token"


def test_api_token_from_prefixed_setting(settings: Any, api: responses.RequestsMock) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_USER_PASS}
    settings.ANYMAIL_MAILTRAP_API_TOKEN = "prefixed-token"
    mock_message(api)
    receive(inbound_entry())
    assert api.calls[0].request.headers["Authorization"] == "Bearer prefixed-token"


def test_api_url_default() -> None:
    assert MailtrapInboundWebhookView().api_url == "https://mailtrap.io/api/"


def test_api_url_setting_gets_trailing_slash(settings: Any) -> None:
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILTRAP_API_URL": "https://dev.example/api"}
    assert MailtrapInboundWebhookView().api_url == "https://dev.example/api/"


def test_api_url_with_trailing_slash_kept(settings: Any) -> None:
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILTRAP_API_URL": "https://dev.example/api/"}
    assert MailtrapInboundWebhookView().api_url == "https://dev.example/api/"


def test_as_view_kwargs_api_url_and_inbound_secret() -> None:
    """§6.6 example: as_view(api_url=...) gives view.api_url with '/' and the secret bytes."""
    view_func = MailtrapInboundWebhookView.as_view(
        api_url="https://dev.example/api", api_token="kwarg-token", inbound_secret="s3cret"
    )
    view = view_func.view_class(**view_func.view_initkwargs)  # type: ignore[attr-defined]
    assert view.api_url == "https://dev.example/api/"
    assert view.signing_secret == b"s3cret"


def test_as_view_api_url_is_used_for_fetch(api: responses.RequestsMock) -> None:
    mock_message(
        api, url="https://dev.example/api/inbound/inboxes/250/messages/1870314786754420736"
    )
    with recording(inbound) as rec:
        response = call_view({"events": [inbound_entry()]}, api_url="https://dev.example/api")
    assert response.status_code == 200
    assert len(rec.calls) == 1


def test_as_view_api_token_is_used_for_fetch(api: responses.RequestsMock) -> None:
    mock_message(api)
    call_view({"events": [inbound_entry()]}, api_token="kwarg-token")
    assert api.calls[0].request.headers["Authorization"] == "Bearer kwarg-token"


@pytest.mark.parametrize("attr", ["api_token", "api_url", "inbound_secret"])
def test_class_attributes_default_to_none(attr: str) -> None:
    assert getattr(MailtrapInboundWebhookView, attr) is None


def test_as_view_download_chunk_size_kwarg() -> None:
    view_func = MailtrapInboundWebhookView.as_view(download_chunk_size=4096)
    view = view_func.view_class(**view_func.view_initkwargs)  # type: ignore[attr-defined]
    assert view.download_chunk_size == 4096


def test_download_chunk_size_default() -> None:
    assert MailtrapInboundWebhookView().download_chunk_size == 65536


def test_download_chunk_size_setting(settings: Any) -> None:
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILTRAP_DOWNLOAD_CHUNK_SIZE": 1024}
    assert MailtrapInboundWebhookView().download_chunk_size == 1024


# --- fetch flow --------------------------------------------------------------------------


def test_fetches_message_details_with_exact_url(api: responses.RequestsMock) -> None:
    mock_message(api)
    receive(inbound_entry())
    assert api.calls[0].request.method == "GET"
    assert api.calls[0].request.url == MESSAGE_URL


def test_fetch_sends_bearer_token(api: responses.RequestsMock) -> None:
    mock_message(api)
    receive(inbound_entry())
    assert api.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("inbox_id", "message_id"),
    [("12/3", "1"), ("12", "a/b c?d"), ("..", "5"), (250, ".."), ("1e3", "1"), (-5, "1")],
)
def test_ids_of_an_undocumented_form_are_400_without_fetch(
    api: responses.RequestsMock, inbox_id: Any, message_id: Any
) -> None:
    """Project rule (issue 11.5; MAILTRAP_API.md §7.1): the ids go into the path of the
    token-bearing GET, so only their documented form is accepted -- a numeric inbox_id, a
    message_id of letters, digits, '-' and '_' -- anything else is malformed input (§6.2)."""
    response = post({"events": [inbound_entry(inbox_id=inbox_id, message_id=message_id)]})
    assert response.status_code == 400
    assert len(api.calls) == 0


def test_fetch_url_carries_inbox_and_message_ids(api: responses.RequestsMock) -> None:
    url = f"{INBOUND_API}inbound/inboxes/12/messages/a-b_C3"
    mock_message(api, url=url)
    events = receive(inbound_entry(inbox_id="12", message_id="a-b_C3"))
    assert api.calls[0].request.url == url
    assert events[0].event_id == "12/a-b_C3"


def test_downloads_raw_message_url_second(api: responses.RequestsMock) -> None:
    mock_message(api)
    receive(inbound_entry())
    assert len(api.calls) == 2
    assert api.calls[1].request.method == "GET"
    assert api.calls[1].request.url == RAW_URL


def test_download_sends_no_authorization(api: responses.RequestsMock) -> None:
    mock_message(api)
    receive(inbound_entry())
    assert "Authorization" not in api.calls[1].request.headers


def test_download_is_streamed(api: responses.RequestsMock) -> None:
    mock_message(api)
    receive(inbound_entry())
    assert api.calls[1].request.req_kwargs["stream"] is True  # type: ignore[attr-defined]


def test_download_iterates_content_in_configured_chunk_size(
    settings: Any, api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILTRAP_DOWNLOAD_CHUNK_SIZE": 16}
    seen: list[Any] = []
    original = requests.Response.iter_content

    def spy(self: requests.Response, *args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("chunk_size", args[0] if args else None))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(requests.Response, "iter_content", spy)
    mock_message(api)
    receive(inbound_entry())
    assert seen[-1] == 16  # (the first call is response.json() reading the details)


def test_download_chunks_are_fed_to_parse_raw_mime_chunks(
    settings: Any, api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILTRAP_DOWNLOAD_CHUNK_SIZE": 16}
    chunk_lengths: list[int] = []
    original = AnymailInboundMessage.parse_raw_mime_chunks.__func__  # type: ignore[attr-defined]

    def spy(cls: Any, chunks: Any) -> Any:
        def recorded() -> Iterator[bytes]:
            for chunk in chunks:
                chunk_lengths.append(len(chunk))
                yield chunk

        return original(cls, recorded())

    monkeypatch.setattr(AnymailInboundMessage, "parse_raw_mime_chunks", classmethod(spy))
    mock_message(api)
    events = receive(inbound_entry())
    assert sum(chunk_lengths) == len(RAW_MIME)
    assert max(chunk_lengths) == 16
    assert events[0].message.subject == "Question about order 4711"


def test_default_download_chunk_size_is_65536(
    api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []
    original = requests.Response.iter_content

    def spy(self: requests.Response, *args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("chunk_size", args[0] if args else None))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(requests.Response, "iter_content", spy)
    mock_message(api)
    receive(inbound_entry())
    assert seen[-1] == 65536


def test_fetch_and_download_use_requests_timeout(api: responses.RequestsMock) -> None:
    """Documented project decision (docs/webhooks.md §4): REQUESTS_TIMEOUT, default 30."""
    mock_message(api)
    receive(inbound_entry())
    assert [call.request.req_kwargs["timeout"] for call in api.calls] == [30, 30]  # type: ignore[attr-defined]


def test_fetch_http_error_propagates_as_http_error(api: responses.RequestsMock) -> None:
    api.add(responses.GET, MESSAGE_URL, json={"error": "Not Found"}, status=404)
    with pytest.raises(requests.HTTPError):
        post({"events": [inbound_entry()]})


def test_fetch_http_error_is_500_without_signal(api: responses.RequestsMock) -> None:
    api.add(responses.GET, MESSAGE_URL, json={"error": "Incorrect API token"}, status=401)
    client = Client(headers={"Authorization": basic_auth()}, raise_request_exception=False)
    with recording(inbound) as rec:
        response = post({"events": [inbound_entry()]}, client)
    assert response.status_code == 500
    assert rec.calls == []


def test_download_http_error_is_500_without_signal(api: responses.RequestsMock) -> None:
    api.add(responses.GET, MESSAGE_URL, json=MESSAGE_DATA)
    api.add(responses.GET, RAW_URL, body=b"expired", status=403)
    client = Client(headers={"Authorization": basic_auth()}, raise_request_exception=False)
    with recording(inbound) as rec:
        response = post({"events": [inbound_entry()]}, client)
    assert response.status_code == 500
    assert rec.calls == []


def test_fetch_error_names_message_but_not_token(api: responses.RequestsMock) -> None:
    """docs/webhooks.md §7: the error names <inbox_id>/<message_id>, never the token."""
    api.add(responses.GET, MESSAGE_URL, json={"error": "Not Found"}, status=404)
    with pytest.raises(requests.HTTPError) as info:
        post({"events": [inbound_entry()]})
    assert "250/1870314786754420736" in str(info.value)
    assert "404" in str(info.value)
    assert TOKEN not in str(info.value)


def test_download_error_does_not_leak_presigned_url(api: responses.RequestsMock) -> None:
    api.add(responses.GET, MESSAGE_URL, json=MESSAGE_DATA)
    api.add(responses.GET, RAW_URL, body=b"expired", status=403)
    with pytest.raises(requests.HTTPError) as info:
        post({"events": [inbound_entry()]})
    assert "X-Amz-Signature" not in str(info.value)
    assert "403" in str(info.value)


def test_all_messages_fetched_before_any_signal(api: responses.RequestsMock) -> None:
    mock_message(api)
    second = f"{INBOUND_API}inbound/inboxes/250/messages/2"
    mock_message(api, url=second, raw_url=RAW_URL + "&second")
    calls_at_signal: list[int] = []
    with recording(inbound) as rec:
        inbound.connect(
            lambda **kw: calls_at_signal.append(len(api.calls)), weak=False, dispatch_uid="at"
        )
        try:
            response = post({"events": [inbound_entry(), inbound_entry(message_id="2")]})
        finally:
            inbound.disconnect(dispatch_uid="at")
    assert response.status_code == 200
    assert len(rec.calls) == 2
    assert calls_at_signal == [4, 4]


def test_second_fetch_failure_sends_no_signal_for_first(api: responses.RequestsMock) -> None:
    mock_message(api)
    api.add(responses.GET, f"{INBOUND_API}inbound/inboxes/250/messages/2", status=404)
    with recording(inbound) as rec, pytest.raises(requests.HTTPError):
        post({"events": [inbound_entry(), inbound_entry(message_id="2")]})
    assert rec.calls == []


# --- the inbound event -------------------------------------------------------------------


def test_event_type_is_inbound(api: responses.RequestsMock) -> None:
    mock_message(api)
    assert receive(inbound_entry())[0].event_type == "inbound"


def test_timestamp_is_epoch_milliseconds_as_aware_utc(api: responses.RequestsMock) -> None:
    mock_message(api)
    (event,) = receive(inbound_entry(timestamp=1791203456789))
    assert event.timestamp == dt.datetime.fromtimestamp(1791203456.789, tz=dt.timezone.utc)
    assert event.timestamp is not None and event.timestamp.utcoffset() == dt.timedelta(0)


def test_timestamp_none_when_missing(api: responses.RequestsMock) -> None:
    mock_message(api)
    entry = inbound_entry()
    del entry["timestamp"]
    assert receive(entry)[0].timestamp is None


def test_timestamp_none_when_not_numeric(api: responses.RequestsMock) -> None:
    mock_message(api)
    assert receive(inbound_entry(timestamp="yesterday"))[0].timestamp is None


def test_event_id_is_inbox_id_slash_message_id(api: responses.RequestsMock) -> None:
    mock_message(api)
    assert receive(inbound_entry())[0].event_id == "250/1870314786754420736"


def test_esp_event_is_the_fetched_message_data(api: responses.RequestsMock) -> None:
    mock_message(api)
    assert receive(inbound_entry())[0].esp_event == MESSAGE_DATA


def test_message_is_the_parsed_raw_mime(api: responses.RequestsMock) -> None:
    mock_message(api)
    message = receive(inbound_entry())[0].message
    assert isinstance(message, AnymailInboundMessage)
    assert message.subject == "Question about order 4711"
    assert message.from_email.addr_spec == "ana@example.org"
    assert message.text == "Hello, where is my order?\n"


def test_message_envelope_and_spam_attributes_stay_none(api: responses.RequestsMock) -> None:
    mock_message(api)
    message = receive(inbound_entry())[0].message
    assert message.envelope_sender is None
    assert message.envelope_recipient is None
    assert message.spam_detected is None
    assert message.spam_score is None


def test_underscore_event_spelling_is_accepted_for_real_inbox(api: responses.RequestsMock) -> None:
    mock_message(api)
    events = receive(inbound_entry(event="inbound_message_received"))
    assert len(events) == 1


def test_none_entries_are_skipped(api: responses.RequestsMock) -> None:
    mock_message(api)
    assert len(receive(None, inbound_entry(), None)) == 1


def test_one_signal_per_message(api: responses.RequestsMock) -> None:
    mock_message(api)
    mock_message(
        api, url=f"{INBOUND_API}inbound/inboxes/250/messages/2", raw_url=RAW_URL + "&second"
    )
    events = receive(inbound_entry(), inbound_entry(message_id="2"))
    assert [e.event_id for e in events] == ["250/1870314786754420736", "250/2"]


# --- Mailtrap's "test your integration" sample ------------------------------------------

SAMPLE = {
    "event": "inbound_message_received",
    "message_id": "8d2a4c16-9c7f-4a7e-8b51-8d2a4c169c7f",
    "inbound_inbox_id": 1,
    "inbound_inbox_address": "hello@inbound.example.com",
    "from": "sender@example.com",
    "to": "hello@inbound.example.com",
    "subject": "Hello from a customer",
    "timestamp": 1733497282,
}


def test_sample_payload_is_200_and_fetches_nothing(api: responses.RequestsMock) -> None:
    response = post({"events": [SAMPLE]})
    assert response.status_code == 200
    assert len(api.calls) == 0


def test_sample_payload_sends_no_signal(api: responses.RequestsMock) -> None:
    """Documented project decision (docs/webhooks.md §4, open point 11.1): no event=None."""
    with recording(inbound) as rec:
        post({"events": [SAMPLE]})
    assert rec.calls == []


@pytest.mark.parametrize("event_name", ["inbound.message_received", "inbound_message_received"])
def test_inbox_id_1_fetches_nothing(api: responses.RequestsMock, event_name: str) -> None:
    with recording(inbound) as rec:
        response = post({"events": [inbound_entry(event=event_name, inbox_id=1)]})
    assert response.status_code == 200
    assert len(api.calls) == 0
    assert rec.calls == []


def test_inbox_id_none_fetches_nothing(api: responses.RequestsMock) -> None:
    response = post({"events": [inbound_entry(inbox_id=None)]})
    assert response.status_code == 200
    assert len(api.calls) == 0


def test_sample_mixed_with_real_message_dispatches_only_real(api: responses.RequestsMock) -> None:
    mock_message(api)
    events = receive(SAMPLE, inbound_entry())
    assert [e.event_id for e in events] == ["250/1870314786754420736"]


# --- misdirected / unknown events (500) -------------------------------------------------


@pytest.mark.parametrize("name", ["delivery", "open", "soft bounce", "whatever"])
def test_tracking_event_raises_configuration_error_exact_text(name: str) -> None:
    with pytest.raises(AnymailConfigurationError) as info:
        call_view({"events": [{"event": name, "message_id": "m", "timestamp": 1}]})
    assert str(info.value) == MISDIRECTED_TRACKING


def test_misdirected_check_needs_only_the_event_field() -> None:
    with pytest.raises(AnymailConfigurationError, match=r"\*tracking\* webhook"):
        call_view({"events": [{"event": "delivery"}]})


def test_misdirected_tracking_event_is_http_500() -> None:
    client = Client(headers={"Authorization": basic_auth()}, raise_request_exception=False)
    assert post({"events": [{"event": "delivery"}]}, client).status_code == 500


def test_unknown_inbound_event_type_is_value_error_exact_text() -> None:
    with pytest.raises(ValueError) as info:
        call_view({"events": [inbound_entry(event="inbound.message_deleted")]})
    assert str(info.value) == "Unknown Mailtrap inbound event type: inbound.message_deleted"


def test_unknown_inbound_event_type_is_http_500(api: responses.RequestsMock) -> None:
    client = Client(headers={"Authorization": basic_auth()}, raise_request_exception=False)
    response = post({"events": [inbound_entry(event="inbound.other")]}, client)
    assert response.status_code == 500
    assert len(api.calls) == 0


def test_misdirected_event_fetches_nothing(api: responses.RequestsMock) -> None:
    mock_message(api)
    with recording(inbound) as rec, pytest.raises(AnymailConfigurationError):
        post({"events": [inbound_entry(), {"event": "delivery"}]})
    assert len(api.calls) == 0
    assert rec.calls == []


# --- §6.2 project rule: malformed input -> 400, no signal, no fetch ----------------------


@pytest.mark.parametrize(
    "body", ["not json", "{broken", '{"events": "nope"}', '{"events": [42]}', '{"events": ["x"]}']
)
def test_malformed_body_is_400(api: responses.RequestsMock, body: str) -> None:
    assert post(body).status_code == 400
    assert len(api.calls) == 0


def test_entry_missing_event_is_400(api: responses.RequestsMock) -> None:
    entry = inbound_entry()
    del entry["event"]
    assert post({"events": [entry]}).status_code == 400
    assert len(api.calls) == 0


def test_real_entry_missing_message_id_is_400(api: responses.RequestsMock) -> None:
    entry = inbound_entry()
    del entry["message_id"]
    with recording(inbound) as rec:
        response = post({"events": [entry]})
    assert response.status_code == 400
    assert len(api.calls) == 0
    assert rec.calls == []


def test_malformed_entry_blocks_valid_ones(api: responses.RequestsMock) -> None:
    mock_message(api)
    bad = inbound_entry(message_id=None, inbox_id=251)
    with recording(inbound) as rec:
        response = post({"events": [inbound_entry(), bad]})
    assert response.status_code == 400
    assert rec.calls == []


def test_inbound_signature_passes_with_inbound_secret(
    settings: Any, api: responses.RequestsMock
) -> None:
    settings.ANYMAIL = {"MAILTRAP_INBOUND_SECRET": "in-secret", "MAILTRAP_API_TOKEN": TOKEN}
    mock_message(api)
    body = json.dumps({"events": [inbound_entry()]})
    client = Client(headers={"Mailtrap-Signature": sign(body, "in-secret")})
    with recording(inbound) as rec:
        response = client.post(INBOUND_URL, data=body, content_type="application/json")
    assert response.status_code == 200
    assert len(rec.calls) == 1
