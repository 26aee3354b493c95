"""Helpers for the receiving-side contract tests (§4-§6 of ANYMAIL_API.md).

Written only from the contract; shared by test_contract_{signals_receiving,
webhooks,tracking,inbound_view}.py. Not a conftest, so it cannot clash with
the sending-side auditor's fixtures.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.dispatch import Signal

TRACKING_URL = "/anymail/mailtrap/tracking/"
INBOUND_URL = "/anymail/mailtrap/inbound/"

WEBHOOK_USER_PASS = "whuser:whpass"
TOKEN = "inbound-api-token"
INBOUND_API = "https://mailtrap.io/api/"
RAW_URL = "https://s3.example.invalid/raw.eml?X-Amz-Signature=abc"

# Cross-SDK test vector (MAILTRAP_API.md §6.6)
VECTOR_SECRET = "8d9a3c0e7f5b2d4a6c1e9f8b3a7d5c2e"
VECTOR_BODY = (
    '{"event":"delivery","sending_stream":"transactional","category":"welcome",'
    '"message_id":"a8b1d8f6-1f8d-4a3c-9b2e-1a2b3c4d5e6f","email":"recipient@example.com",'
    '"event_id":"f1e2d3c4-b5a6-7890-1234-567890abcdef","timestamp":1716070000}'
)
VECTOR_SIGNATURE = "6d262e2611cd09be1f948382b5c611d63b0e585c4c9c5e40139d6ac3876d5433"

RAW_MIME = (
    b"From: Ana Silva <ana@example.org>\r\n"
    b"To: support@inbound.example\r\n"
    b"Subject: Question about order 4711\r\n"
    b"Date: Fri, 02 Oct 2026 09:14:05 +0000\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Hello, where is my order?\r\n"
)


def basic_auth(user_pass: str = WEBHOOK_USER_PASS) -> str:
    """An Authorization header value for HTTP basic auth."""
    return "Basic " + base64.b64encode(user_pass.encode("utf-8")).decode("ascii")


def sign(body: bytes | str, secret: str) -> str:
    """Mailtrap-Signature: lowercase hex HMAC-SHA256 of the raw body keyed with the secret."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def dumps(data: Any) -> str:
    return json.dumps(data)


def tracking_event(**overrides: Any) -> dict[str, Any]:
    """A complete Mailtrap sending event (MAILTRAP_API.md §6.3)."""
    event: dict[str, Any] = {
        "event": "delivery",
        "message_id": "3f9c0a52-6b1e-11f1-9a4c-0a58a9feac02",
        "email": "ana@example.org",
        "timestamp": 1791200000,
        "event_id": "c2b5e0f4-0d4b-4c8e-9a55-1d2f3a4b5c6d",
        "sending_stream": "transactional",
        "sending_domain_name": "shop.example",
    }
    event.update(overrides)
    return event


def inbound_entry(**overrides: Any) -> dict[str, Any]:
    """A live Mailtrap inbound notification entry (MAILTRAP_API.md §7.1)."""
    entry: dict[str, Any] = {
        "event": "inbound.message_received",
        "event_id": "5b0e6c1a-9a11-11f1-8d3e-0a58a9feac03",
        "timestamp": 1791203456789,
        "inbox_id": 250,
        "message_id": "1870314786754420736",
        "from": "Ana Silva <ana@example.org>",
    }
    entry.update(overrides)
    return entry


class SignalRecorder:
    """Records every send of a signal: a list of {"sender": ..., **kwargs}."""

    def __init__(self, raise_on: int | None = None, exc: BaseException | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.raise_on = raise_on
        self.exc = exc

    def __call__(self, sender: Any, **kwargs: Any) -> None:
        self.calls.append({"sender": sender, **kwargs})
        if self.raise_on is not None and len(self.calls) == self.raise_on:
            assert self.exc is not None
            raise self.exc

    @property
    def events(self) -> list[Any]:
        return [call["event"] for call in self.calls]


@contextmanager
def recording(signal: Signal, **kwargs: Any) -> Iterator[SignalRecorder]:
    recorder = SignalRecorder(**kwargs)
    signal.connect(recorder, weak=False, dispatch_uid=id(recorder))
    try:
        yield recorder
    finally:
        signal.disconnect(recorder, dispatch_uid=id(recorder))
