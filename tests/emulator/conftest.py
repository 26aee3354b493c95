"""Shared fixtures: one emulator per session (via the public pytest plugin) and a receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mailtrap_emulator import EmulatorServer
from mailtrap_emulator.pytest_plugin import (  # noqa: F401 - fixtures under test
    mailtrap_emulator,
    mailtrap_emulator_server,
)

from .receiver import Receiver, run_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A fresh webhook receiver for one test."""
    with run_receiver() as state:
        yield state


@pytest.fixture
def emulator(mailtrap_emulator: EmulatorServer) -> EmulatorServer:  # noqa: F811
    """The session emulator, reset for this test."""
    return mailtrap_emulator
