"""The test suite's own setup: each Django's mail setting, and its deprecations as errors."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from django.conf import settings as django_settings

from anymail.backends.test import EmailBackend as TestBackend
from tests import settings as test_settings
from tests.conftest import (
    DEFAULT_ALIAS,
    DJANGO_DEPRECATIONS,
    TEST_BACKEND,
    USES_MAILERS,
    default_mailer,
    use_legacy_email_backend,
    warns_legacy_mail_api,
)


def test_every_django_deprecation_warning_is_an_error() -> None:
    assert DJANGO_DEPRECATIONS  # each Django has at least one RemovedInDjango*Warning
    for category in DJANGO_DEPRECATIONS:
        with pytest.raises(category):
            warnings.warn("a deprecated Django API", category, stacklevel=1)


def test_the_settings_use_the_mail_setting_of_this_django() -> None:
    if USES_MAILERS:
        assert test_settings.MAILERS == {"default": {"BACKEND": TEST_BACKEND}}
        assert not hasattr(test_settings, "EMAIL_BACKEND")
        assert not hasattr(django_settings, "EMAIL_BACKEND")  # and asking did not warn
    else:
        assert test_settings.EMAIL_BACKEND == TEST_BACKEND
        assert not hasattr(test_settings, "MAILERS")


def test_default_mailer_builds_the_default_backend_with_options(anymail_settings: Any) -> None:
    backend = default_mailer(ignore_unsupported_features=True)
    assert isinstance(backend, TestBackend)
    assert backend.ignore_unsupported_features is True
    assert backend.alias == DEFAULT_ALIAS


def test_legacy_email_backend_is_used_and_its_warning_asserted(settings: Any) -> None:
    use_legacy_email_backend(settings, TEST_BACKEND)
    with warns_legacy_mail_api(match="get_connection"):
        from django.core.mail import get_connection

        backend = get_connection()
    assert isinstance(backend, TestBackend)
    assert backend.alias is None  # built from EMAIL_BACKEND, not a MAILERS entry
