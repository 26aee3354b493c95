"""Mailtrap webhooks: signature check, tracking-event mapping, inbound message fetch.

Both views authenticate first (Mailtrap's HMAC signature and/or basic auth),
then decode the whole body, then validate every event, and only then send
signals — so a bad request runs no receiver at all (see webhooks/base.py).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

import requests
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from ..exceptions import (
    AnymailAPIError,
    AnymailConfigurationError,
    AnymailRequestsAPIError,
    AnymailWebhookValidationFailure,
)
from ..inbound import AnymailInboundMessage
from ..settings import get_anymail_setting
from ..signals import AnymailInboundEvent, AnymailTrackingEvent, EventType, RejectReason, inbound
from ..signals import tracking as tracking_signal
from ..utils import DEFAULT_DOWNLOAD_CHUNK_SIZE
from .base import AnymailBaseWebhookView, AnymailWebhookPayloadError
from .json_payload import decode_entries, epoch_to_datetime, require_event_name, require_fields

__all__ = ["MailtrapInboundWebhookView", "MailtrapTrackingWebhookView", "MailtrapWebhookView"]

SIGNATURE_HEADER = "Mailtrap-Signature"
DEFAULT_INBOUND_API_URL = "https://mailtrap.io/api/"
DEFAULT_REQUESTS_TIMEOUT = 30
INBOUND_EVENT_NAMES = frozenset({"inbound.message_received", "inbound_message_received"})


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
        self.signing_secrets: list[bytes] = _as_secret_list(secret)
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
        body = request.body
        matched = False
        for secret in self.signing_secrets:  # no early exit: timing reveals nothing
            expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
            matched |= hmac.compare_digest(expected.encode(), signature.encode())
        if not matched:
            setting = f"MAILTRAP_{self.signing_secret_name.upper()}"
            raise AnymailWebhookValidationFailure(
                "Mailtrap webhook called with incorrect signature"
                f" (check Anymail {setting} setting)"
            )

    def decode_entries(self, request: HttpRequest) -> list[Any]:
        """The raw event entries of a JSON or JSON Lines body (400 if neither)."""
        return decode_entries(request.body, request.content_type or "")


class MailtrapTrackingWebhookView(MailtrapWebhookView):
    """Sending events (delivery, bounce, open, ...) → the `tracking` signal."""

    signal = tracking_signal
    signing_secret_name = "tracking_secret"
    tracking_secret: str | None = None  # allows as_view(tracking_secret=...)

    #: Mailtrap `event` → (EventType, RejectReason); anything else is UNKNOWN.
    EVENT_TYPES: ClassVar[dict[str, tuple[str, str | None]]] = {
        "delivery": (EventType.DELIVERED, None),
        "open": (EventType.OPENED, None),
        "click": (EventType.CLICKED, None),
        "bounce": (EventType.BOUNCED, RejectReason.BOUNCED),
        "soft bounce": (EventType.DEFERRED, RejectReason.OTHER),
        "suspension": (EventType.DEFERRED, RejectReason.OTHER),
        "spam": (EventType.COMPLAINED, RejectReason.SPAM),
        "unsubscribe": (EventType.UNSUBSCRIBED, RejectReason.UNSUBSCRIBED),
        "reject": (EventType.REJECTED, RejectReason.BLOCKED),
        "blocked": (EventType.UNKNOWN, RejectReason.BLOCKED),  # not documented by Mailtrap
    }

    def parse_events(self, request: HttpRequest) -> list[AnymailTrackingEvent]:
        """Validate every entry first, so one bad event rejects the whole request."""
        entries = self.decode_entries(request)
        for entry in entries:
            event_name = entry.get("event") if isinstance(entry, dict) else None
            if isinstance(event_name, str) and event_name.startswith("inbound"):
                raise AnymailConfigurationError(
                    "You seem to have set Mailtrap's *inbound* webhook "
                    "to Anymail's Mailtrap *tracking* webhook URL."
                )
        checked = [_check_tracking_entry(entry, number) for number, entry in enumerate(entries, 1)]
        return [self.esp_to_anymail_event(entry, timestamp) for entry, timestamp in checked]

    def esp_to_anymail_event(
        self, esp_event: dict[str, Any], timestamp: datetime
    ) -> AnymailTrackingEvent:
        """Normalize one (validated) Mailtrap sending event."""
        event_type, reject_reason = self.EVENT_TYPES.get(
            esp_event["event"], (EventType.UNKNOWN, None)
        )
        category = esp_event.get("category")
        return AnymailTrackingEvent(
            event_type=event_type,
            timestamp=timestamp,
            event_id=esp_event.get("event_id"),
            esp_event=esp_event,
            message_id=esp_event["message_id"],
            recipient=esp_event.get("email"),
            reject_reason=reject_reason,
            mta_response=esp_event.get("response"),
            click_url=esp_event.get("url"),
            user_agent=esp_event.get("user_agent"),
            tags=[category] if category else [],
            metadata=esp_event.get("custom_variables") or {},
        )


class MailtrapInboundWebhookView(MailtrapWebhookView):
    """Inbound notifications → fetch the raw message from Mailtrap → the `inbound` signal."""

    signal = inbound
    signing_secret_name = "inbound_secret"
    # Class attributes allow as_view(api_token=..., api_url=..., ...):
    inbound_secret: str | None = None
    api_token: str | None = None
    api_url: str | None = None
    download_chunk_size: int | None = None

    @sensitive_variables("token")
    def __init__(self, **kwargs: Any) -> None:
        esp_name = self.esp_name
        token = get_anymail_setting("api_token", esp_name=esp_name, kwargs=kwargs, allow_bare=True)
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
        self.requests_timeout = get_anymail_setting(
            "requests_timeout", default=DEFAULT_REQUESTS_TIMEOUT
        )
        super().__init__(**kwargs)

    def parse_events(self, request: HttpRequest) -> list[AnymailInboundEvent]:
        """Check all entries, then fetch each real message (the UI's sample fetches nothing)."""
        entries = [entry for entry in self.decode_entries(request) if entry is not None]
        for entry in entries:
            event_name = entry.get("event") if isinstance(entry, dict) else None
            if isinstance(event_name, str) and event_name not in INBOUND_EVENT_NAMES:
                if event_name.startswith("inbound"):
                    raise ValueError(f"Unknown Mailtrap inbound event type: {event_name}")
                raise AnymailConfigurationError(
                    "You seem to have set Mailtrap's *tracking* webhook "
                    "to Anymail's Mailtrap *inbound* webhook URL."
                )
        deliveries = []
        for number, entry in enumerate(entries, 1):
            require_event_name(entry, number)
            # Decision (open point 11.1): the sample is acknowledged but sends no signal.
            if not is_inbound_sample(entry):
                require_fields(entry, number, inbox_id=(int, str), message_id=(str, int))
                deliveries.append(entry)
        return [self.fetch_event(entry) for entry in deliveries]

    def fetch_event(self, entry: dict[str, Any]) -> AnymailInboundEvent:
        """Fetch the message's details and raw MIME from Mailtrap; errors propagate (→ retry)."""
        inbox_id, message_id = str(entry["inbox_id"]), str(entry["message_id"])
        event_id = f"{inbox_id}/{message_id}"
        url = (
            f"{self.api_url}inbound/inboxes/{quote(inbox_id, safe='')}"
            f"/messages/{quote(message_id, safe='')}"
        )
        with self._request_errors("fetch", event_id):
            response = requests.get(
                url,
                headers={"Authorization": f"Bearer {self.api_token}"},
                timeout=self.requests_timeout,
            )
            response.raise_for_status()
        try:
            message_data = response.json()
        except ValueError:
            raise AnymailAPIError(
                f"Invalid JSON fetching Mailtrap inbound message {event_id}", esp_name=self.esp_name
            ) from None
        raw_url = message_data.get("raw_message_url") if isinstance(message_data, dict) else None
        if not isinstance(raw_url, str) or not raw_url:
            raise AnymailAPIError(
                f"Mailtrap inbound message {event_id} has no raw_message_url",
                esp_name=self.esp_name,
            )
        # Pre-signed URL: send no credentials (S3 rejects a second auth method).
        with (
            self._request_errors("download the raw message", event_id),
            requests.get(raw_url, stream=True, timeout=self.requests_timeout) as download,
        ):
            download.raise_for_status()
            chunks = download.iter_content(chunk_size=self.download_chunk_size)
            message = AnymailInboundMessage.parse_raw_mime_chunks(chunks)
        return AnymailInboundEvent(
            event_type=EventType.INBOUND,
            timestamp=_milliseconds_to_datetime(entry.get("timestamp")),
            event_id=event_id,
            esp_event=message_data,
            message=message,
        )

    @contextmanager
    def _request_errors(self, action: str, event_id: str) -> Iterator[None]:
        """Re-raise requests errors with context but without URLs (the raw URL is pre-signed)."""
        try:
            yield
        except requests.RequestException as err:
            raise AnymailRequestsAPIError(
                f"Could not {action} for Mailtrap inbound message {event_id} "
                f"({type(err).__name__})",
                response=err.response,
                esp_name=self.esp_name,
            ) from None


def _as_secret_list(value: Any) -> list[bytes]:
    """A secret, or a list of them for rotation; empty values count as unset (open point 11.6)."""
    if value is None:
        return []
    values: Sequence[Any] = value if isinstance(value, (list, tuple)) else [value]
    return [item if isinstance(item, bytes) else str(item).encode() for item in values if item]


def is_inbound_sample(entry: dict[str, Any]) -> bool:
    """Mailtrap's "test your integration" payload: no inbox_id (or inbox 1), nothing to fetch."""
    inbox_id = entry.get("inbox_id")
    return inbox_id is None or (not isinstance(inbox_id, bool) and str(inbox_id) == "1")


def _milliseconds_to_datetime(value: Any) -> datetime | None:
    """Inbound timestamps are in milliseconds (optional: None if missing or unusable)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return epoch_to_datetime(value / 1000)


def _check_tracking_entry(entry: Any, number: int) -> tuple[dict[str, Any], datetime]:
    """A tracking entry with its required fields, plus its timestamp converted (400 if bad)."""
    require_event_name(entry, number)
    require_fields(entry, number, message_id=(str,), timestamp=(int, float))
    require_fields(entry, number, optional=True, custom_variables=(dict,), category=(str,))
    timestamp = epoch_to_datetime(entry["timestamp"])
    if timestamp is None:
        raise AnymailWebhookPayloadError(f"Event {number} has an out-of-range 'timestamp'")
    return entry, timestamp
