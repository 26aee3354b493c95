"""Run the emulator under uvicorn: in a background thread (tests) or in the foreground (CLI)."""

from __future__ import annotations

import errno
import json
import socket
import threading
import time
import urllib.request
from dataclasses import replace
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import uvicorn

from .app import create_app
from .config import EmulatorConfig
from .emulator import Emulator
from .events import ALL_EVENT_TYPES
from .faults import TransportExposingProtocol
from .inbound_injection import inject_inbound

MAX_PORT = 65535


class ListenError(OSError):
    """The emulator cannot listen where it was asked to: busy port, bad port or address.

    Its message is one line for a person (the command line prints it as it is).
    """


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free port. ListenError if that is not possible."""
    if not 0 <= port <= MAX_PORT:
        raise ListenError(f"{port} is not a port number: use 1 to {MAX_PORT}, or 0 for a free one")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        reason = error.strerror or str(error)
        if error.errno == errno.EADDRINUSE:
            reason += " (is another emulator running? port 0 picks a free one)"
        raise ListenError(f"cannot listen on {where}: {reason}") from error
    sock.set_inheritable(True)
    return sock


def base_url(sock: socket.socket) -> str:
    """`http://host:port` for a bound socket."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def uvicorn_server(emulator: Emulator, *, log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server for the emulator's app, able to drop connections on purpose."""
    config = uvicorn.Config(
        create_app(emulator),
        http=TransportExposingProtocol,
        ws="none",
        lifespan="off",
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    return uvicorn.Server(config)


class EmulatorServer:
    """An emulator on 127.0.0.1 in a background thread; a context manager for test suites.

    >>> with EmulatorServer() as mailtrap:
    ...     settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "any", "MAILTRAP_API_URL": mailtrap.api_url}
    """

    def __init__(self, config: EmulatorConfig | None = None, **options: Any) -> None:
        self.config = replace(config or EmulatorConfig(), **options)
        self.emulator: Emulator | None = None
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def api_url(self) -> str:
        """What to use as Anymail's `MAILTRAP_API_URL`: `<url>/api/`."""
        return f"{self.url}/api/"

    @property
    def signing_secret(self) -> str:
        """The secret that signs posts to webhooks configured at startup."""
        return self.config.signing_secret

    def start(self) -> EmulatorServer:
        """Bind, start serving and return once requests are answered."""
        if self._thread is not None:
            return self
        sock = bind_socket(self.config.host, self.config.port)
        self.url = base_url(sock)
        self.emulator = Emulator(self.config)
        self.emulator.start()
        self._server = uvicorn_server(self.emulator)
        # A daemon: a server some test never stopped must not keep the process alive at exit
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name="mailtrap-emulator",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the Mailtrap emulator did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving, join the threads and close the database."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        if self.emulator is not None:
            self.emulator.close()
            self.emulator = None
        self._server = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _running(self) -> Emulator:
        if self.emulator is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return self.emulator

    def messages(
        self, *, limit: int | None = None, offset: int = 0, **filters: Any
    ) -> list[dict[str, Any]]:
        """Stored messages, newest first: all of them, or `limit` from `offset` on
        (filters: recipient, category, stream, sandbox_inbox_id, message_id)."""
        return self._running().store.list_messages(limit=limit, offset=offset, **filters)

    def message(self, ref: str | int) -> dict[str, Any] | None:
        """One message by emulator key or Mailtrap message id."""
        return self._running().find_message(ref)

    def reset(self) -> None:
        """Forget messages, webhooks, deliveries and stats; restore startup faults."""
        self._running().reset()

    def set_faults(
        self, *rules: str | dict[str, Any], latency_ms: int = 0, seed: int | None = None
    ) -> None:
        """Replace the fault rules, e.g. `set_faults("429:p=0.1:retry_after=0-1", "drop:p=0.01")`.

        The random choices restart from `seed` (default: the startup `fault_seed`).
        """
        self._running().faults.configure(latency_ms, list(rules), seed)

    def clear_faults(self) -> None:
        """No latency, no faults."""
        self._running().faults.clear()

    def add_webhook(
        self,
        url: str,
        *,
        webhook_type: str = "email_sending",
        payload_format: str = "json",
        sending_stream: str | None = None,
        event_types: list[str] | None = None,
        inbound_inbox_id: int | None = None,
        signing_secret: str | None = None,
    ) -> dict[str, Any]:
        """Register a webhook (all streams and event types by default); returns it with secret."""
        return self._running().store.add_webhook(
            {
                "url": url,
                "webhook_type": webhook_type,
                "payload_format": payload_format,
                "sending_stream": sending_stream,
                "event_types": event_types
                if event_types is not None
                else (ALL_EVENT_TYPES if webhook_type == "email_sending" else []),
                "inbound_inbox_id": inbound_inbox_id,
                "signing_secret": signing_secret,
            }
        )

    def trigger_event(
        self, message_ref: str | int, event: str, *, email: str | None = None, **details: Any
    ) -> dict[str, Any]:
        """Fire open/click/bounce/... for a recipient; returns the event payload."""
        return self._running().trigger_event(str(message_ref), event, email=email, details=details)

    def receive_inbound(self, inbox_id: int, raw: bytes) -> dict[str, Any]:
        """Put a raw message into an inbound inbox (notifies inbound webhooks; logged)."""
        return inject_inbound(self._running(), inbox_id, raw, via="EmulatorServer")

    def wait_for_webhooks(self, timeout: float = 10.0) -> bool:
        """Block until every webhook post was delivered or gave up; False on timeout."""
        return self._running().dispatcher.wait_idle(timeout)

    def webhook_deliveries(self) -> list[dict[str, Any]]:
        """Every webhook post so far, with attempts and status."""
        return [d.as_dict() for d in self._running().dispatcher.deliveries()]

    def stats(self) -> dict[str, Any]:
        """Request counts per API endpoint (as `GET /_emulator/stats`)."""
        return self._running().stats()


def control_request(
    url: str,
    path: str,
    *,
    body: Any = None,
    raw: bytes | None = None,
    query: dict[str, Any] | None = None,
) -> Any:
    """Call a running emulator's control API (used by the CLI subcommands); `query`
    parameters are URL-encoded (None values left out), `path` must be encoded already."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    params = {name: value for name, value in (query or {}).items() if value is not None}
    request = urllib.request.Request(
        url.rstrip("/") + path + (f"?{urlencode(params)}" if params else ""),
        data=data,
        method="POST" if data is not None else "GET",
        headers={"Content-Type": "application/json" if raw is None else "message/rfc822"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        return json.loads(response.read())
