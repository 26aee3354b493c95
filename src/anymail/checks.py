"""System checks for settings that are renamed, insecure, unknown, or point at dropped
backends."""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import checks

from .exceptions import AnymailConfigurationError
from .known_settings import known_settings
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
    try:
        debug_api_requests = get_anymail_setting("debug_api_requests", default=False)
    except AnymailConfigurationError:  # ANYMAIL is not a dict: anymail.E002 says so
        return []
    if debug_api_requests and not settings.DEBUG:
        return [
            checks.Warning(
                "You have enabled the ANYMAIL setting DEBUG_API_REQUESTS, which can "
                "leak API keys and other sensitive data into logs or the console.",
                hint="You should not use DEBUG_API_REQUESTS in production deployment.",
                id="anymail.W002",
            )
        ]
    return []


def check_unknown_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """anymail.W004 for each ANYMAIL key or ANYMAIL_* setting that Anymail never reads (a
    typo would otherwise be ignored silently); anymail.E002 when ANYMAIL is not a dict."""
    known = known_settings()
    messages: list[checks.CheckMessage] = []
    anymail_settings = getattr(settings, "ANYMAIL", None)
    if anymail_settings is not None and not isinstance(anymail_settings, Mapping):
        messages.append(
            checks.Error(
                f"ANYMAIL must be a dict, not {type(anymail_settings).__name__}.",
                hint="Write ANYMAIL = {'MAILTRAP_API_TOKEN': '...', ...} in settings.py.",
                id="anymail.E002",
            )
        )
    for key in anymail_settings if isinstance(anymail_settings, Mapping) else ():
        if key not in known:
            shown = f'ANYMAIL["{key}"]' if isinstance(key, str) else f"ANYMAIL[{key!r}]"
            messages.append(_unknown_setting(shown, _closest(str(key), known)))
    for name in sorted(dir(settings)):
        if name.startswith("ANYMAIL_") and name.removeprefix("ANYMAIL_") not in known:
            closest = _closest(name, known)
            messages.append(_unknown_setting(name, closest and f"ANYMAIL_{closest}"))
    return messages


def _unknown_setting(shown: str, suggestion: str | None) -> checks.Warning:
    text = f"{shown} is not a setting Anymail knows."
    if suggestion:
        text += f" Did you mean {suggestion}?"
    return checks.Warning(
        text,
        hint="Anymail ignores it: check the spelling. An optional Anymail app's settings "
        "are known once the app is in INSTALLED_APPS.",
        id="anymail.W004",
    )


def _closest(name: str, known: frozenset[str]) -> str | None:
    """The known ANYMAIL key `name` most likely meant (misspelt, wrongly (un)prefixed)."""
    key = name.upper().removeprefix("ANYMAIL_")
    for candidate in (key, f"MAILTRAP_{key}", key.removeprefix("MAILTRAP_")):
        if candidate in known:
            return candidate
    matches = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.8)
    return matches[0] if matches else None
