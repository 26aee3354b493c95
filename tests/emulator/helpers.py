"""Request helpers shared by the emulator tests."""

from __future__ import annotations

from typing import Any

import requests

from mailtrap_emulator import EmulatorServer

TOKEN = "test-token"


def message(**overrides: Any) -> dict[str, Any]:
    """A valid send body; keyword arguments replace (or with None, remove) fields."""
    payload: dict[str, Any] = {
        "from": {"email": "orders@shop.example", "name": "Example Shop"},
        "to": [{"email": "ana@example.org", "name": "Ana Silva"}],
        "subject": "Order 4711 confirmed",
        "text": "Hi Ana, order 4711 is confirmed.",
    }
    payload.update(overrides)
    return {name: value for name, value in payload.items() if value is not None}


def post(
    server: EmulatorServer, path: str, body: Any, *, token: str | None = TOKEN, **kwargs: Any
) -> requests.Response:
    """POST JSON to the emulator with an `Api-Token`."""
    headers = {"Api-Token": token} if token else {}
    headers.update(kwargs.pop("headers", {}))
    return requests.post(f"{server.url}{path}", json=body, headers=headers, timeout=30, **kwargs)


def send(server: EmulatorServer, body: Any, path: str = "/api/send", **kwargs: Any) -> Any:
    """POST a send body and return the parsed JSON (asserting HTTP 200)."""
    response = post(server, path, body, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()
