"""The Python API, the command line and file storage."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from mailtrap_emulator import EmulatorServer
from mailtrap_emulator.__main__ import build_parser, config_from_args

from .helpers import message, send


def test_server_starts_fast_and_stops_without_leftover_threads() -> None:
    threads_before = set(threading.enumerate())
    started = time.monotonic()
    server = EmulatorServer().start()
    assert time.monotonic() - started < 1.0
    assert server.api_url == server.url + "/api/"
    assert requests.get(server.url + "/_emulator/health", timeout=5).ok
    server.stop()
    time.sleep(0.05)
    assert set(threading.enumerate()) <= threads_before


def test_file_database_survives_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "emulator.sqlite3")
    with EmulatorServer(db_path=db) as first:
        (message_id,) = send(first, message())["message_ids"]
        first.trigger_event(message_id, "open")
        webhook = first.add_webhook("http://127.0.0.1:9/hook")
    with EmulatorServer(db_path=db) as second:
        stored = second.message(message_id)
        assert stored is not None
        assert [e["event"] for e in stored["events"]] == ["delivery", "open"]
        assert second.emulator.store.get_webhook(webhook["id"]) is not None  # type: ignore[union-attr]
        raw = requests.get(f"{second.url}/_emulator/messages/{message_id}/raw", timeout=5)
        assert b"Order 4711 confirmed" in raw.content


def test_cli_flags_become_the_config() -> None:
    args = build_parser().parse_args(
        [
            "--port=0",
            "--db=:memory:",
            "--token=a",
            "--token=b",
            "--webhook=http://u:p@127.0.0.1:9/hook",
            "--webhook-format=jsonlines",
            "--signing-secret=s3",
            "--latency-ms=20",
            "--fault=429:every=3",
            "--fault=drop:p=0.1",
            "--webhook-attempts=3",
        ]
    )
    config = config_from_args(args)
    assert (config.port, config.db_path, config.tokens) == (0, ":memory:", ["a", "b"])
    assert (config.webhook_urls, config.webhook_format) == (
        ["http://u:p@127.0.0.1:9/hook"],
        "jsonlines",
    )
    assert (config.signing_secret, config.latency_ms) == ("s3", 20)
    assert config.faults == ["429:every=3", "drop:p=0.1"]
    assert config.webhook_max_attempts == 3


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mailtrap_emulator", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_cli_serves_prints_its_url_and_stops_on_sigint(tmp_path: Path) -> None:
    eml = tmp_path / "in.eml"
    eml.write_bytes(b"From: Ana <ana@example.org>\r\nSubject: Hi\r\n\r\nHello\r\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "mailtrap_emulator", "--port=0", "--db=:memory:"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(r"Mailtrap emulator listening on (http://127\.0\.0\.1:\d+)\n", line)
        assert match, line
        url = match.group(1)
        response = requests.post(
            f"{url}/api/send", json=message(), headers={"Api-Token": "x"}, timeout=5
        )
        (message_id,) = response.json()["message_ids"]

        fired = run_cli(
            "event", message_id, "click", "--detail", "url=https://x.example/", f"--url={url}"
        )
        assert fired.returncode == 0, fired.stderr
        assert '"url": "https://x.example/"' in fired.stdout
        received = run_cli("inbound", "250", str(eml), f"--url={url}")
        assert received.returncode == 0, received.stderr
        assert '"subject": "Hi"' in received.stdout
        listed = run_cli("messages", f"--url={url}")
        assert message_id in listed.stdout
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_cli_event_for_unknown_message_fails_cleanly() -> None:
    with EmulatorServer() as server:
        result = run_cli("event", "nope", "open", f"--url={server.url}")
    assert result.returncode == 1
    assert "HTTP 404" in result.stderr


def test_cli_rejects_a_bad_fault_spec() -> None:
    result = run_cli("--fault=418")
    assert result.returncode == 2
    assert "fault kind" in result.stderr


def test_cli_stops_cleanly_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mailtrap_emulator", "--port=0", "--db=:memory:"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("Mailtrap emulator listening on http://")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
