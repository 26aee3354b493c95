"""Shared pieces: Django set up for sending, the server process, message factories."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

TOKEN = "benchmark-token"


def setup_django() -> None:
    """Minimal settings: enough to build and send messages (no database, no apps)."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(ANYMAIL={}, DEFAULT_FROM_EMAIL="from@example.com", USE_TZ=True)
        django.setup()


class Server:
    """The benchmark server running in its own process (its CPU is not the client's)."""

    def __init__(self, latency_ms: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.server", "--latency-ms", str(latency_ms)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        self.port = int(line.split()[1])
        self.api_url = f"http://127.0.0.1:{self.port}/api/"

    def calls(self) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats") as reply:
            return int(json.load(reply)["calls"])

    def reset(self) -> None:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/reset", method="POST")
        urllib.request.urlopen(request).close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@contextmanager
def server(latency_ms: float) -> Iterator[Server]:
    running = Server(latency_ms)
    try:
        yield running
    finally:
        running.stop()


def backend(api_url: str, **options: Any) -> Any:
    from anymail.backends.mailtrap import EmailBackend

    return EmailBackend(api_token=TOKEN, api_url=api_url, **options)


def plain_message(number: int, **fields: Any) -> Any:
    """A typical transactional message: one recipient, subject, text and HTML."""
    from anymail.message import AnymailMessage

    message = AnymailMessage(
        subject=f"Your order {number} has shipped",
        body=f"Hello customer {number}, your order is on its way.",
        from_email="Shop <orders@shop.example>",
        to=[f"Customer {number} <customer{number}@example.com>"],
        **fields,
    )
    html = f"<p>Hello customer {number}, your order is on its way.</p>"
    message.attach_alternative(html, "text/html")
    return message


def timed(function: Any) -> tuple[float, float, Any]:
    """(wall seconds, process CPU seconds, result) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result
