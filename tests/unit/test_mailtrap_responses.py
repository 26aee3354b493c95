"""Mailtrap responses -> per-recipient statuses, and every error path with its exact text."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from anymail.exceptions import (
    AnymailAPIError,
    AnymailRequestsAPIError,
    AnymailSerializationError,
)
from anymail.message import AnymailRecipientStatus

ALL_KINDS = {"to": ["a@example.com", "B <b@example.com>"], "cc": ["c@example.com"]}


def send_expecting_error(backend, message, error_class=AnymailRequestsAPIError):
    with pytest.raises(error_class) as excinfo:
        backend.send_messages([message])
    return excinfo.value


# -- success ------------------------------------------------------------------------------


def test_one_recipient_gets_bare_message_id(mailtrap_api, mailtrap_send, new_message):
    message = new_message()
    mailtrap_send(message)
    status = message.anymail_status
    assert status.message_id == "id-0"
    assert status.status == {"queued"}
    assert status.recipients["to@example.com"].message_id == "id-0"
    assert status.recipients["to@example.com"].status == "queued"
    assert isinstance(status.recipients["to@example.com"], AnymailRecipientStatus)


def test_ids_are_assigned_in_to_cc_bcc_order(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply({"success": True, "message_ids": ["t1", "t2", "c1", "b1"]})
    message = new_message(**ALL_KINDS, bcc=["Blind <bcc@example.com>"])
    mailtrap_backend().send_messages([message])
    recipients = message.anymail_status.recipients
    assert {email: r.message_id for email, r in recipients.items()} == {
        "a@example.com": "t1",
        "b@example.com": "t2",
        "c@example.com": "c1",
        "bcc@example.com": "b1",
    }
    assert {r.status for r in recipients.values()} == {"queued"}
    assert message.anymail_status.message_id == {"t1", "t2", "c1", "b1"}
    assert message.anymail_status.status == {"queued"}


def test_esp_response_is_the_requests_response(mailtrap_api, mailtrap_send, new_message):
    message = new_message()
    mailtrap_send(message)
    assert isinstance(message.anymail_status.esp_response, requests.Response)
    assert message.anymail_status.esp_response.json()["message_ids"] == ["id-0"]


def test_sandbox_single_id_is_shared_by_all_recipients(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply({"success": True, "message_ids": ["sandbox-id"]})
    message = new_message(**ALL_KINDS)
    mailtrap_backend(sandbox_id=1234).send_messages([message])
    status = message.anymail_status
    assert status.message_id == "sandbox-id"
    assert status.status == {"queued"}
    assert set(status.recipients) == {"a@example.com", "b@example.com", "c@example.com"}
    assert {r.message_id for r in status.recipients.values()} == {"sandbox-id"}


def test_sandbox_id_count_mismatch_is_an_error(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply({"success": True, "message_ids": ["one", "two"]})
    message = new_message(to=["a@example.com", "b@example.com"])
    error = send_expecting_error(mailtrap_backend(sandbox_id=1234), message)
    assert "Expected 1 message_ids, got 2" in str(error)


def test_sandbox_batch_one_id_per_request(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply(
        {
            "success": True,
            "responses": [
                {"success": True, "message_ids": ["sb-a"]},
                {"success": True, "message_ids": ["sb-b"]},
            ],
        }
    )
    message = new_message(to=["a@example.com", "b@example.com"], cc=["c@example.com"])
    message.merge_data = {}
    mailtrap_backend(sandbox_id=1234).send_messages([message])
    recipients = message.anymail_status.recipients
    assert recipients["a@example.com"].message_id == "sb-a"
    assert recipients["b@example.com"].message_id == "sb-b"
    assert recipients["c@example.com"].message_id == "sb-b"


# -- batch results ------------------------------------------------------------------------


def test_batch_ids_per_request(mailtrap_api, mailtrap_send, new_message):
    message = new_message(to=["a@example.com", "b@example.com"], merge_data={})
    mailtrap_send(message)
    recipients = message.anymail_status.recipients
    assert recipients["a@example.com"].message_id == "id-0-0"
    assert recipients["b@example.com"].message_id == "id-1-0"
    assert message.anymail_status.message_id == {"id-0-0", "id-1-0"}
    assert message.anymail_status.status == {"queued"}


def test_batch_failed_request_marks_its_recipients_failed(
    mailtrap_api, mailtrap_backend, new_message
):
    mailtrap_api.reply(
        {
            "success": True,
            "responses": [
                {"success": True, "message_ids": ["ok-a"]},
                {"success": False, "errors": ["address is invalid in 'to' 0"]},
            ],
        }
    )
    message = new_message(to=["a@example.com", "bad@example.com"], merge_metadata={})
    assert mailtrap_backend().send_messages([message]) == 1
    recipients = message.anymail_status.recipients
    assert recipients["a@example.com"].status == "queued"
    assert recipients["a@example.com"].message_id == "ok-a"
    assert recipients["bad@example.com"].status == "failed"
    assert recipients["bad@example.com"].message_id is None
    assert message.anymail_status.status == {"queued", "failed"}


def test_batch_all_failed_is_not_an_exception(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply({"success": True, "responses": [{"success": False, "errors": ["x"]}]})
    message = new_message(merge_headers={})
    assert mailtrap_backend().send_messages([message]) == 1
    assert message.anymail_status.status == {"failed"}


def test_batch_cc_and_bcc_get_ids_of_last_request(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply(
        {
            "success": True,
            "responses": [
                {"success": True, "message_ids": ["a-to", "a-cc", "a-bcc"]},
                {"success": True, "message_ids": ["b-to", "b-cc", "b-bcc"]},
            ],
        }
    )
    message = new_message(
        to=["a@example.com", "b@example.com"],
        cc=["cc@example.com"],
        bcc=["bcc@example.com"],
        merge_data={},
    )
    mailtrap_backend().send_messages([message])
    recipients = message.anymail_status.recipients
    assert recipients["a@example.com"].message_id == "a-to"
    assert recipients["b@example.com"].message_id == "b-to"
    assert recipients["cc@example.com"].message_id == "b-cc"
    assert recipients["bcc@example.com"].message_id == "b-bcc"


def test_batch_last_request_failed_marks_cc_failed(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply(
        {
            "success": True,
            "responses": [
                {"success": True, "message_ids": ["a-to", "a-cc"]},
                {"success": False, "errors": ["nope"]},
            ],
        }
    )
    message = new_message(
        to=["a@example.com", "b@example.com"], cc=["cc@example.com"], merge_data={}
    )
    mailtrap_backend().send_messages([message])
    assert message.anymail_status.recipients["cc@example.com"].status == "failed"


# -- 2xx responses that cannot be parsed --------------------------------------------------


def test_invalid_json_response(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply(body="<html>not json</html>")
    message = new_message()
    error = send_expecting_error(mailtrap_backend(), message)
    text = str(error)
    assert text.startswith("Invalid JSON in Mailtrap API response")
    assert "Mailtrap API response 200" in text
    assert "'<html>not json</html>'" in text
    assert isinstance(error.__cause__, ValueError)
    assert error.status_code == 200
    assert message.anymail_status.esp_response is not None
    assert message.anymail_status.esp_response.text == "<html>not json</html>"


@pytest.mark.parametrize(
    "body",
    [
        {"success": False, "errors": ["Internal error"]},
        {"success": True, "errors": ["something went wrong"]},
        {"message_ids": ["id"]},
        ["not", "an", "object"],
    ],
    ids=["success-false", "errors", "no-success", "not-an-object"],
)
def test_api_failure_fields_in_2xx(mailtrap_api, mailtrap_backend, new_message, body):
    mailtrap_api.reply(body, status=200)
    message = new_message()
    error = send_expecting_error(mailtrap_backend(), message)
    assert str(error).startswith("Unexpected API failure fields with response status 200")
    assert message.anymail_status.esp_response is not None


def test_api_failure_fields_report_actual_status(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply({"success": False, "errors": ["x"]}, status=202)
    error = send_expecting_error(mailtrap_backend(), new_message())
    assert "Unexpected API failure fields with response status 202" in str(error)


def test_batch_missing_responses(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply({"success": True})
    message = new_message(merge_data={})
    error = send_expecting_error(mailtrap_backend(), message)
    assert str(error) == ""
    assert error.status_code is None
    assert error.response is None
    assert message.anymail_status.esp_response is not None


def test_batch_responses_count_mismatch(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply({"success": True, "responses": [{"success": True, "message_ids": ["x"]}]})
    message = new_message(to=["a@example.com", "b@example.com"], merge_data={})
    error = send_expecting_error(mailtrap_backend(), message)
    assert str(error).startswith("Expected 2 batch send responses but got 1")


def test_missing_message_ids(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply({"success": True})
    error = send_expecting_error(mailtrap_backend(), new_message())
    assert str(error).startswith("Unexpected API response format")


def test_batch_entry_missing_message_ids(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply({"success": True, "responses": [{"success": True}]})
    error = send_expecting_error(mailtrap_backend(), new_message(merge_data={}))
    assert str(error).startswith("Unexpected API response format")


def test_message_ids_count_mismatch(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply({"success": True, "message_ids": ["only-one"]})
    message = new_message(to=["a@example.com"], cc=["c@example.com"])
    error = send_expecting_error(mailtrap_backend(), message)
    assert str(error).startswith("Expected 2 message_ids, got 1")


def test_batch_entry_message_ids_count_mismatch(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply({"success": True, "responses": [{"success": True, "message_ids": ["x"]}]})
    message = new_message(cc=["cc@example.com"], merge_data={})
    error = send_expecting_error(mailtrap_backend(), message)
    assert isinstance(error, AnymailAPIError)
    assert str(error).startswith("Expected 2 message_ids, got 1")


# -- HTTP errors --------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 429, 500])
def test_http_error_status(mailtrap_api, mailtrap_backend, new_message, status):
    mailtrap_api.reply({"success": False, "errors": ["'subject' is required"]}, status=status)
    message = new_message()
    error = send_expecting_error(mailtrap_backend(), message)
    assert error.status_code == status
    assert isinstance(error.response, requests.Response)
    assert error.response.status_code == status
    assert f"Mailtrap API response {status}" in str(error)
    assert message.anymail_status.esp_response is None


def test_http_error_includes_error_json(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply({"success": False, "errors": ["Invalid API token"]}, status=400)
    error = send_expecting_error(mailtrap_backend(), new_message())
    text = str(error)
    assert "Mailtrap API response 400" in text
    assert '"Invalid API token"' in text
    assert '"success": false' in text
    assert isinstance(error, requests.HTTPError)
    assert error.esp_name == "Mailtrap"


def test_http_error_with_non_json_body(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply(body="Bad Gateway", status=502)
    error = send_expecting_error(mailtrap_backend(), new_message())
    assert "Mailtrap API response 502" in str(error)
    assert "'Bad Gateway'" in str(error)


def test_http_error_keeps_fresh_status(mailtrap_api, mailtrap_backend, new_message):
    message = new_message()
    mailtrap_backend().send_messages([message])
    assert message.anymail_status.message_id == "id-0"
    mailtrap_api.reply({"success": False, "errors": ["x"]}, status=500)
    send_expecting_error(mailtrap_backend(), message)
    assert message.anymail_status.message_id is None
    assert message.anymail_status.status is None
    assert message.anymail_status.recipients == {}
    assert message.anymail_status.esp_response is None


# -- transport errors ---------------------------------------------------------------------


def test_connection_error(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply(exception=requests.ConnectionError("connection refused"))
    message = new_message()
    error = send_expecting_error(mailtrap_backend(), message)
    assert isinstance(error, AnymailRequestsAPIError)
    assert isinstance(error, requests.ConnectionError)
    assert str(error).startswith("Error posting to https://send.api.mailtrap.io/api/send:")
    assert "connection refused" in str(error)
    assert isinstance(error.__cause__, requests.ConnectionError)
    assert message.anymail_status.esp_response is None


def test_connection_error_can_be_caught_as_requests_connection_error(
    mailtrap_api, mailtrap_backend, new_message
):
    mailtrap_api.reply(exception=requests.ConnectionError("down"))
    with pytest.raises(requests.ConnectionError):
        mailtrap_backend().send_messages([new_message()])


def test_timeout_error_is_also_requests_timeout(mailtrap_api, mailtrap_backend, new_message):
    mailtrap_api.reply(exception=requests.ReadTimeout("too slow"))
    error = send_expecting_error(mailtrap_backend(), new_message(merge_data={}))
    assert isinstance(error, requests.ReadTimeout)
    assert str(error).startswith("Error posting to https://send.api.mailtrap.io/api/batch:")


# -- serialization ------------------------------------------------------------------------

SERIALIZATION_TEXT = (
    "Don't know how to send this data to Mailtrap. Try converting it to a string or number first."
)


@pytest.mark.parametrize(
    "attrs",
    [
        {"merge_data": {"to@example.com": {"total": Decimal("19.99")}}},
        {"merge_global_data": {"total": Decimal("19.99")}},
        {"esp_extra": {"future": Decimal("19.99")}},
        {"headers": {"X-Total": Decimal("19.99")}},
    ],
    ids=["merge_data", "merge_global_data", "esp_extra", "headers"],
)
def test_unserializable_data(mailtrap_api, mailtrap_backend, new_message, attrs):
    error = send_expecting_error(
        mailtrap_backend(), new_message(**attrs), AnymailSerializationError
    )
    assert isinstance(error, TypeError)
    assert str(error).startswith(SERIALIZATION_TEXT)
    assert "Object of type 'Decimal' is not JSON serializable" in str(error)
    assert mailtrap_api.calls == []
