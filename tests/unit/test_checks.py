"""System checks (§9) and get_configured_email_backends."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from django.core import checks

from anymail.checks import (
    check_deprecated_settings,
    check_insecure_settings,
    get_configured_email_backends,
)
from tests.conftest import use_backend, use_legacy_email_backend

SENDGRID = "anymail.backends.sendgrid.EmailBackend"


@pytest.fixture(autouse=True)
def clean_settings(settings: Any) -> Any:
    settings.ANYMAIL = {}
    settings.DEBUG = False
    use_backend(settings, "anymail.backends.test.EmailBackend")
    return settings


def ids(messages: list[Any]) -> list[str]:
    return [message.id for message in messages]


def test_clean_settings_pass_both_checks() -> None:
    assert check_deprecated_settings() + check_insecure_settings() == []


def test_e001_for_webhook_authorization_in_anymail_dict(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_AUTHORIZATION": "user:pass"}
    (error,) = check_deprecated_settings()
    assert error.id == "anymail.E001"
    assert error.level == checks.ERROR
    assert "WEBHOOK_SECRET" in error.msg
    assert "settings.py" in error.hint


def test_e001_for_prefixed_webhook_authorization_setting(settings: Any) -> None:
    settings.ANYMAIL_WEBHOOK_AUTHORIZATION = "user:pass"
    (error,) = check_deprecated_settings()
    assert error.id == "anymail.E001"
    assert "ANYMAIL_WEBHOOK_SECRET" in error.msg


def test_e001_reported_for_each_form(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_AUTHORIZATION": "user:pass"}
    settings.ANYMAIL_WEBHOOK_AUTHORIZATION = "user:pass"
    assert ids(check_deprecated_settings()) == ["anymail.E001", "anymail.E001"]


def test_w002_for_debug_api_requests_outside_debug(settings: Any) -> None:
    settings.ANYMAIL = {"DEBUG_API_REQUESTS": True}
    (warning,) = check_insecure_settings()
    assert warning.id == "anymail.W002"
    assert warning.level == checks.WARNING
    assert "production" in warning.hint


def test_w002_for_prefixed_debug_api_requests(settings: Any) -> None:
    settings.ANYMAIL_DEBUG_API_REQUESTS = True
    assert ids(check_insecure_settings()) == ["anymail.W002"]


def test_no_w002_when_debug_is_on(settings: Any) -> None:
    settings.ANYMAIL = {"DEBUG_API_REQUESTS": True}
    settings.DEBUG = True
    assert check_insecure_settings() == []


def test_no_w002_when_debug_api_requests_falsy(settings: Any) -> None:
    settings.ANYMAIL = {"DEBUG_API_REQUESTS": False}
    assert check_insecure_settings() == []


def test_w003_for_sendgrid_email_backend(settings: Any) -> None:
    use_legacy_email_backend(settings, SENDGRID)
    (warning,) = check_deprecated_settings()
    assert warning.id == "anymail.W003"
    assert warning.level == checks.WARNING


def test_w003_for_sendgrid_in_mailers(settings: Any) -> None:
    settings.MAILERS = {
        "default": {"BACKEND": "anymail.backends.test.EmailBackend"},
        "old": {"BACKEND": SENDGRID},
    }
    assert ids(check_deprecated_settings()) == ["anymail.W003"]


def test_checks_are_registered_with_django(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_AUTHORIZATION": "x", "DEBUG_API_REQUESTS": True}
    found = ids(checks.run_checks())
    assert "anymail.E001" in found
    assert "anymail.W002" in found


def test_configured_backends_from_email_backend(settings: Any) -> None:
    use_legacy_email_backend(settings, "anymail.backends.mailtrap.EmailBackend")
    assert get_configured_email_backends() == {"anymail.backends.mailtrap.EmailBackend"}


def test_configured_backends_from_mailers(settings: Any) -> None:
    settings.MAILERS = {
        "default": {"BACKEND": "anymail.backends.mailtrap.EmailBackend"},
        "bulk": {"BACKEND": "anymail.backends.mailtrap.EmailBackend"},
        "dev": {"BACKEND": "anymail.backends.console.EmailBackend"},
    }
    assert get_configured_email_backends() == {
        "anymail.backends.mailtrap.EmailBackend",
        "anymail.backends.console.EmailBackend",
    }


def test_mailers_entry_without_backend_is_smtp(settings: Any) -> None:
    settings.MAILERS = {"default": {}}
    assert get_configured_email_backends() == {"django.core.mail.backends.smtp.EmailBackend"}


def test_reading_email_backend_does_not_warn(settings: Any) -> None:
    use_legacy_email_backend(settings, "anymail.backends.test.EmailBackend")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert get_configured_email_backends() == {"anymail.backends.test.EmailBackend"}
