"""System checks for settings that are renamed, insecure, or point at dropped backends."""

from __future__ import annotations

import warnings
from typing import Any

from django.conf import settings
from django.core import checks

from .settings import get_anymail_setting


def get_configured_email_backends() -> set[str]:
    """Backend paths configured via MAILERS (Django 6.1) or EMAIL_BACKEND."""
    mailers = getattr(settings, "MAILERS", None)
    if mailers:
        return {
            config.get("BACKEND", "django.core.mail.backends.smtp.EmailBackend")
            for config in mailers.values()
        }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Django 6.1 deprecates EMAIL_BACKEND
        return {settings.EMAIL_BACKEND}


def check_deprecated_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """anymail.E001 for the renamed WEBHOOK_AUTHORIZATION; W003 for dropped backends."""
    errors: list[checks.CheckMessage] = []
    anymail_settings = getattr(settings, "ANYMAIL", None) or {}
    if "WEBHOOK_AUTHORIZATION" in anymail_settings:
        errors.append(
            checks.Error(
                "The ANYMAIL setting 'WEBHOOK_AUTHORIZATION' has been renamed 'WEBHOOK_SECRET' "
                "to improve security.",
                hint="You must update your settings.py.",
                id="anymail.E001",
            )
        )
    if hasattr(settings, "ANYMAIL_WEBHOOK_AUTHORIZATION"):
        errors.append(
            checks.Error(
                "The ANYMAIL_WEBHOOK_AUTHORIZATION setting has been renamed "
                "ANYMAIL_WEBHOOK_SECRET to improve security.",
                hint="You must update your settings.py.",
                id="anymail.E001",
            )
        )
    if "anymail.backends.sendgrid.EmailBackend" in get_configured_email_backends():
        errors.append(
            checks.Warning(
                "Anymail no longer supports SendGrid (anymail.backends.sendgrid.EmailBackend).",
                hint="Switch to another ESP's backend, such as anymail.backends.mailtrap.",
                id="anymail.W003",
            )
        )
    return errors


def check_insecure_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """anymail.W002 when DEBUG_API_REQUESTS is on outside DEBUG."""
    if get_anymail_setting("debug_api_requests", default=False) and not settings.DEBUG:
        return [
            checks.Warning(
                "You have enabled the ANYMAIL setting DEBUG_API_REQUESTS, which can "
                "leak API keys and other sensitive data into logs or the console.",
                hint="You should not use DEBUG_API_REQUESTS in production deployment.",
                id="anymail.W002",
            )
        ]
    return []
