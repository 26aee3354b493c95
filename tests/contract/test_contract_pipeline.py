"""§7 send pipeline: lifecycle, per-message steps, fail_silently, send defaults, mapping."""

from __future__ import annotations

import json
import warnings
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
import requests
import responses
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.utils.translation import gettext_lazy

from anymail.exceptions import (
    AnymailAPIError,
    AnymailCancelSend,
    AnymailConfigurationError,
    AnymailError,
    AnymailInvalidAddress,
    AnymailRecipientsRefused,
    AnymailRequestsAPIError,
    AnymailSerializationError,
    AnymailUnsupportedFeature,
)
from anymail.message import AnymailMessage, AnymailRecipientStatus, AnymailStatus
from anymail.signals import post_send, pre_send
from tests.conftest import warns_deprecated_since

from .conftest import SEND_URL, ok_send, sent_json


def quiet_fail_silently(factory: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return factory(fail_silently=True, **kwargs)


# -- §7.1 connection lifecycle ---------------------------------------------------------------


def test_session_is_none_until_open(mailtrap_backend: Any) -> None:
    assert mailtrap_backend().session is None


def test_open_creates_session_then_returns_false(mailtrap_backend: Any) -> None:
    backend = mailtrap_backend()
    assert backend.open() is True
    session = backend.session
    assert isinstance(session, requests.Session)
    assert backend.open() is False
    assert backend.session is session
    backend.close()


def test_close_resets_session_and_is_noop_without_one(mailtrap_backend: Any) -> None:
    backend = mailtrap_backend()
    backend.close()  # no session: nothing happens
    backend.open()
    backend.close()
    assert backend.session is None


def test_context_manager_opens_and_closes(mailtrap_backend: Any) -> None:
    backend = mailtrap_backend()
    with backend as connection:
        assert connection.session is not None
    assert backend.session is None


def test_user_agent_names_project_version_and_requests(mailtrap_backend: Any) -> None:
    import anymail

    session = mailtrap_backend().create_session()
    agent = session.headers["User-Agent"]
    assert anymail.__version__ in agent
    assert "anymail" in agent.lower()
    assert requests.utils.default_user_agent() in agent


def test_send_messages_empty_returns_zero_without_opening(mailtrap_backend: Any) -> None:
    backend = mailtrap_backend()
    with mock.patch.object(type(backend), "open") as opened:
        assert backend.send_messages([]) == 0
        assert backend.send_messages(None) == 0
    opened.assert_not_called()


def test_send_messages_closes_only_if_it_opened(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    ok_send(mocked, ["id1"])
    backend = mailtrap_backend()
    assert backend.send_messages([message()]) == 1
    assert backend.session is None
    backend.open()
    session = backend.session
    assert backend.send_messages([message()]) == 1
    assert backend.session is session
    backend.close()


def test_one_session_for_all_messages(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    ok_send(mocked, ["id1"])
    backend = mailtrap_backend()
    with mock.patch.object(type(backend), "create_session", wraps=backend.create_session) as create:
        assert backend.send_messages([message(), message(), message()]) == 3
    assert create.call_count == 1
    assert len(mocked.calls) == 3


def test_session_request_called_with_keyword_arguments(mailtrap_backend: Any, message: Any) -> None:
    response = requests.Response()
    response.status_code = 200
    response._content = b'{"success": true, "message_ids": ["id1"]}'
    with mock.patch("requests.Session.request", return_value=response) as request:
        mailtrap_backend().send_messages([message()])
    assert request.call_count == 1
    args, kwargs = request.call_args
    assert args == ()
    assert kwargs["method"] == "POST"
    assert kwargs["url"] == SEND_URL
    assert kwargs["params"] is None
    assert isinstance(kwargs["data"], str)
    assert json.loads(kwargs["data"])["subject"] == "Subject"
    assert kwargs["headers"]["Api-Token"] == "test-token"
    assert kwargs["files"] is None
    assert kwargs["auth"] is None
    assert kwargs["timeout"] == 30


def test_debug_api_requests_prints_exchange(
    mailtrap_backend: Any, mocked: Any, message: Any, capsys: Any
) -> None:
    ok_send(mocked, ["id1"])
    mailtrap_backend(debug_api_requests=True).send_messages([message()])
    out = capsys.readouterr().out
    assert "POST" in out
    assert SEND_URL in out
    assert "Subject" in out  # request body
    assert "200" in out


# Deliberate change from the reference (issue 9): a failure that concerns one message no
# longer stops the others; one every message would meet (401/403, host unreachable) does.


def test_one_refused_message_does_not_stop_the_rest(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    mocked.add(responses.POST, SEND_URL, json={"errors": ["bad"], "success": False}, status=400)
    backend = mailtrap_backend(send_concurrency=1)
    with pytest.raises(AnymailRequestsAPIError) as raised:
        backend.send_messages([message(), message()])
    assert len(mocked.calls) == 2
    assert len(raised.value.unsent_messages) == 2


def test_fatal_error_aborts_the_rest(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    mocked.add(responses.POST, SEND_URL, json={"errors": ["Unauthorized"]}, status=401)
    backend = mailtrap_backend(send_concurrency=1)
    with pytest.raises(AnymailRequestsAPIError):
        backend.send_messages([message(), message()])
    assert len(mocked.calls) == 1


# -- §7.2 per-message steps -------------------------------------------------------------------


def test_fresh_status_on_every_send_attempt(test_settings: Any, message: Any) -> None:
    msg = message()
    original = msg.anymail_status
    msg.send()
    first = msg.anymail_status
    assert first is not original
    msg.send()
    assert msg.anymail_status is not first


def test_plain_email_message_gets_status(test_settings: Any) -> None:
    msg = EmailMessage("s", "b", "from@example.com", ["to@example.com"])
    msg.send()
    assert isinstance(msg.anymail_status, AnymailStatus)
    assert msg.anymail_status.status == {"sent"}


def test_pre_send_sender_and_kwargs(test_settings: Any, message: Any, receiver: Any) -> None:
    from anymail.backends.test import EmailBackend

    rec = receiver(pre_send)
    msg = message()
    msg.send()
    assert len(rec.calls) == 1
    call = rec.calls[0]
    assert call["sender"] is EmailBackend
    assert call["message"] is msg
    assert call["esp_name"] == "Test"


def test_pre_send_cancel_skips_message_silently(
    mailtrap_backend: Any, mocked: Any, message: Any, receiver: Any
) -> None:
    receiver(pre_send, raises=AnymailCancelSend("skip"))
    msg = message()
    old_status = msg.anymail_status
    assert mailtrap_backend().send_messages([msg]) == 0
    assert len(mocked.calls) == 0
    assert msg.anymail_status is not old_status  # fresh status even when cancelled
    assert msg.anymail_status.status is None


def test_pre_send_mutations_are_used(
    mailtrap_backend: Any, mocked: Any, message: Any, receiver: Any
) -> None:
    ok_send(mocked, ["id1"])

    def change(sender: Any, message: Any, **kwargs: Any) -> None:
        message.subject = "Changed by pre_send"

    pre_send.connect(change, weak=False)
    try:
        mailtrap_backend().send_messages([message()])
    finally:
        pre_send.disconnect(change)
    assert sent_json(mocked)["subject"] == "Changed by pre_send"


def test_pre_send_other_exception_propagates(
    test_settings: Any, message: Any, receiver: Any
) -> None:
    receiver(pre_send, raises=ValueError("boom"))
    with pytest.raises(ValueError, match="boom"):
        message().send()


def test_pre_send_non_anymail_error_propagates_even_with_fail_silently(
    test_settings: Any, message: Any, receiver: Any
) -> None:
    from anymail.backends.test import EmailBackend

    receiver(pre_send, raises=ValueError("boom"))
    backend = quiet_fail_silently(EmailBackend)
    with pytest.raises(ValueError):
        backend.send_messages([message()])


def test_pre_send_anymail_error_swallowed_with_fail_silently(
    test_settings: Any, message: Any, receiver: Any
) -> None:
    from anymail.backends.test import EmailBackend

    receiver(pre_send, raises=AnymailError("boom"))
    backend = quiet_fail_silently(EmailBackend)
    assert backend.send_messages([message()]) == 0


def test_no_recipients_not_sent_no_api_call(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    assert mailtrap_backend().send_messages([message(to=[])]) == 0
    assert len(mocked.calls) == 0


def test_post_send_sender_and_kwargs(
    mailtrap_backend: Any, mocked: Any, message: Any, receiver: Any
) -> None:
    from anymail.backends.mailtrap import EmailBackend

    ok_send(mocked, ["id1"])
    rec = receiver(post_send)
    msg = message()
    mailtrap_backend().send_messages([msg])
    (call,) = rec.calls
    assert call["sender"] is EmailBackend
    assert call["message"] is msg
    assert call["status"] is msg.anymail_status
    assert call["esp_name"] == "Mailtrap"
    assert call["status"].status == {"queued"}


def test_post_send_runs_every_receiver_then_reraises_first_error(
    test_settings: Any, message: Any, receiver: Any
) -> None:
    first = receiver(post_send, raises=ValueError("first"))
    second = receiver(post_send, raises=KeyError("second"))
    third = receiver(post_send)
    with pytest.raises(ValueError, match="first"):
        message().send()
    assert len(first.calls) == len(second.calls) == len(third.calls) == 1


def test_post_send_not_sent_on_api_error(
    mailtrap_backend: Any, mocked: Any, message: Any, receiver: Any
) -> None:
    mocked.add(responses.POST, SEND_URL, json={"errors": ["nope"], "success": False}, status=400)
    rec = receiver(post_send)
    with pytest.raises(AnymailAPIError):
        mailtrap_backend().send_messages([message()])
    assert rec.calls == []


def test_api_error_text_contains_mailtrap_status_and_payload(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    mocked.add(
        responses.POST,
        SEND_URL,
        json={"errors": ["Invalid API token"], "success": False},
        status=400,
    )
    msg = message()
    with pytest.raises(AnymailRequestsAPIError) as info:
        mailtrap_backend().send_messages([msg])
    err = info.value
    assert "Mailtrap API response 400" in str(err)
    assert "Invalid API token" in str(err)
    assert err.status_code == 400
    assert err.response is not None
    assert err.esp_name == "Mailtrap"
    assert err.email_message is msg
    assert msg.anymail_status.esp_response is None  # non-2xx: stays None


def test_connection_error_is_both_anymail_and_requests_type(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    mocked.add(responses.POST, SEND_URL, body=requests.exceptions.ConnectionError("refused"))
    msg = message()
    with pytest.raises(AnymailRequestsAPIError) as info:
        mailtrap_backend(retry_attempts=1).send_messages([msg])
    err = info.value
    assert isinstance(err, requests.exceptions.ConnectionError)
    assert str(err).startswith(f"Error posting to {SEND_URL}:")
    assert isinstance(err.__cause__, requests.exceptions.ConnectionError)
    assert msg.anymail_status.esp_response is None
    assert msg.anymail_status.status is None


def test_esp_response_set_when_2xx_unparsable(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    mocked.add(responses.POST, SEND_URL, body="not json", status=200)
    msg = message()
    with pytest.raises(AnymailRequestsAPIError):
        mailtrap_backend().send_messages([msg])
    assert isinstance(msg.anymail_status.esp_response, requests.Response)
    assert msg.anymail_status.esp_response.status_code == 200
    assert msg.anymail_status.status is None
    assert msg.anymail_status.message_id is None


def test_esp_response_is_the_requests_response(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    ok_send(mocked, ["id1"])
    msg = message()
    mailtrap_backend().send_messages([msg])
    response = msg.anymail_status.esp_response
    assert isinstance(response, requests.Response)
    assert response.json() == {"success": True, "message_ids": ["id1"]}


def test_serialization_error_for_non_json_header(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    msg = message(headers={"X-Amount": Decimal("1.5")})
    with pytest.raises(AnymailSerializationError) as info:
        mailtrap_backend().send_messages([msg])
    err = info.value
    assert err.__cause__ is None
    assert "Don't know how to send this data to Mailtrap." in str(err)
    assert "Object of type 'Decimal' is not JSON serializable" in str(err)
    assert len(mocked.calls) == 0


def test_metadata_values_are_strings_so_serializable(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    ok_send(mocked, ["id1"])
    mailtrap_backend().send_messages([message(metadata={"amount": Decimal("1.5")})])
    assert sent_json(mocked)["custom_variables"] == {"amount": "1.5"}


def test_recipients_refused_after_post_send(
    test_settings: Any, message: Any, receiver: Any
) -> None:
    rec = receiver(post_send)
    msg = message()
    msg.anymail_test_response = {
        "recipient_status": {"to@example.com": AnymailRecipientStatus(None, "rejected")}
    }
    with pytest.raises(AnymailRecipientsRefused) as info:
        msg.send()
    assert len(rec.calls) == 1
    assert str(info.value) == "All message recipients were rejected or invalid"


def test_recipients_refused_on_empty_status_set(test_settings: Any, message: Any) -> None:
    msg = message()
    msg.anymail_test_response = {"recipient_status": {}}
    with pytest.raises(AnymailRecipientsRefused):
        msg.send()


def test_recipients_refused_mixed_invalid_rejected(test_settings: Any, message: Any) -> None:
    msg = message(to=["a@example.com", "b@example.com"])
    msg.anymail_test_response = {
        "recipient_status": {
            "a@example.com": AnymailRecipientStatus(None, "invalid"),
            "b@example.com": AnymailRecipientStatus(None, "rejected"),
        }
    }
    with pytest.raises(AnymailRecipientsRefused):
        msg.send()


def test_not_refused_when_one_recipient_accepted(test_settings: Any, message: Any) -> None:
    msg = message(to=["a@example.com", "b@example.com"])
    msg.anymail_test_response = {
        "recipient_status": {
            "a@example.com": AnymailRecipientStatus(None, "rejected"),
            "b@example.com": AnymailRecipientStatus("1", "sent"),
        }
    }
    assert msg.send() == 1


def test_ignore_recipient_status(test_settings: Any, message: Any) -> None:
    test_settings.ANYMAIL = {"IGNORE_RECIPIENT_STATUS": True}
    msg = message()
    msg.anymail_test_response = {
        "recipient_status": {"to@example.com": AnymailRecipientStatus(None, "rejected")}
    }
    assert msg.send() == 1


@pytest.mark.parametrize(
    "error",
    [
        AnymailAPIError("api"),
        AnymailRecipientsRefused(),
    ],
)
def test_fail_silently_swallows_anymail_errors(
    test_settings: Any, message: Any, error: Exception
) -> None:
    from anymail.backends.test import EmailBackend

    msg = message()
    if isinstance(error, AnymailRecipientsRefused):
        msg.anymail_test_response = {"recipient_status": {}}
    else:
        msg.anymail_test_response = error
    backend = quiet_fail_silently(EmailBackend)
    assert backend.send_messages([msg]) == 0


def test_fail_silently_swallows_unsupported_and_invalid_address(
    mailtrap_backend: Any, message: Any
) -> None:
    backend = quiet_fail_silently(mailtrap_backend)
    assert backend.send_messages([message(send_at=1700000000)]) == 0
    assert backend.send_messages([message(to=["not an address"])]) == 0


def test_fail_silently_swallows_api_errors(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    mocked.add(responses.POST, SEND_URL, json={"errors": ["x"], "success": False}, status=400)
    backend = quiet_fail_silently(mailtrap_backend)
    assert backend.send_messages([message()]) == 0


def test_fail_silently_does_not_swallow_type_error_for_bare_reply_to(
    test_settings: Any, message: Any
) -> None:
    from anymail.backends.test import EmailBackend

    msg = message()
    msg.reply_to = "reply@example.com"
    with pytest.raises(TypeError):
        quiet_fail_silently(EmailBackend).send_messages([msg])


def test_fail_silently_does_not_swallow_configuration_error(
    test_settings: Any, message: Any, receiver: Any
) -> None:
    from anymail.backends.test import EmailBackend

    receiver(pre_send, raises=AnymailConfigurationError("bad config"))
    with pytest.raises(AnymailConfigurationError):
        quiet_fail_silently(EmailBackend).send_messages([message()])


def test_send_counts_only_sent_messages(test_settings: Any, message: Any, receiver: Any) -> None:
    from anymail.backends.test import EmailBackend

    def cancel_second(sender: Any, message: Any, **kwargs: Any) -> None:
        if message.subject == "cancel":
            raise AnymailCancelSend()

    pre_send.connect(cancel_second, weak=False)
    try:
        count = EmailBackend().send_messages(
            [message(), message(subject="cancel"), message(to=[]), message()]
        )
    finally:
        pre_send.disconnect(cancel_second)
    assert count == 2


# -- §7.3 send defaults -------------------------------------------------------------------


def params_for(msg: Any) -> dict[str, Any]:
    from anymail.backends.test import EmailBackend

    assert EmailBackend().send_messages([msg]) == 1
    return msg.anymail_test_params


def test_global_send_defaults_apply(test_settings: Any, message: Any) -> None:
    test_settings.ANYMAIL = {"SEND_DEFAULTS": {"tags": ["global"], "metadata": {"g": "1"}}}
    params = params_for(message(tags=["own"], metadata={"m": "2"}))
    assert params["tags"] == ["global", "own"]
    assert params["metadata"] == {"g": "1", "m": "2"}


def test_esp_send_defaults_replace_global_keys_wholesale(settings: Any, message: Any) -> None:
    from anymail.backends.test import EmailBackend

    settings.ANYMAIL = {
        "SEND_DEFAULTS": {"esp_extra": {"a": 1}, "tags": ["global"]},
        "TEST_SEND_DEFAULTS": {"esp_extra": {"b": 2}},
    }
    msg = message()
    EmailBackend().send_messages([msg])
    params = msg.anymail_test_params
    assert params["b"] == 2
    assert "a" not in params
    assert params["tags"] == ["global"]


def test_esp_send_defaults_from_kwarg(test_settings: Any, message: Any) -> None:
    from anymail.backends.test import EmailBackend

    test_settings.ANYMAIL = {"TEST_SEND_DEFAULTS": {"tags": ["setting"]}}
    msg = message()
    EmailBackend(send_defaults={"tags": ["kwarg"]}).send_messages([msg])
    assert msg.anymail_test_params["tags"] == ["kwarg"]


def test_send_defaults_settings_not_mutated(test_settings: Any, message: Any) -> None:
    defaults = {
        "tags": ["t"],
        "metadata": {"a": "1"},
        "merge_data": {"to@example.com": {"x": 1}},
        "esp_extra": {"deep": {"a": 1}},
        "extra_headers": {"X-A": "1"},
    }
    snapshot = json.dumps(defaults, sort_keys=True)
    test_settings.ANYMAIL = {"SEND_DEFAULTS": defaults}
    params_for(
        message(
            tags=["u"],
            metadata={"b": "2"},
            merge_data={"to@example.com": {"y": 2}},
            esp_extra={"deep": {"b": 2}},
            headers={"X-B": "2"},
        )
    )
    assert json.dumps(defaults, sort_keys=True) == snapshot


def test_default_last_wins_for_scalar_attrs(test_settings: Any, message: Any) -> None:
    test_settings.ANYMAIL = {
        "SEND_DEFAULTS": {"template_id": "default-tpl", "track_clicks": True, "track_opens": True}
    }
    params = params_for(message(template_id="own", track_clicks=False))
    assert params["template_id"] == "own"
    assert params["track_clicks"] is False
    assert params["track_opens"] is True


def test_default_envelope_sender(test_settings: Any, message: Any) -> None:
    test_settings.ANYMAIL = {"SEND_DEFAULTS": {"envelope_sender": "bounce@example.com"}}
    assert params_for(message())["envelope_sender"] == "bounce@example.com"


def test_default_lists_concatenate(test_settings: Any, message: Any) -> None:
    test_settings.ANYMAIL = {
        "SEND_DEFAULTS": {"bcc": ["audit@example.com"], "cc": ["c1@example.com"]}
    }
    params = params_for(message(cc=["c2@example.com"]))
    assert [a.addr_spec for a in params["bcc"]] == ["audit@example.com"]
    assert [a.addr_spec for a in params["cc"]] == ["c1@example.com", "c2@example.com"]


def test_default_extra_headers_shallow_merge(test_settings: Any, message: Any) -> None:
    test_settings.ANYMAIL = {"SEND_DEFAULTS": {"extra_headers": {"X-A": "d", "X-B": "d"}}}
    params = params_for(message(headers={"X-B": "m"}))
    assert dict(params["extra_headers"]) == {"X-A": "d", "X-B": "m"}


def test_default_merge_global_data_shallow_merge(test_settings: Any, message: Any) -> None:
    test_settings.ANYMAIL = {"SEND_DEFAULTS": {"merge_global_data": {"a": {"x": 1}, "b": 1}}}
    params = params_for(message(merge_global_data={"a": {"y": 2}}))
    assert params["merge_global_data"] == {"a": {"y": 2}, "b": 1}


def test_default_merge_data_per_recipient_merge(test_settings: Any, message: Any) -> None:
    test_settings.ANYMAIL = {
        "SEND_DEFAULTS": {
            "merge_data": {"a@example.com": {"x": 1, "y": 1}, "b@example.com": {"x": 1}},
            "merge_metadata": {"a@example.com": {"k": "d"}},
        }
    }
    params = params_for(
        message(
            merge_data={"a@example.com": {"y": 2}, "c@example.com": {"z": 3}},
            merge_metadata={"a@example.com": {"k": "m"}},
        )
    )
    assert params["merge_data"] == {
        "a@example.com": {"x": 1, "y": 2},
        "b@example.com": {"x": 1},
        "c@example.com": {"z": 3},
    }
    assert params["merge_metadata"] == {"a@example.com": {"k": "m"}}


def test_default_esp_extra_deep_merge(test_settings: Any, message: Any) -> None:
    test_settings.ANYMAIL = {"SEND_DEFAULTS": {"esp_extra": {"o": {"a": 1, "n": {"x": 1}}}}}
    params = params_for(message(esp_extra={"o": {"b": 2, "n": {"y": 2}}}))
    assert params["o"] == {"a": 1, "b": 2, "n": {"x": 1, "y": 2}}


def test_merge_headers_has_no_default_support(test_settings: Any, message: Any) -> None:
    test_settings.ANYMAIL = {"SEND_DEFAULTS": {"merge_headers": {"to@example.com": {"X": "d"}}}}
    params = params_for(message(merge_headers={"to@example.com": {"Y": "m"}}))
    assert params["merge_headers"] == {"to@example.com": {"Y": "m"}}


def test_none_message_value_discards_default(test_settings: Any, message: Any) -> None:
    test_settings.ANYMAIL = {"SEND_DEFAULTS": {"tags": ["global"], "metadata": {"a": "1"}}}
    params = params_for(message(tags=None, metadata=None))
    assert "tags" not in params
    assert "metadata" not in params


def test_none_esp_default_discards_global(test_settings: Any, message: Any) -> None:
    test_settings.ANYMAIL = {
        "SEND_DEFAULTS": {"tags": ["global"]},
        "TEST_SEND_DEFAULTS": {"tags": None},
    }
    assert params_for(message(tags=["own"]))["tags"] == ["own"]


def test_subject_last_wins_message_value_even_empty_string(
    test_settings: Any, message: Any
) -> None:
    test_settings.ANYMAIL = {"SEND_DEFAULTS": {"subject": "Default subject"}}
    assert params_for(message(subject="Own"))["subject"] == "Own"


def test_lazy_strings_forced_to_str(test_settings: Any, message: Any) -> None:
    params = params_for(
        message(
            subject=gettext_lazy("Lazy subject"),
            body=gettext_lazy("Lazy body"),
            tags=[gettext_lazy("lazy-tag")],
            metadata={"k": gettext_lazy("lazy-value")},
            headers={"X-Lazy": gettext_lazy("lazy-header")},
        )
    )
    assert type(params["subject"]) is str
    assert type(params["text_body"]) is str
    assert type(params["tags"][0]) is str
    assert type(params["metadata"]["k"]) is str
    assert type(params["extra_headers"]["X-Lazy"]) is str


# -- §7.4 generic mapping rules -------------------------------------------------------------


@pytest.mark.parametrize("attr", ["reply_to"])
def test_bare_string_reply_to_type_error(test_settings: Any, message: Any, attr: str) -> None:
    msg = message()
    setattr(msg, attr, "someone@example.com")
    with pytest.raises(TypeError) as info:
        msg.send()
    assert str(info.value) == f'"{attr}" attribute must be a list or other iterable'


@pytest.mark.parametrize("attr", ["to", "cc", "bcc"])
def test_bare_string_recipients_type_error(test_settings: Any, message: Any, attr: str) -> None:
    msg = message()
    setattr(msg, attr, "someone@example.com")
    with pytest.raises(TypeError):
        msg.send()


def test_comma_separated_addresses_in_one_item(test_settings: Any, message: Any) -> None:
    params = params_for(message(to=["a@example.com, B <b@example.com>", "c@example.com"]))
    assert [a.addr_spec for a in params["to"]] == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]
    assert params["to"][1].display_name == "B"


def test_quoted_display_name_with_comma(test_settings: Any, message: Any) -> None:
    params = params_for(message(to=['"Last, First" <lf@example.com>']))
    assert params["to"][0].display_name == "Last, First"
    assert params["to"][0].addr_spec == "lf@example.com"


def test_invalid_address_error_text(test_settings: Any, message: Any) -> None:
    with pytest.raises(AnymailInvalidAddress) as info:
        message(to=["good@example.com", "bad"]).send()
    assert str(info.value) == (
        "Invalid email address 'bad' in `to` parsed from 'good@example.com, bad'"
    )


def test_invalid_address_hint_for_unquoted_comma(test_settings: Any, message: Any) -> None:
    with pytest.raises(AnymailInvalidAddress) as info:
        message(to=["Last, First <lf@example.com>"]).send()
    text = str(info.value)
    assert text.startswith("Invalid email address 'Last'")
    assert "in `to` parsed from 'Last, First <lf@example.com>'" in text
    assert text.endswith(" (maybe missing quotes around a display-name?)")


def test_invalid_address_reports_display_name(test_settings: Any, message: Any) -> None:
    with pytest.raises(AnymailInvalidAddress) as info:
        message(cc=["Someone <nodomain>"]).send()
    assert str(info.value) == (
        "Invalid email address 'nodomain' display_name='Someone' in `cc` "
        "parsed from 'Someone <nodomain>'"
    )


def test_empty_from_email_error_text(test_settings: Any, message: Any) -> None:
    msg = message()
    msg.from_email = ""  # (the constructor would substitute DEFAULT_FROM_EMAIL)
    with pytest.raises(AnymailInvalidAddress) as info:
        msg.send()
    assert str(info.value) == "Invalid email address '' in `from_email` parsed from ''"


def test_multiple_from_unsupported(test_settings: Any, message: Any) -> None:
    with pytest.raises(AnymailUnsupportedFeature) as info:
        message(from_email="a@example.com, b@example.com").send()
    assert str(info.value) == "Test does not support multiple from emails"


def test_multiple_from_ignored_uses_first(test_settings: Any, message: Any) -> None:
    test_settings.ANYMAIL = {"IGNORE_UNSUPPORTED_FEATURES": True}
    params = params_for(message(from_email="a@example.com, b@example.com"))
    assert params["from"].addr_spec == "a@example.com"


def test_from_email_none_after_construction_sends_no_sender(
    test_settings: Any, message: Any
) -> None:
    msg = message()
    msg.from_email = None
    assert "from" not in params_for(msg)


def test_single_address_field_with_several(test_settings: Any, message: Any) -> None:
    with pytest.raises(AnymailInvalidAddress) as info:
        message(envelope_sender="a@example.com, b@example.com").send()
    assert str(info.value) == (
        "Only one email address is allowed; found 2 in 'a@example.com, b@example.com' "
        "in `envelope_sender`."
    )


def test_idna_encoding_of_domain(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    ok_send(mocked, ["id1"])
    mailtrap_backend().send_messages([message(to=["user@bücher.example"])])
    assert sent_json(mocked)["to"] == [{"email": "user@xn--bcher-kva.example"}]


def test_eai_local_part_passes_through(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    ok_send(mocked, ["id1"])
    mailtrap_backend().send_messages([message(to=["jörg@example.com"])])
    assert sent_json(mocked)["to"] == [{"email": "jörg@example.com"}]


def test_email_address_uses_eai() -> None:
    from anymail.utils import EmailAddress

    assert EmailAddress(addr_spec="jörg@example.com").uses_eai is True
    assert EmailAddress(addr_spec="joe@bücher.example").uses_eai is False


def test_idna_encoder_failure_text(mailtrap_backend: Any, message: Any) -> None:
    def failing(domain: str) -> str:
        raise ValueError("nope")

    with pytest.raises(AnymailInvalidAddress) as info:
        mailtrap_backend(idna_encoder=failing).send_messages([message(to=["u@bücher.example"])])
    assert str(info.value).startswith("Cannot encode 'bücher.example' using IDNA_ENCODER=")


def test_idna_encoder_failure_text_names_setting(
    mailtrap_backend: Any, mocked: Any, message: Any
) -> None:
    with pytest.raises(AnymailInvalidAddress) as info:
        mailtrap_backend(idna_encoder="idna2008").send_messages([message(to=["u@☃.example"])])
    assert "Cannot encode '☃.example' using IDNA_ENCODER='idna2008'" in str(info.value)
    assert len(mocked.calls) == 0


def test_idna_encoder_callable_used(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    ok_send(mocked, ["id1"])
    mailtrap_backend(idna_encoder=lambda domain: "encoded.example").send_messages(
        [message(to=["u@bücher.example"])]
    )
    assert sent_json(mocked)["to"] == [{"email": "u@encoded.example"}]


def test_idna_encoder_none_builtin(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    ok_send(mocked, ["id1"])
    mailtrap_backend(idna_encoder="none").send_messages([message(to=["u@bücher.example"])])
    assert sent_json(mocked)["to"] == [{"email": "u@bücher.example"}]


def test_esp_idna_encoder_falls_back_to_global(
    mailtrap_settings: Any, mocked: Any, message: Any
) -> None:
    from anymail.backends.mailtrap import EmailBackend

    ok_send(mocked, ["id1"])
    mailtrap_settings.ANYMAIL = {
        "MAILTRAP_API_TOKEN": "t",
        "MAILTRAP_IDNA_ENCODER": "",
        "IDNA_ENCODER": "none",
    }
    EmailBackend().send_messages([message(to=["u@bücher.example"])])
    assert sent_json(mocked)["to"] == [{"email": "u@bücher.example"}]


def test_extra_headers_case_insensitive_reply_to(test_settings: Any, message: Any) -> None:
    params = params_for(message(reply_to=["old@example.com"], headers={"reply-TO": "new@x.com"}))
    assert [a.addr_spec for a in params["reply_to"]] == ["new@x.com"]
    assert "extra_headers" not in params


def test_from_header_becomes_sender_and_from_email_envelope(
    test_settings: Any, message: Any
) -> None:
    params = params_for(
        message(from_email="bounce@example.com", headers={"From": "Visible <vis@example.com>"})
    )
    assert params["from"].addr_spec == "vis@example.com"
    assert params["envelope_sender"] == "bounce@example.com"


def test_from_header_unsupported_on_mailtrap(mailtrap_backend: Any, message: Any) -> None:
    with pytest.raises(AnymailUnsupportedFeature, match="envelope_sender"):
        mailtrap_backend().send_messages([message(headers={"From": "v@example.com"})])


def test_to_header_unsupported(test_settings: Any, message: Any) -> None:
    with pytest.raises(AnymailUnsupportedFeature) as info:
        message(headers={"To": "spoof@example.com"}).send()
    assert str(info.value) == "Test does not support spoofing `To` header"


def test_other_headers_are_custom(test_settings: Any, message: Any) -> None:
    params = params_for(message(headers={"X-Custom": "1"}))
    assert params["extra_headers"]["x-custom"] == "1"


def test_body_subtype_html(test_settings: Any, message: Any) -> None:
    msg = message(body="<p>hi</p>")
    msg.content_subtype = "html"
    params = params_for(msg)
    assert params["html_body"] == "<p>hi</p>"
    assert "text_body" not in params


def test_body_other_subtype_is_alternative(test_settings: Any, message: Any) -> None:
    msg = message(body="x: y")
    msg.content_subtype = "calendar"
    assert params_for(msg)["alternatives"] == [("x: y", "text/calendar")]


def test_alternative_html_becomes_html_body(test_settings: Any, message: Any) -> None:
    msg = message()
    msg.attach_alternative("<p>hi</p>", "text/html")
    params = params_for(msg)
    assert params["text_body"] == "Body"
    assert params["html_body"] == "<p>hi</p>"
    assert "alternatives" not in params


def test_alternative_plain_used_when_body_empty(test_settings: Any, message: Any) -> None:
    msg = message(body="")
    msg.attach_alternative("plain alt", "text/plain")
    assert params_for(msg)["text_body"] == "plain alt"


def test_second_html_alternative_unsupported_on_mailtrap(
    mailtrap_backend: Any, message: Any
) -> None:
    msg = message()
    msg.attach_alternative("<p>1</p>", "text/html")
    msg.attach_alternative("<p>2</p>", "text/html")
    with pytest.raises(AnymailUnsupportedFeature) as info:
        mailtrap_backend().send_messages([msg])
    assert str(info.value) == "Mailtrap does not support multiple html parts"


def test_second_plain_alternative_unsupported_on_mailtrap(
    mailtrap_backend: Any, message: Any
) -> None:
    msg = message()
    msg.attach_alternative("other text", "text/plain")
    with pytest.raises(AnymailUnsupportedFeature) as info:
        mailtrap_backend().send_messages([msg])
    assert str(info.value) == "Mailtrap does not support multiple plaintext parts"


def test_amp_alternative_unsupported_on_mailtrap(mailtrap_backend: Any, message: Any) -> None:
    msg = message()
    msg.attach_alternative("<amp>", "text/x-amp-html")
    with pytest.raises(AnymailUnsupportedFeature) as info:
        mailtrap_backend().send_messages([msg])
    assert str(info.value) == (
        "Mailtrap does not support alternative part with type 'text/x-amp-html'"
    )


def test_attachment_tuple_guessed_mimetype_and_charset(test_settings: Any, message: Any) -> None:
    msg = message()
    msg.attach("notes.txt", "hello")
    msg.attach("blob", b"\x00\x01")
    msg.attach("image.png", b"\x89PNG")
    attachments = params_for(msg)["attachments"]
    assert attachments[0].content_type == 'text/plain; charset="utf-8"'
    assert attachments[1].mimetype == "application/octet-stream"
    assert attachments[2].mimetype == "image/png"
    assert attachments[0].inline is False


def test_attachment_of_email_message_is_rfc822(test_settings: Any, message: Any) -> None:
    msg = message()
    msg.attach("fwd.eml", EmailMessage("inner", "inner body", "a@example.com", ["b@example.com"]))
    (attachment,) = params_for(msg)["attachments"]
    assert attachment.mimetype == "message/rfc822"


def test_attachment_mime_part_inline_and_cid(test_settings: Any, message: Any) -> None:
    msg = message()
    cid = msg.attach_inline_image(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, filename="a.png")
    (attachment,) = params_for(msg)["attachments"]
    assert attachment.inline is True
    assert attachment.cid == cid
    assert attachment.name == "a.png"


def test_attachment_with_content_id_no_disposition_is_inline(
    test_settings: Any, message: Any
) -> None:
    from email.mime.image import MIMEImage

    image = MIMEImage(b"GIF89a" + b"\x00" * 10, "gif")
    image["Content-ID"] = "<abc@example>"
    msg = message()
    with warns_deprecated_since((6, 0), match="MIMEBase attachments are deprecated"):
        msg.attach(image)
    (attachment,) = params_for(msg)["attachments"]
    assert attachment.inline is True
    assert attachment.cid == "abc@example"


def test_unsupported_feature_text_and_ignore(mailtrap_backend: Any, message: Any) -> None:
    with pytest.raises(AnymailUnsupportedFeature) as info:
        mailtrap_backend().send_messages([message(track_opens=False)])
    assert str(info.value) == "Mailtrap does not support track_opens"


def test_batch_detection_empty_merge_dict_counts(test_settings: Any, message: Any) -> None:
    assert params_for(message(merge_data={}))["is_batch_send"] is True
    assert params_for(message(merge_metadata={}))["is_batch_send"] is True
    assert params_for(message(merge_headers={}))["is_batch_send"] is True


def test_batch_detection_global_data_alone_does_not(test_settings: Any, message: Any) -> None:
    assert params_for(message(merge_global_data={"a": 1}))["is_batch_send"] is False
    assert params_for(message())["is_batch_send"] is False


def test_batch_detection_from_send_defaults(test_settings: Any, message: Any) -> None:
    test_settings.ANYMAIL = {"SEND_DEFAULTS": {"merge_data": {}}}
    assert params_for(message())["is_batch_send"] is True


def test_send_at_normalised_to_aware_datetime(test_settings: Any, message: Any) -> None:
    assert params_for(message(send_at=0))["send_at"] == datetime(1970, 1, 1, tzinfo=timezone.utc)
    naive = params_for(message(send_at=datetime(2030, 1, 2, 3, 4)))["send_at"]
    assert naive == datetime(2030, 1, 2, 3, 4, tzinfo=timezone.utc)  # TIME_ZONE = UTC
    day = params_for(message(send_at=date(2030, 1, 2)))["send_at"]
    assert day == datetime(2030, 1, 2, tzinfo=timezone.utc)


def test_outbox_exists(test_settings: Any) -> None:
    assert isinstance(mail.outbox, list)


def test_email_multi_alternatives_with_attributes(test_settings: Any) -> None:
    msg = EmailMultiAlternatives("s", "b", "from@example.com", ["to@example.com"])
    msg.tags = ["x"]  # type: ignore[attr-defined]
    msg.metadata = {"k": "v"}  # type: ignore[attr-defined]
    params = params_for(msg)
    assert params["tags"] == ["x"]
    assert params["metadata"] == {"k": "v"}


def test_anymail_message_status_type(test_settings: Any) -> None:
    msg = AnymailMessage("s", "b", "from@example.com", ["to@example.com"])
    msg.send()
    assert msg.anymail_status.message_id == 0 or isinstance(msg.anymail_status.message_id, int)


# -- additional edge cases ---------------------------------------------------------------


def test_pre_send_first_exception_stops_dispatch(
    test_settings: Any, message: Any, receiver: Any
) -> None:
    receiver(pre_send, raises=ValueError("first"))
    later = receiver(pre_send)
    with pytest.raises(ValueError):
        message().send()
    assert later.calls == []


def test_lazy_string_reply_to_type_error(test_settings: Any, message: Any) -> None:
    msg = message()
    msg.reply_to = gettext_lazy("r@example.com")
    with pytest.raises(TypeError) as info:
        msg.send()
    assert str(info.value) == '"reply_to" attribute must be a list or other iterable'


def test_close_swallows_request_exception_with_fail_silently(mailtrap_backend: Any) -> None:
    backend = quiet_fail_silently(mailtrap_backend)
    backend.open()
    with mock.patch.object(backend.session, "close", side_effect=requests.RequestException("x")):
        backend.close()
    assert backend.session is None


def test_close_raises_request_exception_without_fail_silently(mailtrap_backend: Any) -> None:
    backend = mailtrap_backend()
    backend.open()
    with (
        mock.patch.object(backend.session, "close", side_effect=requests.RequestException("x")),
        pytest.raises(requests.RequestException),
    ):
        backend.close()
    assert backend.session is None


def test_open_swallows_creation_error_with_fail_silently(mailtrap_backend: Any) -> None:
    backend = quiet_fail_silently(mailtrap_backend)
    with mock.patch.object(type(backend), "create_session", side_effect=OSError("x")):
        assert backend.open() is False
    assert backend.session is None


def test_http_429_raises_api_error(mailtrap_backend: Any, mocked: Any, message: Any) -> None:
    # retry_attempts=1: the project retries 429 by design (docs/sending-at-scale.md)
    mocked.add(responses.POST, SEND_URL, json={"errors": ["Too many"]}, status=429)
    with pytest.raises(AnymailRequestsAPIError) as info:
        mailtrap_backend(retry_attempts=1).send_messages([message()])
    assert info.value.status_code == 429
    assert "Mailtrap API response 429" in str(info.value)
    assert len(mocked.calls) == 1


def test_mime_part_attachment_keeps_its_content_type(test_settings: Any, message: Any) -> None:
    from email.mime.text import MIMEText

    part = MIMEText("hi", "plain", "iso-8859-1")
    part.add_header("Content-Disposition", "attachment", filename="x.txt")
    msg = message()
    with warns_deprecated_since((6, 0), match="MIMEBase attachments are deprecated"):
        msg.attach(part)
    (attachment,) = params_for(msg)["attachments"]
    assert attachment.content_type == 'text/plain; charset="iso-8859-1"'
    assert attachment.name == "x.txt"
    assert attachment.inline is False


def test_send_at_naive_uses_current_timezone(test_settings: Any, message: Any) -> None:
    from zoneinfo import ZoneInfo

    from django.utils import timezone as dj_timezone

    with dj_timezone.override("America/New_York"):
        params = params_for(message(send_at=datetime(2030, 6, 1, 12, 0)))
        day = params_for(message(send_at=date(2030, 6, 1)))["send_at"]
    expected = datetime(2030, 6, 1, 12, 0, tzinfo=ZoneInfo("America/New_York"))
    assert params["send_at"] == expected
    assert day == datetime(2030, 6, 1, tzinfo=ZoneInfo("America/New_York"))


def test_requests_timeout_none(mailtrap_backend: Any) -> None:
    assert mailtrap_backend(requests_timeout=None).timeout is None


def test_only_bcc_recipient_is_sent(test_settings: Any, message: Any) -> None:
    assert params_for(message(to=[], bcc=["b@example.com"]))["bcc"][0].addr_spec == (
        "b@example.com"
    )
