"""`manage.py mailtrap webhooks list|create|update|delete` against the emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from mailtrap_emulator import EmulatorServer

from .conftest import TOKEN, Ran

ALL_EVENTS = [
    "delivery",
    "soft_bounce",
    "bounce",
    "suspension",
    "unsubscribe",
    "open",
    "spam_complaint",
    "click",
    "reject",
]


def stored(emulator: EmulatorServer) -> list[dict[str, Any]]:
    """The webhooks as the emulator keeps them, secrets included."""
    assert emulator.emulator is not None
    return emulator.emulator.store.list_webhooks(with_secret=True)


def test_create_tracking_prints_the_secret_once_in_the_settings_line(
    mailtrap: Callable[..., Ran], emulator: EmulatorServer
) -> None:
    ran = mailtrap("webhooks", "create", "--tracking", "https://www.example.com/anymail/x/")
    assert ran.status == 0, ran.err
    (hook,) = stored(emulator)
    secret = hook["signing_secret"]
    assert ran.out.count(secret) == 1
    assert f'    "MAILTRAP_TRACKING_SECRET": "{secret}",' in ran.out.splitlines()
    assert "shows this webhook's signing secret only now" in ran.out
    assert TOKEN not in ran.out + ran.err
    assert hook["url"] == "https://www.example.com/anymail/x/"
    assert hook["webhook_type"] == "email_sending"
    assert hook["sending_stream"] == "transactional"
    assert hook["event_types"] == ALL_EVENTS
    assert hook["payload_format"] == "json" and hook["active"] is True
    assert "Note: this site's view is at /anymail/mailtrap/tracking/, not at /anymail/x/." in (
        ran.out
    )


def test_a_url_without_a_path_gets_this_sites_view_path(
    mailtrap: Callable[..., Ran], emulator: EmulatorServer
) -> None:
    ran = mailtrap("webhooks", "create", "--tracking", "https://www.example.com")
    assert ran.status == 0, ran.err
    assert stored(emulator)[0]["url"] == "https://www.example.com/anymail/mailtrap/tracking/"
    assert "Note:" not in ran.out


def test_create_with_options(mailtrap: Callable[..., Ran], emulator: EmulatorServer) -> None:
    ran = mailtrap(
        "webhooks",
        "create",
        "--tracking",
        "https://www.example.com",
        "--stream",
        "bulk",
        "--events",
        "bounce,spam_complaint",
        "--format",
        "jsonlines",
        "--domain-id",
        "1",
        "--paused",
    )
    assert ran.status == 0, ran.err
    (hook,) = stored(emulator)
    assert hook["sending_stream"] == "bulk"
    assert hook["event_types"] == ["bounce", "spam_complaint"]
    assert hook["payload_format"] == "jsonlines"
    assert hook["domain_id"] == 1
    assert hook["active"] is False


def test_create_inbound(mailtrap: Callable[..., Ran], emulator: EmulatorServer) -> None:
    ran = mailtrap("webhooks", "create", "--inbound", "https://in.example.com", "--inbox", "250")
    assert ran.status == 0, ran.err
    (hook,) = stored(emulator)
    assert hook["webhook_type"] == "inbound_receiving"
    assert hook["inbound_inbox_id"] == 250
    assert hook["url"] == "https://in.example.com/anymail/mailtrap/inbound/"
    assert f'"MAILTRAP_INBOUND_SECRET": "{hook["signing_secret"]}",' in ran.out


def test_create_json_shape(mailtrap: Callable[..., Ran], emulator: EmulatorServer) -> None:
    ran = mailtrap("webhooks", "create", "--tracking", "https://www.example.com", "--json")
    data = json.loads(ran.out)
    (hook,) = stored(emulator)
    assert set(data) == {"webhook", "signing_secret", "setting"}
    assert data["signing_secret"] == hook["signing_secret"]
    assert ran.out.count(hook["signing_secret"]) == 1
    assert data["setting"] == "MAILTRAP_TRACKING_SECRET"
    assert data["webhook"]["id"] == hook["id"]
    assert "signing_secret" not in data["webhook"]


def test_an_existing_secret_calls_for_a_list(
    mailtrap: Callable[..., Ran], tooling_settings: Any
) -> None:
    tooling_settings.ANYMAIL["MAILTRAP_TRACKING_SECRET"] = "configured-secret-0f3e"
    ran = mailtrap("webhooks", "create", "--tracking", "https://www.example.com")
    assert "MAILTRAP_TRACKING_SECRET is already set: to accept this webhook" in ran.out
    assert "configured-secret-0f3e" not in ran.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--inbound", "https://in.example.com"], "--inbound needs --inbox"),
        (["--tracking", "https://a.example", "--inbox", "3"], "--inbox is for --inbound"),
        (["--tracking", "www.example.com"], "is not an http(s) URL"),
        (["--tracking", "https://a.example", "--events", "delivery,bogus"], "bogus"),
        (["--tracking", "https://a.example", "--stream", "weekly"], "invalid choice"),
        ([], "one of the arguments --tracking --inbound is required"),
    ],
)
def test_create_usage_errors_exit_2(
    mailtrap: Callable[..., Ran], emulator: EmulatorServer, args: list[str], message: str
) -> None:
    ran = mailtrap("webhooks", "create", *args)
    assert ran.status == 2
    assert message in ran.err
    assert emulator.stats()["total_requests"] == 0  # refused before any call


def test_create_refused_by_mailtrap_is_one_line(
    mailtrap: Callable[..., Ran], tooling_settings: Any
) -> None:
    tooling_settings.ANYMAIL["MAILTRAP_API_TOKEN"] = "not-the-token-77"
    ran = mailtrap("webhooks", "create", "--tracking", "https://www.example.com")
    assert ran.status == 1
    assert ran.out == ""
    assert ran.err == (
        "Mailtrap did not accept the API token (HTTP 401): check MAILTRAP_API_TOKEN."
    )


def test_list(mailtrap: Callable[..., Ran], emulator: EmulatorServer) -> None:
    assert mailtrap("webhooks", "list").out.strip() == "No webhooks."
    tracking = emulator.add_webhook("https://a.example/t/", sending_stream="transactional")
    emulator.add_webhook(
        "https://u:pw-9@b.example/i/", webhook_type="inbound_receiving", inbound_inbox_id=7
    )
    ran = mailtrap("webhooks", "list")
    heading, first, second = ran.out.strip().splitlines()
    assert heading.split() == ["ID", "TYPE", "STREAM/INBOX", "STATE", "FORMAT", "EVENTS", "URL"]
    assert first.split()[0] == str(tracking["id"])
    assert first.split()[1:] == [
        "email_sending", "transactional", "active", "json", "all", "https://a.example/t/"
    ]  # fmt: skip
    assert second.split()[1:] == [
        "inbound_receiving", "inbox", "7", "active", "json", "-", "https://u:***@b.example/i/"
    ]  # fmt: skip


def test_list_json(mailtrap: Callable[..., Ran], emulator: EmulatorServer) -> None:
    made = emulator.add_webhook("https://a.example/t/", sending_stream="bulk", signing_secret="s-3")
    ran = mailtrap("webhooks", "list", "--json")
    (hook,) = json.loads(ran.out)["webhooks"]
    assert sorted(hook.pop("event_types")) == sorted(ALL_EVENTS)
    assert "s-3" not in ran.out
    assert hook == {
        "id": made["id"],
        "url": "https://a.example/t/",
        "active": True,
        "webhook_type": "email_sending",
        "payload_format": "json",
        "sending_stream": "bulk",
        "domain_id": None,
        "inbound_inbox_id": None,
    }


def test_update(mailtrap: Callable[..., Ran], emulator: EmulatorServer) -> None:
    hook = emulator.add_webhook("https://a.example/t/", sending_stream="transactional")
    ran = mailtrap(
        "webhooks",
        "update",
        str(hook["id"]),
        "--url",
        "https://b.example/t/",
        "--events",
        "delivery",
        "--format",
        "jsonlines",
        "--paused",
    )
    assert ran.status == 0, ran.err
    assert ran.out.startswith(f"Updated webhook {hook['id']}.")
    (changed,) = stored(emulator)
    assert changed["url"] == "https://b.example/t/"
    assert changed["event_types"] == ["delivery"]
    assert changed["payload_format"] == "jsonlines"
    assert changed["active"] is False
    assert mailtrap("webhooks", "update", str(hook["id"]), "--active").status == 0
    assert stored(emulator)[0]["active"] is True


def test_update_without_changes_is_a_usage_error(
    mailtrap: Callable[..., Ran], emulator: EmulatorServer
) -> None:
    hook = emulator.add_webhook("https://a.example/t/", sending_stream="transactional")
    ran = mailtrap("webhooks", "update", str(hook["id"]))
    assert ran.status == 2
    assert "Nothing to change" in ran.err


def test_update_refused_by_mailtrap_shows_its_words(
    mailtrap: Callable[..., Ran], emulator: EmulatorServer
) -> None:
    hook = emulator.add_webhook("https://a.example/t/", sending_stream="transactional")
    ran = mailtrap("webhooks", "update", str(hook["id"]), "--url", "ftp://a.example/")
    assert ran.status == 1
    assert ran.err == "Mailtrap refused the request (HTTP 422): url is invalid."


def test_delete(mailtrap: Callable[..., Ran], emulator: EmulatorServer) -> None:
    hook = emulator.add_webhook("https://a.example/t/", sending_stream="transactional")
    ran = mailtrap("webhooks", "delete", str(hook["id"]))
    assert ran.status == 0
    assert ran.out.startswith(f"Deleted webhook {hook['id']} (email_sending)")
    assert stored(emulator) == []


def test_delete_unknown_is_one_line_and_exit_1(mailtrap: Callable[..., Ran]) -> None:
    ran = mailtrap("webhooks", "delete", "999")
    assert ran.status == 1
    assert ran.out == ""
    assert ran.err == (
        "Mailtrap has no webhook 999 (HTTP 404): see manage.py mailtrap webhooks list."
    )
    data = json.loads(mailtrap("webhooks", "delete", "999", "--json").out)
    assert data == {"error": {"kind": "api", "message": ran.err, "status_code": 404}}


def test_calls_use_the_account_scoped_paths_of_the_tokens_one_account(
    mailtrap: Callable[..., Ran], emulator: EmulatorServer
) -> None:
    mailtrap("webhooks", "list")
    assert emulator.stats()["requests"] == {
        "GET /api/accounts": 1,
        "GET /api/accounts/{id}/webhooks": 1,
    }
