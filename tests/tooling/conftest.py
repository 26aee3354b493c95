"""Fixtures for the account tooling: an emulator that accepts one token, settings aimed at
it, and two ways to run `manage.py mailtrap` -- call_command and a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError

from anymail.mailtrap import suppressions
from anymail.testing.pytest_plugin import mailtrap_sandbox  # noqa: F401 - fixture under test
from mailtrap_emulator import EmulatorServer

REPO = Path(__file__).resolve().parents[2]
MANAGE = REPO / "tests" / "tooling" / "project" / "manage.py"
TOKEN = "tooling-token-6d0b41e7c3"
VERIFIED_FROM = "App <app@emulator-verified.example>"
SANDBOX_ID = 4242


@dataclass
class Ran:
    """One run of the command: exit status and what it printed."""

    status: int
    out: str
    err: str


@pytest.fixture(scope="session")
def tooling_server() -> Iterator[EmulatorServer]:
    """An emulator that accepts only TOKEN (so any other token gets Mailtrap's 401)."""
    with EmulatorServer(tokens=[TOKEN]) as server:
        yield server


@pytest.fixture
def emulator(tooling_server: EmulatorServer) -> EmulatorServer:
    tooling_server.reset()
    return tooling_server


@pytest.fixture(autouse=True)
def unpaced_suppressions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mailtrap's 10 suppression calls a minute would stall a test run in one process."""
    monkeypatch.setattr(suppressions, "RATE_LIMIT", (10_000, 60.0))


@pytest.fixture
def tooling_settings(settings: Any, emulator: EmulatorServer) -> Any:
    """ANYMAIL aimed at the emulator, a sender at its verified domain, anymail.urls at
    /anymail/ (tests/urls.py)."""
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": TOKEN, "MAILTRAP_API_URL": emulator.api_url}
    settings.DEFAULT_FROM_EMAIL = VERIFIED_FROM
    settings.ROOT_URLCONF = "tests.urls"
    return settings


@pytest.fixture
def mailtrap(tooling_settings: Any) -> Callable[..., Ran]:
    """Run `manage.py mailtrap ARGS` through call_command, as the exit status would be."""

    def run(*args: str) -> Ran:
        out, err = StringIO(), StringIO()
        try:
            call_command("mailtrap", *args, stdout=out, stderr=err)
        except CommandError as error:
            return Ran(error.returncode, out.getvalue(), err.getvalue() + str(error))
        return Ran(0, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def manage(emulator: EmulatorServer) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run tests/tooling/project/manage.py mailtrap ARGS in a new process; `env` entries
    (TOOLING_*: see the project's settings) override the defaults aimed at the emulator."""

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("DJANGO_", "TOOLING_", "MAILTRAP_"))
        }
        environment.update(
            TOOLING_API_URL=emulator.api_url,
            TOOLING_API_TOKEN=TOKEN,
            TOOLING_FROM_EMAIL=VERIFIED_FROM,
        )
        environment.update(env)
        return subprocess.run(
            [sys.executable, str(MANAGE), "mailtrap", *args],
            cwd=REPO,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run


def add_suppression(emulator: EmulatorServer, email: str, **fields: Any) -> dict[str, Any]:
    """Put an address on the emulator's suppression list (its control API)."""
    response = requests.post(
        f"{emulator.url}/_emulator/suppressions", json={"email": email, **fields}, timeout=10
    )
    response.raise_for_status()
    suppression: dict[str, Any] = response.json()["suppression"]
    return suppression
