"""Mailtrap backend connection lifecycle, fail_silently, and use through Django's mail API."""

from __future__ import annotations

import warnings

import django
import pytest
import requests
from django.core import mail

from anymail.backends.mailtrap import EmailBackend
from anymail.exceptions import (
    AnymailCancelSend,
    AnymailConfigurationError,
    AnymailDeprecationWarning,
    AnymailInvalidMailer,
)
from anymail.signals import post_send, pre_send
from tests.conftest import use_backend, use_legacy_email_backend, warns_legacy_mail_api

from .conftest import MAILTRAP_API_TOKEN, MAILTRAP_BACKEND

FAIL_SILENTLY_TEXT = "Anymail will drop support for fail_silently after Django 6.2."

requires_mailers = pytest.mark.skipif(django.VERSION < (6, 1), reason="MAILERS is Django 6.1+")


class SessionSpy:
    """Records every requests.Session created and every close() call."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.created: list[requests.Session] = []
        self.closed: list[requests.Session] = []
        original_init = requests.Session.__init__
        original_close = requests.Session.close

        def init(session: requests.Session) -> None:
            original_init(session)
            self.created.append(session)

        def close(session: requests.Session) -> None:
            self.closed.append(session)
            original_close(session)

        monkeypatch.setattr(requests.Session, "__init__", init)
        monkeypatch.setattr(requests.Session, "close", close)


@pytest.fixture
def sessions(monkeypatch, mailtrap_api):
    return SessionSpy(monkeypatch)


def fail_silently_backend(**kwargs):
    with pytest.warns(AnymailDeprecationWarning, match=FAIL_SILENTLY_TEXT):
        return EmailBackend(fail_silently=True, **kwargs)


# -- sessions -----------------------------------------------------------------------------


def test_no_session_until_opened(mailtrap_settings):
    assert EmailBackend().session is None


def test_send_messages_uses_one_session_for_all_messages(sessions, mailtrap_api, new_message):
    backend = EmailBackend()
    assert backend.send_messages([new_message(), new_message(), new_message()]) == 3
    assert len(mailtrap_api.calls) == 3
    assert len(sessions.created) == 1
    assert sessions.closed == sessions.created
    assert backend.session is None


def test_each_send_messages_call_opens_its_own_session(sessions, new_message):
    backend = EmailBackend()
    backend.send_messages([new_message()])
    backend.send_messages([new_message()])
    assert len(sessions.created) == 2
    assert sessions.closed == sessions.created


def test_session_reused_across_calls_inside_with_block(sessions, mailtrap_api, new_message):
    with EmailBackend() as backend:
        session = backend.session
        assert isinstance(session, requests.Session)
        backend.send_messages([new_message()])
        backend.send_messages([new_message()])
        assert backend.session is session
        assert sessions.closed == []
    assert sessions.created == [session]
    assert sessions.closed == [session]
    assert backend.session is None
    assert len(mailtrap_api.calls) == 2


def test_explicit_open_and_close(sessions, new_message):
    backend = EmailBackend()
    assert backend.open() is True
    assert backend.open() is False
    backend.send_messages([new_message()])
    backend.send_messages([new_message()])
    assert len(sessions.created) == 1
    backend.close()
    backend.close()
    assert len(sessions.closed) == 1
    assert backend.session is None


def test_session_closed_even_when_send_fails(sessions, mailtrap_api, new_message):
    mailtrap_api.reply({"success": False}, status=500)
    with pytest.raises(requests.HTTPError):
        EmailBackend().send_messages([new_message()])
    assert len(sessions.created) == 1
    assert sessions.closed == sessions.created


def test_fatal_error_aborts_remaining_messages(mailtrap_api, new_message):
    # Sequential sending; with concurrency, calls already in flight also finish
    # (tests/unit/test_concurrent_sending.py)
    mailtrap_api.reply({"success": False, "errors": ["Unauthorized"]}, status=401)
    with pytest.raises(requests.HTTPError):
        EmailBackend(send_concurrency=1).send_messages([new_message(), new_message()])
    assert len(mailtrap_api.calls) == 1


def test_server_error_for_one_message_does_not_stop_the_next(mailtrap_api, new_message):
    mailtrap_api.reply({"success": False}, status=500)
    messages = [new_message(), new_message()]
    with pytest.raises(requests.HTTPError) as raised:
        EmailBackend(send_concurrency=1).send_messages(messages)
    sends = [call for call in mailtrap_api.calls if call.request.method == "POST"]
    assert len(sends) == 2
    # A 5xx may have been accepted; this mock serves no Email Logs to look them up in
    assert raised.value.unknown_messages == messages


@pytest.mark.parametrize("messages", [[], None], ids=["empty-list", "none"])
def test_empty_send_messages_does_not_open(sessions, mailtrap_api, messages):
    backend = EmailBackend()
    assert backend.send_messages(messages) == 0
    assert sessions.created == []
    assert mailtrap_api.calls == []


def test_send_mass_mail_uses_one_session(sessions, mailtrap_api, mailtrap_settings):
    use_backend(mailtrap_settings, MAILTRAP_BACKEND)
    datatuple = [
        ("Subject 1", "Body 1", "from@example.com", ["one@example.com"]),
        ("Subject 2", "Body 2", "from@example.com", ["two@example.com"]),
    ]
    assert mail.send_mass_mail(datatuple) == 2
    assert [call.request.url for call in mailtrap_api.calls] == [
        "https://send.api.mailtrap.io/api/send"
    ] * 2
    assert len(sessions.created) == 1
    assert sessions.closed == sessions.created


# -- pipeline signals ---------------------------------------------------------------------


def test_pre_send_cancel_skips_message(mailtrap_api, new_message):
    def cancel(sender, message, esp_name, **kwargs):
        raise AnymailCancelSend("not this one")

    pre_send.connect(cancel, weak=False)
    try:
        assert EmailBackend().send_messages([new_message()]) == 0
    finally:
        pre_send.disconnect(cancel)
    assert mailtrap_api.calls == []


def test_post_send_receives_status(mailtrap_api, new_message):
    seen = []

    def receiver(sender, message, status, esp_name, **kwargs):
        seen.append((sender, status.message_id, esp_name))

    post_send.connect(receiver, weak=False)
    try:
        EmailBackend().send_messages([new_message()])
    finally:
        post_send.disconnect(receiver)
    assert seen == [(EmailBackend, "id-0", "Mailtrap")]


# -- fail_silently ------------------------------------------------------------------------


def test_fail_silently_warns_deprecation_with_exact_text(mailtrap_settings):
    with pytest.warns(DeprecationWarning) as record:
        EmailBackend(fail_silently=True)
    assert [str(w.message) for w in record] == [FAIL_SILENTLY_TEXT]
    assert issubclass(record[0].category, AnymailDeprecationWarning)


def test_no_warning_without_fail_silently(mailtrap_settings):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        backend = EmailBackend(fail_silently=False)
    assert backend.fail_silently is False


def test_fail_silently_swallows_api_errors(mailtrap_api, new_message):
    mailtrap_api.reply({"success": False, "errors": ["x"]}, status=400)
    backend = fail_silently_backend()
    assert backend.send_messages([new_message(), new_message()]) == 0
    assert len(mailtrap_api.calls) == 2


def test_fail_silently_swallows_connection_errors(mailtrap_api, new_message):
    mailtrap_api.reply(exception=requests.ConnectionError("down"))
    assert fail_silently_backend().send_messages([new_message()]) == 0


def test_fail_silently_swallows_unsupported_features(mailtrap_api, new_message):
    message = new_message(tags=["one", "two"])
    assert fail_silently_backend().send_messages([message, new_message()]) == 1
    assert len(mailtrap_api.calls) == 1


def test_fail_silently_does_not_swallow_configuration_errors(mailtrap_api, new_message):
    def misconfigured(sender, message, esp_name, **kwargs):
        raise AnymailConfigurationError("bad config")

    pre_send.connect(misconfigured, weak=False)
    try:
        with pytest.raises(AnymailConfigurationError, match="bad config"):
            fail_silently_backend().send_messages([new_message()])
    finally:
        pre_send.disconnect(misconfigured)


def test_fail_silently_does_not_swallow_missing_token(settings):
    settings.ANYMAIL = {}
    with pytest.raises(AnymailConfigurationError), warnings.catch_warnings():
        warnings.simplefilter("ignore", AnymailDeprecationWarning)
        EmailBackend(fail_silently=True)


def test_fail_silently_does_not_swallow_type_errors(mailtrap_api, new_message):
    message = new_message()
    message.reply_to = "bare-string@example.com"
    with pytest.raises(TypeError):
        fail_silently_backend().send_messages([message])


# -- Django's mail API with EMAIL_BACKEND -------------------------------------------------


@pytest.fixture
def email_backend_setting(mailtrap_settings):
    use_legacy_email_backend(mailtrap_settings, MAILTRAP_BACKEND)
    return mailtrap_settings


def test_send_mail_with_email_backend_setting(email_backend_setting, mailtrap_api):
    sent = mail.send_mail("Subject", "Body", "from@example.com", ["to@example.com"])
    assert sent == 1
    assert mailtrap_api.last_request.headers["Api-Token"] == MAILTRAP_API_TOKEN
    assert mailtrap_api.last_json["to"] == [{"email": "to@example.com"}]


def test_email_message_send_with_email_backend_setting(email_backend_setting, mailtrap_api):
    message = mail.EmailMessage("Subject", "Body", "from@example.com", ["to@example.com"])
    assert message.send() == 1
    assert message.anymail_status.message_id == "id-0"
    assert mailtrap_api.last_request.url == "https://send.api.mailtrap.io/api/send"


def test_get_connection_passes_kwargs(email_backend_setting, mailtrap_api):
    with warns_legacy_mail_api(match=r"get_connection\(\) is deprecated"):
        connection = mail.get_connection(api_token="kwarg-token", sandbox_id=42)
    assert isinstance(connection, EmailBackend)
    assert connection.api_token == "kwarg-token"
    assert connection.use_sandbox is True


def test_send_mail_fail_silently(email_backend_setting, mailtrap_api):
    mailtrap_api.reply({"success": False, "errors": ["x"]}, status=500)
    with (
        warns_legacy_mail_api(match="'fail_silently' argument is deprecated"),
        pytest.warns(DeprecationWarning, match=FAIL_SILENTLY_TEXT),
    ):
        sent = mail.send_mail(
            "Subject", "Body", "from@example.com", ["to@example.com"], fail_silently=True
        )
    assert sent == 0


# -- Django 6.1 MAILERS -------------------------------------------------------------------


def mailers(settings, **options):
    if hasattr(settings, "EMAIL_BACKEND"):
        del settings.EMAIL_BACKEND
    settings.MAILERS = {"default": {"BACKEND": MAILTRAP_BACKEND, "OPTIONS": options}}


@requires_mailers
def test_mailers_options_configure_backend(settings, mailtrap_api):
    settings.ANYMAIL = {}
    mailers(
        settings,
        api_token="mailers-token",
        sandbox_id=321,
        api_url="https://sandbox.example.com/api",
    )
    backend = mail.mailers["default"]
    assert isinstance(backend, EmailBackend)
    assert backend.alias == "default"
    assert backend.api_token == "mailers-token"
    assert backend.api_url == "https://sandbox.example.com/api/"


@requires_mailers
def test_send_mail_with_mailers(settings, mailtrap_api):
    settings.ANYMAIL = {}
    mailers(settings, api_token="mailers-token", sandbox_id=321)
    mailtrap_api.reply({"success": True, "message_ids": ["sandbox-id"]})
    assert mail.send_mail("Subject", "Body", "from@example.com", ["to@example.com"]) == 1
    assert mailtrap_api.last_request.url == "https://sandbox.api.mailtrap.io/api/send/321"
    assert mailtrap_api.last_request.headers["Api-Token"] == "mailers-token"


@requires_mailers
def test_email_message_send_with_mailers(settings, mailtrap_api):
    mailers(settings, api_token="mailers-token", requests_timeout=7)
    message = mail.EmailMessage("Subject", "Body", "from@example.com", ["to@example.com"])
    assert message.send() == 1
    assert mailtrap_api.last_request.url == "https://send.api.mailtrap.io/api/send"
    assert mailtrap_api.last_request.req_kwargs["timeout"] == 7


@requires_mailers
def test_mailers_unknown_option_is_invalid_mailer(settings):
    mailers(settings, api_token="mailers-token", bogus_option=1)
    with pytest.raises(mail.InvalidMailer, match="bogus_option"):
        mail.mailers["default"]


@requires_mailers
def test_mailers_missing_api_token_is_invalid_mailer(settings):
    settings.ANYMAIL = {}
    mailers(settings, sandbox_id=321)
    with pytest.raises(AnymailInvalidMailer) as excinfo:
        mail.mailers["default"]
    assert str(excinfo.value) == "MAILERS['default']: OPTIONS must define 'api_token'"
    assert isinstance(excinfo.value, mail.InvalidMailer)
    assert isinstance(excinfo.value, AnymailConfigurationError)
