"""A tiny webhook receiver (http.server in a thread) for tests: records every POST."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class ReceivedRequest:
    """One POST the test receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    def events(self) -> list[dict[str, Any]]:
        """Events of a JSON or JSON Lines body."""
        if self.headers.get("content-type") == "application/jsonl":
            return [json.loads(line) for line in self.body.splitlines() if line.strip()]
        return self.json()["events"]  # type: ignore[no-any-return]


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 that records requests and answers scripted statuses."""

    url: str = ""
    requests: list[ReceivedRequest] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answered in order, then 200

    def url_with_auth(self, user: str, password: str, path: str = "/hook") -> str:
        """The receiver URL with `user:password@` credentials."""
        return self.url.replace("http://", f"http://{user}:{password}@") + path

    def all_events(self) -> list[dict[str, Any]]:
        """Events of every received request, in arrival order."""
        return [event for request in self.requests for event in request.events()]


@contextmanager
def run_receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 (port 0) for as long as the block runs."""
    state = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                state.requests.append(
                    ReceivedRequest(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, body
                    )
                )
                status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join()
