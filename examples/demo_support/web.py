"""The demo Django project on a real threaded WSGI server on 127.0.0.1 (like LiveServerThread)."""

from __future__ import annotations

import threading
from typing import Any

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler


class QuietRequestHandler(WSGIRequestHandler):
    """No access log lines in the demo's output."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class DemoWebServer:
    """Binds at once (so the URL is known before Django is set up); serves after `start()`."""

    def __init__(self) -> None:
        self.httpd = ThreadedWSGIServer(
            ("127.0.0.1", 0), QuietRequestHandler, allow_reuse_address=False
        )
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Serve the (already set up) Django project in a background thread."""
        from django.core.wsgi import get_wsgi_application

        self.httpd.set_app(get_wsgi_application())
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="demo-web"
        )
        self.thread.start()

    def stop(self) -> None:
        """Stop serving, wait for the thread and close the socket."""
        if self.thread is not None:
            self.httpd.shutdown()
            self.thread.join(10)
            self.thread = None
        self.httpd.server_close()
