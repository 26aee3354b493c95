"""The sending-at-scale settings: concurrency, retries, rate limit (read once, validated).

Every name is ESP-prefixed, e.g. for Mailtrap `ANYMAIL = {"MAILTRAP_SEND_CONCURRENCY": 8}`
or `send_concurrency=8` in the constructor / MAILERS OPTIONS. See docs/sending-at-scale.md.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from ..settings import SettingsReader
from .rate_limit import parse_rate_limit
from .retry import RetryPolicy

DEFAULT_RETRY = RetryPolicy()


@dataclass(frozen=True)
class ScaleSettings:
    """What a backend needs to send many messages well."""

    send_concurrency: int
    retry: RetryPolicy
    rate_limit: tuple[int, float] | None


def read_scale_settings(
    esp_name: str, kwargs: MutableMapping[str, Any], default_concurrency: int
) -> ScaleSettings:
    """Pop and validate the settings from kwargs, else Django settings, else defaults."""
    reader = _Reader(esp_name, kwargs)
    return ScaleSettings(
        send_concurrency=reader.number("send_concurrency", default_concurrency, int, minimum=1),
        retry=RetryPolicy(
            attempts=reader.number("retry_attempts", DEFAULT_RETRY.attempts, int, minimum=1),
            backoff=reader.number("retry_backoff", DEFAULT_RETRY.backoff, float, minimum=0),
            max_time=reader.number("retry_max_time", DEFAULT_RETRY.max_time, float, minimum=0),
            on_server_errors=bool(
                reader.get("retry_on_server_errors", DEFAULT_RETRY.on_server_errors)
            ),
        ),
        rate_limit=reader.rate_limit("rate_limit"),
    )


#: What a rate limit looks like, for the error naming a bad one.
RATE_LIMIT_FORMS = '"150/10s", "600/min" or (150, 10): calls per period, at least 1'


class _Reader(SettingsReader):
    def rate_limit(self, name: str) -> tuple[int, float] | None:
        value = self.get(name, None)
        try:
            return parse_rate_limit(value)
        except (TypeError, ValueError):
            raise self.error(name, value, f"e.g. {RATE_LIMIT_FORMS}", "a rate limit") from None
