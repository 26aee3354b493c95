"""`manage.py mailtrap logs`: one message's status and events, or a filtered list."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from anymail.backends.mailtrap import EmailBackend
from anymail.message import AnymailMessage
from mailtrap_emulator import EmulatorServer

from .conftest import Ran


@pytest.fixture
def send(tooling_settings: Any) -> Callable[..., str]:
    """Send one message through the Mailtrap backend to the emulator; its message id."""

    def send_one(to: str, subject: str = "Hello") -> str:
        message = AnymailMessage(subject, "Body", "app@emulator-verified.example", [to])
        assert EmailBackend().send_messages([message]) == 1
        message_id = message.anymail_status.message_id
        assert isinstance(message_id, str)
        return message_id

    return send_one


def test_one_message_with_its_events(
    mailtrap: Callable[..., Ran], send: Callable[..., str], emulator: EmulatorServer
) -> None:
    message_id = send("reader@example.com", "Your order")
    emulator.trigger_event(message_id, "bounce")
    ran = mailtrap("logs", message_id)
    assert ran.status == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[0] == f"Message {message_id}: not_delivered"
    assert "  to        reader@example.com" in lines
    assert "  subject   Your order" in lines
    events = [line.split()[1] for line in lines[lines.index("") + 2 :]]
    assert events == ["delivery", "bounce"]
    assert "bounce_category=invalid_recipient" in ran.out
    assert "X-Amz-Signature" not in ran.out and "raw_message" not in ran.out


def test_one_message_json_drops_the_signed_url(
    mailtrap: Callable[..., Ran], send: Callable[..., str]
) -> None:
    message_id = send("reader@example.com")
    ran = mailtrap("logs", message_id, "--json")
    message = json.loads(ran.out)["message"]
    assert message["message_id"] == message_id
    assert message["status"] == "delivered"
    assert [event["event_type"] for event in message["events"]] == ["delivery"]
    assert "raw_message_url" not in message
    assert "X-Amz-Signature" not in ran.out


def test_an_unknown_message_is_one_line_and_exit_1(mailtrap: Callable[..., Ran]) -> None:
    ran = mailtrap("logs", "00000000-0000-4000-8000-000000000000")
    assert ran.status == 1
    assert ran.out == ""
    assert ran.err.startswith(
        "Mailtrap's Email Logs have no message 00000000-0000-4000-8000-000000000000"
    )
    data = json.loads(mailtrap("logs", "00000000-0000-4000-8000-000000000000", "--json").out)
    assert data == {"message": None}


def test_list_by_recipient_and_age(mailtrap: Callable[..., Ran], send: Callable[..., str]) -> None:
    first = send("reader@example.com", "First")
    send("someone-else@example.com", "Other")
    second = send("Reader@Example.com", "Second")
    ran = mailtrap("logs", "--to", "reader@example.com", "--since", "2d")
    assert ran.status == 0, ran.err
    heading, *rows = ran.out.strip().splitlines()
    assert heading.split() == ["SENT", "AT", "STATUS", "TO", "SUBJECT", "MESSAGE", "ID"]
    assert [row.split()[-1] for row in rows] == [second, first]  # newest first
    assert all(row.split()[1] == "delivered" for row in rows)


def test_list_limit_and_json(mailtrap: Callable[..., Ran], send: Callable[..., str]) -> None:
    for n in range(3):
        send("reader@example.com", f"Message {n}")
    data = json.loads(mailtrap("logs", "--limit", "2", "--json").out)
    assert data["truncated"] is True
    assert [m["subject"] for m in data["messages"]] == ["Message 2", "Message 1"]
    assert all("raw_message_url" not in m for m in data["messages"])
    assert "raise --limit" in mailtrap("logs", "--limit", "2").out


def test_list_of_nothing(mailtrap: Callable[..., Ran]) -> None:
    assert mailtrap("logs", "--to", "nobody@example.com").out.strip() == "No messages found."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["some-id", "--to", "a@example.com"], "give a MESSAGE_ID or list filters"),
        (["--since", "yesterday"], "neither an age like 2d"),
        (["--limit", "0"], "not a positive whole number"),
        (["--status", "lost"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(mailtrap: Callable[..., Ran], args: list[str], message: str) -> None:
    ran = mailtrap("logs", *args)
    assert ran.status == 2
    assert message in ran.err
