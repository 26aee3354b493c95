"""The queue's options: read once from the constructor / MAILERS OPTIONS or ANYMAIL settings.

Names follow the other Mailtrap settings: `queue_attempts=5` in the constructor or
OPTIONS, `ANYMAIL = {"MAILTRAP_QUEUE_ATTEMPTS": 5}`, or `ANYMAIL_MAILTRAP_QUEUE_ATTEMPTS`.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from ..exceptions import AnymailConfigurationError, AnymailInvalidMailer
from ..mailtrap.batch_calls import MAX_BATCH_REQUESTS
from ..settings import get_anymail_setting, setting_name

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
    reader = _Reader(esp_name, kwargs)
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


class _Reader:
    def __init__(self, esp_name: str, kwargs: MutableMapping[str, Any]) -> None:
        self.esp_name = esp_name
        self.kwargs = kwargs
        self.alias = kwargs.get("alias")

    def get(self, name: str, default: Any) -> Any:
        return get_anymail_setting(
            name, esp_name=self.esp_name, kwargs=self.kwargs, default=default
        )

    def text(self, name: str, default: str) -> str:
        value = self.get(name, default)
        if not isinstance(value, str) or not value:
            raise self.error(name, value, "a non-empty string")
        return value

    def number(
        self, name: str, default: Any, kind: type, minimum: float, maximum: float | None = None
    ) -> Any:
        return self.check(name, self.get(name, default), kind, minimum, maximum)

    def optional_number(self, name: str, default: float | None) -> float | None:
        value = self.get(name, default)
        return None if value is None else float(self.check(name, value, float, 0))

    def check(
        self, name: str, value: Any, kind: type, minimum: float, maximum: float | None = None
    ) -> Any:
        try:
            if isinstance(value, bool):
                raise ValueError
            number = kind(value)
            if number < minimum or (maximum is not None and number > maximum):
                raise ValueError
        except (TypeError, ValueError):
            limits = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
            raise self.error(name, value, f"a number {limits}") from None
        return number

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.get(name, default)
        if value not in choices:
            raise self.error(name, value, " or ".join(repr(choice) for choice in choices))
        return str(value)

    def error(self, name: str, value: Any, expected: str) -> AnymailConfigurationError:
        text = f"Invalid {setting_name(name, self.esp_name)}={value!r}: expected {expected}"
        if self.alias is not None:
            return AnymailInvalidMailer(text, alias=self.alias)
        return AnymailConfigurationError(text)
