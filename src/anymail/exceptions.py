"""The exception hierarchy: send-time errors, configuration errors and warnings."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from requests import HTTPError

try:
    from django.core.mail import InvalidMailer
except ImportError:  # Django < 6.1

    class InvalidMailer(ImproperlyConfigured):  # type: ignore[no-redef]
        """Stand-in for Django 6.1's InvalidMailer (accepts and ignores alias)."""

        def __init__(self, *args: Any, alias: str | None = None) -> None:
            super().__init__(*args)


DISTRIBUTION_NAME = "anymail-mailtrap"


class AnymailError(Exception):
    """Base of every error Anymail raises while sending (swallowed by fail_silently)."""

    response: Any
    #: Set on the error send_messages raises: which of its messages went out (sent), which
    #: surely did not (unsent: safe to send again), and which may have (unknown: the request
    #: went out but no answer came back; sending again may duplicate them).
    sent_messages: list[Any] | None = None
    unsent_messages: list[Any] | None = None
    unknown_messages: list[Any] | None = None
    #: API calls made (including retries) before giving up, when the error is an API failure.
    attempts: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.backend = kwargs.pop("backend", None)
        self.email_message = kwargs.pop("email_message", None)
        self.payload = kwargs.pop("payload", None)
        self.status_code = kwargs.pop("status_code", None)
        self.esp_name = kwargs.pop(
            "esp_name", getattr(self.backend, "esp_name", None) if self.backend else None
        )
        if isinstance(self, HTTPError):
            # requests.HTTPError stores `response` itself (and needs `request` too)
            self.response = kwargs.get("response")
        else:
            self.response = kwargs.pop("response", None)
        super().__init__(*args, **kwargs)

    def __str__(self) -> str:
        parts = [
            " ".join(str(arg) for arg in self.args),
            self._describe_cause(),
            self._describe_response(),
        ]
        return "\n".join(part for part in parts if part)

    def _describe_cause(self) -> str:
        cause = self.__cause__
        if cause is None:
            return ""
        return f"{type(cause).__name__}: {cause}"

    def _describe_response(self) -> str:
        if self.status_code is None:
            return ""
        reason = getattr(self.response, "reason", None)
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", errors="replace")
        description = f"{self.esp_name or 'ESP'} API response {self.status_code} ({reason})"
        try:
            body = json.dumps(self.response.json(), indent=2)
        except (AttributeError, KeyError, ValueError):
            text = getattr(self.response, "text", None)
            return f"{description}: {text!r}"
        return f"{description}:\n{body}"


class AnymailAPIError(AnymailError):
    """The ESP API call failed, or answered something Anymail cannot understand."""


class AnymailRequestsAPIError(AnymailAPIError, HTTPError):
    """An API error raised around a `requests` call (also a requests.HTTPError)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.response is not None and self.status_code is None:
            self.status_code = self.response.status_code


class AnymailRecipientsRefused(AnymailError):
    """Every recipient of a message was rejected or invalid."""

    def __init__(self, message: str | None = None, *args: Any, **kwargs: Any) -> None:
        if message is None:
            message = "All message recipients were rejected or invalid"
        super().__init__(message, *args, **kwargs)


class AnymailInvalidAddress(AnymailError, ValueError):
    """An email address could not be parsed or encoded."""


class AnymailUnsupportedFeature(AnymailError, ValueError):
    """The message uses a feature the ESP cannot provide."""


class AnymailSerializationError(AnymailError, TypeError):
    """The payload holds data that cannot be serialized to JSON."""

    def __init__(
        self,
        message: str | None = None,
        orig_err: Exception | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        if message is None:
            esp_name = kwargs.get("esp_name") or getattr(kwargs.get("backend"), "esp_name", None)
            message = (
                f"Don't know how to send this data to {esp_name or 'the ESP'}. "
                "Try converting it to a string or number first."
            )
        if orig_err is not None:
            message += f"\n{orig_err}"
        super().__init__(message, *args, **kwargs)


class AnymailCancelSend(AnymailError):
    """Raised by a pre_send receiver to skip sending a message."""


class AnymailWebhookValidationFailure(AnymailError, SuspiciousOperation):
    """A webhook call failed authentication or validation (answers HTTP 400)."""


class AnymailWebhookPayloadError(AnymailWebhookValidationFailure):
    """An authenticated request whose body is malformed; answered 400 with the reason as text.

    The reason names the problem (e.g. a missing field), never echoes secrets.
    """


class AnymailConfigurationError(ImproperlyConfigured):
    """Anymail is misconfigured. Deliberately not an AnymailError: never silenced."""


class AnymailInvalidMailer(AnymailConfigurationError, InvalidMailer):
    """A MAILERS entry's OPTIONS are wrong or incomplete."""

    def __init__(self, *args: Any, alias: str | None = None) -> None:
        self.alias = alias
        if alias is not None and args:
            args = (f"MAILERS[{alias!r}]: {args[0]}", *args[1:])
        ImproperlyConfigured.__init__(self, *args)


class AnymailImproperlyInstalled(AnymailConfigurationError, ImportError):
    """An optional package a feature needs is not installed."""

    def __init__(
        self, missing_package: str, install_extra: str = "mailtrap", feature: str = "this ESP"
    ) -> None:
        self.missing_package = missing_package
        message = (
            f"The {missing_package} package is required to use {feature}, but isn't installed.\n"
            f'(Be sure to use `pip install "{DISTRIBUTION_NAME}[{install_extra}]"` '
            f"with your desired ESP name(s).)"
        )
        super().__init__(message)


class AnymailWarning(Warning):
    """Base of Anymail's warnings."""


class AnymailInsecureWebhookWarning(AnymailWarning):
    """A webhook view runs without any authentication configured."""


class AnymailDeprecationWarning(AnymailWarning, DeprecationWarning):
    """An Anymail feature is deprecated."""


class AnymailNotSupportedWarning(AnymailWarning):
    """Something is not supported and was ignored."""
