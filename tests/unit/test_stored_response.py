"""anymail_status keeps the ESP's answer small, and gives back a real requests.Response."""

from __future__ import annotations

import pickle

import requests
from requests.structures import CaseInsensitiveDict

from anymail._stored_response import StoredResponse
from anymail.message import AnymailRecipientStatus, AnymailStatus


def make_response() -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.reason = "OK"
    response.url = "https://send.api.mailtrap.io/api/send"
    response.headers = CaseInsensitiveDict({"Content-Type": "application/json", "X-Id": "7"})
    response._content = b'{"success": true, "message_ids": ["id-1"]}'
    request = requests.PreparedRequest()
    request.prepare(
        method="POST", url=response.url, headers={"Api-Token": "secret-tok"}, data="{...}"
    )
    response.request = request
    return response


def test_esp_response_reads_back_as_the_same_answer() -> None:
    status = AnymailStatus()
    status.esp_response = make_response()
    assert type(status._esp_response) is StoredResponse  # stored small
    response = status.esp_response
    assert isinstance(response, requests.Response)
    assert response.status_code == 200 and response.reason == "OK"
    assert response.json() == {"success": True, "message_ids": ["id-1"]}
    assert response.headers["content-type"] == "application/json"
    assert response.request.method == "POST"
    assert status.esp_response is response  # materialized once


def test_stored_answer_keeps_neither_request_body_nor_token() -> None:
    status = AnymailStatus()
    status.esp_response = make_response()
    stored = status._esp_response
    kept = [getattr(stored, name) for name in StoredResponse.__slots__]
    assert "secret-tok" not in repr(kept)
    assert b"secret-tok" not in pickle.dumps(kept)
    response = status.esp_response
    assert response.request.body is None
    assert "Api-Token" not in response.request.headers


def test_other_answers_are_stored_as_given() -> None:
    status = AnymailStatus()
    answer = {"id": 1}
    status.esp_response = answer
    assert status.esp_response is answer


def test_status_follows_the_recipients() -> None:
    status = AnymailStatus()
    assert status.status is None
    status.set_recipient_status({"a@example.com": AnymailRecipientStatus("1", "queued")})
    assert status.status == {"queued"}
    status.set_recipient_status({"b@example.com": AnymailRecipientStatus(None, "failed")})
    assert status.status == {"queued", "failed"}
    status.status = {"sent"}
    assert status.status == {"sent"}


def test_repeated_parts_are_shared_between_answers() -> None:
    first, second = StoredResponse(make_response()), StoredResponse(make_response())
    assert first.headers is second.headers
    assert first.line is second.line
