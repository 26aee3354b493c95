"""§9 system checks."""

from __future__ import annotations

import warnings
from typing import Any

from django.core import checks

from anymail.checks import (
    check_deprecated_settings,
    check_insecure_settings,
    get_configured_email_backends,
)
from tests.conftest import use_backend, use_legacy_email_backend

from .conftest import MAILTRAP_BACKEND, mailers_only


def ids(messages: list[Any]) -> list[str]:
    return [message.id for message in messages]


def test_checks_registered_untagged() -> None:
    registered = checks.registry.registry.get_checks()
    assert check_deprecated_settings in registered
    assert check_insecure_settings in registered
    assert not getattr(check_deprecated_settings, "tags", [])
    assert not getattr(check_insecure_settings, "tags", [])


def test_clean_settings_no_messages(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "t"}
    use_backend(settings, MAILTRAP_BACKEND)
    assert check_deprecated_settings(None) == []
    assert check_insecure_settings(None) == []


def test_e001_webhook_authorization_in_anymail(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_AUTHORIZATION": "u:p"}
    messages = check_deprecated_settings(None)
    assert ids(messages) == ["anymail.E001"]
    assert isinstance(messages[0], checks.Error)
    assert "WEBHOOK_SECRET" in messages[0].msg
    assert "settings.py" in messages[0].hint


def test_e001_prefixed_webhook_authorization(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.ANYMAIL_WEBHOOK_AUTHORIZATION = "u:p"
    messages = check_deprecated_settings(None)
    assert ids(messages) == ["anymail.E001"]
    assert "ANYMAIL_WEBHOOK_SECRET" in messages[0].msg


def test_w002_debug_api_requests_without_debug(settings: Any) -> None:
    settings.DEBUG = False
    settings.ANYMAIL = {"DEBUG_API_REQUESTS": True}
    messages = check_insecure_settings(None)
    assert ids(messages) == ["anymail.W002"]
    assert isinstance(messages[0], checks.Warning)


def test_w002_prefixed_setting(settings: Any) -> None:
    settings.DEBUG = False
    settings.ANYMAIL = {}
    settings.ANYMAIL_DEBUG_API_REQUESTS = True
    assert ids(check_insecure_settings(None)) == ["anymail.W002"]


def test_w002_not_with_debug(settings: Any) -> None:
    settings.DEBUG = True
    settings.ANYMAIL = {"DEBUG_API_REQUESTS": True}
    assert check_insecure_settings(None) == []


def test_w003_sendgrid_backend(settings: Any) -> None:
    settings.ANYMAIL = {}
    use_legacy_email_backend(settings, "anymail.backends.sendgrid.EmailBackend")
    messages = check_deprecated_settings(None)
    assert ids(messages) == ["anymail.W003"]
    assert isinstance(messages[0], checks.Warning)


def test_get_configured_email_backends_from_email_backend(settings: Any) -> None:
    use_legacy_email_backend(settings, MAILTRAP_BACKEND)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert get_configured_email_backends() == {MAILTRAP_BACKEND}


@mailers_only
def test_get_configured_email_backends_from_mailers(settings: Any) -> None:
    settings.MAILERS = {
        "default": {"BACKEND": MAILTRAP_BACKEND, "OPTIONS": {"api_token": "t"}},
        "other": {},
    }
    assert get_configured_email_backends() == {
        MAILTRAP_BACKEND,
        "django.core.mail.backends.smtp.EmailBackend",
    }


@mailers_only
def test_w003_sendgrid_in_mailers(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.sendgrid.EmailBackend"}}
    assert ids(check_deprecated_settings(None)) == ["anymail.W003"]
