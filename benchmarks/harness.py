"""Shared pieces: Django set up for sending, the server process, message factories."""

from __future__ import annotations

import json
import os
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


def plain_message(number: int) -> Any:
    """The plainest message: one sender, one recipient, a subject and a text body."""
    from anymail.message import AnymailMessage

    return AnymailMessage(
        subject=f"Your order {number} has shipped",
        body=f"Hello customer {number}, your order is on its way.",
        from_email="Shop <orders@shop.example>",
        to=[f"Customer {number} <customer{number}@example.com>"],
    )


def minimal_json(number: int) -> str:
    """What `plain_message(number)` needs on the wire, written with plain json.dumps.

    The CPU floor posts these: the same minimal body, built without any project code.
    """
    return json.dumps(
        {
            "from": {"email": "orders@shop.example", "name": "Shop"},
            "to": [{"email": f"customer{number}@example.com", "name": f"Customer {number}"}],
            "subject": f"Your order {number} has shipped",
            "text": f"Hello customer {number}, your order is on its way.",
        }
    )


def html_message(number: int, **fields: Any) -> Any:
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


#: What the CPU rounds keep of the environment (see `minimal_environment`).
KEPT_ENVIRONMENT = ("PATH", "HOME", "LANG")


@contextmanager
def minimal_environment() -> Iterator[None]:
    """Only PATH, HOME and LANG in os.environ while the CPU rounds run.

    A bare `requests.Session` reads the environment (proxy variables, CA bundles) on
    every call, and that costs more the more variables there are; anymail's session
    reads it once per send. In a large environment the floor gets slower and the ratio
    flatters us, and differs from machine to machine. This keeps the floor at its fastest.
    """
    saved = dict(os.environ)
    try:
        for name in list(os.environ):
            if name not in KEPT_ENVIRONMENT:
                del os.environ[name]
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def timed(function: Any) -> tuple[float, float, Any]:
    """(wall seconds, process CPU seconds, result) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result
