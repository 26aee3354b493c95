"""Setting lookup: constructor kwargs, then ANYMAIL, ANYMAIL_*, and optionally bare settings."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from django.conf import settings

from ._sentinel import UNSET
from .exceptions import AnymailConfigurationError, AnymailInvalidMailer

# kwargs whose None value means "not given" (Django passes username=None, etc.)
_NONE_MEANS_MISSING = frozenset({"username", "password"})


def setting_name(name: str, esp_name: str | None = None) -> str:
    """The upper-case setting key, e.g. MAILTRAP_API_TOKEN for ("api_token", "Mailtrap")."""
    if esp_name:
        return f"{esp_name.upper().replace(' ', '_')}_{name.upper()}"
    return name.upper()


def get_anymail_setting(
    name: str,
    default: Any = UNSET,
    esp_name: str | None = None,
    kwargs: MutableMapping[str, Any] | None = None,
    allow_bare: bool = False,
) -> Any:
    """Return a setting, looked up by presence (not truthiness) in documented order.

    A found kwargs entry is popped, so leftover kwargs can be reported as unknown.
    """
    if kwargs is not None and name in kwargs:
        value = kwargs.pop(name)
        if not (value is None and name in _NONE_MEANS_MISSING):
            return value

    key = setting_name(name, esp_name)
    anymail_settings = getattr(settings, "ANYMAIL", None) or {}
    if key in anymail_settings:
        return anymail_settings[key]

    prefixed = f"ANYMAIL_{key}"
    if hasattr(settings, prefixed):
        return getattr(settings, prefixed)

    if allow_bare and hasattr(settings, key):
        return getattr(settings, key)

    if default is not UNSET:
        return default

    if kwargs is not None and "alias" in kwargs:
        raise AnymailInvalidMailer(f"OPTIONS must define {name!r}", alias=kwargs["alias"])
    bare = f" or {key}" if allow_bare else ""
    raise AnymailConfigurationError(
        f"You must set ANYMAIL = {{{key!r}: ...}} or {prefixed}{bare} in your Django settings"
    )
