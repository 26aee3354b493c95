"""The Mailtrap API token never leaks: not in errors, reprs, or logged/debug output."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
import requests

from anymail.backends.mailtrap import EmailBackend, MailtrapPayload
from anymail.exceptions import AnymailError

from .conftest import MAILTRAP_API_TOKEN


@pytest.fixture(autouse=True)
def capture_all_logging(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_no_token(*texts: str) -> None:
    for text in texts:
        assert MAILTRAP_API_TOKEN not in text


def assert_error_hides_token(error: BaseException) -> None:
    assert_no_token(str(error), repr(error), repr(error.args))
    if isinstance(error, AnymailError):
        assert_no_token(repr(error.payload), repr(error.backend), str(error.payload))


def raised_by_send(backend, message):
    with pytest.raises(AnymailError) as excinfo:
        backend.send_messages([message])
    return excinfo.value


def test_backend_str_and_repr_hide_token(mailtrap_settings):
    backend = EmailBackend()
    assert_no_token(str(backend), repr(backend))


def test_backend_repr_hides_token_while_session_open(mailtrap_settings):
    with EmailBackend() as backend:
        assert_no_token(str(backend), repr(backend), repr(backend.session))


def test_payload_str_and_repr_hide_token(mailtrap_settings, new_message):
    backend = EmailBackend()
    payload = MailtrapPayload(new_message(), backend.send_defaults, backend)
    assert_no_token(str(payload), repr(payload), payload.serialize_data())


@pytest.mark.parametrize(
    "reply",
    [
        {"json_body": {"success": False, "errors": ["Unauthorized"]}, "status": 401},
        {"body": "Internal Server Error", "status": 500},
        {"body": "not json", "status": 200},
        {"json_body": {"success": False}},
        {"json_body": {"success": True, "message_ids": []}},
        {"exception": requests.ConnectionError("refused")},
    ],
    ids=["http-401", "http-500-text", "invalid-json", "api-failure", "bad-format", "connection"],
)
def test_api_errors_hide_token(mailtrap_api, new_message, reply):
    mailtrap_api.reply(**reply)
    assert_error_hides_token(raised_by_send(EmailBackend(), new_message()))


def test_unsupported_feature_error_hides_token(mailtrap_api, new_message):
    error = raised_by_send(EmailBackend(), new_message(tags=["a", "b"]))
    assert_error_hides_token(error)


def test_serialization_error_hides_token(mailtrap_api, new_message):
    error = raised_by_send(EmailBackend(), new_message(esp_extra={"x": Decimal(1)}))
    assert_error_hides_token(error)


def test_debug_api_requests_dumps_request_with_token_masked(
    mailtrap_api, new_message, mailtrap_settings, capsys, capture_all_logging
):
    mailtrap_settings.ANYMAIL["DEBUG_API_REQUESTS"] = True
    EmailBackend().send_messages([new_message(subject="Debug me")])
    out, err = capsys.readouterr()
    assert "POST https://send.api.mailtrap.io/api/send" in out
    assert "Api-Token: ***" in out
    assert '"subject": "Debug me"' in out
    assert '"message_ids": ["id-0"]' in out
    assert_no_token(out, err, capture_all_logging.text)


def test_debug_api_requests_kwarg_on_error_masks_token(mailtrap_api, new_message, capsys):
    mailtrap_api.reply({"success": False, "errors": ["Unauthorized"]}, status=401)
    error = raised_by_send(EmailBackend(debug_api_requests=True), new_message())
    out, err = capsys.readouterr()
    assert "401" in out
    assert "Api-Token: ***" in out
    assert_no_token(out, err)
    assert_error_hides_token(error)


def test_no_debug_output_by_default(mailtrap_api, new_message, capsys, capture_all_logging):
    EmailBackend().send_messages([new_message()])
    out, err = capsys.readouterr()
    assert out == ""
    assert_no_token(out, err, capture_all_logging.text)
