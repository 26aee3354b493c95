"""Mailtrap's webhook management API (MAILTRAP_API.md §8): list, create, update, delete.

Creating a webhook is the only time Mailtrap shows its signing secret; it comes back as a
`Secret` (masked repr) together with the Anymail setting that must hold it. Webhook URLs
may carry basic-auth credentials (Anymail's WEBHOOK_SECRET): `display_url` masks them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..sending.secrets import MASK, Secret
from .account_api import AccountAPI

TRACKING = "email_sending"
INBOUND = "inbound_receiving"
WEBHOOK_TYPES = (TRACKING, "campaigns", "audit_log", INBOUND)
#: Every sending event type Mailtrap can post (the tracking view understands them all).
EVENT_TYPES = (
    "delivery",
    "soft_bounce",
    "bounce",
    "suspension",
    "unsubscribe",
    "open",
    "spam_complaint",
    "click",
    "reject",
)
SENDING_STREAMS = ("transactional", "bulk")
PAYLOAD_FORMATS = ("json", "jsonlines")
#: What a PATCH may change; type, stream and domain need a new webhook (and secret).
UPDATABLE = ("url", "active", "payload_format", "event_types", "inbound_inbox_id")
#: The ANYMAIL setting holding the signing secret of a webhook type (webhooks/mailtrap.py
#: reads `tracking_secret` and `inbound_secret`).
SECRET_SETTINGS = {TRACKING: "MAILTRAP_TRACKING_SECRET", INBOUND: "MAILTRAP_INBOUND_SECRET"}


def display_url(url: str) -> str:
    """The URL with a password in it masked: `https://user:***@host/path`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:{MASK}@{host}"))


@dataclass(frozen=True)
class Webhook:
    """A webhook as Mailtrap lists it (never with its secret)."""

    id: int
    url: str
    webhook_type: str
    active: bool = True
    payload_format: str = "json"
    sending_stream: str | None = None
    domain_id: int | None = None
    inbound_inbox_id: int | None = None
    event_types: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Webhook:
        return cls(
            id=int(data.get("id") or 0),
            url=str(data.get("url") or ""),
            webhook_type=str(data.get("webhook_type") or ""),
            active=bool(data.get("active", True)),
            payload_format=str(data.get("payload_format") or "json"),
            sending_stream=data.get("sending_stream"),
            domain_id=data.get("domain_id"),
            inbound_inbox_id=data.get("inbound_inbox_id"),
            event_types=tuple(data.get("event_types") or ()),
        )

    def __repr__(self) -> str:  # the URL may hold basic-auth credentials
        return f"<Webhook {self.id} {self.webhook_type} {display_url(self.url)}>"

    @property
    def path(self) -> str:
        """The URL's path, for comparing with this site's webhook URLs."""
        return urlsplit(self.url).path

    @property
    def secret_setting(self) -> str | None:
        """The ANYMAIL setting for this webhook's signing secret (None: Anymail has no view)."""
        return SECRET_SETTINGS.get(self.webhook_type)

    def as_json(self) -> dict[str, Any]:
        """The webhook as Mailtrap's JSON, its URL masked."""
        return {
            "id": self.id,
            "url": display_url(self.url),
            "active": self.active,
            "webhook_type": self.webhook_type,
            "payload_format": self.payload_format,
            "sending_stream": self.sending_stream,
            "domain_id": self.domain_id,
            "inbound_inbox_id": self.inbound_inbox_id,
            "event_types": list(self.event_types),
        }


@dataclass(frozen=True)
class CreatedWebhook:
    """A new webhook and the one copy of its signing secret."""

    webhook: Webhook
    signing_secret: Secret

    @property
    def settings_line(self) -> str:
        """The line to paste into the ANYMAIL settings dict."""
        name = self.webhook.secret_setting or "MAILTRAP_TRACKING_SECRET"
        return f"{json.dumps(name)}: {json.dumps(str(self.signing_secret.value))},"


def tracking_webhook(
    url: str,
    *,
    sending_stream: str = "transactional",
    event_types: tuple[str, ...] | list[str] = EVENT_TYPES,
    payload_format: str = "json",
    domain_id: int | None = None,
    active: bool = True,
) -> dict[str, Any]:
    """The `webhook` object creating a sending-events webhook for Anymail's tracking view."""
    body: dict[str, Any] = {
        "url": url,
        "webhook_type": TRACKING,
        "active": active,
        "payload_format": payload_format,
        "sending_stream": sending_stream,
        "event_types": list(event_types),
    }
    if domain_id is not None:
        body["domain_id"] = domain_id
    return body


def inbound_webhook(
    url: str, *, inbox_id: int, payload_format: str = "json", active: bool = True
) -> dict[str, Any]:
    """The `webhook` object creating an inbound webhook for Anymail's inbound view."""
    return {
        "url": url,
        "webhook_type": INBOUND,
        "active": active,
        "payload_format": payload_format,
        "inbound_inbox_id": inbox_id,
    }


def _data(found: Any) -> Any:
    return found.get("data") if isinstance(found, dict) else found


class WebhooksAPI:
    """The account's webhooks."""

    def __init__(self, api: AccountAPI) -> None:
        self.api = api

    def __repr__(self) -> str:
        return f"<WebhooksAPI {self.api!r}>"

    def list(self) -> list[Webhook]:
        found = _data(self.api.get(self.api.path("webhooks"))) or []
        return [Webhook.from_json(item) for item in found if isinstance(item, dict)]

    def get(self, webhook_id: int) -> Webhook:
        return Webhook.from_json(_data(self.api.get(self.api.path("webhooks", webhook_id))))

    def create(self, webhook: dict[str, Any]) -> CreatedWebhook:
        """Create it (see `tracking_webhook`, `inbound_webhook`); the answer's secret is kept
        only in the returned `CreatedWebhook`."""
        data = dict(_data(self.api.post(self.api.path("webhooks"), {"webhook": webhook})) or {})
        secret = Secret(data.pop("signing_secret", None))
        return CreatedWebhook(Webhook.from_json(data), secret)

    def update(self, webhook_id: int, **changes: Any) -> Webhook:
        """PATCH only the given fields; ValueError for one Mailtrap cannot change."""
        fixed = sorted(set(changes) - set(UPDATABLE))
        if fixed:
            raise ValueError(
                f"Mailtrap cannot change a webhook's {', '.join(fixed)}: "
                "delete it and create a new one (it gets a new signing secret)"
            )
        path = self.api.path("webhooks", webhook_id)
        return Webhook.from_json(_data(self.api.patch(path, {"webhook": changes})))

    def delete(self, webhook_id: int) -> Webhook:
        """Delete it; returns what it was."""
        return Webhook.from_json(_data(self.api.delete(self.api.path("webhooks", webhook_id))))
