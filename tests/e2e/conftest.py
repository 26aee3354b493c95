"""End-to-end fixtures: the Mailtrap emulator on 127.0.0.1 and backends aimed at it."""

from __future__ import annotations

from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, cast

import pytest
import requests

from mailtrap_emulator import EmulatorServer
from mailtrap_emulator.pytest_plugin import (  # noqa: F401 - fixtures used by these tests
    mailtrap_emulator,
    mailtrap_emulator_server,
)

API_TOKEN = "e2e-emulator-token-5d21"


@pytest.fixture
def emulator(mailtrap_emulator: EmulatorServer) -> EmulatorServer:  # noqa: F811
    """The session's emulator, reset for this test."""
    return mailtrap_emulator


@pytest.fixture
def emulator_settings(settings: Any, emulator: EmulatorServer) -> Any:
    """ANYMAIL settings that point the Mailtrap backend (and inbound view) at the emulator."""
    settings.ANYMAIL = {
        "MAILTRAP_API_TOKEN": API_TOKEN,
        "MAILTRAP_API_URL": emulator.api_url,
        # A send of unknown outcome not found in the Email Logs is looked up once more after
        # this delay (default 2 s: Mailtrap may log late); the emulator logs at once.
        "MAILTRAP_UNKNOWN_RECHECK_DELAY": 0.05,
    }
    return settings


@pytest.fixture
def mailtrap_backend(emulator_settings: Any) -> Callable[..., Any]:
    """Factory: Anymail's Mailtrap EmailBackend from the settings above, plus kwargs."""
    from anymail.backends.mailtrap import EmailBackend

    def make(**kwargs: Any) -> EmailBackend:
        return EmailBackend(**kwargs)

    return make


@pytest.fixture
def send(mailtrap_backend: Callable[..., Any]) -> Callable[..., Any]:
    """Send one message through a fresh Mailtrap backend (kwargs go to the backend)."""

    def send_one(message: Any, **backend_kwargs: Any) -> Any:
        assert mailtrap_backend(**backend_kwargs).send_messages([message]) == 1
        return message

    return send_one


def control_api(emulator: EmulatorServer, path: str) -> requests.Response:
    """GET one of the emulator's /_emulator/ endpoints over HTTP."""
    response = requests.get(f"{emulator.url}/_emulator/{path}", timeout=10)
    response.raise_for_status()
    return response


def stored_mime(emulator: EmulatorServer, message_ref: str | int) -> EmailMessage:
    """The MIME message the emulator rendered for a stored message, parsed."""
    raw = control_api(emulator, f"messages/{message_ref}/raw").content
    return cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
