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


class SettingsReader:
    """Reads a backend's settings once, validating each and naming it in the error
    (AnymailInvalidMailer for a MAILERS alias, else AnymailConfigurationError)."""

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
        try:
            if isinstance(value, bool):
                raise ValueError
            number = kind(value)
            if number < minimum or (maximum is not None and number > maximum):
                raise ValueError
        except (TypeError, ValueError):
            limits = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
            raise self.error(name, value, f"a number {limits}") from None
        return number

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.get(name, default)
        if value not in choices:
            raise self.error(name, value, " or ".join(repr(choice) for choice in choices))
        return str(value)

    def error(self, name: str, value: Any, expected: str) -> AnymailConfigurationError:
        text = f"Invalid {setting_name(name, self.esp_name)}={value!r}: expected {expected}"
        if self.alias is not None:
            return AnymailInvalidMailer(text, alias=self.alias)
        return AnymailConfigurationError(text)
