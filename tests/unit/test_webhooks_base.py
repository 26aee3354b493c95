"""The ESP-agnostic webhook base: methods, CSRF, login, basic auth, body decoding, 400s."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client, RequestFactory

from anymail.exceptions import AnymailInsecureWebhookWarning, AnymailWebhookValidationFailure
from anymail.mailtrap.webhook_body import decode_entries, json_nesting_depth, require_fields
from anymail.signals import AnymailTrackingEvent, tracking
from anymail.webhooks.base import (
    AnymailBaseWebhookView,
    AnymailWebhookPayloadError,
    get_request_basic_auth,
)
from tests.unit.conftest import (
    MAILTRAP_TRACKING_URL,
    WEBHOOK_BASIC_AUTH,
    basic_auth_header,
)

DELIVERY = {"event": "delivery", "message_id": "m-1", "timestamp": 1716070000}


class DemoWebhookView(AnymailBaseWebhookView):
    """A minimal ESP view: every request yields one 'delivered' event."""

    esp_name = "Demo"
    signal = tracking

    def parse_events(self, request: Any) -> list[AnymailTrackingEvent]:
        return [AnymailTrackingEvent(event_type="delivered")]


def demo_post(view: Any = None, credentials: str | None = None) -> Any:
    view = view or DemoWebhookView.as_view()
    headers = {"HTTP_AUTHORIZATION": basic_auth_header(credentials)} if credentials else {}
    request = RequestFactory().post(
        "/demo/", data=b"{}", content_type="application/json", **headers
    )
    return view(request)


# -- Methods, CSRF and login -----------------------------------------------------------------


def test_get_is_not_allowed(webhook_settings: Any, client: Client) -> None:
    assert client.get(MAILTRAP_TRACKING_URL).status_code == 405


def test_head_answers_200_without_authentication(webhook_settings: Any, client: Client) -> None:
    response = client.head(MAILTRAP_TRACKING_URL)  # no credentials at all
    assert response.status_code == 200
    assert response.content == b""


def test_options_lists_allowed_methods(webhook_settings: Any, client: Client) -> None:
    response = client.options(MAILTRAP_TRACKING_URL)
    assert response.status_code == 200
    assert set(response["Allow"].replace(" ", "").split(",")) == {"POST", "HEAD", "OPTIONS"}


def test_post_is_csrf_exempt(
    webhook_settings: Any, post_webhook: Any, tracking_receiver: Any
) -> None:
    webhook_settings.MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        MAILTRAP_TRACKING_URL,
        data={"events": [DELIVERY]},
        content_type="application/json",
        headers={"Authorization": basic_auth_header(WEBHOOK_BASIC_AUTH)},
    )
    assert response.status_code == 200
    assert len(tracking_receiver.events) == 1


def test_post_works_under_login_required_middleware(
    webhook_settings: Any, post_webhook: Any, tracking_receiver: Any
) -> None:
    webhook_settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    webhook_settings.MIDDLEWARE = [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    ]
    response = post_webhook(MAILTRAP_TRACKING_URL, {"events": [DELIVERY]})
    assert response.status_code == 200
    assert len(tracking_receiver.events) == 1


# -- Flow ------------------------------------------------------------------------------------


def test_each_event_is_sent_with_view_class_and_esp_name(
    webhook_settings: Any, tracking_receiver: Any
) -> None:
    response = demo_post(credentials=WEBHOOK_BASIC_AUTH)
    assert response.status_code == 200
    assert tracking_receiver.calls[0]["sender"] is DemoWebhookView
    assert tracking_receiver.calls[0]["esp_name"] == "Demo"


def test_validators_of_every_class_run_in_mro_order(webhook_settings: Any) -> None:
    order: list[str] = []

    class First(DemoWebhookView):
        def validate_request(self, request: Any) -> None:
            order.append("first")

    class Second(First):
        def validate_request(self, request: Any) -> None:
            order.append("second")

    demo_post(Second.as_view(), credentials=WEBHOOK_BASIC_AUTH)
    assert order == ["second", "first"]


def test_payload_error_answers_400_with_plain_text_reason(
    webhook_settings: Any, tracking_receiver: Any
) -> None:
    class Malformed(DemoWebhookView):
        def parse_events(self, request: Any) -> list[AnymailTrackingEvent]:
            raise AnymailWebhookPayloadError("Event 1 is missing 'message_id'")

    response = demo_post(Malformed.as_view(), credentials=WEBHOOK_BASIC_AUTH)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"Event 1 is missing 'message_id'"
    assert tracking_receiver.events == []


def test_payload_error_is_logged_as_warning(
    webhook_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    class Malformed(DemoWebhookView):
        def parse_events(self, request: Any) -> list[AnymailTrackingEvent]:
            raise AnymailWebhookPayloadError("Empty request body")

    with caplog.at_level(logging.WARNING, logger="anymail.webhooks"):
        demo_post(Malformed.as_view(), credentials=WEBHOOK_BASIC_AUTH)
    assert "Empty request body" in caplog.text


# -- Basic auth ------------------------------------------------------------------------------


def test_correct_basic_auth_passes(webhook_settings: Any, tracking_receiver: Any) -> None:
    assert demo_post(credentials=WEBHOOK_BASIC_AUTH).status_code == 200


def test_wrong_basic_auth_fails_with_exact_text(webhook_settings: Any) -> None:
    with pytest.raises(
        AnymailWebhookValidationFailure,
        match=r"^Missing or invalid basic auth in Anymail Demo webhook$",
    ):
        demo_post(credentials="webhook-user:wrong")


def test_missing_basic_auth_fails(webhook_settings: Any) -> None:
    with pytest.raises(AnymailWebhookValidationFailure):
        demo_post(credentials=None)


def test_any_credential_of_a_list_passes(settings: Any, tracking_receiver: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": ["old-user:old-pass", "new-user:new-pass"]}
    assert demo_post(credentials="old-user:old-pass").status_code == 200
    assert demo_post(credentials="new-user:new-pass").status_code == 200


def test_basic_auth_view_kwarg_replaces_setting(
    webhook_settings: Any, tracking_receiver: Any
) -> None:
    view = DemoWebhookView.as_view(basic_auth=["kwarg-user:kwarg-pass"])
    assert demo_post(view, credentials="kwarg-user:kwarg-pass").status_code == 200
    with pytest.raises(AnymailWebhookValidationFailure):
        demo_post(view, credentials=WEBHOOK_BASIC_AUTH)


def test_basic_auth_failure_answers_400_and_runs_no_handler(
    webhook_settings: Any, post_webhook: Any, tracking_receiver: Any
) -> None:
    response = post_webhook(MAILTRAP_TRACKING_URL, {"events": [DELIVERY]}, auth="user:wrong")
    assert response.status_code == 400
    assert tracking_receiver.events == []


def test_basic_auth_failure_text_does_not_reveal_the_secret(webhook_settings: Any) -> None:
    with pytest.raises(AnymailWebhookValidationFailure) as failure:
        demo_post(credentials="webhook-user:wrong")
    assert "webhook-pass" not in str(failure.value)


def test_no_secret_warns_insecure_webhook(settings: Any, tracking_receiver: Any) -> None:
    settings.ANYMAIL = {}
    with pytest.warns(AnymailInsecureWebhookWarning, match="WEBHOOK_SECRET"):
        response = demo_post()
    assert response.status_code == 200


def test_empty_string_secret_counts_as_no_secret(settings: Any, tracking_receiver: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    with pytest.warns(AnymailInsecureWebhookWarning):
        assert demo_post().status_code == 200


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer abc", "Basic", "Basic not-base64!!", "Basic //79/w=="],
    ids=["missing", "other-scheme", "no-credentials", "garbled", "not-utf8"],
)
def test_unusable_authorization_header_means_no_credentials(authorization: str) -> None:
    request = RequestFactory().post("/", HTTP_AUTHORIZATION=authorization)
    assert get_request_basic_auth(request) is None


def test_basic_auth_header_is_decoded() -> None:
    request = RequestFactory().post("/", HTTP_AUTHORIZATION=basic_auth_header("u:p:q"))
    assert get_request_basic_auth(request) == "u:p:q"


# -- Body decoding ---------------------------------------------------------------------------


def test_json_envelope_gives_its_events() -> None:
    assert decode_entries(b'{"events": [{"event": "a"}, {"event": "b"}]}') == [
        {"event": "a"},
        {"event": "b"},
    ]


def test_json_lines_give_one_entry_per_line() -> None:
    body = b'{"event": "a"}\n\n{"event": "b"}\n'
    assert decode_entries(body, "application/jsonl") == [{"event": "a"}, {"event": "b"}]


def test_json_lines_are_detected_without_their_content_type() -> None:
    body = b'{"event": "a"}\r\n{"event": "b"}'
    assert decode_entries(body, "application/json") == [{"event": "a"}, {"event": "b"}]


def test_single_json_line_is_one_event() -> None:
    assert decode_entries(b'{"event": "a"}\n', "application/json") == [{"event": "a"}]


def test_single_object_labelled_json_lines_is_one_event() -> None:
    assert decode_entries(b'{"x": 1}', "application/jsonl") == [{"x": 1}]


def test_envelope_without_events_gives_none() -> None:
    assert decode_entries(b"{}") == []


def test_pretty_printed_json_envelope_is_not_taken_for_json_lines() -> None:
    assert decode_entries(b'{\n  "events": [\n    {"event": "a"}\n  ]\n}\n') == [{"event": "a"}]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "Empty request body"),
        (b"  \n", "Empty request body"),
        (b"not json", "Body is neither JSON nor JSON Lines (line 1 does not parse)"),
        (b'{"event": "a"}\n{oops', "Body is neither JSON nor JSON Lines (line 2 does not parse)"),
        (b"[1, 2]", "Body must be a JSON object or JSON Lines of objects"),
        (b'"text"', "Body must be a JSON object or JSON Lines of objects"),
        (b'{"events": {"event": "a"}}', "'events' must be a list"),
        (b'{"events": null}', "'events' must be a list"),
        (b"\xff\xfe{", "Body is neither JSON nor JSON Lines (line 1 does not parse)"),
    ],
    ids=[
        "empty",
        "blank",
        "not-json",
        "bad-line",
        "array",
        "string",
        "events-object",
        "events-null",
        "not-utf8",
    ],
)
def test_undecodable_body_is_a_payload_error(body: bytes, reason: str) -> None:
    with pytest.raises(AnymailWebhookPayloadError) as failure:
        decode_entries(body)
    assert str(failure.value) == reason


def test_payload_error_is_a_validation_failure() -> None:
    # so code that catches the documented exception also sees malformed payloads
    assert issubclass(AnymailWebhookPayloadError, AnymailWebhookValidationFailure)


def test_missing_required_field_is_a_payload_error() -> None:
    with pytest.raises(AnymailWebhookPayloadError, match=r"^Event 3 is missing 'message_id'$"):
        require_fields({"message_id": ""}, 3, message_id=(str,))


def test_boolean_is_not_accepted_as_a_number() -> None:
    with pytest.raises(AnymailWebhookPayloadError, match="expected integer or number"):
        require_fields({"timestamp": True}, 1, timestamp=(int, float))


def test_optional_field_may_be_absent() -> None:
    require_fields({}, 1, optional=True, category=(str,))  # no error


# -- Nesting depth (issue 11.1) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b"{}", 1),
        (b'{"events": [{"event": "a"}]}', 3),
        (b'{"a": "]]]}}} [[[ {{{"}', 1),  # brackets in strings do not count
        (b'{"a": "\\" [[[ \\\\"}', 1),  # nor after an escaped quote
        (b'{"a": "\\\\", "b": [[1]]}', 3),  # an escaped backslash ends no string
        (b'{"event": "a"}\n[[[1]]]\n', 3),  # JSON Lines: the deepest line
        (b"[" * 1500 + b"]" * 1500, 1500),
        (b"", 0),
    ],
)
def test_json_nesting_depth(body: bytes, depth: int) -> None:
    assert json_nesting_depth(body) == depth


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 101 + b"]" * 101,
        b'{"events": [' + b'{"a":' * 200 + b"1" + b"}" * 200 + b"]}",
        b"[" * 5000,  # unbalanced, as an attacker may send it
        b'{"event": "a"}\n' + b"[" * 1500 + b"]" * 1500,
    ],
)
def test_too_deep_body_is_a_payload_error_not_a_recursion_error(body: bytes) -> None:
    with pytest.raises(AnymailWebhookPayloadError, match="nested more than 100 levels deep"):
        decode_entries(body)


def test_a_hundred_levels_are_accepted() -> None:
    body = b'{"events": [{"event": "a", "x": ' + b"[" * 97 + b"]" * 97 + b"}]}"
    assert json_nesting_depth(body) == 100
    assert decode_entries(body)[0]["event"] == "a"
