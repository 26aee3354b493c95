"""Mailtrap batch sends: any merge_* attribute makes one /api/batch call, one request per `to`."""

from __future__ import annotations

import pytest

TWO_TO = ["alice@example.com", "Bob <bob@example.com>"]


@pytest.mark.parametrize("attr", ["merge_data", "merge_metadata", "merge_headers"])
def test_any_empty_merge_attribute_makes_a_batch(mailtrap_api, mailtrap_send, new_message, attr):
    data = mailtrap_send(new_message(to=TWO_TO, **{attr: {}}))
    assert len(mailtrap_api.calls) == 1
    assert mailtrap_api.last_request.url == "https://send.api.mailtrap.io/api/batch"
    assert set(data) == {"base", "requests"}


def test_batch_has_one_request_per_to_in_order(mailtrap_send, new_message):
    data = mailtrap_send(new_message(to=TWO_TO, merge_data={}))
    assert data["requests"] == [
        {"to": [{"email": "alice@example.com"}]},
        {"to": [{"email": "bob@example.com", "name": "Bob"}]},
    ]


def test_batch_base_is_message_without_recipients(mailtrap_send, new_message):
    message = new_message(
        to=TWO_TO, cc=["cc@example.com"], bcc=["bcc@example.com"], tags=["t"], merge_data={}
    )
    data = mailtrap_send(message)
    assert data["base"] == {
        "from": {"email": "from@example.com"},
        "subject": "Subject",
        "text": "Body",
        "category": "t",
    }


def test_batch_copies_cc_and_bcc_into_every_request(mailtrap_send, new_message):
    message = new_message(
        to=TWO_TO, cc=["cc@example.com"], bcc=["b1@example.com", "b2@example.com"], merge_data={}
    )
    data = mailtrap_send(message)
    for request in data["requests"]:
        assert request["cc"] == [{"email": "cc@example.com"}]
        assert request["bcc"] == [{"email": "b1@example.com"}, {"email": "b2@example.com"}]
    assert "cc" not in data["base"]
    assert "bcc" not in data["base"]


def test_batch_without_cc_bcc_omits_them_in_requests(mailtrap_send, new_message):
    data = mailtrap_send(new_message(to=TWO_TO, merge_data={}))
    for request in data["requests"]:
        assert set(request) == {"to"}


def test_merge_data_merged_over_global_data_per_recipient(mailtrap_send, new_message):
    message = new_message(
        to=TWO_TO,
        merge_global_data={"greeting": "Hi", "ship_date": "May 15"},
        merge_data={
            "alice@example.com": {"name": "Alice"},
            "bob@example.com": {"name": "Bob", "greeting": "Yo"},
        },
    )
    data = mailtrap_send(message)
    assert data["base"]["template_variables"] == {"greeting": "Hi", "ship_date": "May 15"}
    assert data["requests"][0]["template_variables"] == {
        "greeting": "Hi",
        "ship_date": "May 15",
        "name": "Alice",
    }
    assert data["requests"][1]["template_variables"] == {
        "greeting": "Yo",
        "ship_date": "May 15",
        "name": "Bob",
    }


def test_merge_data_without_global_data(mailtrap_send, new_message):
    message = new_message(to=TWO_TO, merge_data={"alice@example.com": {"name": "Alice"}})
    data = mailtrap_send(message)
    assert "template_variables" not in data["base"]
    assert data["requests"][0]["template_variables"] == {"name": "Alice"}
    assert "template_variables" not in data["requests"][1]


def test_merge_metadata_merged_over_metadata_as_strings(mailtrap_send, new_message):
    message = new_message(
        to=TWO_TO,
        metadata={"campaign": "autumn", "tier": 1},
        merge_metadata={
            "alice@example.com": {"user_id": 42, "tier": 2},
            "bob@example.com": {"vip": True},
        },
    )
    data = mailtrap_send(message)
    assert data["base"]["custom_variables"] == {"campaign": "autumn", "tier": "1"}
    assert data["requests"][0]["custom_variables"] == {
        "campaign": "autumn",
        "tier": "2",
        "user_id": "42",
    }
    assert data["requests"][1]["custom_variables"] == {
        "campaign": "autumn",
        "tier": "1",
        "vip": "True",
    }


