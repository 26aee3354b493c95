"""Message log fixtures: the log's receivers connected, backends aimed at the emulator on
127.0.0.1, webhook posts signed like Mailtrap's, and readers of what the log holds."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from anymail.mail_log.models import MessageEvent, SentMessage
from anymail.mail_log.receivers import connect_receivers, disconnect_receivers
from anymail.message import AnymailMessage
from anymail.queue.tasks_api import task_backends
from mailtrap_emulator import EmulatorServer
from mailtrap_emulator.pytest_plugin import (  # noqa: F401 - fixtures used by these tests
    mailtrap_emulator,
    mailtrap_emulator_server,
)
from tests.contract._receiving import basic_auth
from tests.queue.services import require_postgres  # noqa: F401 - fixture

API_TOKEN = "mail-log-emulator-token-31a7"
WEBHOOK_CREDENTIALS = "log-hook:pass-9d2e"
TRACKING_URL = "/anymail/mailtrap/tracking/"


@pytest.fixture(autouse=True)
def mail_log() -> Iterator[None]:
    """The log's receivers, connected as the app's ready() does (tests/mail_log/apps.py)."""
    connect_receivers()
    yield
    disconnect_receivers()


@pytest.fixture(autouse=True)
def fresh_queue_state() -> Iterator[None]:
    """No drain flags or enqueued drain tasks left over from another test."""
    caches["default"].clear()
    task_backends["default"].clear()
    yield
    caches["default"].clear()
    task_backends["default"].clear()


@pytest.fixture
def emulator(mailtrap_emulator: EmulatorServer) -> EmulatorServer:  # noqa: F811
    """The session's emulator, reset for this test."""
    return mailtrap_emulator


@pytest.fixture
def log_settings(settings: Any, emulator: EmulatorServer) -> Any:
    """Mailtrap aimed at the emulator, one attempt per call, no Email Logs look-up of
    unknown outcomes (a test that wants it turns it on), webhooks with basic auth."""
    settings.ANYMAIL = {
        "MAILTRAP_API_TOKEN": API_TOKEN,
        "MAILTRAP_API_URL": emulator.api_url,
        "MAILTRAP_ACCOUNT_API_URL": emulator.api_url,
        "MAILTRAP_RETRY_ATTEMPTS": 1,
        "MAILTRAP_RESOLVE_UNKNOWN_OUTCOMES": False,
        "MAILTRAP_UNKNOWN_RECHECK_DELAY": 0.05,
        "MAILTRAP_QUEUE_BACKOFF": 10,
        "WEBHOOK_SECRET": WEBHOOK_CREDENTIALS,
    }
    return settings


@pytest.fixture
def backend(log_settings: Any) -> Callable[..., Any]:
    """Factory: Mailtrap's EmailBackend from the settings above, plus kwargs."""
    from anymail.backends.mailtrap import EmailBackend

    return lambda **kwargs: EmailBackend(**kwargs)


@pytest.fixture
def message() -> Callable[..., AnymailMessage]:
    """Factory: a small valid message (kwargs override its fields)."""

    def make(**kwargs: Any) -> AnymailMessage:
        fields: dict[str, Any] = {
            "subject": "Reset your password",
            "body": "Follow the link to reset your password.",
            "from_email": "Shop <shop@example.com>",
            "to": ["ana@example.org"],
            **kwargs,
        }
        return AnymailMessage(**fields)

    return make


def logged(using: str = "default", **filters: Any) -> list[SentMessage]:
    """The log's messages, oldest first, with their recipients."""
    query = SentMessage.objects.using(using).filter(**filters).prefetch_related("recipients")
    return list(query.order_by("created_at", "id"))


def only_logged(using: str = "default", **filters: Any) -> SentMessage:
    (message,) = logged(using, **filters)
    return message


def recipients_of(message: SentMessage) -> list[tuple[str, str, str, str | None]]:
    """(kind, email, status, Mailtrap id) of each recipient, in to, cc, bcc order."""
    return [
        (one.kind, one.email, one.status, one.mailtrap_message_id)
        for one in message.recipients.order_by("id")
    ]


def tracking_event(
    message_id: str, email: str, event: str = "delivery", **fields: Any
) -> dict[str, Any]:
    """A Mailtrap sending event as its webhooks post it (MAILTRAP_API.md §6.3)."""
    return {
        "event": event,
        "message_id": message_id,
        "email": email,
        "timestamp": fields.pop("timestamp", 1_791_200_000),
        "event_id": fields.pop("event_id", f"{message_id}-{email}-{event}"),
        "sending_stream": "transactional",
        **fields,
    }


def post_events(events: list[dict[str, Any]], client: Client | None = None) -> Any:
    """POST one tracking webhook call (JSON format, basic auth), as Mailtrap would."""
    client = client or Client()
    return client.post(
        TRACKING_URL,
        data=json.dumps({"events": events}),
        content_type="application/json",
        HTTP_AUTHORIZATION=basic_auth(WEBHOOK_CREDENTIALS),
    )


def events_of(message: SentMessage) -> list[tuple[str, str]]:
    """(email, event type) of the message's stored events, in time order."""
    events = MessageEvent.objects.using(message._state.db)
    rows = events.filter(recipient__message=message).order_by("timestamp", "id")
    return [(row.email, row.event_type) for row in rows]


def statement(sql: str) -> str:
    """A logged query, short: its verb, or for an executemany "N times VERB"."""
    words = sql.replace('"', "").replace("times:", "times").split()
    return " ".join(words[:2]) if words[1:2] == ["times"] else words[0].upper()
