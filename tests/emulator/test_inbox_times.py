"""The web inbox shows event times (epoch seconds) as readable UTC, and odd values as they are."""

from __future__ import annotations

from typing import Any

import pytest

from mailtrap_emulator.inbox_views import utc_time


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1_700_000_000, "2023-11-14 22:13:20 UTC"),
        (1_700_000_000.9, "2023-11-14 22:13:20 UTC"),
        ("1700000000", "2023-11-14 22:13:20 UTC"),
        (0, "1970-01-01 00:00:00 UTC"),
        ("yesterday", "yesterday"),  # a trigger may override `timestamp` with anything
        (None, "None"),
        (10**20, str(10**20)),
    ],
)
def test_utc_time(value: Any, shown: str) -> None:
    assert utc_time(value) == shown
