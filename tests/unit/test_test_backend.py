"""anymail.backends.test (§8): outbox, anymail_test_params, statuses, anymail_test_response."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.core import mail

from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.backends.test import TestPayload
from anymail.exceptions import AnymailAPIError
from anymail.message import AnymailRecipientStatus
from anymail.utils import Attachment, EmailAddress
from tests.conftest import TEST_BACKEND, requires_mailers

Send = Callable[..., dict[str, Any]]


@pytest.fixture
def backend(test_backend: Callable[..., Any]) -> Any:
    return test_backend()


def test_esp_name() -> None:
    assert AnymailTestBackend.esp_name == "Test"


def test_creates_outbox_when_missing(anymail_settings: Any) -> None:
    del mail.outbox
    AnymailTestBackend()
    assert mail.outbox == []


def test_keeps_existing_outbox(anymail_settings: Any) -> None:
    existing: list[Any] = ["already there"]
    mail.outbox = existing
    AnymailTestBackend()
    assert mail.outbox is existing


def test_outbox_holds_the_same_message_object(backend: Any, new_message: Any) -> None:
    message = new_message()
    backend.send_messages([message])
    assert mail.outbox[0] is message


def test_batch_send_is_one_outbox_entry(backend: Any, new_message: Any) -> None:
    message = new_message(to=["a@example.com", "b@example.com"], merge_data={})
    backend.send_messages([message])
    assert len(mail.outbox) == 1


def test_default_status_is_sent_with_outbox_index(backend: Any, new_message: Any) -> None:
    first, second = new_message(), new_message()
    backend.send_messages([first, second])
    assert (first.anymail_status.message_id, second.anymail_status.message_id) == (0, 1)
    assert second.anymail_status.status == {"sent"}


def test_default_status_covers_to_cc_bcc_by_addr_spec(backend: Any, new_message: Any) -> None:
    message = new_message(
        to=["To <to@example.com>"], cc=["cc@example.com"], bcc=["bcc@example.com"]
    )
    backend.send_messages([message])
    recipients = message.anymail_status.recipients
    assert set(recipients) == {"to@example.com", "cc@example.com", "bcc@example.com"}
    assert all(status.message_id == 0 and status.status == "sent" for status in recipients.values())


def test_test_response_error_is_raised_after_outbox_append(backend: Any, new_message: Any) -> None:
    message = new_message()
    error = AnymailAPIError("simulated failure")
    message.anymail_test_response = error
    with pytest.raises(AnymailAPIError) as excinfo:
        backend.send_messages([message])
    assert excinfo.value is error
    assert mail.outbox == [message]
    assert "to" in message.anymail_test_params


def test_test_response_dict_sets_statuses(backend: Any, new_message: Any) -> None:
    message = new_message()
    message.anymail_test_response = {
        "recipient_status": {"to@example.com": AnymailRecipientStatus("abc", "queued")}
    }
    backend.send_messages([message])
    assert message.anymail_status.message_id == "abc"
    assert message.anymail_status.status == {"queued"}


def test_test_response_without_recipient_status_is_unparsable(
    backend: Any, new_message: Any
) -> None:
    message = new_message()
    message.anymail_test_response = {"id": "abc"}
    with pytest.raises(AnymailAPIError, match=r"^Unparsable test response"):
        backend.send_messages([message])


def test_test_response_non_dict_is_unparsable(backend: Any, new_message: Any) -> None:
    # Open point 11: a bare AnymailRecipientStatus is not accepted (as in the reference code)
    message = new_message()
    message.anymail_test_response = AnymailRecipientStatus("abc", "sent")
    with pytest.raises(AnymailAPIError, match=r"^Unparsable test response"):
        backend.send_messages([message])


def test_payload_class_kwarg(test_backend: Callable[..., Any], new_message: Any) -> None:
    class MarkingPayload(TestPayload):
        def init_payload(self) -> None:
            super().init_payload()
            self.params["marked"] = True

    message = new_message()
    test_backend(payload_class=MarkingPayload).send_messages([message])
    assert message.anymail_test_params["marked"] is True


def test_params_for_a_plain_message(send_params: Send, new_message: Any) -> None:
    params = send_params(new_message())
    assert set(params) == {
        "from",
        "to",
        "cc",
        "bcc",
        "reply_to",
        "subject",
        "text_body",
        "is_batch_send",
    }
    assert (params["cc"], params["bcc"], params["reply_to"]) == ([], [], [])


def test_params_value_types(send_params: Send, new_message: Any) -> None:
    message = new_message(envelope_sender="B <bounce@example.com>", send_at=1)
    message.attach("a.txt", "a")
    message.attach_alternative("x", "text/x-custom")
    params = send_params(message)
    assert isinstance(params["from"], EmailAddress)
    assert all(isinstance(a, EmailAddress) for a in params["to"])
    assert params["envelope_sender"] == "bounce@example.com"
    assert isinstance(params["attachments"][0], Attachment)
    assert params["alternatives"] == [("x", "text/x-custom")]
    assert isinstance(params["send_at"], datetime)


def test_accepts_every_anymail_attribute(send_params: Send, new_message: Any) -> None:
    values = {
        "metadata": {"m": 1},
        "tags": ["t"],
        "track_clicks": True,
        "track_opens": False,
        "template_id": "tpl",
        "merge_data": {"to@example.com": {"a": 1}},
        "merge_global_data": {"g": 1},
        "merge_headers": {"to@example.com": {"X-A": "1"}},
        "merge_metadata": {"to@example.com": {"m": 2}},
    }
    params = send_params(new_message(**values, envelope_sender="e@example.com", send_at=0))
    assert {key: params[key] for key in values} == values
    assert params["is_batch_send"] is True


def test_params_keep_empty_subject_and_body(send_params: Send, new_message: Any) -> None:
    params = send_params(new_message(subject="", body=""))
    assert (params["subject"], params["text_body"]) == ("", "")


def test_message_send_uses_email_backend_setting(anymail_settings: Any, new_message: Any) -> None:
    message = new_message()
    assert message.send() == 1
    assert mail.outbox[0].anymail_test_params["subject"] == "Subject"


def test_send_mail_shortcut(anymail_settings: Any) -> None:
    assert mail.send_mail("Hi", "Body", "from@example.com", ["to@example.com"]) == 1
    assert mail.outbox[0].anymail_status.status == {"sent"}


@requires_mailers
def test_works_as_mailers_backend(settings: Any, new_message: Any) -> None:
    settings.ANYMAIL = {}
    settings.MAILERS = {"default": {"BACKEND": TEST_BACKEND, "OPTIONS": {"send_defaults": {}}}}
    message = new_message()
    assert message.send() == 1
    assert mail.outbox == [message]
    assert message.anymail_status.message_id == 0
