"""The webhooks management API (/api/webhooks and /api/accounts/{id}/webhooks)."""

from __future__ import annotations

from typing import Any

import requests

from mailtrap_emulator import EmulatorServer

from .helpers import TOKEN

SENDING_WEBHOOK = {
    "url": "https://hooks.myapp.example/mailtrap/events/",
    "webhook_type": "email_sending",
    "sending_stream": "transactional",
    "event_types": ["delivery", "bounce", "soft_bounce", "spam_complaint"],
}


def call(emulator: EmulatorServer, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(
        method,
        f"{emulator.url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )


def test_create_returns_200_with_the_signing_secret(emulator: EmulatorServer) -> None:
    response = call(emulator, "POST", "/api/webhooks", {"webhook": SENDING_WEBHOOK})
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["url"] == SENDING_WEBHOOK["url"]
    assert data["active"] is True
    assert data["payload_format"] == "json"
    assert data["sending_stream"] == "transactional"
    assert data["inbound_inbox_id"] is None
    assert data["event_types"] == SENDING_WEBHOOK["event_types"]
    assert len(data["signing_secret"]) == 32


def test_list_never_shows_the_signing_secret(emulator: EmulatorServer) -> None:
    created = call(emulator, "POST", "/api/webhooks", {"webhook": SENDING_WEBHOOK}).json()
    listed = call(emulator, "GET", "/api/webhooks").json()["data"]
    assert [w["id"] for w in listed] == [created["data"]["id"]]
    assert "signing_secret" not in listed[0]


def test_delete_returns_the_deleted_webhook(emulator: EmulatorServer) -> None:
    webhook_id = call(emulator, "POST", "/api/webhooks", {"webhook": SENDING_WEBHOOK}).json()[
        "data"
    ]["id"]
    response = call(emulator, "DELETE", f"/api/webhooks/{webhook_id}")
    assert response.status_code == 200
    assert response.json()["data"]["id"] == webhook_id
    assert call(emulator, "GET", "/api/webhooks").json()["data"] == []


def test_account_scoped_paths_work_too(emulator: EmulatorServer) -> None:
    account = f"/api/accounts/{emulator.config.account_id}"
    created = call(emulator, "POST", f"{account}/webhooks", {"webhook": SENDING_WEBHOOK})
    webhook_id = created.json()["data"]["id"]
    assert call(emulator, "GET", f"{account}/webhooks").json()["data"][0]["id"] == webhook_id
    assert call(emulator, "DELETE", f"{account}/webhooks/{webhook_id}").status_code == 200


def test_another_accounts_webhooks_are_forbidden(emulator: EmulatorServer) -> None:
    other = emulator.config.account_id + 1
    response = call(emulator, "GET", f"/api/accounts/{other}/webhooks")
    assert (response.status_code, response.json()) == (
        403,
        {"errors": "Account access forbidden"},
    )


def test_patch_updates_allowed_fields(emulator: EmulatorServer) -> None:
    webhook_id = call(emulator, "POST", "/api/webhooks", {"webhook": SENDING_WEBHOOK}).json()[
        "data"
    ]["id"]
    response = call(
        emulator,
        "PATCH",
        f"/api/webhooks/{webhook_id}",
        {"webhook": {"active": False, "payload_format": "jsonlines"}},
    )
    assert response.status_code == 200
    assert (response.json()["data"]["active"], response.json()["data"]["payload_format"]) == (
        False,
        "jsonlines",
    )


def test_inbound_webhook_needs_no_stream(emulator: EmulatorServer) -> None:
    body = {
        "webhook": {
            "url": "https://hooks.myapp.example/inbound/",
            "webhook_type": "inbound_receiving",
            "inbound_inbox_id": 250,
        }
    }
    data = call(emulator, "POST", "/api/webhooks", body).json()["data"]
    assert (data["webhook_type"], data["inbound_inbox_id"], data["sending_stream"]) == (
        "inbound_receiving",
        250,
        None,
    )


def test_invalid_sending_stream_is_422(emulator: EmulatorServer) -> None:
    body = {"webhook": dict(SENDING_WEBHOOK, sending_stream="marketing")}
    response = call(emulator, "POST", "/api/webhooks", body)
    assert response.status_code == 422
    assert response.json() == {
        "errors": {"sending_stream": ["is invalid. Allowed values: transactional, bulk."]}
    }


def test_invalid_url_and_event_types_are_422(emulator: EmulatorServer) -> None:
    body = {"webhook": dict(SENDING_WEBHOOK, url="not a url", event_types=["soft bounce"])}
    errors = call(emulator, "POST", "/api/webhooks", body).json()["errors"]
    assert errors["url"] == ["is invalid"]
    assert errors["event_types"][0].startswith("is invalid")


def test_inbox_id_on_a_sending_webhook_is_422(emulator: EmulatorServer) -> None:
    body = {"webhook": dict(SENDING_WEBHOOK, inbound_inbox_id=1)}
    assert call(emulator, "POST", "/api/webhooks", body).json()["errors"] == {
        "inbound_inbox_id": ["must be blank"]
    }


def test_unknown_webhook_is_404(emulator: EmulatorServer) -> None:
    response = call(emulator, "DELETE", "/api/webhooks/999")
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}


def test_management_api_401_uses_the_account_api_shape(emulator: EmulatorServer) -> None:
    response = requests.get(f"{emulator.url}/api/webhooks", timeout=10)
    assert response.status_code == 401
    assert response.json() == {"error": "Incorrect API token"}
