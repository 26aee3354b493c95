"""Shared fixtures for the unit tests."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

from tests.conftest import SignalRecorder

# -- Mailtrap sending backend -----------------------------------------------------------------

MAILTRAP_API_TOKEN = "test-api-token-7b1f29c4e5"
MAILTRAP_SEND_URL = "https://send.api.mailtrap.io/api/send"
MAILTRAP_BATCH_URL = "https://send.api.mailtrap.io/api/batch"
MAILTRAP_BACKEND = "anymail.backends.mailtrap.EmailBackend"


def _auto_reply(request: Any) -> tuple[int, dict[str, str], str]:
    """Answer like Mailtrap: one id per recipient (to, cc, bcc), one response per batch entry."""
    body = json.loads(request.body)

    def ids(message: dict[str, Any], prefix: str) -> list[str]:
        count = sum(len(message.get(field, [])) for field in ("to", "cc", "bcc"))
        return [f"{prefix}{n}" for n in range(count)]

    if "requests" in body:
        reply: dict[str, Any] = {
            "success": True,
            "responses": [
                {"success": True, "message_ids": ids(entry, f"id-{i}-")}
                for i, entry in enumerate(body["requests"])
            ],
        }
    else:
        reply = {"success": True, "message_ids": ids(body, "id-")}
    return 200, {}, json.dumps(reply)


class MailtrapAPI:
    """A `responses`-backed Mailtrap: auto-replies with success unless told otherwise."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.reply_auto()

    def reply_auto(self) -> None:
        """Successful replies with generated ids (`id-<n>`, or `id-<entry>-<n>` for batch)."""
        self.mock.reset()
        self.mock.add_callback(responses.POST, re.compile(r"https?://.*"), callback=_auto_reply)

    def reply(
        self,
        json_body: Any = None,
        *,
        status: int = 200,
        body: str | None = None,
        exception: Exception | None = None,
    ) -> None:
        """Reply to every POST with this JSON (or raw `body`, or raise `exception`)."""
        self.mock.reset()
        url = re.compile(r"https?://.*")
        if exception is not None:
            self.mock.add(responses.POST, url, body=exception)
        elif body is not None:
            self.mock.add(responses.POST, url, body=body, status=status)
        else:
            self.mock.add(responses.POST, url, json=json_body, status=status)

    @property
    def calls(self) -> list[Any]:
        return list(self.mock.calls)

    @property
    def last_request(self) -> Any:
        assert self.mock.calls, "no request was sent to the Mailtrap API"
        return self.mock.calls[-1].request

    @property
    def last_json(self) -> Any:
        return json.loads(self.last_request.body)


@pytest.fixture
def mailtrap_settings(settings: Any) -> Any:
    """Settings with only a Mailtrap API token (production Email API)."""
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": MAILTRAP_API_TOKEN}
    return settings


@pytest.fixture
def mailtrap_api(mailtrap_settings: Any) -> Iterator[MailtrapAPI]:
    """A mocked Mailtrap API; no request ever reaches the network."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield MailtrapAPI(mock)


@pytest.fixture
def mailtrap_backend(mailtrap_settings: Any) -> Callable[..., Any]:
    """Factory: a Mailtrap EmailBackend built from the current settings plus kwargs."""
    from anymail.backends.mailtrap import EmailBackend

    def make(**kwargs: Any) -> EmailBackend:
        return EmailBackend(**kwargs)

    return make


@pytest.fixture
def mailtrap_send(mailtrap_api: MailtrapAPI, mailtrap_backend: Callable[..., Any]) -> Any:
    """Send one message through a fresh Mailtrap backend; returns the JSON body posted."""

    def send(message: Any, **backend_kwargs: Any) -> Any:
        sent = mailtrap_backend(**backend_kwargs).send_messages([message])
        assert sent == 1
        return mailtrap_api.last_json

    return send


# -- Webhooks ---------------------------------------------------------------------------------

WEBHOOK_BASIC_AUTH = "webhook-user:webhook-pass-5c0a"
MAILTRAP_TRACKING_URL = "/anymail/mailtrap/tracking/"
MAILTRAP_INBOUND_URL = "/anymail/mailtrap/inbound/"


@pytest.fixture
def tracking_receiver(connect_receiver: Callable[..., SignalRecorder]) -> SignalRecorder:
    """Records every `tracking` signal sent during the test."""
    from anymail.signals import tracking

    return connect_receiver(tracking)


@pytest.fixture
def inbound_receiver(connect_receiver: Callable[..., SignalRecorder]) -> SignalRecorder:
    """Records every `inbound` signal sent during the test."""
    from anymail.signals import inbound

    return connect_receiver(inbound)


@pytest.fixture
def webhook_settings(settings: Any) -> Any:
    """Settings with basic auth (WEBHOOK_SECRET) and a Mailtrap API token, nothing else."""
    settings.ANYMAIL = {
        "WEBHOOK_SECRET": WEBHOOK_BASIC_AUTH,
        "MAILTRAP_API_TOKEN": MAILTRAP_API_TOKEN,
    }
    return settings


def mailtrap_signature(body: bytes | str, secret: str) -> str:
    """Mailtrap-Signature: lowercase hex HMAC-SHA256 of the raw body."""
    import hashlib
    import hmac

    raw = body.encode() if isinstance(body, str) else body
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def basic_auth_header(credentials: str) -> str:
    import base64

    return "Basic " + base64.b64encode(credentials.encode()).decode()


@pytest.fixture
def post_webhook(client: Any) -> Callable[..., Any]:
    """POST a body (dict/list → JSON) to a webhook URL with basic auth and optional signature."""

    def post(
        url: str,
        body: Any,
        *,
        content_type: str = "application/json",
        auth: str | None = WEBHOOK_BASIC_AUTH,
        signing_secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
        all_headers = dict(headers or {})
        if auth is not None:
            all_headers["Authorization"] = basic_auth_header(auth)
        if signing_secret is not None:
            all_headers["Mailtrap-Signature"] = mailtrap_signature(raw, signing_secret)
        return client.post(url, data=raw, content_type=content_type, headers=all_headers)

    return post
