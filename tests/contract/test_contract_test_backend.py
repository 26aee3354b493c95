"""§8 test and console backends."""

from __future__ import annotations

import io
import uuid
import warnings
from typing import Any

import pytest
from django.core import mail
from requests.structures import CaseInsensitiveDict

from anymail.backends.test import EmailBackend as TestBackend
from anymail.backends.test import TestPayload
from anymail.exceptions import AnymailAPIError, AnymailUnsupportedFeature
from anymail.message import AnymailRecipientStatus
from anymail.utils import Attachment, EmailAddress


def test_outbox_created_if_missing(test_settings: Any) -> None:
    if hasattr(mail, "outbox"):
        del mail.outbox
    TestBackend()
    assert mail.outbox == []


def test_payload_class_defaults_and_kwarg(test_settings: Any) -> None:
    assert TestBackend().payload_class is TestPayload

    class MyPayload(TestPayload):
        pass

    assert TestBackend(payload_class=MyPayload).payload_class is MyPayload


def test_outbox_gets_same_message_object(test_settings: Any, message: Any) -> None:
    msg = message()
    msg.send()
    assert mail.outbox[-1] is msg
    assert isinstance(msg.anymail_test_params, dict)


def test_one_outbox_entry_per_batch_message(test_settings: Any, message: Any) -> None:
    msg = message(to=["a@example.com", "b@example.com"], merge_data={})
    msg.send()
    assert len(mail.outbox) == 1
    assert msg.anymail_test_params["is_batch_send"] is True


def test_default_result_message_id_is_outbox_index(test_settings: Any, message: Any) -> None:
    first, second = message(), message(to=["a@example.com"], cc=["c@example.com"])
    assert TestBackend().send_messages([first, second]) == 2
    assert first.anymail_status.message_id == 0
    assert first.anymail_status.status == {"sent"}
    assert second.anymail_status.message_id == 1
    assert {k: (v.message_id, v.status) for k, v in second.anymail_status.recipients.items()} == {
        "a@example.com": (1, "sent"),
        "c@example.com": (1, "sent"),
    }


def test_test_response_api_error_raised_after_outbox_append(
    test_settings: Any, message: Any
) -> None:
    msg = message()
    msg.anymail_test_response = AnymailAPIError("simulated")
    with pytest.raises(AnymailAPIError, match="simulated"):
        msg.send()
    assert mail.outbox[-1] is msg


def test_test_response_dict_used(test_settings: Any, message: Any) -> None:
    msg = message()
    msg.anymail_test_response = {
        "recipient_status": {"to@example.com": AnymailRecipientStatus("x1", "queued")}
    }
    msg.send()
    assert msg.anymail_status.message_id == "x1"
    assert msg.anymail_status.status == {"queued"}


def test_test_response_without_recipient_status(test_settings: Any, message: Any) -> None:
    msg = message()
    msg.anymail_test_response = {"other": 1}
    with pytest.raises(AnymailAPIError) as info:
        msg.send()
    assert str(info.value).startswith("Unparsable test response")


def test_params_normally_present_keys(test_settings: Any, message: Any) -> None:
    msg = message()
    msg.send()
    params = msg.anymail_test_params
    assert params["from"] == EmailAddress("", "from@example.com")
    assert isinstance(params["from"], EmailAddress)
    assert [a.addr_spec for a in params["to"]] == ["to@example.com"]
    assert params["cc"] == []
    assert params["bcc"] == []
    assert params["reply_to"] == []
    assert params["subject"] == "Subject"
    assert params["text_body"] == "Body"
    assert params["is_batch_send"] is False
    assert "extra_headers" not in params
    for absent in ("metadata", "tags", "template_id", "merge_data", "send_at", "attachments"):
        assert absent not in params


def test_params_extra_headers_case_insensitive_without_special(
    test_settings: Any, message: Any
) -> None:
    msg = message(headers={"X-One": "1", "Reply-To": "r@example.com"})
    msg.send()
    headers = msg.anymail_test_params["extra_headers"]
    assert isinstance(headers, CaseInsensitiveDict)
    assert headers["x-one"] == "1"
    assert "Reply-To" not in headers


