"""`make demo` (examples/run_demo.py) as a user runs it: a subprocess, checked by its output."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil
import pytest

from mailtrap_emulator import EmulatorServer

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "run_demo.py"


def run_demo(**env_overrides: str) -> subprocess.CompletedProcess[str]:
    """Run the demo with a clean environment: no Mailtrap or Django settings leak in."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("MAILTRAP_", "DJANGO_", "DEMO_"))
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, str(DEMO)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def offline_demo() -> subprocess.CompletedProcess[str]:
    """One offline run, shared by the tests that look at its result."""
    return run_demo()


def test_offline_demo_succeeds(offline_demo: subprocess.CompletedProcess[str]) -> None:
    assert offline_demo.returncode == 0, offline_demo.stderr
    assert offline_demo.stderr == ""


def test_offline_demo_reports_sends_events_and_the_web_inbox(
    offline_demo: subprocess.CompletedProcess[str],
) -> None:
    output = offline_demo.stdout
    assert len(re.findall(r"^ +\S+@\S+ +queued +[0-9a-f-]{36}$", output, re.MULTILINE)) == 6
    for event_type in ("delivered", "opened", "clicked", "inbound"):
        assert re.search(rf"^  {event_type} ", output, re.MULTILINE), event_type
    assert "[attachments: new-address.txt]" in output
    assert re.search(r"^Web inbox .*: http://127\.0\.0\.1:\d+/$", output, re.MULTILINE)


def test_offline_demo_leaves_nothing_behind(offline_demo: subprocess.CompletedProcess[str]) -> None:
    output = offline_demo.stdout
    emulator = re.search(r"Mailtrap emulator +http://127\.0\.0\.1:(\d+) +\(pid (\d+)\)", output)
    web = re.search(
        r"demo Django project +http://127\.0\.0\.1:(\d+) +\(SQLite database in (\S+)\)", output
    )
    assert emulator and web, output
    emulator_port, emulator_pid = int(emulator[1]), int(emulator[2])
    assert not psutil.pid_exists(emulator_pid)
    assert not port_is_open(emulator_port)
    assert not port_is_open(int(web[1]))
    assert not Path(web[2]).exists()


def test_live_mode_sends_to_the_configured_api_and_skips_webhooks(
    emulator: EmulatorServer,
) -> None:
    # Live mode against the emulator: the demo cannot tell it from Mailtrap.
    result = run_demo(
        MAILTRAP_API_TOKEN="live-demo-token",
        MAILTRAP_API_URL=emulator.api_url,
        MAILTRAP_DEMO_FROM="Shop <shop@example.com>",
        MAILTRAP_DEMO_TO="me@example.org",
        MAILTRAP_SANDBOX_ID="77",
    )
    assert result.returncode == 0, result.stderr
    assert "tracking and inbound webhooks" in result.stdout
    stored: list[dict[str, Any]] = emulator.messages()
    assert sorted((m["stream"], m["subject"]) for m in stored) == [
        ("sandbox", "Staging check: password reset mail"),
        ("transactional", "Your invoice for order 4711"),
        ("transactional", "Your order 4711 has shipped"),
    ]
    assert {m["recipients"][0]["email"] for m in stored} == {"me@example.org"}


def test_live_mode_without_a_sender_fails_with_a_clear_message() -> None:
    result = run_demo(MAILTRAP_API_TOKEN="live-demo-token")
    assert result.returncode == 1
    assert "MAILTRAP_DEMO_FROM" in result.stderr
