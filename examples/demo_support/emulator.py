"""The Mailtrap emulator as a subprocess, and the calls the demo makes to it."""

from __future__ import annotations

import selectors
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import IO, Any

import requests

from . import DemoError

LISTENING = "Mailtrap emulator listening on "
START_TIMEOUT = 20.0


class EmulatorProcess:
    """`python -m mailtrap_emulator --port 0 --db :memory:` and a client for its APIs."""

    def __init__(self, process: subprocess.Popen[str], url: str, token: str) -> None:
        self.process = process
        self.url = url
        self.token = token
        self.stdout_reader: threading.Thread | None = None
        # The emulator is on 127.0.0.1: never go through a proxy from the environment.
        self.http = requests.Session()
        self.http.trust_env = False

    @classmethod
    def start(cls, token: str, log_path: Path) -> EmulatorProcess:
        """Start the emulator on a free port; returns once it printed its URL."""
        log = log_path.open("w")
        command = [sys.executable, "-m", "mailtrap_emulator", "--port", "0", "--db", ":memory:"]
        # Accept only the demo's token, and retry failed webhook posts quickly.
        command += ["--token", token, "--webhook-backoff-ms", "50"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
        log.close()
        assert process.stdout is not None
        try:
            first_line = _read_line(process.stdout, START_TIMEOUT)
        except DemoError:
            _stop(process)
            raise DemoError(
                f"the Mailtrap emulator did not start: {log_path.read_text().strip()}"
            ) from None
        if not first_line.startswith(LISTENING):
            _stop(process)
            raise DemoError(f"unexpected output from the Mailtrap emulator: {first_line!r}")
        emulator = cls(process, first_line[len(LISTENING) :].strip(), token)
        # Keep reading its stdout so it can never block on a full pipe.
        emulator.stdout_reader = threading.Thread(target=process.stdout.read, daemon=True)
        emulator.stdout_reader.start()
        return emulator

    @property
    def api_url(self) -> str:
        """Anymail's MAILTRAP_API_URL for this emulator."""
        return f"{self.url}/api/"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """Terminate the process (it exits cleanly on SIGTERM) and wait for it."""
        _stop(self.process)
        if self.stdout_reader is not None:
            self.stdout_reader.join(5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.http.close()

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call to the emulator (account API or /_emulator/ control API); JSON answer."""
        try:
            response = self.http.request(method, self.url + path, timeout=30, **kwargs)
        except requests.RequestException as error:
            raise DemoError(f"{method} {path} on the emulator failed: {error}") from None
        if not response.ok:
            raise DemoError(
                f"{method} {path} on the emulator answered {response.status_code}: "
                f"{response.text[:500]}"
            )
        return response.json()

    def create_webhook(self, **webhook: Any) -> dict[str, Any]:
        """`POST /api/webhooks` (Mailtrap's management API); the answer has the signing_secret."""
        answer = self.call(
            "POST", "/api/webhooks", json={"webhook": webhook}, headers={"Api-Token": self.token}
        )
        webhook_created: dict[str, Any] = answer["data"]
        return webhook_created

    def trigger_event(self, message_id: str, event: str, **details: Any) -> dict[str, Any]:
        """What the recipient's mail client would cause: an open, a click, ..."""
        body = {"event": event, **details}
        fired: dict[str, Any] = self.call(
            "POST", f"/_emulator/messages/{message_id}/events", json=body
        )["event"]
        return fired

    def receive_inbound(self, inbox_id: int, raw_message: bytes) -> dict[str, Any]:
        """An email arriving at an inbound inbox (the emulator then calls the inbound webhook)."""
        received: dict[str, Any] = self.call(
            "POST",
            f"/_emulator/inbound/{inbox_id}",
            data=raw_message,
            headers={"Content-Type": "message/rfc822"},
        )
        return received

    def wait_for_webhooks(self, timeout: float) -> None:
        """Until every webhook post was acknowledged; DemoError on failures or timeout."""
        deadline = time.monotonic() + timeout
        pending = 1
        while pending and time.monotonic() < deadline:
            wait = max(0.1, deadline - time.monotonic())
            pending = self.call("GET", f"/_emulator/webhooks/pending?wait={wait:.1f}")["pending"]
        if pending:
            raise DemoError(f"{pending} webhook post(s) still pending after {timeout:g} s")
        deliveries = self.call("GET", "/_emulator/webhooks/deliveries")["deliveries"]
        problems = Counter(
            f"{d['url']}: {d['status']} after {d['attempts']} attempts,"
            f" last answer: {d['last_status_code'] or d['last_error']}"
            for d in deliveries
            if d["status"] != "delivered"
        )
        if problems:
            raise DemoError(
                "the emulator could not deliver webhook posts to the demo project:\n"
                + "\n".join(f"  {count} x {problem}" for problem, count in problems.items())
            )


def _read_line(stream: IO[str], timeout: float) -> str:
    """The first line the process prints, waiting at most `timeout` seconds."""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise DemoError("timed out")
    line = stream.readline()
    if not line:
        raise DemoError("exited")
    return line


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
