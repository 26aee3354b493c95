"""Queue test fixtures: the emulator over 127.0.0.1, settings for QueuedEmailBackend, and
running the drain tasks that the dummy task backend collected."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from django.core.cache import caches
from django.utils import timezone

from anymail.message import AnymailMessage
from anymail.queue.tasks_api import task_backends
from mailtrap_emulator import EmulatorServer
from mailtrap_emulator.pytest_plugin import (  # noqa: F401 - fixtures used by these tests
    mailtrap_emulator,
    mailtrap_emulator_server,
)
from tests.conftest import use_backend

from .services import require_postgres  # noqa: F401 - fixture

API_TOKEN = "queue-emulator-token-77c1"
QUEUED_BACKEND = "anymail.backends.mailtrap.QueuedEmailBackend"


@pytest.fixture
def emulator(mailtrap_emulator: EmulatorServer) -> EmulatorServer:  # noqa: F811
    """The session's emulator, reset for this test."""
    return mailtrap_emulator


@pytest.fixture(autouse=True)
def fresh_queue_state() -> Iterator[None]:
    """No drain flags or enqueued tasks left over from another test."""
    caches["default"].clear()
    task_backends["default"].clear()
    yield
    caches["default"].clear()
    task_backends["default"].clear()


@pytest.fixture
def queue_settings(settings: Any, emulator: EmulatorServer) -> Any:
    """QueuedEmailBackend as the default mailer, aimed at the emulator, one attempt per call."""
    use_backend(settings, QUEUED_BACKEND)
    settings.ANYMAIL = {
        "MAILTRAP_API_TOKEN": API_TOKEN,
        "MAILTRAP_API_URL": emulator.api_url,
        "MAILTRAP_RETRY_ATTEMPTS": 1,
        "MAILTRAP_QUEUE_BACKOFF": 10,
    }
    return settings


@pytest.fixture
def message() -> Callable[..., AnymailMessage]:
    """Factory: a small valid message (kwargs override its fields)."""

    def make(**kwargs: Any) -> AnymailMessage:
        fields: dict[str, Any] = {
            "subject": "Queued",
            "body": "Hello from the outbox",
            "from_email": "sender@example.com",
            "to": ["to@example.com"],
            **kwargs,
        }
        return AnymailMessage(**fields)

    return make


def enqueued() -> list[Any]:
    """The drain tasks waiting in the dummy task backend."""
    return list(task_backends["default"].results)


def run_enqueued(now: datetime | None = None, rounds: int = 50) -> list[dict[str, int]]:
    """Run the waiting drain tasks that are due (and those they enqueue); their reports."""
    backend = task_backends["default"]
    reports = []
    for _ in range(rounds):
        due_at = now or timezone.now()
        due = [r for r in backend.results if r.task.run_after is None or r.task.run_after <= due_at]
        if not due:
            break
        for result in due:
            backend.results.remove(result)
            reports.append(result.task.call(*result.args, **result.kwargs))
    return reports