def test_params_all_anymail_attributes(test_settings: Any, message: Any) -> None:
    msg = message(
        envelope_sender="Bounce <bounce@example.com>",
        metadata={"k": "v"},
        tags=["t1", "t2"],
        track_clicks=True,
        track_opens=False,
        template_id="tpl",
        merge_data={"to@example.com": {"a": 1}},
        merge_global_data={"g": 1},
        merge_headers={"to@example.com": {"X": "1"}},
        merge_metadata={"to@example.com": {"m": "1"}},
        esp_extra={"custom_key": "custom", "nested": {"a": 1}},
        send_at=1_700_000_000,
    )
    msg.attach("f.txt", "content")
    msg.attach_alternative("<p>x</p>", "text/html")
    msg.attach_alternative("cal", "text/calendar")
    msg.send()
    params = msg.anymail_test_params
    assert params["envelope_sender"] == "bounce@example.com"
    assert params["metadata"] == {"k": "v"}
    assert params["tags"] == ["t1", "t2"]
    assert params["track_clicks"] is True
    assert params["track_opens"] is False
    assert params["template_id"] == "tpl"
    assert params["merge_data"] == {"to@example.com": {"a": 1}}
    assert params["merge_global_data"] == {"g": 1}
    assert params["merge_headers"] == {"to@example.com": {"X": "1"}}
    assert params["merge_metadata"] == {"to@example.com": {"m": "1"}}
    assert params["custom_key"] == "custom"
    assert params["nested"] == {"a": 1}
    assert params["send_at"].timestamp() == 1_700_000_000
    assert params["send_at"].tzinfo is not None
    assert params["html_body"] == "<p>x</p>"
    assert params["alternatives"] == [("cal", "text/calendar")]
    (attachment,) = params["attachments"]
    assert isinstance(attachment, Attachment)
    assert attachment.name == "f.txt"
    assert params["is_batch_send"] is True


def test_test_backend_unsupported_only_non_text_alternative(
    test_settings: Any, message: Any
) -> None:
    msg = message()
    msg.attach_alternative(b"data", "application/json")
    with pytest.raises(AnymailUnsupportedFeature) as info:
        msg.send()
    assert str(info.value) == (
        "Test does not support alternative part with type 'application/json'"
    )


def test_test_backend_via_email_backend_setting(test_settings: Any) -> None:
    from django.core.mail import send_mail

    assert send_mail("Hi", "Body", "from@example.com", ["to@example.com"]) == 1
    assert mail.outbox[-1].anymail_test_params["subject"] == "Hi"


# -- console backend --------------------------------------------------------------------------


def console(**kwargs: Any) -> Any:
    from anymail.backends.console import EmailBackend

    return EmailBackend(**kwargs)


def test_console_writes_each_message_to_stream(test_settings: Any, message: Any) -> None:
    stream = io.StringIO()
    first, second = message(subject="First one"), message(subject="Second one")
    assert console(stream=stream).send_messages([first, second]) == 2
    out = stream.getvalue()
    assert "First one" in out
    assert "Second one" in out
    assert mail.outbox[-2:] == [first, second]
    assert first.anymail_test_params["subject"] == "First one"


def test_console_message_ids_are_uuid4(test_settings: Any, message: Any) -> None:
    msg = message()
    console(stream=io.StringIO()).send_messages([msg])
    message_id = msg.anymail_status.message_id
    assert isinstance(message_id, str)
    assert uuid.UUID(message_id).version == 4


def test_console_empty_send_returns_none(test_settings: Any) -> None:
    assert console(stream=io.StringIO()).send_messages([]) is None


def test_console_not_written_when_failed(test_settings: Any, message: Any) -> None:
    stream = io.StringIO()
    msg = message(subject="Failing")
    msg.anymail_test_response = AnymailAPIError("x")
    with pytest.raises(AnymailAPIError):
        console(stream=stream).send_messages([msg])
    assert "Failing" not in stream.getvalue()


def test_console_fail_silently(test_settings: Any, message: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        backend = console(stream=io.StringIO(), fail_silently=True)
    assert backend.fail_silently is True
    msg = message()
    msg.anymail_test_response = AnymailAPIError("x")
    assert backend.send_messages([msg]) == 0
