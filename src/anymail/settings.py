"""Setting lookup: constructor kwargs, then ANYMAIL, ANYMAIL_*, and optionally bare settings."""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from ._sentinel import UNSET
from .exceptions import AnymailConfigurationError, AnymailInvalidMailer

# kwargs whose None value means "not given" (Django passes username=None, etc.)
_NONE_MEANS_MISSING = frozenset({"username", "password"})

#: What `requests` takes as a timeout: seconds, (connect, read), or None (wait forever).
Timeout = float | tuple[float | None, float | None] | None


def setting_name(name: str, esp_name: str | None = None) -> str:
    """The upper-case setting key, e.g. MAILTRAP_API_TOKEN for ("api_token", "Mailtrap")."""
    if esp_name:
        return f"{esp_name.upper().replace(' ', '_')}_{name.upper()}"
    return name.upper()


def anymail_settings_dict() -> Mapping[str, Any]:
    """settings.ANYMAIL ({} when unset); anything but a dict is a configuration error
    (a str would otherwise be searched by substring and every setting look missing)."""
    value = getattr(settings, "ANYMAIL", None)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AnymailConfigurationError(
            f"ANYMAIL must be a dict, not {type(value).__name__}: "
            "e.g. ANYMAIL = {'MAILTRAP_API_TOKEN': '...'}"
        )
    return value


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
    anymail_settings = anymail_settings_dict()
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


def configuration_error(text: str, alias: str | None = None) -> AnymailConfigurationError:
    """AnymailInvalidMailer for a MAILERS alias (Django names the mailer), else the plain error."""
    if alias is not None:
        return AnymailInvalidMailer(text, alias=alias)
    return AnymailConfigurationError(text)


def _is_seconds(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def checked_timeout(
    value: Any, label: str = "REQUESTS_TIMEOUT", alias: str | None = None
) -> Timeout:
    """A `requests` timeout, checked now rather than when the first send fails:
    seconds > 0, a (connect, read) pair of them (either may be None), or None."""
    if value is None or _is_seconds(value):
        return value
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(part is None or _is_seconds(part) for part in value)
    ):
        return (value[0], value[1])
    raise configuration_error(
        f"{label}={value!r} is not a timeout: expected seconds > 0 (e.g. 30), "
        "a (connect, read) tuple of them, or None to wait forever",
        alias,
    )


def checked_url(value: Any, label: str, alias: str | None = None) -> str:
    """A base URL with a scheme and a host (a bare host name would fail only when sending)."""
    if isinstance(value, str):
        parts = urlsplit(value)
        if parts.scheme and parts.netloc:
            return value
    raise configuration_error(
        f"{label}={value!r} is not a URL: expected e.g. 'https://api.example.com/api/'", alias
    )


class SettingsReader:
    """Reads a backend's settings once, validating each and naming it in the error
    (AnymailInvalidMailer for a MAILERS alias, else AnymailConfigurationError).

    Every name is ESP-prefixed (MAILTRAP_...).
    """

    def __init__(self, esp_name: str, kwargs: MutableMapping[str, Any]) -> None:
        self.esp_name = esp_name
        self.kwargs = kwargs
        self.alias = kwargs.get("alias")

    def get(self, name: str, default: Any) -> Any:
        return get_anymail_setting(
            name, esp_name=self.esp_name, kwargs=self.kwargs, default=default
        )

    def text(self, name: str, default: str) -> str:
        value = self.get(name, default)
        if not isinstance(value, str) or not value:
            raise self.error(name, value, "a non-empty string")
        return value

    def number(
        self, name: str, default: Any, kind: type, minimum: float, maximum: float | None = None
    ) -> Any:
        return self.check(name, self.get(name, default), kind, minimum, maximum)

    def optional_number(self, name: str, default: float | None) -> float | None:
        value = self.get(name, default)
        return None if value is None else float(self.check(name, value, float, 0))

    def check(
        self, name: str, value: Any, kind: type, minimum: float, maximum: float | None = None
    ) -> Any:
        """`value` as a `kind` (int or float) within the limits; numeric strings are read,
        but not booleans, fractions for an int, NaN or infinity."""
        try:
            if isinstance(value, bool):
                raise ValueError
            if kind is int and isinstance(value, float) and not value.is_integer():
                raise ValueError
            number = kind(value)
            if not math.isfinite(number):
                raise ValueError
            if number < minimum or (maximum is not None and number > maximum):
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            whole = "a whole number" if kind is int else "a number"
            limits = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
            raise self.error(name, value, f"{whole} {limits}") from None
        return number

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.get(name, default)
        if value not in choices:
            raise self.error(name, value, " or ".join(repr(choice) for choice in choices))
        return str(value)

    def error(
        self, name: str, value: Any, expected: str, what: str = "valid"
    ) -> AnymailConfigurationError:
        """`MAILTRAP_X=<value> is not <what>: expected <expected>` (never used for secrets)."""
        text = f"{setting_name(name, self.esp_name)}={value!r} is not {what}: expected {expected}"
        return configuration_error(text, self.alias)
