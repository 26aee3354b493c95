"""`POST /api/send` and `/api/batch` for the transactional, bulk and sandbox hosts."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .emulator import Emulator
from .validation import batch_errors, effective_message, message_errors


def request_token(request: Request) -> str | None:
    """The API token from `Api-Token` or `Authorization: Bearer`."""
    token = request.headers.get("api-token")
    if token:
        return token.strip()
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


def failure(status: int, *errors: str) -> JSONResponse:
    """The sending hosts' error body: `success: false` and an array of strings."""
    return JSONResponse({"success": False, "errors": list(errors)}, status_code=status)


def _stream(request: Request) -> tuple[str, int | None]:
    """Which sending stream a request addresses: sandbox by path, bulk by host or prefix."""
    inbox_id = request.path_params.get("inbox_id")
    if inbox_id is not None:
        return "sandbox", int(inbox_id)
    host = request.headers.get("host", "")
    if request.url.path.startswith("/bulk/") or host.startswith("bulk."):
        return "bulk", None
    return "transactional", None


async def _read_json(request: Request) -> tuple[Any, JSONResponse | None]:
    emulator: Emulator = request.app.state.emulator
    if not emulator.token_accepted(request_token(request)):
        return None, failure(401, "Unauthorized")
    raw = await request.body()
    try:
        return json.loads(raw), None
    except (ValueError, UnicodeDecodeError):
        return None, failure(400, "request body is not valid JSON")


async def send(request: Request) -> JSONResponse:
    """One message; ids per recipient (to, cc, bcc order), or one id in the sandbox."""
    emulator: Emulator = request.app.state.emulator
    payload, error = await _read_json(request)
    if error is not None:
        return error
    errors = message_errors(payload, max_bytes=emulator.config.max_message_bytes)
    if errors:
        return failure(400, *errors)
    if not emulator.sender_verified(payload):
        return failure(401, "Unauthorized")
    stream, inbox_id = _stream(request)
    (message_ids,) = await run_in_threadpool(emulator.accept, [payload], stream, inbox_id)
    return JSONResponse({"success": True, "message_ids": message_ids})


async def batch(request: Request) -> JSONResponse:
    """Up to 500 messages; HTTP 200 with one result per entry, failed entries included."""
    emulator: Emulator = request.app.state.emulator
    if len(await request.body()) > emulator.config.max_batch_bytes:
        limit = emulator.config.max_batch_bytes // (1024 * 1024)
        return failure(400, f"payload size exceeds the {limit} MB limit")
    body, error = await _read_json(request)
    if error is not None:
        return error
    errors = batch_errors(body)
    if errors:
        return failure(400, *errors)
    stream, inbox_id = _stream(request)
    responses: list[dict[str, Any] | None] = []
    accepted: list[tuple[int, dict[str, Any]]] = []
    for index, entry in enumerate(body["requests"]):
        message = effective_message(body.get("base"), entry)
        entry_errors = message_errors(message, max_bytes=emulator.config.max_message_bytes)
        if not entry_errors and not emulator.sender_verified(message):
            entry_errors = ["Unauthorized"]
        if entry_errors:
            responses.append({"success": False, "errors": entry_errors})
        else:
            responses.append(None)
            accepted.append((index, message))
    all_ids = await run_in_threadpool(
        emulator.accept, [message for _, message in accepted], stream, inbox_id
    )
    for (index, _), message_ids in zip(accepted, all_ids, strict=True):
        responses[index] = {"success": True, "message_ids": message_ids}
    return JSONResponse({"success": True, "responses": responses})


routes = [
    Route("/api/send", send, methods=["POST"]),
    Route("/api/batch", batch, methods=["POST"]),
    Route("/api/send/{inbox_id:int}", send, methods=["POST"]),
    Route("/api/batch/{inbox_id:int}", batch, methods=["POST"]),
    Route("/bulk/api/send", send, methods=["POST"]),
    Route("/bulk/api/batch", batch, methods=["POST"]),
]
