"""`manage.py mailtrap suppressions list|delete`, and the pacing of the Suppressions API."""

from __future__ import annotations

import json
from collections.abc import Callable

from anymail.mailtrap import suppressions
from anymail.mailtrap.account_api import AccountAPI
from anymail.sending.rate_limit import RateLimiter
from mailtrap_emulator import EmulatorServer

from .conftest import TOKEN, Ran, add_suppression

#: Read before the autouse fixture lifts it for the other tests.
MAILTRAP_LIMIT = suppressions.RATE_LIMIT


def test_list(mailtrap: Callable[..., Ran], emulator: EmulatorServer) -> None:
    assert mailtrap("suppressions", "list").out.strip() == "No suppressions."
    bounced = add_suppression(emulator, "gone@example.com", type="hard bounce")
    add_suppression(emulator, "quit@example.com", type="unsubscription", sending_stream="bulk")
    ran = mailtrap("suppressions", "list")
    assert ran.status == 0, ran.err
    heading, first, second = ran.out.strip().splitlines()
    assert heading.split() == ["ID", "TYPE", "STREAM", "EMAIL", "SINCE"]
    assert first.split()[:5] == [bounced["id"], "hard", "bounce", "any", "gone@example.com"]
    assert second.split()[1:4] == ["unsubscription", "bulk", "quit@example.com"]


def test_list_one_address_as_json(mailtrap: Callable[..., Ran], emulator: EmulatorServer) -> None:
    add_suppression(emulator, "gone@example.com")
    wanted = add_suppression(emulator, "quit@example.com", type="spam complaint")
    data = json.loads(mailtrap("suppressions", "list", "--email", "quit@example.com", "--json").out)
    assert data == {"suppressions": [wanted]}


def test_delete(mailtrap: Callable[..., Ran], emulator: EmulatorServer) -> None:
    entry = add_suppression(emulator, "gone@example.com")
    ran = mailtrap("suppressions", "delete", entry["id"])
    assert ran.status == 0, ran.err
    assert ran.out.strip() == (
        f"Deleted suppression {entry['id']} (gone@example.com): Mailtrap sends to the "
        "address again."
    )
    assert json.loads(mailtrap("suppressions", "list", "--json").out) == {"suppressions": []}


def test_delete_unknown_is_one_line_and_exit_1(mailtrap: Callable[..., Ran]) -> None:
    ran = mailtrap("suppressions", "delete", "0190c7c4-0000-7000-8000-000000000000")
    assert ran.status == 1
    assert ran.err == (
        "Mailtrap has no suppression 0190c7c4-0000-7000-8000-000000000000 (HTTP 404): "
        "see manage.py mailtrap suppressions list."
    )


def test_a_missing_action_is_a_usage_error(mailtrap: Callable[..., Ran]) -> None:
    ran = mailtrap("suppressions")
    assert ran.status == 2
    assert "required: ACTION" in ran.err


def test_mailtraps_limit_is_the_default() -> None:
    assert MAILTRAP_LIMIT == (10, 60.0)


def test_each_call_waits_for_the_limiter(emulator: EmulatorServer) -> None:
    slept: list[float] = []
    limiter = RateLimiter(2, 60.0, clock=lambda: 1000.0, sleep=slept.append)
    entries = suppressions.Suppressions(AccountAPI(TOKEN, api_url=emulator.api_url), limiter)
    add_suppression(emulator, "gone@example.com")
    for _ in range(2):
        assert [e["email"] for e in entries.list()] == ["gone@example.com"]
    assert slept == []
    list(entries.list())
    assert slept == [60.0]  # the third call in the same minute waits for the window
