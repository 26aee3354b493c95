"""The /_emulator/ control API: messages, events, reset, stats, webhook queue."""

from __future__ import annotations

from typing import Any

import requests

from mailtrap_emulator import EmulatorServer

from .helpers import message, send
from .receiver import Receiver


def control(emulator: EmulatorServer, method: str, path: str, **kwargs: Any) -> Any:
    response = requests.request(method, f"{emulator.url}/_emulator{path}", timeout=10, **kwargs)
    return response


def test_health(emulator: EmulatorServer) -> None:
    assert control(emulator, "GET", "/health").json() == {"status": "ok"}


def test_messages_are_listed_newest_first(emulator: EmulatorServer) -> None:
    send(emulator, message(subject="first"))
    send(emulator, message(subject="second"))
    listed = control(emulator, "GET", "/messages").json()["messages"]
    assert [m["subject"] for m in listed] == ["second", "first"]


def test_messages_filter_by_recipient(emulator: EmulatorServer) -> None:
    send(emulator, message(to=[{"email": "bo@example.org"}], subject="for bo"))
    send(emulator, message(subject="for ana"))
    listed = control(emulator, "GET", "/messages", params={"recipient": "BO@example.org"})
    assert [m["subject"] for m in listed.json()["messages"]] == ["for bo"]


def test_messages_filter_by_category(emulator: EmulatorServer) -> None:
    send(emulator, message(category="welcome", subject="w"))
    send(emulator, message(category="receipt", subject="r"))
    listed = control(emulator, "GET", "/messages", params={"category": "receipt"})
    assert [m["subject"] for m in listed.json()["messages"]] == ["r"]


def test_messages_filter_by_stream_and_sandbox_inbox(emulator: EmulatorServer) -> None:
    send(emulator, message(subject="live"))
    send(emulator, message(subject="captured"), path="/api/send/5")
    by_stream = control(emulator, "GET", "/messages", params={"stream": "sandbox"}).json()
    by_inbox = control(emulator, "GET", "/messages", params={"sandbox_inbox_id": 5}).json()
    assert [m["subject"] for m in by_stream["messages"]] == ["captured"]
    assert by_inbox == by_stream


def test_message_is_found_by_key_or_by_message_id(emulator: EmulatorServer) -> None:
    (message_id,) = send(emulator, message())["message_ids"]
    by_id = control(emulator, "GET", f"/messages/{message_id}").json()
    by_key = control(emulator, "GET", f"/messages/{by_id['id']}").json()
    assert by_id == by_key
    assert by_id["message_ids"] == [message_id]


def test_unknown_message_is_404(emulator: EmulatorServer) -> None:
    assert control(emulator, "GET", "/messages/no-such-id").status_code == 404


def test_raw_message_is_the_rendered_eml(emulator: EmulatorServer) -> None:
    (message_id,) = send(emulator, message())["message_ids"]
    response = control(emulator, "GET", f"/messages/{message_id}/raw")
    assert response.headers["content-type"] == "message/rfc822"
    assert b"Subject: Order 4711 confirmed" in response.content


def test_trigger_event_records_and_posts_it(emulator: EmulatorServer, receiver: Receiver) -> None:
    emulator.add_webhook(receiver.url + "/hook", event_types=["open"])
    (message_id,) = send(emulator, message())["message_ids"]
    response = control(
        emulator, "POST", f"/messages/{message_id}/events", json={"event": "open", "ip": "1.2.3.4"}
    )
    assert response.status_code == 200
    event = response.json()["event"]
    assert (event["event"], event["message_id"], event["ip"]) == ("open", message_id, "1.2.3.4")
    assert emulator.wait_for_webhooks(10)
    assert receiver.all_events() == [event]
    timeline = emulator.message(message_id)["events"]  # type: ignore[index]
    assert [e["event"] for e in timeline] == ["delivery", "open"]


def test_trigger_event_by_key_picks_the_recipient_by_email(emulator: EmulatorServer) -> None:
    ids = send(emulator, message(cc=[{"email": "cc@example.org"}]))["message_ids"]
    key = emulator.message(ids[0])["id"]  # type: ignore[index]
    event = control(
        emulator,
        "POST",
        f"/messages/{key}/events",
        json={"event": "spam", "email": "cc@example.org"},
    ).json()["event"]
    assert (event["message_id"], event["email"]) == (ids[1], "cc@example.org")


def test_trigger_event_accepts_management_event_names(emulator: EmulatorServer) -> None:
    (message_id,) = send(emulator, message())["message_ids"]
    response = control(
        emulator, "POST", f"/messages/{message_id}/events", json={"event": "soft_bounce"}
    )
    assert response.json()["event"]["event"] == "soft bounce"


def test_trigger_unknown_event_is_400(emulator: EmulatorServer) -> None:
    (message_id,) = send(emulator, message())["message_ids"]
    response = control(emulator, "POST", f"/messages/{message_id}/events", json={"event": "x"})
    assert response.status_code == 400


def test_trigger_event_for_unknown_message_is_404(emulator: EmulatorServer) -> None:
    response = control(emulator, "POST", "/messages/nope/events", json={"event": "open"})
    assert response.status_code == 404


def test_reset_forgets_messages_webhooks_and_stats(emulator: EmulatorServer) -> None:
    send(emulator, message())
    emulator.add_webhook("http://127.0.0.1:9/hook")
    assert control(emulator, "POST", "/reset", json={}).json() == {"success": True}
    stats = control(emulator, "GET", "/stats").json()
    assert (stats["messages"], stats["total_requests"]) == (0, 0)
    assert emulator.messages() == []
    assert emulator.emulator.store.list_webhooks() == []  # type: ignore[union-attr]


def test_stats_count_requests_per_endpoint(emulator: EmulatorServer) -> None:
    send(emulator, message())
    send(emulator, message())
    send(emulator, message(), path="/api/send/12")
    send(emulator, {"requests": [{"to": [{"email": "x@example.org"}]}]}, path="/api/batch")
    stats = control(emulator, "GET", "/stats").json()
    assert stats["requests"] == {
        "POST /api/batch": 1,
        "POST /api/send": 2,
        "POST /api/send/{id}": 1,
    }
    assert stats["total_requests"] == 4
    assert stats["messages"] == 3


def test_delete_stats_zeroes_the_counters(emulator: EmulatorServer) -> None:
    send(emulator, message())
    assert control(emulator, "DELETE", "/stats").json()["total_requests"] == 0
    assert control(emulator, "GET", "/stats").json()["messages"] == 1


def test_pending_webhooks_can_be_awaited(emulator: EmulatorServer, receiver: Receiver) -> None:
    emulator.add_webhook(receiver.url + "/hook")
    send(emulator, message())
    response = control(emulator, "GET", "/webhooks/pending", params={"wait": 10})
    assert response.json() == {"pending": 0}
    assert len(receiver.requests) == 1


def test_deliveries_list_status_and_body(emulator: EmulatorServer, receiver: Receiver) -> None:
    emulator.add_webhook(receiver.url_with_auth("u", "p"))
    send(emulator, message())
    emulator.wait_for_webhooks(10)
    (delivery,) = control(emulator, "GET", "/webhooks/deliveries").json()["deliveries"]
    assert delivery["status"] == "delivered"
    assert delivery["last_status_code"] == 200
    assert delivery["url"] == receiver.url + "/hook"  # credentials are not shown
    assert '"event":"delivery"' in delivery["body"]
