"""The per-message pipeline (§7.2), signals (§4), fail_silently and construction (§1.1)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.exceptions import (
    AnymailAPIError,
    AnymailCancelSend,
    AnymailError,
    AnymailInvalidMailer,
    AnymailRecipientsRefused,
)
from anymail.message import AnymailRecipientStatus, AnymailStatus
from anymail.signals import post_send, pre_send
from tests.conftest import (
    TEST_BACKEND,
    requires_mailers,
    use_legacy_email_backend,
    warns_legacy_mail_api,
)

FAIL_SILENTLY_TEXT = "Anymail will drop support for fail_silently after Django 6.2."
Connect = Callable[..., Any]


@pytest.fixture
def backend(test_backend: Callable[..., Any]) -> Any:
    return test_backend()


def quiet_backend(test_backend: Callable[..., Any], **kwargs: Any) -> Any:
    """A fail_silently test backend (its deprecation warning expected and checked)."""
    with pytest.warns(DeprecationWarning, match=FAIL_SILENTLY_TEXT):
        return test_backend(fail_silently=True, **kwargs)


def respond(message: Any, **statuses: str) -> Any:
    """Make the test backend answer with these statuses (email local part -> status)."""
    message.anymail_test_response = {
        "recipient_status": {
            f"{local}@example.com": AnymailRecipientStatus(f"id-{local}", status)
            for local, status in statuses.items()
        }
    }
    return message


# -- pre_send ------------------------------------------------------------------------------------


def test_pre_send_receives_backend_class_message_and_esp_name(
    connect_receiver: Connect, backend: Any, new_message: Any
) -> None:
    receiver = connect_receiver(pre_send)
    message = new_message()
    backend.send_messages([message])
    assert receiver.calls == [
        {"sender": AnymailTestBackend, "signal": pre_send, "message": message, "esp_name": "Test"}
    ]


def test_pre_send_changes_are_used(backend: Any, new_message: Any) -> None:
    def add_tag(sender: Any, message: Any, **kwargs: Any) -> None:
        message.tags = ["from-receiver"]

    pre_send.connect(add_tag)
    try:
        message = new_message()
        backend.send_messages([message])
    finally:
        pre_send.disconnect(add_tag)
    assert message.anymail_test_params["tags"] == ["from-receiver"]


def test_cancel_send_skips_message_silently(
    connect_receiver: Connect, backend: Any, new_message: Any
) -> None:
    connect_receiver(pre_send, raises=AnymailCancelSend("not this one"))
    message = new_message()
    assert backend.send_messages([message]) == 0
    assert mail.outbox == []
    assert not hasattr(message, "anymail_test_params")


def test_cancel_send_does_not_send_post_send(
    connect_receiver: Connect, backend: Any, new_message: Any
) -> None:
    connect_receiver(pre_send, raises=AnymailCancelSend())
    after = connect_receiver(post_send)
    backend.send_messages([new_message()])
    assert after.calls == []


def test_cancelled_message_is_not_counted_but_others_are(backend: Any, new_message: Any) -> None:
    def cancel_some(sender: Any, message: Any, **kwargs: Any) -> None:
        if message.subject == "cancel":
            raise AnymailCancelSend()

    pre_send.connect(cancel_some)
    try:
        sent = backend.send_messages([new_message(subject="cancel"), new_message(subject="ok")])
    finally:
        pre_send.disconnect(cancel_some)
    assert sent == 1
    assert [m.subject for m in mail.outbox] == ["ok"]


def test_pre_send_other_exception_propagates(
    connect_receiver: Connect, backend: Any, new_message: Any
) -> None:
    connect_receiver(pre_send, raises=RuntimeError("receiver bug"))
    with pytest.raises(RuntimeError, match="receiver bug"):
        backend.send_messages([new_message()])


def test_pre_send_first_exception_stops_later_receivers(
    connect_receiver: Connect, backend: Any, new_message: Any
) -> None:
    connect_receiver(pre_send, raises=RuntimeError("first"))
    later = connect_receiver(pre_send)
    with pytest.raises(RuntimeError):
        backend.send_messages([new_message()])
    assert later.calls == []


def test_pre_send_anymail_error_swallowed_with_fail_silently(
    connect_receiver: Connect, test_backend: Callable[..., Any], new_message: Any
) -> None:
    connect_receiver(pre_send, raises=AnymailError("receiver says no"))
    assert quiet_backend(test_backend).send_messages([new_message()]) == 0


def test_pre_send_non_anymail_error_not_swallowed_with_fail_silently(
    connect_receiver: Connect, test_backend: Callable[..., Any], new_message: Any
) -> None:
    connect_receiver(pre_send, raises=RuntimeError("receiver bug"))
    with pytest.raises(RuntimeError):
        quiet_backend(test_backend).send_messages([new_message()])


# -- post_send -----------------------------------------------------------------------------------


def test_post_send_receives_status_and_esp_name(
    connect_receiver: Connect, backend: Any, new_message: Any
) -> None:
    receiver = connect_receiver(post_send)
    message = new_message()
    backend.send_messages([message])
    (call,) = receiver.calls
    assert call["sender"] is AnymailTestBackend
    assert call["message"] is message
    assert call["status"] is message.anymail_status
    assert call["status"].status == {"sent"}
    assert call["esp_name"] == "Test"


def test_post_send_runs_every_receiver_then_reraises_first_error(
    connect_receiver: Connect, backend: Any, new_message: Any
) -> None:
    connect_receiver(post_send, raises=ValueError("first"))
    connect_receiver(post_send, raises=KeyError("second"))
    last = connect_receiver(post_send)
    with pytest.raises(ValueError, match="first"):
        backend.send_messages([new_message()])
    assert len(last.calls) == 1


def test_post_send_not_sent_on_api_error(
    connect_receiver: Connect, backend: Any, new_message: Any
) -> None:
    receiver = connect_receiver(post_send)
    message = new_message()
    message.anymail_test_response = AnymailAPIError("API down")
    with pytest.raises(AnymailAPIError):
        backend.send_messages([message])
    assert receiver.calls == []


def test_post_send_runs_before_recipients_refused_check(
    connect_receiver: Connect, backend: Any, new_message: Any
) -> None:
    receiver = connect_receiver(post_send)
    message = respond(new_message(), to="rejected")
    with pytest.raises(AnymailRecipientsRefused):
        backend.send_messages([message])
    assert receiver.calls[0]["status"].status == {"rejected"}


# -- recipient status check ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "statuses",
    [{"a": "rejected"}, {"a": "invalid"}, {"a": "rejected", "b": "invalid"}],
)
def test_all_recipients_refused_raises(
    backend: Any, new_message: Any, statuses: dict[str, str]
) -> None:
    with pytest.raises(AnymailRecipientsRefused):
        backend.send_messages([respond(new_message(), **statuses)])


def test_empty_recipient_status_counts_as_refused(backend: Any, new_message: Any) -> None:
    with pytest.raises(AnymailRecipientsRefused):
        backend.send_messages([respond(new_message())])


def test_some_recipients_accepted_is_not_refused(backend: Any, new_message: Any) -> None:
    assert backend.send_messages([respond(new_message(), a="rejected", b="queued")]) == 1


def test_ignore_recipient_status_setting(
    test_backend: Callable[..., Any], anymail_settings: Any, new_message: Any
) -> None:
    anymail_settings.ANYMAIL = {"IGNORE_RECIPIENT_STATUS": True}
    assert test_backend().send_messages([respond(new_message(), a="rejected")]) == 1


def test_ignore_recipient_status_kwarg(test_backend: Callable[..., Any], new_message: Any) -> None:
    backend = test_backend(ignore_recipient_status=True)
    assert backend.send_messages([respond(new_message(), a="invalid")]) == 1


# -- per-message steps ---------------------------------------------------------------------------


def test_message_without_recipients_is_not_sent(backend: Any, new_message: Any) -> None:
    message = new_message(to=[])
    assert backend.send_messages([message]) == 0
    assert mail.outbox == []


@pytest.mark.parametrize("messages", [[], None])
def test_no_messages_returns_zero(backend: Any, messages: Any) -> None:
    assert backend.send_messages(messages) == 0


def test_returns_number_of_messages_sent(backend: Any, new_message: Any) -> None:
    assert backend.send_messages([new_message(), new_message(), new_message()]) == 3


def test_one_failed_message_does_not_stop_the_rest(backend: Any, new_message: Any) -> None:
    failing = new_message(subject="fails")
    failing.anymail_test_response = AnymailAPIError("boom")
    later = new_message(subject="later")
    with pytest.raises(AnymailAPIError) as raised:
        backend.send_messages([new_message(subject="one"), failing, later])
    assert [m.subject for m in mail.outbox] == ["one", "fails", "later"]
    assert raised.value.unsent_messages == [failing]
    assert later in raised.value.sent_messages


def test_post_send_error_aborts_remaining_messages_and_counts_as_sent(
    backend: Any, new_message: Any
) -> None:
    def broken_receiver(sender: Any, message: Any, **kwargs: Any) -> None:
        if message.subject == "fails":
            raise RuntimeError("bug in a receiver")

    failing = new_message(subject="fails")
    post_send.connect(broken_receiver, weak=False)
    try:
        with pytest.raises(RuntimeError) as raised:
            backend.send_messages([new_message(subject="one"), failing, new_message(subject="x")])
    finally:
        post_send.disconnect(broken_receiver)
    assert [m.subject for m in mail.outbox] == ["one", "fails"]  # a bug repeats: stop
    assert failing in raised.value.sent_messages  # the ESP has it: not safe to send again


def test_status_replaced_by_fresh_object_each_attempt(backend: Any, new_message: Any) -> None:
    message = new_message()
    original = message.anymail_status
    backend.send_messages([message])
    assert message.anymail_status is not original


def test_status_reset_when_later_attempt_is_cancelled(
    connect_receiver: Connect, backend: Any, new_message: Any
) -> None:
    message = new_message()
    backend.send_messages([message])
    connect_receiver(pre_send, raises=AnymailCancelSend())
    backend.send_messages([message])
    assert message.anymail_status.status is None
    assert message.anymail_status.recipients == {}


def test_status_reset_when_later_attempt_fails(backend: Any, new_message: Any) -> None:
    message = new_message()
    backend.send_messages([message])
    message.anymail_test_response = AnymailAPIError("down")
    with pytest.raises(AnymailAPIError):
        backend.send_messages([message])
    assert (message.anymail_status.message_id, message.anymail_status.status) == (None, None)
    assert message.anymail_status.esp_response is None


def test_esp_response_set_on_success(backend: Any, new_message: Any) -> None:
    message = respond(new_message(), to="sent")
    backend.send_messages([message])
    assert message.anymail_status.esp_response is message.anymail_test_response


def test_esp_response_set_even_when_response_unparsable(backend: Any, new_message: Any) -> None:
    message = new_message()
    message.anymail_test_response = {"unexpected": True}
    with pytest.raises(AnymailAPIError):
        backend.send_messages([message])
    assert message.anymail_status.esp_response == {"unexpected": True}


# -- fail_silently -------------------------------------------------------------------------------


def test_fail_silently_warns_deprecation_at_construction(
    test_backend: Callable[..., Any],
) -> None:
    with pytest.warns(DeprecationWarning) as record:
        test_backend(fail_silently=True)
    assert [str(w.message) for w in record] == [FAIL_SILENTLY_TEXT]


def test_no_deprecation_warning_without_fail_silently(test_backend: Callable[..., Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        test_backend()


def test_fail_silently_is_kept_on_the_backend(test_backend: Callable[..., Any]) -> None:
    assert quiet_backend(test_backend).fail_silently is True


def test_fail_silently_swallows_api_errors(
    test_backend: Callable[..., Any], new_message: Any
) -> None:
    message = new_message()
    message.anymail_test_response = AnymailAPIError("down")
    assert quiet_backend(test_backend).send_messages([message, new_message()]) == 1


def test_fail_silently_swallows_refused_recipients(
    test_backend: Callable[..., Any], new_message: Any
) -> None:
    backend = quiet_backend(test_backend)
    assert backend.send_messages([respond(new_message(), a="rejected")]) == 0


def test_fail_silently_does_not_swallow_type_errors(
    test_backend: Callable[..., Any], new_message: Any
) -> None:
    message = new_message()
    message.reply_to = "bare@example.com"
    with pytest.raises(TypeError):
        quiet_backend(test_backend).send_messages([message])


def test_message_send_fail_silently_reaches_backend(
    anymail_settings: Any, new_message: Any
) -> None:
    message = new_message()
    message.anymail_test_response = AnymailAPIError("down")
    with (
        warns_legacy_mail_api(match="'fail_silently' argument is deprecated"),
        pytest.warns(DeprecationWarning, match=FAIL_SILENTLY_TEXT),
    ):
        assert message.send(fail_silently=True) == 0


# -- construction through Django -----------------------------------------------------------------


def test_email_backend_setting_builds_the_test_backend(
    anymail_settings: Any, new_message: Any
) -> None:
    assert new_message().send() == 1
    assert mail.outbox[0].anymail_status.status == {"sent"}


def test_get_connection_with_backend_path_passes_kwargs(anymail_settings: Any) -> None:
    use_legacy_email_backend(anymail_settings, TEST_BACKEND)  # a path: not with MAILERS (6.1)
    with warns_legacy_mail_api(match="get_connection"):
        connection = mail.get_connection(TEST_BACKEND, ignore_unsupported_features=True)
    assert isinstance(connection, AnymailTestBackend)
    assert connection.ignore_unsupported_features is True


@pytest.fixture
def mailers(settings: Any) -> Any:
    """MAILERS with a default test backend (plus whatever a test adds)."""
    settings.ANYMAIL = {}
    settings.MAILERS = {"default": {"BACKEND": TEST_BACKEND}}
    return settings


@requires_mailers
def test_mailers_builds_new_instance_with_alias(mailers: Any) -> None:
    first, second = mail.mailers["default"], mail.mailers["default"]  # type: ignore[attr-defined]
    assert isinstance(first, AnymailTestBackend)
    assert first is not second
    assert first.alias == "default"


@requires_mailers
def test_mailers_options_are_settings(mailers: Any) -> None:
    mailers.MAILERS = {
        "default": {"BACKEND": TEST_BACKEND, "OPTIONS": {"ignore_unsupported_features": True}}
    }
    assert mail.mailers["default"].ignore_unsupported_features is True  # type: ignore[attr-defined]


@requires_mailers
def test_mailers_unknown_option_is_invalid_mailer(mailers: Any) -> None:
    from django.core.mail import InvalidMailer  # type: ignore[attr-defined]

    mailers.MAILERS = {"default": {"BACKEND": TEST_BACKEND, "OPTIONS": {"bogus": 1}}}
    with pytest.raises(InvalidMailer) as excinfo:
        mail.mailers["default"]  # type: ignore[attr-defined]
    assert str(excinfo.value) == "MAILERS['default']: Unknown options 'bogus'."


@requires_mailers
def test_mailers_missing_required_setting_is_anymail_invalid_mailer(mailers: Any) -> None:
    mailers.MAILERS = {"bulk": {"BACKEND": "anymail.backends.mailtrap.EmailBackend"}}
    with pytest.raises(AnymailInvalidMailer) as excinfo:
        mail.mailers["bulk"]  # type: ignore[attr-defined]
    assert str(excinfo.value) == "MAILERS['bulk']: OPTIONS must define 'api_token'"


@requires_mailers
def test_mailers_bad_idna_encoder_is_anymail_invalid_mailer(mailers: Any) -> None:
    mailers.MAILERS = {"default": {"BACKEND": TEST_BACKEND, "OPTIONS": {"idna_encoder": "x"}}}
    with pytest.raises(AnymailInvalidMailer) as excinfo:
        mail.mailers["default"]  # type: ignore[attr-defined]
    assert str(excinfo.value) == "MAILERS['default']: Cannot resolve IDNA_ENCODER='x'"


@requires_mailers
def test_mailers_fail_silently_option_is_consumed_not_forwarded(mailers: Any) -> None:
    mailers.MAILERS = {"default": {"BACKEND": TEST_BACKEND, "OPTIONS": {"fail_silently": True}}}
    with pytest.warns(DeprecationWarning, match=FAIL_SILENTLY_TEXT):
        backend = mail.mailers["default"]  # type: ignore[attr-defined]
    assert backend.fail_silently is True


@requires_mailers
def test_mailers_send_using_alias(mailers: Any, new_message: Any) -> None:
    mailers.MAILERS = {
        "default": {"BACKEND": TEST_BACKEND},
        "marketing": {"BACKEND": TEST_BACKEND, "OPTIONS": {"send_defaults": {"tags": ["m"]}}},
    }
    message = new_message()
    assert message.send(using="marketing") == 1  # type: ignore[call-arg]
    assert message.anymail_test_params["tags"] == ["m"]


@requires_mailers
def test_get_connection_kwargs_merge_into_default_mailer(mailers: Any) -> None:
    with warns_legacy_mail_api(match="get_connection"):
        connection = mail.get_connection(ignore_recipient_status=True, not_ours="ignored")
    assert connection.alias == "default"
    assert connection.ignore_recipient_status is True


def test_status_is_anymail_status(backend: Any, new_message: Any) -> None:
    message = new_message()
    backend.send_messages([message])
    assert isinstance(message.anymail_status, AnymailStatus)
