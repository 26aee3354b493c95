"""ESP-agnostic webhook plumbing: method and CSRF handling, basic auth, validate → parse → dispatch.

An ESP module subclasses AnymailBaseWebhookView, adds its own
``validate_request`` (e.g. a signature check) and implements ``parse_events``.
Every ``validate_request`` in the class hierarchy runs before the body is
looked at, so an unauthenticated request never reaches the parser or a
receiver.
"""

from __future__ import annotations

import base64
import binascii
import logging
import warnings
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from django.core.exceptions import SuspiciousOperation
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.utils.crypto import constant_time_compare
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables

from ..exceptions import (
    AnymailInsecureWebhookWarning,
    AnymailWebhookPayloadError,
    AnymailWebhookValidationFailure,
)
from ..settings import get_anymail_setting
from ..signals import AnymailEvent, webhook_batch
from .auth_failures import DEFAULT_LOG_INTERVAL, log_authentication_failure

try:
    from django.contrib.auth.decorators import login_not_required
except ImportError:  # Django < 5.1 has no LoginRequiredMiddleware, so nothing to opt out of

    def login_not_required(view_func: Callable[..., Any]) -> Callable[..., Any]:  # type: ignore[misc]
        return view_func


__all__ = [
    "AnymailBaseWebhookView",
    "AnymailBasicAuthMixin",
    "AnymailCoreWebhookView",
    "AnymailWebhookPayloadError",
]

logger = logging.getLogger("anymail.webhooks")


class AnymailCoreWebhookView(View):
    """POST-only, CSRF-exempt view that validates, parses, then sends one signal per event."""

    esp_name: ClassVar[str] = "ESP"
    signal: ClassVar[Signal | None] = None
    http_method_names = ["post", "head", "options"]

    @method_decorator(csrf_exempt)
    @method_decorator(login_not_required)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """ESPs cannot send CSRF tokens or log in; they authenticate with our own checks."""
        return super().dispatch(request, *args, **kwargs)

    def head(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Some ESPs probe the URL with HEAD before using it: answer without validation."""
        return HttpResponse()

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Authenticate, parse every event, then dispatch them (all or none on bad input)."""
        try:
            self.run_validators(request)
        except SuspiciousOperation as error:  # failed auth; also a body over Django's limit
            # Django answers 400; the log record is ours, throttled (auth_failures.py)
            interval = get_anymail_setting(
                "webhook_auth_failure_log_interval", default=DEFAULT_LOG_INTERVAL
            )
            log_authentication_failure(self.esp_name, request, error, interval)
            raise
        try:
            events = self.parse_events(request)
        except AnymailWebhookPayloadError as err:
            logger.warning("Rejected Anymail %s webhook payload: %s", self.esp_name, err)
            return HttpResponseBadRequest(str(err), content_type="text/plain; charset=utf-8")
        assert self.signal is not None, "webhook views must set `signal`"
        if events:  # receivers that store the whole call at once (anymail.mail_log)
            webhook_batch.send(sender=type(self), events=list(events), esp_name=self.esp_name)
        for event in events:
            self.signal.send(sender=type(self), event=event, esp_name=self.esp_name)
        return HttpResponse()

    def run_validators(self, request: HttpRequest) -> None:
        """Run each class's own validate_request, in MRO order (no super() chaining needed)."""
        for cls in type(self).__mro__:
            validate = cls.__dict__.get("validate_request")
            if validate is not None:
                validate(self, request)

    def parse_events(self, request: HttpRequest) -> Sequence[AnymailEvent]:
        """Turn the (already authenticated) request into normalized events."""
        raise NotImplementedError(f"{type(self).__name__} must implement parse_events")


class AnymailBasicAuthMixin(View):
    """HTTP basic auth against WEBHOOK_SECRET ("user:pass", or a list of them for rotation)."""

    esp_name: ClassVar[str]
    #: Set False by views that have another authentication method configured.
    warn_if_no_basic_auth: bool = True
    #: Allowed "user:pass" credentials; as_view(basic_auth=[...]) overrides the setting.
    basic_auth: Sequence[str] | None = None

    def __init__(self, **kwargs: Any) -> None:
        self.basic_auth = get_anymail_setting("webhook_secret", default=[], kwargs=kwargs)
        super().__init__(**kwargs)  # View applies as_view() kwargs, e.g. basic_auth
        self.basic_auth = _as_credential_list(self.basic_auth)
        if self.warn_if_no_basic_auth and not self.basic_auth:
            warnings.warn(
                f"Your Anymail {self.esp_name} webhook is not secured: anyone can post fake "
                "events to it. Set ANYMAIL['WEBHOOK_SECRET'] to 'random:random' credentials "
                "and put them in the webhook URL you give the ESP "
                "(or configure the ESP's signing secret where Anymail supports it).",
                AnymailInsecureWebhookWarning,
                stacklevel=2,
            )

    @sensitive_variables()  # error reports (admin mails) must not show credentials
    def validate_request(self, request: HttpRequest) -> None:
        """Reject the request unless it carries one of the allowed credentials."""
        if not self.basic_auth:
            return
        credentials = get_request_basic_auth(request)
        # Compare against every allowed value, so timing says nothing about which matched.
        matched = False
        for allowed in self.basic_auth:
            matched |= credentials is not None and constant_time_compare(credentials, allowed)
        if not matched:
            raise AnymailWebhookValidationFailure(
                f"Missing or invalid basic auth in Anymail {self.esp_name} webhook"
            )


class AnymailBaseWebhookView(AnymailBasicAuthMixin, AnymailCoreWebhookView):
    """The base for ESP webhook views: basic auth plus the core request flow."""


def _as_credential_list(value: Any) -> list[str]:
    """A non-empty string is one credential; a list/tuple is several; anything falsy is none."""
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value if item]


def get_request_basic_auth(request: HttpRequest) -> str | None:
    """The "user:pass" from an Authorization: Basic header, or None if absent or garbled."""
    scheme, _, encoded = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        return base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
