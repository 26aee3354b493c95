"""`manage.py mailtrap` against the emulator when its account API fails (`on=account`
fault rules): retried where Mailtrap surely did not act, one line otherwise -- over HTTP,
through call_command and a real manage.py process."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mailtrap_emulator import EmulatorServer

from .conftest import Ran


def test_a_rate_limited_account_call_is_retried(
    emulator: EmulatorServer, mailtrap: Callable[..., Ran]
) -> None:
    emulator.set_faults("429:first=2:retry_after=0:on=account")
    ran = mailtrap("webhooks", "list", "--json")
    assert ran.status == 0, ran.err
    assert json.loads(ran.out)["webhooks"] == []
    assert emulator.stats()["faults_injected"] == 2
    assert emulator.messages() == []


def test_rate_limited_until_the_retries_run_out_is_one_line(
    emulator: EmulatorServer, mailtrap: Callable[..., Ran]
) -> None:
    emulator.set_faults("429:retry_after=0:on=account")
    ran = mailtrap("logs", "--to", "ana@example.org")
    assert ran.status == 1
    assert ran.err == (
        "Mailtrap rate-limited the call (HTTP 429) and retries did not get through: "
        "try again later."
    )


def test_a_server_error_is_retried_then_one_line(
    emulator: EmulatorServer, mailtrap: Callable[..., Ran]
) -> None:
    """Reading is safe to repeat, so the account API's GETs retry 5xx answers too."""
    emulator.set_faults("500:on=account")
    ran = mailtrap("suppressions", "list", "--json")
    assert ran.status == 1
    error = json.loads(ran.out)["error"]
    assert (error["kind"], error["status_code"]) == ("api", 500)
    assert emulator.stats()["faults_injected"] == 4  # the first call and its 3 retries
    assert "Traceback" not in ran.out + ran.err


def test_a_dropped_account_call_is_one_line_from_a_real_process(
    emulator: EmulatorServer, manage: Callable[..., Any]
) -> None:
    emulator.set_faults("drop:on=account")
    done = manage("webhooks", "list")
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    *retries, error = done.stderr.strip().splitlines()
    assert len(retries) == 3 and all("retrying" in line for line in retries)
    assert error == (
        f"CommandError: Mailtrap did not answer at {emulator.api_url}accounts "
        "(ConnectionError: the connection dropped or the answer timed out)."
    )
