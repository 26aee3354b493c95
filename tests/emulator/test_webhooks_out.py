"""Outgoing sending-event webhooks: payload fields, signature, auth, formats, retries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import time
import uuid
from collections.abc import Iterator

import pytest

from mailtrap_emulator import EmulatorServer, sign

from .helpers import message, send
from .receiver import Receiver

SECRET = "8d9a3c0e7f5b2d4a6c1e9f8b3a7d5c2e"


def deliver(emulator: EmulatorServer, receiver: Receiver) -> None:
    assert emulator.wait_for_webhooks(10)
    assert receiver.requests, "no webhook arrived"


def test_sign_matches_the_cross_sdk_test_vector() -> None:
    body = (
        b'{"event":"delivery","sending_stream":"transactional","category":"welcome",'
        b'"message_id":"a8b1d8f6-1f8d-4a3c-9b2e-1a2b3c4d5e6f","email":"recipient@example.com",'
        b'"event_id":"f1e2d3c4-b5a6-7890-1234-567890abcdef","timestamp":1716070000}'
    )
    assert sign(body, SECRET) == "6d262e2611cd09be1f948382b5c611d63b0e585c4c9c5e40139d6ac3876d5433"


def test_delivery_fires_for_each_recipient_with_the_documented_fields(
    emulator: EmulatorServer, receiver: Receiver
) -> None:
    emulator.add_webhook(receiver.url + "/hook")
    body = message(
        cc=[{"email": "cc@example.org"}], category="welcome", custom_variables={"user_id": "42"}
    )
    ids = send(emulator, body)["message_ids"]
    deliver(emulator, receiver)
    events = receiver.all_events()
    assert [(e["event"], e["message_id"], e["email"]) for e in events] == [
        ("delivery", ids[0], "ana@example.org"),
        ("delivery", ids[1], "cc@example.org"),
    ]
    event = events[0]
    assert uuid.UUID(event["event_id"])
    assert abs(event["timestamp"] - time.time()) < 60  # seconds, not milliseconds
    assert event["sending_stream"] == "transactional"
    assert event["sending_domain_name"] == "shop.example"
    assert event["category"] == "welcome"
    assert event["custom_variables"] == {"user_id": "42"}


def test_body_is_signed_with_the_webhook_secret(
    emulator: EmulatorServer, receiver: Receiver
) -> None:
    emulator.add_webhook(receiver.url + "/hook", signing_secret=SECRET)
    send(emulator, message())
    deliver(emulator, receiver)
    request = receiver.requests[0]
    expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["mailtrap-signature"] == expected


def test_created_webhook_secret_is_returned_and_used(
    emulator: EmulatorServer, receiver: Receiver
) -> None:
    webhook = emulator.add_webhook(receiver.url + "/hook")
    send(emulator, message())
    deliver(emulator, receiver)
    assert receiver.requests[0].headers["mailtrap-signature"] == sign(
        receiver.requests[0].body, webhook["signing_secret"]
    )


def test_json_format_posts_an_events_envelope(emulator: EmulatorServer, receiver: Receiver) -> None:
    emulator.add_webhook(receiver.url + "/hook")
    send(emulator, message())
    deliver(emulator, receiver)
    assert receiver.requests[0].headers["content-type"] == "application/json"
    assert list(receiver.requests[0].json()) == ["events"]


def test_jsonlines_format_posts_one_event_per_line(
    emulator: EmulatorServer, receiver: Receiver
) -> None:
    emulator.add_webhook(receiver.url + "/hook", payload_format="jsonlines")
    send(emulator, message(cc=[{"email": "cc@example.org"}]))
    deliver(emulator, receiver)
    request = receiver.requests[0]
    assert request.headers["content-type"] == "application/jsonl"
    assert len(request.body.strip().splitlines()) == 2
    assert [e["email"] for e in request.events()] == ["ana@example.org", "cc@example.org"]


def test_credentials_in_the_url_are_sent_as_basic_auth(
    emulator: EmulatorServer, receiver: Receiver
) -> None:
    emulator.add_webhook(receiver.url_with_auth("anymail", "s3cret:pw"))
    send(emulator, message())
    deliver(emulator, receiver)
    request = receiver.requests[0]
    assert request.path == "/hook"
    assert (
        request.headers["authorization"]
        == "Basic " + base64.b64encode(b"anymail:s3cret:pw").decode()
    )


def test_failed_delivery_is_retried_with_growing_backoff(
    emulator: EmulatorServer, receiver: Receiver
) -> None:
    receiver.statuses = [500, 503, 201]  # only exactly 200 acknowledges
    emulator.add_webhook(receiver.url + "/hook")
    send(emulator, message())
    deliver(emulator, receiver)
    assert len(receiver.requests) == 4
    assert len({r.body for r in receiver.requests}) == 1
    (delivery,) = emulator.webhook_deliveries()
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 4)
    times = delivery["attempt_times"]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert gaps[0] >= 0.02
    assert gaps[1] >= 0.04


def test_delivery_gives_up_after_the_configured_attempts(receiver: Receiver) -> None:
    receiver.statuses = [500] * 10
    with EmulatorServer(
        webhook_urls=[receiver.url], webhook_max_attempts=3, webhook_backoff_ms=1
    ) as server:
        send(server, message())
        assert server.wait_for_webhooks(10)
        (delivery,) = server.webhook_deliveries()
    assert (delivery["status"], delivery["attempts"]) == ("failed", 3)
    assert len(receiver.requests) == 3


def test_unreachable_receiver_is_retried_then_failed(emulator: EmulatorServer) -> None:
    emulator.add_webhook("http://127.0.0.1:9/hook")
    send(emulator, message())
    assert emulator.wait_for_webhooks(20)
    (delivery,) = emulator.webhook_deliveries()
    assert delivery["status"] == "failed"
    assert delivery["last_error"]


@pytest.fixture
def cli_webhook_emulator(receiver: Receiver) -> Iterator[EmulatorServer]:
    with EmulatorServer(
        webhook_urls=[receiver.url + "/cli"], webhook_format="jsonlines", signing_secret=SECRET
    ) as server:
        yield server


def test_startup_webhook_gets_events_signed_with_the_configured_secret(
    cli_webhook_emulator: EmulatorServer, receiver: Receiver
) -> None:
    send(cli_webhook_emulator, message())
    deliver(cli_webhook_emulator, receiver)
    request = receiver.requests[0]
    assert request.path == "/cli"
    assert request.headers["content-type"] == "application/jsonl"
    assert request.headers["mailtrap-signature"] == sign(request.body, SECRET)


def test_webhook_only_gets_its_sending_stream(emulator: EmulatorServer, receiver: Receiver) -> None:
    emulator.add_webhook(receiver.url + "/bulk-only", sending_stream="bulk")
    send(emulator, message())
    send(emulator, message(), path="/bulk/api/send")
    deliver(emulator, receiver)
    assert [e["sending_stream"] for e in receiver.all_events()] == ["bulk"]


def test_webhook_only_gets_its_event_types(emulator: EmulatorServer, receiver: Receiver) -> None:
    emulator.add_webhook(receiver.url + "/hook", event_types=["soft_bounce", "spam_complaint"])
    (message_id,) = send(emulator, message())["message_ids"]
    emulator.trigger_event(message_id, "open")
    emulator.trigger_event(message_id, "soft bounce")
    emulator.trigger_event(message_id, "spam")
    deliver(emulator, receiver)
    assert [e["event"] for e in receiver.all_events()] == ["soft bounce", "spam"]


def test_inactive_webhook_gets_nothing(emulator: EmulatorServer, receiver: Receiver) -> None:
    webhook = emulator.add_webhook(receiver.url + "/hook")
    emulator.emulator.store.update_webhook(webhook["id"], {"active": False})  # type: ignore[union-attr]
    send(emulator, message())
    assert emulator.wait_for_webhooks(5)
    assert receiver.requests == []


def test_bounce_event_has_response_code_and_category(
    emulator: EmulatorServer, receiver: Receiver
) -> None:
    emulator.add_webhook(receiver.url + "/hook", event_types=["bounce"])
    (message_id,) = send(emulator, message())["message_ids"]
    emulator.trigger_event(message_id, "bounce")
    deliver(emulator, receiver)
    (event,) = receiver.all_events()
    assert event["event"] == "bounce"
    assert event["response_code"] == 550
    assert event["response"].startswith("550")
    assert event["bounce_category"] == "invalid_recipient"


def test_click_event_has_url_ip_and_user_agent(
    emulator: EmulatorServer, receiver: Receiver
) -> None:
    emulator.add_webhook(receiver.url + "/hook", event_types=["click"])
    (message_id,) = send(emulator, message())["message_ids"]
    emulator.trigger_event(message_id, "click", url="https://shop.example/orders/4711")
    deliver(emulator, receiver)
    (event,) = receiver.all_events()
    assert event["url"] == "https://shop.example/orders/4711"
    assert event["ip"]
    assert event["user_agent"]
