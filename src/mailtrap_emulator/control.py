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
from .management import inbound_details


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


async def list_messages(request: Request) -> JSONResponse:
    """Stored messages, newest first; filters: recipient, category, stream, sandbox_inbox_id,
    message_id, limit."""
    query = request.query_params
    try:
        inbox = int(query["sandbox_inbox_id"]) if query.get("sandbox_inbox_id") else None
        limit = int(query.get("limit") or 100)
    except ValueError:
        return _error(400, "sandbox_inbox_id and limit must be integers")
    messages = _emulator(request).store.list_messages(
        recipient=query.get("recipient"),
        category=query.get("category"),
        stream=query.get("stream"),
        sandbox_inbox_id=inbox,
        message_id=query.get("message_id"),
        limit=limit,
    )
    return JSONResponse({"messages": messages})


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
    emulator = _emulator(request)
    record = await run_in_threadpool(emulator.receive_inbound, request.path_params["inbox_id"], raw)
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
