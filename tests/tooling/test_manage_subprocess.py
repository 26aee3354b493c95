"""`manage.py mailtrap` as a user runs it: a real process, its exit status and output.

The project (tests/tooling/project) mounts anymail.urls under /hooks/ and takes its
Mailtrap settings from TOOLING_* environment variables.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest
import requests

from mailtrap_emulator import EmulatorServer

from .conftest import TOKEN, add_suppression

Manage = Callable[..., subprocess.CompletedProcess[str]]


def test_check_passes_on_a_complete_setup(manage: Manage, emulator: EmulatorServer) -> None:
    emulator.add_webhook("https://www.example.com/hooks/mailtrap/tracking/", sending_stream="bulk")
    done = manage("check", TOOLING_TRACKING_SECRET="whsec-1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    assert "posts to https://www.example.com/hooks/mailtrap/tracking/." in done.stdout
    assert done.stdout.rstrip().endswith("No problems found: Mailtrap is set up.")


def test_check_exits_1_with_the_problem_and_its_fix(manage: Manage) -> None:
    done = manage("check", TOOLING_FROM_EMAIL="app@emulator-unverified.example")
    assert done.returncode == 1
    assert "PROBLEM  sender" in done.stdout
    assert "fix: Create the DNS records Mailtrap lists for it" in done.stdout
    assert done.stderr == "CommandError: 1 problem found.\n"


def test_a_wrong_token_is_one_line_without_traceback_or_token(manage: Manage) -> None:
    done = manage("webhooks", "list", TOOLING_API_TOKEN="wrong-token-1f2e")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        "CommandError: Mailtrap did not accept the API token (HTTP 401): "
        "check MAILTRAP_API_TOKEN.\n"
    )
    check = manage("check", TOOLING_API_TOKEN="wrong-token-1f2e")
    assert check.returncode == 1
    assert "(HTTP 401)" in check.stdout
    for output in (done.stdout, done.stderr, check.stdout, check.stderr):
        assert "wrong-token-1f2e" not in output and "Traceback" not in output


def test_a_missing_token_is_a_configuration_error(manage: Manage) -> None:
    done = manage("check", TOOLING_API_TOKEN="")
    assert done.returncode == 2
    assert done.stderr.startswith("CommandError: MAILTRAP_API_TOKEN is empty")
    assert "Traceback" not in done.stderr


def test_webhooks_create_prints_the_secret_once(manage: Manage, emulator: EmulatorServer) -> None:
    done = manage("webhooks", "create", "--tracking", "https://www.example.com")
    assert done.returncode == 0, done.stderr
    assert emulator.emulator is not None
    (hook,) = emulator.emulator.store.list_webhooks(with_secret=True)
    assert hook["url"] == "https://www.example.com/hooks/mailtrap/tracking/"
    assert (done.stdout + done.stderr).count(hook["signing_secret"]) == 1
    assert f'    "MAILTRAP_TRACKING_SECRET": "{hook["signing_secret"]}",' in done.stdout
    assert TOKEN not in done.stdout + done.stderr
    # and then the check sees it, with the secret configured
    check = manage("check", TOOLING_TRACKING_SECRET=hook["signing_secret"])
    assert check.returncode == 0, check.stdout
    assert hook["signing_secret"] not in check.stdout + check.stderr


@pytest.mark.parametrize(
    "args",
    [["check", "--json"], ["suppressions", "list", "--json"]],
)
def test_json_output_parses(manage: Manage, args: list[str]) -> None:
    done = manage(*args)
    assert done.returncode == 0, done.stderr
    assert isinstance(json.loads(done.stdout), dict)


def test_json_error_shape(manage: Manage) -> None:
    done = manage("webhooks", "delete", "31337", "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout) == {
        "error": {
            "kind": "api",
            "message": "Mailtrap has no webhook 31337 (HTTP 404): see manage.py mailtrap "
            "webhooks list.",
            "status_code": 404,
        }
    }


@pytest.mark.parametrize(
    "args",
    [[], ["webhooks", "create"], ["logs", "--since", "soon"]],
)
def test_usage_errors_exit_2_with_usage(manage: Manage, args: list[str]) -> None:
    done = manage(*args)
    assert done.returncode == 2
    assert done.stderr.startswith("usage: manage.py mailtrap")
    assert "error:" in done.stderr


def test_help(manage: Manage) -> None:
    done = manage("--help")
    assert done.returncode == 0
    for word in ("check", "webhooks", "logs", "suppressions", "Exit status: 0 ok, 1 problem"):
        assert word in done.stdout
    create = manage("webhooks", "create", "--help")
    assert create.returncode == 0
    assert "signing secret (shown once)" in create.stdout
    assert "--tracking URL" in create.stdout and "--inbound URL" in create.stdout


def test_update_logs_and_suppressions_in_a_process(
    manage: Manage, emulator: EmulatorServer
) -> None:
    hook = emulator.add_webhook("https://a.example/t/", sending_stream="transactional")
    done = manage("webhooks", "update", str(hook["id"]), "--paused", "--events", "bounce")
    assert done.returncode == 0, done.stderr
    assert "paused" in done.stdout and "bounce" in done.stdout

    sent = requests.post(
        f"{emulator.api_url}send",
        headers={"Api-Token": TOKEN},
        json={
            "from": {"email": "app@emulator-verified.example"},
            "to": [{"email": "reader@example.com"}],
            "subject": "Logged",
            "text": "Hi",
        },
        timeout=10,
    )
    (message_id,) = sent.json()["message_ids"]
    done = manage("logs", message_id)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Message {message_id}: delivered")
    listed = json.loads(manage("logs", "--to", "reader@example.com", "--json").stdout)
    assert [m["message_id"] for m in listed["messages"]] == [message_id]

    entry = add_suppression(emulator, "gone@example.com")
    done = manage("suppressions", "delete", entry["id"])
    assert done.returncode == 0, done.stderr
    assert "gone@example.com" in done.stdout
    assert manage("suppressions", "delete", entry["id"]).returncode == 1
