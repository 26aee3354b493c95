"""A total deadline for a streamed download (`MailtrapClient.download` uses it).

`requests`' timeout bounds each socket read, not a download: a server that sends a
byte every few seconds holds the request (and the web worker) for as long as it
likes. Here a watchdog timer shuts the connection's socket down when the deadline
passes; the blocked read then fails, and the chunk iterator raises
`DownloadDeadlineExceeded` (a `requests.Timeout`). Between chunks the deadline is
also checked directly (so it holds where there is no socket, e.g. under `responses`).

The deadline runs from the start of the download and interrupts the transfer of the
body; connecting and reading the response headers are bounded by the per-read
timeout only.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import requests

__all__ = ["DownloadDeadline", "DownloadDeadlineExceeded"]


class DownloadDeadlineExceeded(requests.Timeout):
    """The download did not finish within its total deadline."""


class DownloadDeadline:
    """A download's total deadline, running from its creation (`seconds` None or 0: none).

    ``with deadline.watching(response) as guard: for chunk in guard(chunks): ...``
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds if seconds else None

    @contextmanager
    def watching(
        self, response: requests.Response
    ) -> Iterator[Callable[[Iterator[bytes]], Iterator[bytes]]]:
        watchdog = _Watchdog(response, self)
        try:
            yield watchdog.guard
        finally:
            watchdog.cancel()


class _Watchdog:
    """Ends the transfer when the deadline passes, by shutting the socket down."""

    def __init__(self, response: requests.Response, deadline: DownloadDeadline) -> None:
        self._end = end = deadline.end
        self._seconds = deadline.seconds
        self._fired = False
        self._timer: threading.Timer | None = None
        self._sock = _socket_of(response)
        if end is not None and self._sock is not None:
            self._timer = threading.Timer(max(0.0, end - time.monotonic()), self._fire)
            self._timer.daemon = True
            self._timer.start()

    @property
    def expired(self) -> bool:
        return self._fired or (self._end is not None and time.monotonic() >= self._end)

    def _fire(self) -> None:
        self._fired = True
        with suppress(OSError):  # the plain socket's shutdown (not SSLSocket's) wakes a read
            socket.socket.shutdown(self._sock, socket.SHUT_RDWR)  # type: ignore[arg-type]

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def guard(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """`chunks`, raising DownloadDeadlineExceeded once the deadline has passed."""
        try:
            for chunk in chunks:
                if self.expired:
                    raise self._error()
                yield chunk
        except DownloadDeadlineExceeded:
            raise
        except Exception:
            if self.expired:  # the watchdog broke the connection
                raise self._error() from None
            raise
        if self.expired:  # a body without a length simply ends when the socket is shut
            raise self._error()

    def _error(self) -> DownloadDeadlineExceeded:
        return DownloadDeadlineExceeded(f"download took longer than {self._seconds} s")


def _socket_of(response: requests.Response) -> socket.socket | None:
    """The socket a streamed response reads from (None under test doubles)."""
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is None:  # http.client hands a closing connection's socket to its response
        reader = getattr(getattr(getattr(response.raw, "_fp", None), "fp", None), "raw", None)
        sock = getattr(reader, "_sock", None)
    return sock if isinstance(sock, socket.socket) else None
