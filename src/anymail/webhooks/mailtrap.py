"""Mailtrap's webhook views: the Django face of `anymail.mailtrap`'s receiving side.

Both views authenticate first (Mailtrap's HMAC signature and/or basic auth), then
decode the whole body, then validate every event, and only then send signals -- so a
bad request runs no receiver at all (see webhooks/base.py).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from ..exceptions import AnymailWebhookValidationFailure
from ..mailtrap.client import GENERAL_API_URL, MailtrapClient, check_token
from ..mailtrap.events import (
    EVENT_TYPES,
    check_tracking_entry,
    reject_inbound_entries,
    tracking_event,
)
from ..mailtrap.inbound import check_inbound_entries, fetch_inbound_event
from ..mailtrap.signature import SIGNATURE_HEADER, as_secret_list, signature_matches
from ..mailtrap.webhook_body import decode_entries
from ..settings import checked_timeout, get_anymail_setting
from ..signals import AnymailInboundEvent, AnymailTrackingEvent, inbound
from ..signals import tracking as tracking_signal
from ..utils import DEFAULT_DOWNLOAD_CHUNK_SIZE
from .base import AnymailBaseWebhookView

__all__ = ["MailtrapInboundWebhookView", "MailtrapTrackingWebhookView", "MailtrapWebhookView"]

DEFAULT_INBOUND_API_URL = GENERAL_API_URL
DEFAULT_REQUESTS_TIMEOUT = 30
#: Seconds for the whole raw-message download (REQUESTS_TIMEOUT bounds each read only).
DEFAULT_DOWNLOAD_DEADLINE = 60


class MailtrapWebhookView(AnymailBaseWebhookView):
    """Shared by both Mailtrap views: the optional HMAC-SHA256 signature check."""

    esp_name = "Mailtrap"
    #: The setting/kwarg holding this view's signing secret ("tracking_secret" or "inbound_secret").
    signing_secret_name: ClassVar[str] = ""

    def __init__(self, **kwargs: Any) -> None:
        secret = get_anymail_setting(
            self.signing_secret_name, esp_name=self.esp_name, kwargs=kwargs, default=None
        )
        #: Every accepted key (several during a secret rotation), as UTF-8 bytes.
        self.signing_secrets: list[bytes] = as_secret_list(secret)
        #: The first (current) key, or None when signatures are not checked.
        self.signing_secret: bytes | None = (
            self.signing_secrets[0] if self.signing_secrets else None
        )
        if self.signing_secrets:
            self.warn_if_no_basic_auth = False  # the signature authenticates the call
        super().__init__(**kwargs)

    @sensitive_variables()  # error reports must not show secrets or digests
    def validate_request(self, request: HttpRequest) -> None:
        """Require a Mailtrap-Signature matching one of the configured secrets."""
        if not self.signing_secrets:
            return
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            raise AnymailWebhookValidationFailure("Mailtrap webhook called without signature")
        if not signature_matches(request.body, signature, self.signing_secrets):
            setting = f"MAILTRAP_{self.signing_secret_name.upper()}"
            raise AnymailWebhookValidationFailure(
                "Mailtrap webhook called with incorrect signature"
                f" (check Anymail {setting} setting)"
            )

    def decode_entries(self, request: HttpRequest) -> list[Any]:
        """The raw event entries of a JSON or JSON Lines body (400 if neither)."""
        return decode_entries(request.body, request.content_type or "")


class MailtrapTrackingWebhookView(MailtrapWebhookView):
    """Sending events (delivery, bounce, open, ...) -> the `tracking` signal."""

    signal = tracking_signal
    signing_secret_name = "tracking_secret"
    tracking_secret: str | None = None  # allows as_view(tracking_secret=...)

    #: Mailtrap `event` -> (EventType, RejectReason); anything else is UNKNOWN.
    EVENT_TYPES: ClassVar[dict[str, tuple[str, str | None]]] = EVENT_TYPES

    def parse_events(self, request: HttpRequest) -> list[AnymailTrackingEvent]:
        """Validate every entry first, so one bad event rejects the whole request."""
        entries = self.decode_entries(request)
        reject_inbound_entries(entries)
        checked = [check_tracking_entry(entry, number) for number, entry in enumerate(entries, 1)]
        return [self.esp_to_anymail_event(entry, timestamp) for entry, timestamp in checked]

    def esp_to_anymail_event(self, esp_event: dict[str, Any], timestamp: Any) -> Any:
        """Normalize one (validated) Mailtrap sending event."""
        return tracking_event(esp_event, timestamp, self.EVENT_TYPES)


class MailtrapInboundWebhookView(MailtrapWebhookView):
    """Inbound notifications -> fetch the raw message from Mailtrap -> the `inbound` signal."""

    signal = inbound
    signing_secret_name = "inbound_secret"
    # Class attributes allow as_view(api_token=..., api_url=..., ...):
    inbound_secret: str | None = None
    api_token: str | None = None
    api_url: str | None = None
    download_chunk_size: int | None = None
    download_deadline: float | None = None

    @sensitive_variables("token")
    def __init__(self, **kwargs: Any) -> None:
        esp_name = self.esp_name
        token = get_anymail_setting("api_token", esp_name=esp_name, kwargs=kwargs, allow_bare=True)
        check_token(token)
        self.api_token = token
        api_url = get_anymail_setting(
            "api_url", esp_name=esp_name, kwargs=kwargs, default=DEFAULT_INBOUND_API_URL
        )
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self.download_chunk_size = get_anymail_setting(
            "download_chunk_size",
            esp_name=esp_name,
            kwargs=kwargs,
            default=DEFAULT_DOWNLOAD_CHUNK_SIZE,
        )
        # The reference waits forever; a hung fetch would tie up a worker, so bound it.
        self.requests_timeout = checked_timeout(
            get_anymail_setting("requests_timeout", default=DEFAULT_REQUESTS_TIMEOUT)
        )
        self.download_deadline = get_anymail_setting(
            "download_deadline",
            esp_name=esp_name,
            kwargs=kwargs,
            default=DEFAULT_DOWNLOAD_DEADLINE,
        )
        super().__init__(**kwargs)

    def parse_events(self, request: HttpRequest) -> list[AnymailInboundEvent]:
        """Check all entries, then fetch each real message (the UI's sample fetches nothing)."""
        entries = [entry for entry in self.decode_entries(request) if entry is not None]
        deliveries = check_inbound_entries(entries)
        return [self.fetch_event(entry) for entry in deliveries]

    def fetch_event(self, entry: dict[str, Any]) -> AnymailInboundEvent:
        """Fetch the message's details and raw MIME from Mailtrap; errors propagate (-> retry)."""
        assert self.api_token is not None and self.api_url is not None
        client = MailtrapClient(self.api_token, api_url=self.api_url, timeout=self.requests_timeout)
        chunk_size = self.download_chunk_size or DEFAULT_DOWNLOAD_CHUNK_SIZE
        return fetch_inbound_event(client, entry, chunk_size, deadline=self.download_deadline)
