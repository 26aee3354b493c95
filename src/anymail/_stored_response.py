"""A sent message's API answer, stored small until someone reads it.

`anymail_status.esp_response` lives as long as the message, and a caller may keep
thousands of messages. A `requests.Response` with its request, headers and cookie jars
weighs about 5 KB; this record keeps what a reader can ask for -- status, reason, URL,
headers, body -- in a few hundred bytes (repeated strings interned), and becomes a real
`requests.Response` the first time `esp_response` is read. It never keeps the request
body nor the request headers (which carry the API token).
"""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

#: Recent tuples of repeated parts (headers; status line and URL): stored once.
_SHARED_TUPLES: dict[tuple[Any, ...], tuple[Any, ...]] = {}
_MAX_SHARED_TUPLES = 128


def _shared_tuple(parts: tuple[Any, ...]) -> tuple[Any, ...]:
    """Consecutive answers mostly repeat these exactly: keep one copy."""
    if len(_SHARED_TUPLES) >= _MAX_SHARED_TUPLES:
        _SHARED_TUPLES.clear()
    return _SHARED_TUPLES.setdefault(parts, parts)


def _shared(text: Any) -> Any:
    """The same str object for equal strings: header names, types, URLs, reasons repeat."""
    return sys.intern(text) if type(text) is str else text


class StoredResponse:
    """The parts of a `requests.Response` that describe the answer."""

    __slots__ = ("content", "elapsed", "headers", "line")

    def __init__(self, response: requests.Response) -> None:
        request = response.request
        #: (status code, reason, URL, request method, encoding)
        self.line = _shared_tuple(
            (
                response.status_code,
                _shared(response.reason),
                _shared(response.url),
                _shared(getattr(request, "method", None)),
                response.encoding,
            )
        )
        # Flat (name, value, name, value, ...): one tuple instead of one per header
        self.headers = _shared_tuple(
            tuple(_shared(text) for item in response.headers.items() for text in item)
        )
        self.content: bytes | None = response.content
        self.elapsed = response.elapsed.total_seconds() if response.elapsed else 0.0

    def materialize(self) -> requests.Response:
        """A real Response with the same answer (its `request` has no body nor headers)."""
        status, reason, url, method, encoding = self.line
        response = requests.Response()
        response.status_code = status
        response.reason = reason
        response.url = url
        pairs = self.headers
        response.headers = CaseInsensitiveDict(zip(pairs[::2], pairs[1::2], strict=True))
        response._content = self.content
        response._content_consumed = True  # type: ignore[attr-defined]
        response.encoding = encoding
        response.elapsed = timedelta(seconds=self.elapsed)
        request = requests.PreparedRequest()
        request.method = method
        request.url = url
        request.headers = CaseInsensitiveDict()
        request.body = None
        response.request = request
        return response

    def __repr__(self) -> str:
        return f"<StoredResponse [{self.line[0]}]>"
