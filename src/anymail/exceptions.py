"""The exception hierarchy: send-time errors, configuration errors and warnings."""

from __future__ import annotations

import copy
import json
import sys
import threading
from typing import Any

import requests
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from requests import HTTPError
from requests.structures import CaseInsensitiveDict

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

    def __reduce__(self) -> Any:
        """Pickles (Celery, multiprocessing) without the backend and payload -- they hold
        the API token -- but with the text, status, response and message lists."""
        return _reduce(self, _portable_state(self))

    def _describe_cause(self) -> str:
        cause = self.__cause__
        if cause is None:
            # an unpickled error: the cause itself did not travel, its description did
            return str(self.__dict__.get("_cause_description", ""))
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

    def __reduce__(self) -> Any:
        return _reduce(self, dict(self.__dict__))  # subclasses' __init__ take other args


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


# -- errors around a `requests` call -----------------------------------------------------------

_REQUESTS_ERROR_CLASSES: dict[type[BaseException], type[AnymailRequestsAPIError]] = {}
_CLASSES_LOCK = threading.Lock()


def requests_error_class(error_type: type[BaseException]) -> type[AnymailRequestsAPIError]:
    """AnymailRequestsAPIError combined with a `requests` exception type (ConnectionError,
    ReadTimeout, ...), so that both `except` clauses catch it: one class per type,
    made once, whose instances pickle (they are rebuilt from the requests type)."""
    found = _REQUESTS_ERROR_CLASSES.get(error_type)
    if found is not None:
        return found
    if issubclass(error_type, AnymailRequestsAPIError):
        return error_type  # already both
    with _CLASSES_LOCK:
        found = _REQUESTS_ERROR_CLASSES.get(error_type)
        if found is None:
            namespace = {"__module__": __name__, "_requests_error_type": error_type}
            found = type(
                "AnymailRequestsAPIError", (AnymailRequestsAPIError, error_type), namespace
            )
            _REQUESTS_ERROR_CLASSES[error_type] = found
        return found


# -- pickling ----------------------------------------------------------------------------------

#: Never pickled: the backend and the payload (its headers) hold the API token.
_LEFT_OUT = ("backend", "payload")
_MESSAGE_LISTS = ("sent_messages", "unsent_messages", "unknown_messages")


def _reduce(error: BaseException, state: dict[str, Any]) -> Any:
    requests_type = type(error).__dict__.get("_requests_error_type")
    if requests_type is not None:
        return _rebuild_requests_error, (_importable_base(requests_type), error.args, state)
    return _rebuild, (type(error), error.args, state)


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """An exception as it was pickled, without running its __init__ again (which may take
    other arguments, or change the text)."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


def _rebuild_requests_error(
    requests_type: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]
) -> Any:
    return _rebuild(requests_error_class(requests_type), args, state)


def _importable_base(error_type: type[BaseException]) -> type[BaseException]:
    """The type, or its nearest base that unpickling can import (a test's local class
    becomes the requests type it derives from)."""
    for candidate in error_type.__mro__:
        module = sys.modules.get(candidate.__module__)
        found: Any = module
        for name in candidate.__qualname__.split("."):
            found = getattr(found, name, None)
        if found is candidate:
            return candidate
    return requests.RequestException


def _portable_state(error: AnymailError) -> dict[str, Any]:
    """The error's attributes, minus the token holders, with responses and messages made
    token-free (docs/security.md, "Secrets")."""
    state = {name: value for name, value in error.__dict__.items() if name not in _LEFT_OUT}
    state.update(dict.fromkeys(_LEFT_OUT))
    if "response" in state:
        state["response"] = portable_response(state["response"])
    if "request" in state:  # requests' exceptions keep the PreparedRequest: its headers
        response = state.get("response")
        state["request"] = getattr(response, "request", None)
    if "email_message" in state:
        state["email_message"] = portable_message(state["email_message"])
    for name in _MESSAGE_LISTS:
        messages = state.get(name)
        if isinstance(messages, list):
            state[name] = [portable_message(message) for message in messages]
    cause = error._describe_cause()
    if cause:
        state["_cause_description"] = cause
    return state


def portable_response(response: Any) -> Any:
    """A `requests.Response` with the same answer, whose request keeps only the method
    and URL (no headers, no body); anything else unchanged."""
    if not isinstance(response, requests.Response):
        return response
    copied = requests.Response()
    copied.status_code = response.status_code
    copied.reason = response.reason
    copied.url = response.url
    copied.headers = response.headers
    copied.encoding = response.encoding
    copied.elapsed = response.elapsed
    content = response.__dict__.get("_content")
    copied._content = content if isinstance(content, bytes) else b""
    copied._content_consumed = True  # type: ignore[attr-defined]
    request = getattr(response, "request", None)
    if request is not None:
        bare = requests.PreparedRequest()
        bare.method = request.method
        bare.url = request.url
        bare.headers = CaseInsensitiveDict()
        copied.request = bare
    return copied


def portable_message(message: Any) -> Any:
    """The message, or a copy without its connection (the backend Django's
    EmailMessage.send() stores there holds the token). Read from the instance dict:
    Django 6.1 keeps it in `_connection` and deprecates the `connection` property."""
    state = getattr(message, "__dict__", {})
    name = "_connection" if "_connection" in state else "connection"
    if state.get(name) is None:
        return message
    message = copy.copy(message)
    vars(message)[name] = None
    return message
