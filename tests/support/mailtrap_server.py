"""A real Mailtrap-like HTTP server on 127.0.0.1 for tests whose behaviour is about HTTP.

It answers /api/send and /api/batch (and their sandbox forms /api/send/<id>,
/api/batch/<id>) the way Mailtrap does, with one message id per recipient named after the
recipient (`id-<email>`; sandbox: one `sandbox-<first to>` per message or entry), so a
test can check which answer went to which message. A test scripts anything else per
request -- a status, a Retry-After header, a dropped connection, a wait on an event --
by queueing `Reply` objects or by setting `handler`. Every request is recorded.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    """How to answer one request. `json_body=None` means "answer like Mailtrap would"."""

    status: int = 200
    json_body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering
    wait_for: threading.Event | None = None  # hold the answer until the event is set


def mailtrap_answer(request: Received) -> Any:
    """What Mailtrap answers to a valid send or batch request."""
    body = request.json()
    sandbox = request.path.rstrip("/").split("/")[-1].isdigit()

    def ids(message: dict[str, Any]) -> list[str]:
        emails = [r["email"] for kind in ("to", "cc", "bcc") for r in message.get(kind, [])]
        return [f"sandbox-{emails[0]}"] if sandbox else [f"id-{email}" for email in emails]

    if "/api/batch" in request.path:
        return {
            "success": True,
            "responses": [
                {"success": True, "message_ids": ids(entry)} for entry in body["requests"]
            ],
        }
    return {"success": True, "message_ids": ids(body)}


class MailtrapServer:
    """The server, started on a free port (or a given one) in a background thread."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[Received] = []
        self.replies: deque[Reply] = deque()
        self.handler: Callable[[Received], Reply | None] | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def calls(self) -> int:
        return len(self.requests)

    def reply(self, *replies: Reply) -> None:
        """Answer the next requests with these, in order; then like Mailtrap again."""
        self.replies.extend(replies)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _choose(self, request: Received) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self.replies:
                return self.replies.popleft()
        if self.handler is not None:
            chosen = self.handler(request)
            if chosen is not None:
                return chosen
        return Reply()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                request = Received(
                    "POST", self.path, dict(self.headers.items()), self.rfile.read(length)
                )
                reply = server._choose(request)
                if reply.wait_for is not None:
                    reply.wait_for.wait(timeout=10)
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                body = reply.json_body if reply.json_body is not None else None
                if body is None and reply.status == 200:
                    body = mailtrap_answer(request)
                data = json.dumps(body if body is not None else {"success": False}).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        return Handler


def free_port() -> int:
    """A port nothing listens on (right now): connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(name="mailtrap_server")
def mailtrap_server_fixture() -> Iterator[MailtrapServer]:
    """A running MailtrapServer, stopped after the test."""
    server = MailtrapServer()
    yield server
    server.stop()
