"""The Starlette application: every Mailtrap host's paths, the control API and the web inbox."""

from __future__ import annotations

import re
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from . import account_api, control, inbox_views, management, sandbox_api, sending
from .emulator import Emulator
from .faults import FaultMiddleware
from .guard import BrowserGuard

_ID_SEGMENT = re.compile(
    r"^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", re.IGNORECASE
)


def endpoint_name(method: str, path: str) -> str:
    """`POST /api/send/{id}`: the method plus the path with ids replaced, for the stats."""
    segments = ["{id}" if _ID_SEGMENT.match(s) else s for s in path.rstrip("/").split("/")]
    return f"{method} {'/'.join(segments) or '/'}"


class RequestStatsMiddleware:
    """Counts every request to the Mailtrap API paths, including those a fault answered."""

    def __init__(self, app: Any, emulator: Emulator) -> None:
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and (
            scope["path"].startswith("/api/") or scope["path"].startswith("/bulk/api/")
        ):
            self.emulator.count_request(endpoint_name(scope["method"], scope["path"]))
        await self.app(scope, receive, send)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith(("/api/", "/bulk/", "/_emulator/")):
        message = "Not Found" if exc.status_code == 404 else exc.detail
        return JSONResponse({"error": message}, status_code=exc.status_code)
    return PlainTextResponse(exc.detail, status_code=exc.status_code)


def create_app(emulator: Emulator) -> Any:
    """The ASGI app serving `emulator`, wrapped in stats counting and fault injection, behind
    the guard against cross-site requests (guard.py)."""
    app = Starlette(
        routes=sending.routes
        + management.routes
        + sandbox_api.routes
        + account_api.routes
        + control.routes
        + inbox_views.routes,
        exception_handlers={HTTPException: _http_error},
    )
    app.state.emulator = emulator
    config = emulator.config
    counted = RequestStatsMiddleware(FaultMiddleware(app, emulator.faults), emulator)
    return BrowserGuard(counted, config.host, config.allowed_hosts)
