"""A scripted HTTP server on 127.0.0.1 for answers the emulator does not give on the account
API (429, a 403 to `GET /api/accounts`, a missing sandbox): each path gets a fixed answer,
and every request is recorded."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, Any, dict[str, str]]


@dataclass
class Stub:
    """Answers by "METHOD /path" (404 for anything else), and the requests seen."""

    url: str = ""
    answers: dict[str, Answer] = field(default_factory=dict)
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def answer(self, route: str, status: int, body: Any, **headers: str) -> None:
        self.answers[route] = (status, body, headers)

    def paths(self) -> list[str]:
        return [f"{method} {path}" for method, path, _headers in self.seen]


@contextmanager
def stub_server() -> Iterator[Stub]:
    stub = Stub()

    class Handler(BaseHTTPRequestHandler):
        def handle_any(self) -> None:
            path = self.path.split("?", 1)[0]
            stub.seen.append((self.command, path, dict(self.headers)))
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            default: Answer = (404, {"error": "Not Found"}, {})
            status, body, headers = stub.answers.get(f"{self.command} {path}", default)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = handle_any

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
