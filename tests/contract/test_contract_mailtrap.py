"""§10 Mailtrap backend: request, payload fields, batch, response parsing, exact error texts."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import responses

from anymail.exceptions import AnymailRequestsAPIError, AnymailUnsupportedFeature
from anymail.message import AnymailMessage

from .conftest import BATCH_URL, SANDBOX_BASE, SEND_URL, ok_send, sent_json


def send(backend: Any, msg: Any) -> Any:
    assert backend.send_messages([msg]) == 1
    return msg


# -- §10.2 request ---------------------------------------------------------------------------


def test_request_url_method_and_headers(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    ok_send(mocked, ["id1"])
    send(mailtrap_backend(), message())
    request = mocked.calls[0].request
    assert request.method == "POST"
    assert request.url == SEND_URL
    assert request.headers["Api-Token"] == "test-token"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"


def test_payload_headers_dict(mailtrap_backend: Any, message: Any) -> None:
    from anymail.backends.mailtrap import MailtrapPayload

    backend = mailtrap_backend()
    payload = MailtrapPayload(message(), {}, backend)
    assert payload.headers == {
        "Api-Token": "test-token",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }


def test_batch_endpoint(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    mocked.add(
        responses.POST,
        BATCH_URL,
        json={"success": True, "responses": [{"success": True, "message_ids": ["id1"]}]},
    )
    send(mailtrap_backend(), message(merge_data={}))
    assert mocked.calls[0].request.url == BATCH_URL


def test_sandbox_send_endpoint(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    ok_send(mocked, ["id1"], url=SANDBOX_BASE + "send/12345")
    send(mailtrap_backend(sandbox_id=12345), message())
    assert mocked.calls[0].request.url == SANDBOX_BASE + "send/12345"


def test_sandbox_id_quoted(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    ok_send(mocked, ["id1"], url=SANDBOX_BASE + "send/12%2F3")
    send(mailtrap_backend(sandbox_id="12/3"), message())
    assert mocked.calls[0].request.url == SANDBOX_BASE + "send/12%2F3"


def test_sandbox_batch_endpoint(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    mocked.add(
        responses.POST,
        SANDBOX_BASE + "batch/7",
        json={"success": True, "responses": [{"success": True, "message_ids": ["id1"]}]},
    )
    send(mailtrap_backend(sandbox_id=7), message(merge_metadata={}))
    assert mocked.calls[0].request.url == SANDBOX_BASE + "batch/7"


def test_custom_api_url_joined(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    ok_send(mocked, ["id1"], url="https://bulk.api.mailtrap.io/api/send")
    send(mailtrap_backend(api_url="https://bulk.api.mailtrap.io/api"), message())
    assert mocked.calls[0].request.url == "https://bulk.api.mailtrap.io/api/send"


# -- §10.3 payload fields ---------------------------------------------------------------------


def send_and_get_json(mailtrap_backend: Any, mocked: Any, msg: Any, **kwargs: Any) -> Any:
    count = len(msg.to) + len(msg.cc) + len(msg.bcc)
    ids = [f"id{i}" for i in range(max(count, 1))]
    ok_send(mocked, ids)
    send(mailtrap_backend(**kwargs), msg)
    return sent_json(mocked)


def test_minimal_payload(mailtrap_backend: Any, mocked: Any) -> None:
    msg = AnymailMessage("Subject", "Body", "from@example.com", ["to@example.com"])
    assert send_and_get_json(mailtrap_backend, mocked, msg) == {
        "from": {"email": "from@example.com"},
        "to": [{"email": "to@example.com"}],
        "subject": "Subject",
        "text": "Body",
    }


def test_from_with_display_name_not_quoted(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    data = send_and_get_json(
        mailtrap_backend, mocked, message(from_email='"Shop, Inc." <shop@example.com>')
    )
    assert data["from"] == {"email": "shop@example.com", "name": "Shop, Inc."}


def test_non_ascii_display_name_not_encoded(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    data = send_and_get_json(mailtrap_backend, mocked, message(to=["Jürgen <j@example.com>"]))
    assert data["to"] == [{"email": "j@example.com", "name": "Jürgen"}]


def test_to_cc_bcc_lists(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    data = send_and_get_json(
        mailtrap_backend,
        mocked,
        message(
            to=["A <a@example.com>", "b@example.com"], cc=["c@example.com"], bcc=["d@example.com"]
        ),
    )
    assert data["to"] == [{"email": "a@example.com", "name": "A"}, {"email": "b@example.com"}]
    assert data["cc"] == [{"email": "c@example.com"}]
    assert data["bcc"] == [{"email": "d@example.com"}]


def test_keys_not_emitted_unless_sourced(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    data = send_and_get_json(mailtrap_backend, mocked, message())
    for key in (
        "cc",
        "bcc",
        "reply_to",
        "attachments",
        "headers",
        "custom_variables",
        "category",
        "template_uuid",
        "template_variables",
        "html",
    ):
        assert key not in data


def test_empty_subject_and_text_omitted(mailtrap_backend: Any, mocked: Any) -> None:
    msg = AnymailMessage(from_email="from@example.com", to=["to@example.com"])
    msg.template_id = "tpl-uuid"
    data = send_and_get_json(mailtrap_backend, mocked, msg)
    assert "subject" not in data
    assert "text" not in data
    assert data["template_uuid"] == "tpl-uuid"


def test_single_reply_to(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    data = send_and_get_json(mailtrap_backend, mocked, message(reply_to=["R <r@example.com>"]))
    assert data["reply_to"] == {"email": "r@example.com", "name": "R"}
    assert "headers" not in data


def test_multiple_reply_to_becomes_header(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    data = send_and_get_json(
        mailtrap_backend,
        mocked,
        message(
            reply_to=["Jürgen <j@bücher.example>", '"Smith, J" <s@example.com>', "x@example.com"]
        ),
    )
    assert "reply_to" not in data
    assert data["headers"] == {
        "Reply-To": "=?utf-8?q?J=C3=BCrgen?= <j@xn--bcher-kva.example>, "
        '"Smith, J" <s@example.com>, x@example.com'
    }


def test_multiple_reply_to_with_eai_unsupported(mailtrap_backend: Any, message: Any) -> None:
    with pytest.raises(AnymailUnsupportedFeature) as info:
        mailtrap_backend().send_messages([message(reply_to=["jörg@example.com", "x@example.com"])])
    assert str(info.value) == "Mailtrap does not support EAI with multiple reply_to addresses"


def test_multiple_reply_to_with_eai_ignored_still_builds_header(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    data = send_and_get_json(
        mailtrap_backend,
        mocked,
        message(reply_to=["jörg@example.com", "x@example.com"]),
        ignore_unsupported_features=True,
    )
    assert data["headers"]["Reply-To"] == "jörg@example.com, x@example.com"


def test_extra_headers_passed_through(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    data = send_and_get_json(mailtrap_backend, mocked, message(headers={"X-Int": 42, "X-Str": "v"}))
    assert data["headers"] == {"X-Int": 42, "X-Str": "v"}


def test_html_body(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    msg = message()
    msg.attach_alternative("<p>Hi</p>", "text/html")
    data = send_and_get_json(mailtrap_backend, mocked, msg)
    assert data["html"] == "<p>Hi</p>"
    assert data["text"] == "Body"


def test_html_body_set_even_if_empty(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    msg = message(body="")
    msg.content_subtype = "html"
    data = send_and_get_json(mailtrap_backend, mocked, msg)
    assert data["html"] == ""
    assert "text" not in data


def test_attachments(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    msg = message()
    msg.attach("notes.txt", "héllo")
    msg.attach(None, b"\x00\x01", "application/octet-stream")
    cid = msg.attach_inline_image(b"GIF89a" + b"\x00" * 10, subtype="gif")
    data = send_and_get_json(mailtrap_backend, mocked, msg)
    text, nameless, inline = data["attachments"]
    assert text == {
        "filename": "notes.txt",
        "type": 'text/plain; charset="utf-8"',
        "content": base64.b64encode("héllo".encode()).decode(),
    }
    assert nameless == {
        "filename": "attachment",
        "type": "application/octet-stream",
        "content": base64.b64encode(b"\x00\x01").decode(),
    }
    assert inline["filename"] == "attachment"
    assert inline["type"].startswith("image/gif")
    assert inline["disposition"] == "inline"
    assert inline["content_id"] == cid
    assert base64.b64decode(inline["content"]) == b"GIF89a" + b"\x00" * 10


def test_single_tag_is_category(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    assert send_and_get_json(mailtrap_backend, mocked, message(tags=["welcome"]))["category"] == (
        "welcome"
    )


def test_empty_tags_omitted(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    assert "category" not in send_and_get_json(mailtrap_backend, mocked, message(tags=[]))


def test_multiple_tags_unsupported(mailtrap_backend: Any, message: Any) -> None:
    with pytest.raises(AnymailUnsupportedFeature) as info:
        mailtrap_backend().send_messages([message(tags=["a", "b"])])
    assert str(info.value) == "Mailtrap does not support multiple tags"


def test_multiple_tags_ignored_uses_first(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    data = send_and_get_json(
        mailtrap_backend, mocked, message(tags=["a", "b"]), ignore_unsupported_features=True
    )
    assert data["category"] == "a"


def test_metadata_stringified(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    data = send_and_get_json(
        mailtrap_backend, mocked, message(metadata={"n": 6, "b": True, 7: "x", "s": "s"})
    )
    assert data["custom_variables"] == {"n": "6", "b": "True", "7": "x", "s": "s"}


def test_empty_metadata_emits_empty_object(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    assert (
        send_and_get_json(mailtrap_backend, mocked, message(metadata={}))["custom_variables"] == {}
    )


def test_template_fields(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    data = send_and_get_json(
        mailtrap_backend,
        mocked,
        message(template_id="uuid-1", merge_global_data={"name": "Ana", "n": 1}),
    )
    assert data["template_uuid"] == "uuid-1"
    assert data["template_variables"] == {"name": "Ana", "n": 1}


def test_empty_merge_global_data_emits_empty_object(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    data = send_and_get_json(mailtrap_backend, mocked, message(merge_global_data={}))
    assert data["template_variables"] == {}


@pytest.mark.parametrize(
    ("attrs", "feature"),
    [
        ({"envelope_sender": "b@example.com"}, "envelope_sender"),
        ({"send_at": 1700000000}, "send_at"),
        ({"track_clicks": True}, "track_clicks"),
        ({"track_clicks": False}, "track_clicks"),
        ({"track_opens": True}, "track_opens"),
        ({"track_opens": False}, "track_opens"),
    ],
)
def test_unsupported_attributes(
    mailtrap_backend: Any, message: Any, attrs: dict[str, Any], feature: str
) -> None:
    with pytest.raises(AnymailUnsupportedFeature) as info:
        mailtrap_backend().send_messages([message(**attrs)])
    assert str(info.value) == f"Mailtrap does not support {feature}"


def test_unsupported_attributes_ignored(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    data = send_and_get_json(
        mailtrap_backend,
        mocked,
        message(envelope_sender="b@example.com", send_at=1, track_clicks=True, track_opens=False),
        ignore_unsupported_features=True,
    )
    assert set(data) == {"from", "to", "subject", "text"}


def test_esp_extra_deep_merged_last(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    data = send_and_get_json(
        mailtrap_backend,
        mocked,
        message(
            tags=["t"],
            headers={"X-A": "1"},
            esp_extra={"category": "override", "headers": {"X-B": "2"}, "future": "v"},
        ),
    )
    assert data["category"] == "override"
    assert data["headers"] == {"X-A": "1", "X-B": "2"}
    assert data["future"] == "v"


def test_esp_extra_from_send_defaults(mailtrap_settings: Any, mocked: Any, message: Any) -> None:
    from anymail.backends.mailtrap import EmailBackend

    mailtrap_settings.ANYMAIL = {
        "MAILTRAP_API_TOKEN": "t",
        "SEND_DEFAULTS": {"esp_extra": {"g": 1}},
    }
    ok_send(mocked, ["id1"])
    EmailBackend().send_messages([message()])
    assert sent_json(mocked)["g"] == 1


# -- §10.4 batch payload ------------------------------------------------------------------------


def batch_ok(mocked: Any, n: int, url: str = BATCH_URL, per: int = 1) -> None:
    mocked.add(
        responses.POST,
        url,
        json={
            "success": True,
            "responses": [
                {"success": True, "message_ids": [f"m{i}-{j}" for j in range(per)]}
                for i in range(n)
            ],
        },
    )


def test_batch_structure(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    batch_ok(mocked, 2, per=3)
    msg = message(
        to=["a@example.com", "B <b@example.com>"],
        cc=["c@example.com"],
        bcc=["d@example.com"],
        metadata={"k": "v"},
        merge_data={},
        esp_extra={"extra": 1},
    )
    send(mailtrap_backend(), msg)
    data = sent_json(mocked)
    assert set(data) == {"base", "requests"}
    base = data["base"]
    assert "to" not in base
    assert "cc" not in base
    assert "bcc" not in base
    assert base["subject"] == "Subject"
    assert base["custom_variables"] == {"k": "v"}
    assert base["extra"] == 1
    assert data["requests"] == [
        {
            "to": [{"email": "a@example.com"}],
            "cc": [{"email": "c@example.com"}],
            "bcc": [{"email": "d@example.com"}],
        },
        {
            "to": [{"email": "b@example.com", "name": "B"}],
            "cc": [{"email": "c@example.com"}],
            "bcc": [{"email": "d@example.com"}],
        },
    ]


def test_batch_template_variables_merged_copy(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    batch_ok(mocked, 3)
    msg = message(
        to=["a@example.com", "b@example.com", "c@example.com"],
        merge_global_data={"g": "G", "x": "global"},
        merge_data={
            "a@example.com": {"x": "A"},
            "b@example.com": {"y": "B"},
            "nobody@example.com": {"x": "N"},
        },
    )
    send(mailtrap_backend(), msg)
    data = sent_json(mocked)
    assert data["base"]["template_variables"] == {"g": "G", "x": "global"}
    requests_ = data["requests"]
    assert requests_[0]["template_variables"] == {"g": "G", "x": "A"}
    assert requests_[1]["template_variables"] == {"g": "G", "x": "global", "y": "B"}
    assert "template_variables" not in requests_[2]


def test_batch_template_variables_without_global(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    batch_ok(mocked, 1)
    send(mailtrap_backend(), message(merge_data={"to@example.com": {"n": 1}}))
    data = sent_json(mocked)
    assert data["requests"][0]["template_variables"] == {"n": 1}
    assert "template_variables" not in data["base"]


def test_batch_custom_variables_stringified_and_merged(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    batch_ok(mocked, 2)
    msg = message(
        to=["a@example.com", "b@example.com"],
        metadata={"base": "1", "n": 0},
        merge_metadata={"a@example.com": {"n": 6, "flag": True}},
    )
    send(mailtrap_backend(), msg)
    data = sent_json(mocked)
    assert data["base"]["custom_variables"] == {"base": "1", "n": "0"}
    assert data["requests"][0]["custom_variables"] == {"base": "1", "n": "6", "flag": "True"}
    assert "custom_variables" not in data["requests"][1]


def test_batch_headers_merged(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    batch_ok(mocked, 2)
    msg = message(
        to=["a@example.com", "b@example.com"],
        headers={"X-Base": "b", "X-Over": "base"},
        merge_headers={"b@example.com": {"X-Over": "B", "List-Unsubscribe": "<mailto:u@x>"}},
    )
    send(mailtrap_backend(), msg)
    data = sent_json(mocked)
    assert data["base"]["headers"] == {"X-Base": "b", "X-Over": "base"}
    assert "headers" not in data["requests"][0]
    assert data["requests"][1]["headers"] == {
        "X-Base": "b",
        "X-Over": "B",
        "List-Unsubscribe": "<mailto:u@x>",
    }


def test_batch_matching_uses_idna_encoded_email(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    batch_ok(mocked, 1)
    msg = message(
        to=["u@bücher.example"],
        merge_data={"u@bücher.example": {"a": 1}, "u@xn--bcher-kva.example": {"b": 2}},
    )
    send(mailtrap_backend(), msg)
    assert sent_json(mocked)["requests"][0]["template_variables"] == {"b": 2}


def test_batch_esp_extra_only_affects_base(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    batch_ok(mocked, 1)
    send(mailtrap_backend(), message(merge_data={}, esp_extra={"to": "x", "k": {"n": 1}}))
    data = sent_json(mocked)
    assert data["base"]["k"] == {"n": 1}
    assert data["requests"] == [{"to": [{"email": "to@example.com"}]}]


# -- §10.5 response parsing --------------------------------------------------------------------


def expect_api_error(backend: Any, msg: Any) -> AnymailRequestsAPIError:
    with pytest.raises(AnymailRequestsAPIError) as info:
        backend.send_messages([msg])
    return info.value


def test_single_recipient_status(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    ok_send(mocked, ["id-1"])
    msg = send(mailtrap_backend(), message())
    assert msg.anymail_status.message_id == "id-1"
    assert msg.anymail_status.status == {"queued"}
    recipient = msg.anymail_status.recipients["to@example.com"]
    assert (recipient.message_id, recipient.status) == ("id-1", "queued")


def test_six_recipients_ids_in_to_cc_bcc_order(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    ok_send(mocked, [f"id{i}" for i in range(6)])
    msg = message(
        to=["Name <t1@example.com>", "t2@example.com"],
        cc=["c1@example.com", "c2@example.com"],
        bcc=["b1@example.com", "b2@example.com"],
    )
    send(mailtrap_backend(), msg)
    status = msg.anymail_status
    assert status.message_id == {f"id{i}" for i in range(6)}
    order = ["t1", "t2", "c1", "c2", "b1", "b2"]
    for i, name in enumerate(order):
        assert status.recipients[f"{name}@example.com"].message_id == f"id{i}"


def test_sandbox_single_id_shared(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    ok_send(mocked, ["only"], url=SANDBOX_BASE + "send/1")
    msg = send(mailtrap_backend(sandbox_id=1), message(to=["a@example.com", "b@example.com"]))
    assert msg.anymail_status.message_id == "only"
    assert msg.anymail_status.recipients["b@example.com"].message_id == "only"


def test_sandbox_expects_exactly_one_id(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    ok_send(mocked, ["a", "b"], url=SANDBOX_BASE + "send/1")
    err = expect_api_error(
        mailtrap_backend(sandbox_id=1), message(to=["a@example.com", "b@example.com"])
    )
    assert "Expected 1 message_ids, got 2" in str(err)


def test_production_id_count_mismatch(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    ok_send(mocked, ["a"])
    err = expect_api_error(mailtrap_backend(), message(to=["a@example.com", "b@example.com"]))
    assert "Expected 2 message_ids, got 1" in str(err)


def test_invalid_json_response(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    mocked.add(responses.POST, SEND_URL, body="<html>oops</html>", status=200)
    err = expect_api_error(mailtrap_backend(), message())
    assert str(err).startswith("Invalid JSON in Mailtrap API response")
    assert err.__cause__ is not None
    assert "Mailtrap API response 200" in str(err)


@pytest.mark.parametrize(
    "body",
    [
        {"success": True, "errors": ["x"], "message_ids": ["id"]},
        {"success": False, "message_ids": ["id"]},
        {"message_ids": ["id"]},
    ],
)
def test_failure_fields_at_top_level(
    mailtrap_backend: Any, mocked: Any, message: Any, body: dict[str, Any]
) -> None:
    mocked.add(responses.POST, SEND_URL, json=body, status=200)
    err = expect_api_error(mailtrap_backend(), message())
    assert str(err).startswith("Unexpected API failure fields with response status 200")


def test_missing_message_ids(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    mocked.add(responses.POST, SEND_URL, json={"success": True}, status=200)
    err = expect_api_error(mailtrap_backend(), message())
    assert str(err).startswith("Unexpected API response format")


def test_batch_missing_responses(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    mocked.add(responses.POST, BATCH_URL, json={"success": True}, status=200)
    err = expect_api_error(mailtrap_backend(), message(merge_data={}))
    assert str(err) == ""


def test_batch_response_count_mismatch(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    batch_ok(mocked, 1)
    err = expect_api_error(
        mailtrap_backend(), message(to=["a@example.com", "b@example.com"], merge_data={})
    )
    assert "Expected 2 batch send responses but got 1" in str(err)


def test_batch_mixed_success_failed(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    mocked.add(
        responses.POST,
        BATCH_URL,
        json={
            "success": True,
            "responses": [
                {"success": True, "message_ids": ["ok-a"]},
                {"success": False, "errors": ["bad address"]},
            ],
        },
    )
    msg = send(mailtrap_backend(), message(to=["a@example.com", "b@example.com"], merge_data={}))
    status = msg.anymail_status
    assert status.status == {"queued", "failed"}
    assert status.recipients["a@example.com"].message_id == "ok-a"
    assert status.recipients["b@example.com"].status == "failed"
    assert status.recipients["b@example.com"].message_id is None


def test_batch_cc_bcc_get_last_request_ids(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    batch_ok(mocked, 2, per=3)
    msg = send(
        mailtrap_backend(),
        message(
            to=["a@example.com", "b@example.com"],
            cc=["c@example.com"],
            bcc=["d@example.com"],
            merge_data={},
        ),
    )
    recipients = msg.anymail_status.recipients
    assert recipients["a@example.com"].message_id == "m0-0"
    assert recipients["b@example.com"].message_id == "m1-0"
    assert recipients["c@example.com"].message_id == "m1-1"
    assert recipients["d@example.com"].message_id == "m1-2"


def test_batch_one_status_object_for_all_recipients(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    batch_ok(mocked, 3)
    msg = send(
        mailtrap_backend(),
        message(to=["a@example.com", "b@example.com", "c@example.com"], merge_data={}),
    )
    assert len(mocked.calls) == 1
    assert msg.anymail_status.message_id == {"m0-0", "m1-0", "m2-0"}
    assert len(msg.anymail_status.recipients) == 3


def test_batch_sandbox_one_id_per_request(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    batch_ok(mocked, 2, url=SANDBOX_BASE + "batch/5")
    msg = send(
        mailtrap_backend(sandbox_id=5),
        message(to=["a@example.com", "b@example.com"], cc=["c@example.com"], merge_data={}),
    )
    recipients = msg.anymail_status.recipients
    assert recipients["a@example.com"].message_id == "m0-0"
    assert recipients["b@example.com"].message_id == "m1-0"
    assert recipients["c@example.com"].message_id == "m1-0"


def test_http_error_status_and_text(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    mocked.add(responses.POST, SEND_URL, json={"errors": ["Unauthorized"]}, status=401)
    err = expect_api_error(mailtrap_backend(), message())
    assert err.status_code == 401
    assert "Mailtrap API response 401" in str(err)
    assert "Unauthorized" in str(err)
