"""JSON control and inspection endpoints under `/_emulator/` for tests, demos and benchmarks."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .emulator import Emulator, EventError
from .faults import FaultSpecError
from .inbound_injection import inject_inbound
from .management import inbound_details
from .message_filters import DEFAULT_LIMIT, MAX_LIMIT


def _emulator(request: Request) -> Emulator:
    return request.app.state.emulator  # type: ignore[no-any-return]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _json_object(request: Request) -> dict[str, Any] | None:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def health(request: Request) -> JSONResponse:
    """Liveness probe."""
    return JSONResponse({"status": "ok"})


MESSAGE_FILTERS = ("recipient", "category", "stream", "message_id")


def _whole_number(text: str | None, default: int, low: int, high: int | None = None) -> int:
    """A query parameter in `low..high`; ValueError otherwise."""
    value = default if text in (None, "") else int(text)
    if value < low or (high is not None and value > high):
        raise ValueError(text)
    return value


async def list_messages(request: Request) -> JSONResponse:
    """Stored messages, newest first, a page at a time: `{"messages", "total", "limit",
    "offset", "next_offset"}`; filters: recipient, category, stream, sandbox_inbox_id,
    message_id."""
    query = request.query_params
    try:
        inbox = int(query["sandbox_inbox_id"]) if query.get("sandbox_inbox_id") else None
    except ValueError:
        return _error(400, "sandbox_inbox_id must be an integer")
    try:
        limit = _whole_number(query.get("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = _whole_number(query.get("offset"), 0, 0, 2**62)  # SQLite: 64-bit integers
    except ValueError:
        return _error(400, f"limit must be 1 to {MAX_LIMIT}, offset a whole number >= 0")
    filters: dict[str, Any] = {name: query.get(name) for name in MESSAGE_FILTERS}
    store = _emulator(request).store
    total = store.count_messages(sandbox_inbox_id=inbox, **filters)
    messages = store.list_messages(limit=limit, offset=offset, sandbox_inbox_id=inbox, **filters)
    following = offset + len(messages)
    return JSONResponse(
        {
            "messages": messages,
            "total": total,
            "limit": limit,
            "offset": offset,
            "next_offset": following if messages and following < total else None,
        }
    )


async def get_message(request: Request) -> JSONResponse:
    """One message by emulator key or Mailtrap message id."""
    message = _emulator(request).find_message(request.path_params["ref"])
    return JSONResponse(message) if message else _error(404, "Not Found")


async def raw_message(request: Request) -> Response:
    """The rendered `.eml` of one message."""
    emulator = _emulator(request)
    message = emulator.find_message(request.path_params["ref"])
    if message is None:
        return _error(404, "Not Found")
    return Response(emulator.store.get_mime(message["id"]), media_type="message/rfc822")


async def trigger_event(request: Request) -> JSONResponse:
    """`{"event": "open", "email": optional, ...details}` -> the event that was fired."""
    body = await _json_object(request)
    if body is None or not body.get("event"):
        return _error(400, "body must be a JSON object with an 'event'")
    details = {k: v for k, v in body.items() if k not in ("event", "email")}
    try:
        event = _emulator(request).trigger_event(
            request.path_params["ref"], body["event"], email=body.get("email"), details=details
        )
    except LookupError:
        return _error(404, "Not Found")
    except EventError as error:
        return _error(400, str(error))
    return JSONResponse({"event": event})


async def reset(request: Request) -> JSONResponse:
    """Forget everything; back to the startup configuration."""
    await run_in_threadpool(_emulator(request).reset)
    return JSONResponse({"success": True})


async def stats(request: Request) -> JSONResponse:
    """Request counts per API endpoint, and totals; DELETE zeroes the counters."""
    if request.method == "DELETE":
        _emulator(request).reset_stats()
    return JSONResponse(_emulator(request).stats())


async def faults(request: Request) -> JSONResponse:
    """GET the faults; POST `{"latency_ms": N, "faults": [...], "seed": S}` sets them;
    DELETE clears."""
    current = _emulator(request).faults
    if request.method == "POST":
        body = await _json_object(request)
        if body is None:
            return _error(400, "body must be a JSON object")
        rules = body.get("faults", [])
        try:
            if not isinstance(rules, list):
                raise FaultSpecError("'faults' must be a list")
            seed = body.get("seed")
            current.configure(
                int(body.get("latency_ms") or 0), rules, None if seed is None else int(seed)
            )
        except (FaultSpecError, TypeError, ValueError) as error:
            return _error(400, str(error))
    elif request.method == "DELETE":
        current.clear()
    return JSONResponse(current.as_dict())


async def webhooks_pending(request: Request) -> JSONResponse:
    """How many webhook posts are outstanding; `?wait=SECONDS` blocks until none are."""
    dispatcher = _emulator(request).dispatcher
    try:
        wait = float(request.query_params.get("wait") or 0)
    except ValueError:
        return _error(400, "wait must be a number of seconds")
    if wait > 0:
        await run_in_threadpool(dispatcher.wait_idle, wait)
    return JSONResponse({"pending": dispatcher.pending()})


async def webhook_deliveries(request: Request) -> JSONResponse:
    """Every webhook post with its attempts, status and body."""
    deliveries = _emulator(request).dispatcher.deliveries()
    return JSONResponse({"deliveries": [d.as_dict() for d in deliveries]})


async def receive_inbound(request: Request) -> JSONResponse:
    """Raw RFC 822 bytes in the body -> stored in an inbound inbox, webhook notified."""
    raw = await request.body()
    if not raw.strip():
        return _error(400, "body must be a raw RFC 822 message")
    record = await run_in_threadpool(
        inject_inbound, _emulator(request), request.path_params["inbox_id"], raw, via="control API"
    )
    return JSONResponse(inbound_details(request, record))


routes = [
    Route("/_emulator/health", health, methods=["GET"]),
    Route("/_emulator/messages", list_messages, methods=["GET"]),
    Route("/_emulator/messages/{ref}", get_message, methods=["GET"]),
    Route("/_emulator/messages/{ref}/raw", raw_message, methods=["GET"]),
    Route("/_emulator/messages/{ref}/events", trigger_event, methods=["POST"]),
    Route("/_emulator/reset", reset, methods=["POST"]),
    Route("/_emulator/stats", stats, methods=["GET", "DELETE"]),
    Route("/_emulator/faults", faults, methods=["GET", "POST", "DELETE"]),
    Route("/_emulator/webhooks/pending", webhooks_pending, methods=["GET"]),
    Route("/_emulator/webhooks/deliveries", webhook_deliveries, methods=["GET"]),
    Route("/_emulator/inbound/{inbox_id:int}", receive_inbound, methods=["POST"]),
]