def test_merge_headers_merged_over_extra_headers(mailtrap_send, new_message):
    message = new_message(
        to=TWO_TO,
        headers={"X-Campaign": "autumn", "X-Shared": "base"},
        merge_headers={"bob@example.com": {"X-Shared": "bob", "List-Unsubscribe": "<u:bob>"}},
    )
    data = mailtrap_send(message)
    assert data["base"]["headers"] == {"X-Campaign": "autumn", "X-Shared": "base"}
    assert "headers" not in data["requests"][0]
    assert data["requests"][1]["headers"] == {
        "X-Campaign": "autumn",
        "X-Shared": "bob",
        "List-Unsubscribe": "<u:bob>",
    }


def test_merge_headers_include_multiple_reply_to_header(mailtrap_send, new_message):
    message = new_message(
        to=TWO_TO,
        reply_to=["r1@example.com", "r2@example.com"],
        merge_headers={"alice@example.com": {"X-Id": "a"}},
    )
    data = mailtrap_send(message)
    assert data["requests"][0]["headers"] == {
        "Reply-To": "r1@example.com, r2@example.com",
        "X-Id": "a",
    }


def test_per_recipient_values_are_copies_not_base_objects(mailtrap_backend, new_message):
    from anymail.backends.mailtrap import MailtrapPayload

    message = new_message(
        to=TWO_TO,
        metadata={"m": "1"},
        merge_global_data={"g": "1"},
        headers={"X-H": "1"},
        merge_data={"alice@example.com": {"d": "a"}},
        merge_metadata={"alice@example.com": {"md": "a"}},
        merge_headers={"alice@example.com": {"X-A": "a"}},
    )
    backend = mailtrap_backend()
    body = MailtrapPayload(message, backend.send_defaults, backend).build_body()
    request = body["requests"][0]
    base = body["base"]
    assert base["template_variables"] == {"g": "1"}
    assert base["custom_variables"] == {"m": "1"}
    assert base["headers"] == {"X-H": "1"}
    assert request["template_variables"] is not base["template_variables"]
    assert request["custom_variables"] is not base["custom_variables"]
    assert request["headers"] is not base["headers"]


def test_merge_keys_for_non_recipients_are_ignored(mailtrap_send, new_message):
    message = new_message(
        to=["alice@example.com"],
        cc=["cc@example.com"],
        merge_data={"nobody@example.com": {"x": "1"}, "cc@example.com": {"x": "2"}},
        merge_metadata={"nobody@example.com": {"x": "1"}},
        merge_headers={"nobody@example.com": {"X-X": "1"}},
    )
    data = mailtrap_send(message)
    assert data["requests"] == [
        {"to": [{"email": "alice@example.com"}], "cc": [{"email": "cc@example.com"}]}
    ]
    assert "nobody@example.com" not in str(data)


def test_merge_keys_match_idna_encoded_recipient(mailtrap_send, new_message):
    message = new_message(
        to=["user@bücher.example"],
        merge_data={"user@xn--bcher-kva.example": {"x": "1"}, "user@bücher.example": {"x": "2"}},
    )
    data = mailtrap_send(message)
    assert data["requests"][0]["template_variables"] == {"x": "1"}


def test_esp_extra_only_affects_base(mailtrap_send, new_message):
    message = new_message(
        to=TWO_TO,
        merge_global_data={"g": "1"},
        merge_data={"alice@example.com": {"d": "a"}},
        esp_extra={"template_variables": {"extra": "x"}, "category": "extra"},
    )
    data = mailtrap_send(message)
    assert data["base"]["template_variables"] == {"g": "1", "extra": "x"}
    assert data["base"]["category"] == "extra"
    assert data["requests"][0]["template_variables"] == {"g": "1", "d": "a"}
    assert "category" not in data["requests"][0]
    assert "template_variables" not in data["requests"][1]


def test_esp_extra_cannot_add_keys_to_requests(mailtrap_send, new_message):
    data = mailtrap_send(new_message(to=TWO_TO, merge_data={}, esp_extra={"future": 1}))
    assert data["base"]["future"] == 1
    assert all("future" not in request for request in data["requests"])
    assert set(data) == {"base", "requests"}


def test_merge_data_from_send_defaults_makes_a_batch(
    mailtrap_api, mailtrap_send, new_message, mailtrap_settings
):
    mailtrap_settings.ANYMAIL["SEND_DEFAULTS"] = {
        "merge_data": {"alice@example.com": {"from_defaults": "1"}}
    }
    data = mailtrap_send(new_message(to=TWO_TO))
    assert mailtrap_api.last_request.url.endswith("/api/batch")
    assert data["requests"][0]["template_variables"] == {"from_defaults": "1"}
