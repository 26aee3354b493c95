"""DEBUG_API_REQUESTS: print each API exchange to stdout, with credentials masked."""

from __future__ import annotations

from typing import Any

import requests

from .secrets import MASK, is_secret_header


def _headers(headers: Any) -> str:
    return "\n".join(
        f"{name}: {MASK if is_secret_header(name) else value}" for name, value in headers.items()
    )


def _text(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes):
        return body.decode("utf-8", errors="replace")
    return str(body)


def log_exchange(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """A requests response hook that dumps the request and response."""
    request = response.request
    print(
        f"===== Anymail API request\n{request.method} {request.url}\n"
        f"{_headers(request.headers)}\n\n{_text(request.body)}\n"
        f"----- Response\n{response.status_code} {response.reason}\n"
        f"{_headers(response.headers)}\n\n{response.text}\n=====",
        flush=True,
    )
