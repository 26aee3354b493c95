"""pytest plugin: `pytest_plugins = ["mailtrap_emulator.pytest_plugin"]` adds the fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import EmulatorServer


@pytest.fixture(scope="session")
def mailtrap_emulator_server() -> Iterator[EmulatorServer]:
    """One emulator (in-memory, 127.0.0.1, free port) for the whole test session."""
    with EmulatorServer(webhook_backoff_ms=20, webhook_backoff_max_ms=200) as server:
        yield server


@pytest.fixture
def mailtrap_emulator(mailtrap_emulator_server: EmulatorServer) -> Iterator[EmulatorServer]:
    """The session's emulator, reset before each test; `.api_url` is Anymail's API URL."""
    mailtrap_emulator_server.reset()
    yield mailtrap_emulator_server
