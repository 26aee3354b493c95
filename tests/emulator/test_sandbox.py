"""Sandbox sends: one id per message, stored per inbox, never any webhook."""

from __future__ import annotations

from mailtrap_emulator import EmulatorServer

from .helpers import message, post, send
from .receiver import Receiver


def test_sandbox_send_returns_one_id_for_all_recipients(emulator: EmulatorServer) -> None:
    body = message(cc=[{"email": "cc@example.org"}], bcc=[{"email": "bcc@example.org"}])
    result = send(emulator, body, path="/api/send/2564102")
    assert len(result["message_ids"]) == 1
    stored = emulator.message(result["message_ids"][0])
    assert stored is not None
    assert {r["message_id"] for r in stored["recipients"]} == set(result["message_ids"])
    assert len(stored["recipients"]) == 3


def test_sandbox_message_is_stored_with_its_inbox(emulator: EmulatorServer) -> None:
    (message_id,) = send(emulator, message(), path="/api/send/77")["message_ids"]
    stored = emulator.message(message_id)
    assert stored is not None
    assert (stored["stream"], stored["sandbox_inbox_id"]) == ("sandbox", 77)
    assert emulator.messages(sandbox_inbox_id=77)[0]["id"] == stored["id"]


def test_sandbox_batch_returns_one_id_per_entry(emulator: EmulatorServer) -> None:
    body = {
        "base": {"from": {"email": "a@shop.example"}, "subject": "s", "text": "t"},
        "requests": [
            {"to": [{"email": "x@example.org"}], "cc": [{"email": "y@example.org"}]},
            {"to": [{"email": "z@example.org"}]},
        ],
    }
    result = send(emulator, body, path="/api/batch/77")
    assert [len(r["message_ids"]) for r in result["responses"]] == [1, 1]


def test_sandbox_sends_trigger_no_webhooks(emulator: EmulatorServer, receiver: Receiver) -> None:
    emulator.add_webhook(receiver.url + "/hook")
    (message_id,) = send(emulator, message(), path="/api/send/77")["message_ids"]
    emulator.trigger_event(message_id, "open")
    assert emulator.wait_for_webhooks(5)
    assert receiver.requests == []
    assert [e["event"] for e in emulator.message(message_id)["events"]] == ["open"]  # type: ignore[index]


def test_sandbox_validates_like_sending(emulator: EmulatorServer) -> None:
    response = post(emulator, "/api/send/77", message(subject=None))
    assert response.status_code == 400
    assert response.json()["errors"] == ["'subject' is required"]
