"""`mailtrap-emulator` on the command line: paging, encoding, one-line errors, closed pipes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailtrap_emulator import EmulatorServer, cli_commands
from mailtrap_emulator.__main__ import build_parser, config_from_args, main

from .helpers import message, send
from .test_message_paging import send_many


def run_cli(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mailtrap_emulator", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kwargs,
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The only line on stderr (no traceback, no usage block); stdout empty."""
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("mailtrap-emulator"), line
    return line


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


# -- serving: bad ports ------------------------------------------------------------------


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_out_of_range_is_one_line_and_exit_2(port: str) -> None:
    result = run_cli(f"--port={port}", "--db=:memory:")
    assert result.returncode == 2
    assert one_error_line(result) == (
        f"mailtrap-emulator: error: argument --port: {port!r} is not a whole number from 0 to 65535"
    )


def test_a_busy_port_is_one_line_and_exit_2(busy_port: int) -> None:
    result = run_cli(f"--port={busy_port}", "--db=:memory:")
    assert result.returncode == 2
    assert one_error_line(result) == (
        f"mailtrap-emulator: error: cannot listen on 127.0.0.1:{busy_port}: Address already in"
        " use (is another emulator running? port 0 picks a free one)"
    )


def test_an_address_that_is_not_ours_is_one_line_and_exit_2() -> None:
    result = run_cli("--host=192.0.2.1", "--port=0", "--db=:memory:")  # TEST-NET-1
    assert result.returncode == 2
    assert one_error_line(result).startswith(
        "mailtrap-emulator: error: cannot listen on 192.0.2.1:0: "
    )


def test_the_python_api_names_a_busy_port_too(busy_port: int) -> None:
    with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{busy_port}: Address"):
        EmulatorServer(port=busy_port).start()


def test_other_argument_errors_are_one_line_too() -> None:
    result = run_cli("messages", "--limit=5000")
    assert result.returncode == 2
    assert one_error_line(result) == (
        "mailtrap-emulator messages: error: argument --limit: '5000' is not a whole number"
        " from 1 to 1000"
    )


def test_account_id_option_becomes_the_config() -> None:
    args = build_parser().parse_args(["--account-id=4242"])
    assert config_from_args(args).account_id == 4242
    assert config_from_args(build_parser().parse_args([])).account_id == 1001


# -- the messages command ------------------------------------------------------------------


def test_messages_takes_a_limit_and_says_there_are_more(emulator: EmulatorServer) -> None:
    send_many(emulator, 7)
    result = run_cli("messages", "--limit=3", "--offset=2", f"--url={emulator.url}")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert [m["subject"] for m in answer["messages"]] == ["#4", "#3", "#2"]
    assert (answer["total"], answer["next_offset"]) == (7, 5)
    assert result.stderr == (
        "mailtrap-emulator: messages 3-5 of 7; --offset 5 for the next page,"
        " --all for all of them\n"
    )


def test_messages_all_fetches_every_page(
    emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    send_many(emulator, 17)
    monkeypatch.setattr(cli_commands, "MAX_LIMIT", 5)  # pages of 5: four requests
    assert main(["messages", "--all", f"--url={emulator.url}"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert [m["subject"] for m in answer["messages"]] == [f"#{n}" for n in reversed(range(17))]
    assert answer["total"] == 17


def test_messages_recipient_is_url_encoded(emulator: EmulatorServer) -> None:
    send(emulator, message(to=[{"email": "a+b@example.org"}], subject="plus"))
    send(emulator, message(to=[{"email": "c&d@example.org"}], subject="ampersand"))
    for recipient, subject in [("a+b@example.org", "plus"), ("c&d@example.org", "ampersand")]:
        result = run_cli("messages", f"--recipient={recipient}", f"--url={emulator.url}")
        assert result.returncode == 0, result.stderr
        assert [m["subject"] for m in json.loads(result.stdout)["messages"]] == [subject]


def test_a_closed_output_pipe_ends_quietly(emulator: EmulatorServer) -> None:
    send_many(emulator, 150)  # far more JSON than a pipe buffer holds
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -1` that has already gone away
    try:
        result = subprocess.run(
            [sys.executable, "-m", "mailtrap_emulator", "messages", "--all"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env={**os.environ, "MAILTRAP_EMULATOR_URL": emulator.url},
        )
    finally:
        os.close(write_end)
    assert result.stderr == ""  # not "cannot reach the emulator", no traceback
    assert result.returncode == cli_commands.BROKEN_PIPE_STATUS == 128 + signal.SIGPIPE


def test_head_reads_the_first_line_and_the_command_is_quiet(emulator: EmulatorServer) -> None:
    send_many(emulator, 150)
    pipeline = (
        f"{sys.executable} -m mailtrap_emulator messages --all --url={emulator.url} | head -1;"
        " echo status=${PIPESTATUS[0]}"
    )
    result = subprocess.run(
        ["bash", "-c", pipeline], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout == "{\nstatus=141\n"
    assert result.stderr == ""


def test_an_unreadable_eml_is_not_reported_as_an_unreachable_emulator(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.eml"
    result = run_cli("inbound", "250", str(missing), f"--url={emulator.url}")
    assert result.returncode == 1
    assert one_error_line(result) == (
        f"mailtrap-emulator: error: cannot read {missing}: No such file or directory"
    )


def test_an_unreachable_emulator_is_said_so() -> None:
    # A listening socket that never answers would hang; a closed port refuses at once.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    result = run_cli("messages", f"--url=http://127.0.0.1:{free}")
    assert result.returncode == 1
    assert one_error_line(result).startswith(
        f"mailtrap-emulator: error: cannot reach the emulator at http://127.0.0.1:{free}: "
    )
