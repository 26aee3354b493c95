"""The queue's options: read once from the constructor / MAILERS OPTIONS or ANYMAIL settings.

Names follow the other Mailtrap settings: `queue_attempts=5` in the constructor or
OPTIONS, `ANYMAIL = {"MAILTRAP_QUEUE_ATTEMPTS": 5}`, or `ANYMAIL_MAILTRAP_QUEUE_ATTEMPTS`.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from ..mailtrap.batch_calls import MAX_BATCH_REQUESTS
from ..settings import SettingsReader

AT_LEAST_ONCE = "at_least_once"
AT_MOST_ONCE = "at_most_once"
#: Mailtrap takes at most 500 entries in one /api/batch call.
MAX_BATCH_SIZE = MAX_BATCH_REQUESTS


@dataclass(frozen=True)
class QueueOptions:
    """How messages are queued, claimed and retried (see docs/queued-sending.md)."""

    task_backend: str = "default"
    queue_name: str = "default"
    priority: int = 0
    attempts: int = 10
    backoff: float = 5.0
    max_backoff: float = 3600.0
    deadline: float | None = 24 * 3600.0
    lease: float = 300.0
    unknown_outcome: str = AT_LEAST_ONCE
    batch_size: int = MAX_BATCH_SIZE
    cache: str = "default"
    database: str | None = None

    @property
    def at_most_once(self) -> bool:
        return self.unknown_outcome == AT_MOST_ONCE


DEFAULTS = QueueOptions()


def read_queue_options(esp_name: str, kwargs: MutableMapping[str, Any]) -> QueueOptions:
    """Pop the `queue_*` options from kwargs (else settings, else defaults) and check them."""
    reader = SettingsReader(esp_name, kwargs)
    options = QueueOptions(
        task_backend=reader.text("queue_task_backend", DEFAULTS.task_backend),
        queue_name=reader.text("queue_name", DEFAULTS.queue_name),
        priority=reader.number("queue_priority", DEFAULTS.priority, int, -100, 100),
        attempts=reader.number("queue_attempts", DEFAULTS.attempts, int, 1),
        backoff=reader.number("queue_backoff", DEFAULTS.backoff, float, 0),
        max_backoff=reader.number("queue_max_backoff", DEFAULTS.max_backoff, float, 0),
        deadline=reader.optional_number("queue_deadline", DEFAULTS.deadline),
        lease=reader.number("queue_lease", DEFAULTS.lease, float, 0.1),
        unknown_outcome=reader.choice(
            "queue_unknown_outcome", DEFAULTS.unknown_outcome, (AT_LEAST_ONCE, AT_MOST_ONCE)
        ),
        batch_size=reader.number("queue_batch_size", DEFAULTS.batch_size, int, 1, MAX_BATCH_SIZE),
        cache=reader.text("queue_cache", DEFAULTS.cache),
        database=reader.get("queue_database", DEFAULTS.database),
    )
    return options
