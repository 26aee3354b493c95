"""Stored-message lists page instead of silently stopping at 100: the control API, the
Python API and the store count every match."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from mailtrap_emulator import EmulatorServer
from mailtrap_emulator.message_filters import DEFAULT_LIMIT, MAX_LIMIT

from .helpers import send


def send_many(emulator: EmulatorServer, count: int, **fields: Any) -> None:
    """`count` messages in one batch call, subjects `#0`, `#1`, … in the order sent."""
    requests_ = [{"to": [{"email": "ana@example.org"}], "subject": f"#{n}"} for n in range(count)]
    base = {"from": {"email": "orders@shop.example"}, "text": "Hi", **fields}
    result = send(emulator, {"base": base, "requests": requests_}, path="/api/batch")
    assert all(response["success"] for response in result["responses"])


def listed(emulator: EmulatorServer, **params: Any) -> requests.Response:
    return requests.get(f"{emulator.url}/_emulator/messages", params=params, timeout=30)


def subjects(messages: list[dict[str, Any]]) -> list[str]:
    return [message["subject"] for message in messages]


def test_the_default_page_says_how_many_there_are(emulator: EmulatorServer) -> None:
    send_many(emulator, DEFAULT_LIMIT + 20)
    answer = listed(emulator).json()
    assert len(answer["messages"]) == DEFAULT_LIMIT
    assert answer["messages"][0]["subject"] == f"#{DEFAULT_LIMIT + 19}"  # newest first
    assert (answer["total"], answer["limit"], answer["offset"]) == (DEFAULT_LIMIT + 20, 100, 0)
    assert DEFAULT_LIMIT == 100  # as documented
    assert answer["next_offset"] == DEFAULT_LIMIT


def test_limit_and_offset_walk_through_every_message_once(emulator: EmulatorServer) -> None:
    send_many(emulator, 25)
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        answer = listed(emulator, limit=10, offset=offset).json()
        assert answer["total"] == 25
        seen += subjects(answer["messages"])
        offset = answer["next_offset"]
    assert seen == [f"#{n}" for n in reversed(range(25))]


def test_the_last_page_has_no_next_offset(emulator: EmulatorServer) -> None:
    send_many(emulator, 5)
    answer = listed(emulator, limit=5).json()
    assert (len(answer["messages"]), answer["next_offset"]) == (5, None)
    beyond = listed(emulator, limit=5, offset=40).json()
    assert (beyond["messages"], beyond["total"], beyond["next_offset"]) == ([], 5, None)


def test_total_counts_the_filtered_messages(emulator: EmulatorServer) -> None:
    send_many(emulator, 12, category="welcome")
    send_many(emulator, 3, category="receipt")
    answer = listed(emulator, category="receipt", limit=2).json()
    assert (answer["total"], len(answer["messages"]), answer["next_offset"]) == (3, 2, 2)
    assert emulator.emulator.store.count_messages(category="welcome") == 12  # type: ignore[union-attr]


def test_the_largest_page_is_max_limit(emulator: EmulatorServer) -> None:
    assert listed(emulator, limit=MAX_LIMIT).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"limit": MAX_LIMIT + 1},
        {"limit": 0},
        {"limit": "many"},
        {"offset": -1},
        {"offset": "x"},
        {"offset": 10**30},
    ],
)
def test_a_bad_limit_or_offset_is_a_400_not_a_silent_cap(
    emulator: EmulatorServer, params: dict[str, Any]
) -> None:
    response = listed(emulator, **params)
    assert response.status_code == 400
    assert response.json() == {
        "error": f"limit must be 1 to {MAX_LIMIT}, offset a whole number >= 0"
    }


def test_python_api_returns_every_message_by_default(emulator: EmulatorServer) -> None:
    send_many(emulator, 150)  # more than one control-API page
    assert len(emulator.messages()) == 150
    assert subjects(emulator.messages(limit=3)) == ["#149", "#148", "#147"]
    assert subjects(emulator.messages(limit=2, offset=148)) == ["#1", "#0"]
    assert subjects(emulator.messages(offset=149)) == ["#0"]


@pytest.mark.parametrize("page", ["0", "-3", "two", str(10**30)])
def test_the_web_inbox_takes_any_page_number(emulator: EmulatorServer, page: str) -> None:
    send_many(emulator, 2)
    response = requests.get(f"{emulator.url}/", params={"page": page}, timeout=10)
    assert response.status_code == 200
    assert ("2 of 2 message(s)" if page != str(10**30) else "0 of 2") in response.text
