"""The HTTP request the Mailtrap backend makes: method, headers, body, User-Agent."""

from __future__ import annotations

import json
from unittest import mock

import requests

import anymail
from anymail.backends.mailtrap import EmailBackend

from .conftest import MAILTRAP_API_TOKEN, MAILTRAP_SEND_URL


def test_esp_name_is_mailtrap():
    assert EmailBackend.esp_name == "Mailtrap"


def test_request_method_is_post(mailtrap_api, mailtrap_send, new_message):
    mailtrap_send(new_message())
    assert mailtrap_api.last_request.method == "POST"


def test_request_sends_api_token_header(mailtrap_api, mailtrap_send, new_message):
    mailtrap_send(new_message())
    assert mailtrap_api.last_request.headers["Api-Token"] == MAILTRAP_API_TOKEN


def test_request_token_from_kwarg_is_sent(mailtrap_api, mailtrap_send, new_message):
    mailtrap_send(new_message(), api_token="other-token")
    assert mailtrap_api.last_request.headers["Api-Token"] == "other-token"


def test_request_has_json_content_type_and_accept(mailtrap_api, mailtrap_send, new_message):
    mailtrap_send(new_message())
    headers = mailtrap_api.last_request.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["Accept"] == "application/json"


def test_request_body_is_json(mailtrap_api, mailtrap_send, new_message):
    mailtrap_send(new_message())
    body = mailtrap_api.last_request.body
    assert isinstance(json.loads(body), dict)


def test_request_user_agent_names_project_and_version(mailtrap_api, mailtrap_send, new_message):
    mailtrap_send(new_message())
    user_agent = mailtrap_api.last_request.headers["User-Agent"]
    assert f"anymail-mailtrap/{anymail.__version__}" in user_agent
    # requests' own UA is kept, so it looks like an ordinary HTTP client
    assert requests.utils.default_user_agent() in user_agent


def test_session_request_called_with_keyword_arguments(mailtrap_settings, new_message, monkeypatch):
    response = requests.Response()
    response.status_code = 200
    response._content = b'{"success": true, "message_ids": ["id-0"]}'
    request = mock.Mock(return_value=response)
    monkeypatch.setattr(requests.Session, "request", request)

    EmailBackend(timeout=9).send_messages([new_message()])

    request.assert_called_once()
    kwargs = request.call_args.kwargs
    assert request.call_args.args == ()
    assert kwargs["method"] == "POST"
    assert kwargs["url"] == MAILTRAP_SEND_URL
    assert kwargs["params"] is None
    assert kwargs["files"] is None
    assert kwargs["auth"] is None
    assert kwargs["timeout"] == 9
    assert kwargs["headers"] == {
        "Api-Token": MAILTRAP_API_TOKEN,
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    assert isinstance(kwargs["data"], str)
    assert json.loads(kwargs["data"])["to"] == [{"email": "to@example.com"}]


def test_send_returns_number_of_messages_sent(mailtrap_api, mailtrap_backend, new_message):
    sent = mailtrap_backend().send_messages([new_message(), new_message()])
    assert sent == 2
    assert len(mailtrap_api.calls) == 2


def test_message_without_recipients_is_not_sent(mailtrap_api, mailtrap_backend, new_message):
    message = new_message(to=[])
    assert mailtrap_backend().send_messages([message]) == 0
    assert mailtrap_api.calls == []
