"""The web inbox: server-rendered pages to browse messages and trigger events."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from .emulator import Emulator, EventError
from .events import EVENT_NAMES
from .inbound_injection import (
    DEFAULT_INBOX_ID,
    SAMPLE_INBOX_ID,
    inbound_outcome,
    inbound_webhook_count,
    inbound_webhook_scopes,
    inject_inbound,
)
from .mime import ParsedAttachment, parse_mime

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
#: The message HTML runs in a sandboxed iframe *and* under a sandboxing CSP: no scripts,
#: no forms, no same-origin access to the inbox, even when the body URL is opened directly.
BODY_CSP = (
    "sandbox; default-src 'none'; img-src 'self' data: http: https:; "
    "style-src 'unsafe-inline' http: https:; font-src data: http: https:"
)
STREAMS = ("transactional", "bulk", "sandbox")
#: Messages per page of the web inbox's list.
PAGE_SIZE = 50


def utc_time(timestamp: Any) -> str:
    """Epoch seconds (an event's `timestamp`) as `2025-05-01 12:34:56 UTC`; else as it is."""
    try:
        moment = datetime.fromtimestamp(float(timestamp), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return str(timestamp)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


templates.env.filters["utc_time"] = utc_time


def _emulator(request: Request) -> Emulator:
    return request.app.state.emulator  # type: ignore[no-any-return]


def _raw_of(request: Request) -> tuple[bytes | None, str]:
    """The raw message a `/messages/{key}` or `/inbound/{id}` URL points at, and that prefix."""
    emulator = _emulator(request)
    if "key" in request.path_params:
        key = request.path_params["key"]
        return emulator.store.get_mime(key), f"/messages/{key}"
    record = emulator.store.get_inbound(request.path_params["inbound_id"])
    return (record["raw"] if record else None), f"/inbound/{request.path_params['inbound_id']}"


def _not_found(request: Request) -> Response:
    return templates.TemplateResponse(request, "not_found.html", status_code=404)


def _page_number(text: str | None) -> int:
    """`?page=`, from 1 to a billion (SQLite's OFFSET is a 64-bit integer)."""
    try:
        return min(max(1, int(text or 1)), 10**9)
    except ValueError:
        return 1


async def message_list(request: Request) -> Response:
    """Sent messages, newest first, `PAGE_SIZE` a page, filterable by recipient, category
    and stream."""
    filters = {
        name: request.query_params.get(name, "").strip()
        for name in ("recipient", "category", "stream")
    }
    active = {name: value for name, value in filters.items() if value}
    page = _page_number(request.query_params.get("page"))
    store = _emulator(request).store
    total = store.count_messages(**active)
    offset = (page - 1) * PAGE_SIZE
    messages = store.list_messages(limit=PAGE_SIZE, offset=offset, **active)

    def page_url(number: int) -> str:
        return "/?" + urlencode({**active, "page": number})

    return templates.TemplateResponse(
        request,
        "messages.html",
        {
            "messages": messages,
            "filters": filters,
            "streams": STREAMS,
            "total": total,
            "first": offset + 1,
            "last": offset + len(messages),
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "previous_url": page_url(page - 1) if page > 1 else None,
            "next_url": page_url(page + 1) if offset + PAGE_SIZE < total else None,
        },
    )


async def message_detail(request: Request) -> Response:
    """One sent message: bodies, headers, attachments, payload, events, event buttons."""
    message = _emulator(request).store.get_message(request.path_params["key"])
    raw, prefix = _raw_of(request)
    if message is None or raw is None:
        return _not_found(request)
    return templates.TemplateResponse(
        request,
        "message.html",
        {
            "message": message,
            "parsed": parse_mime(raw),
            "prefix": prefix,
            "payload_json": json.dumps(message["payload"], indent=2, ensure_ascii=False),
            "event_names": EVENT_NAMES,
        },
    )


async def inbound_detail(request: Request) -> Response:
    """One inbound message (no events, no payload); after an upload, what became of it."""
    emulator = _emulator(request)
    record = emulator.store.get_inbound(request.path_params["inbound_id"])
    raw, prefix = _raw_of(request)
    if record is None or raw is None:
        return _not_found(request)
    received = None
    if request.query_params.get("received"):
        inbox_id = record["inbox_id"]
        received = inbound_outcome(inbox_id, inbound_webhook_count(emulator, inbox_id))
    return templates.TemplateResponse(
        request,
        "message.html",
        {
            "message": None,
            "inbound": record,
            "received": received,
            "parsed": parse_mime(raw),
            "prefix": prefix,
        },
    )


async def message_body(request: Request) -> Response:
    """The HTML body for the iframe, `cid:` references pointing at the inline parts."""
    raw, prefix = _raw_of(request)
    if raw is None:
        return _not_found(request)
    parsed = parse_mime(raw)
    body = parsed.html or ""
    for index, attachment in enumerate(parsed.attachments):
        if attachment.content_id:
            body = re.sub(
                "cid:" + re.escape(attachment.content_id),
                f"{prefix}/attachments/{index}",
                body,
            )
    return Response(
        body,
        media_type="text/html",
        headers={"Content-Security-Policy": BODY_CSP, "X-Content-Type-Options": "nosniff"},
    )


async def message_raw(request: Request) -> Response:
    """Download the message as an `.eml` file."""
    raw, prefix = _raw_of(request)
    if raw is None:
        return _not_found(request)
    filename = prefix.strip("/").replace("/", "-") + ".eml"
    return Response(
        raw,
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def message_attachment(request: Request) -> Response:
    """Download one attachment (also used for inline images in the iframe)."""
    raw, _ = _raw_of(request)
    attachments = parse_mime(raw).attachments if raw is not None else []
    index = request.path_params["index"]
    if index >= len(attachments):
        return _not_found(request)
    return attachment_download(attachments[index])


def attachment_download(attachment: ParsedAttachment) -> Response:
    """An attachment as a download (never rendered: its type is the sender's claim)."""
    return Response(
        attachment.data,
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def trigger_event(request: Request) -> Response:
    """Form post from an event button; back to the message page."""
    key = request.path_params["key"]
    form = await request.form()
    try:
        _emulator(request).trigger_event(
            str(key), str(form.get("event", "")), email=str(form.get("recipient") or "") or None
        )
    except (LookupError, EventError):
        return _not_found(request)
    return RedirectResponse(f"/messages/{key}#events", status_code=303)


async def inbound_list(request: Request) -> Response:
    """Inbound messages and the form to upload a raw `.eml`."""
    emulator = _emulator(request)
    items: list[dict[str, Any]] = []
    for record in emulator.store.list_inbound():
        parsed = parse_mime(record["raw"])
        items.append({**record, "from": parsed.header("From"), "subject": parsed.header("Subject")})
    return templates.TemplateResponse(
        request,
        "inbound.html",
        {
            "items": items,
            "error": bool(request.query_params.get("error")),
            "default_inbox_id": DEFAULT_INBOX_ID,
            "sample_inbox_id": SAMPLE_INBOX_ID,
            "webhook_scopes": inbound_webhook_scopes(emulator),
        },
    )


async def inbound_upload(request: Request) -> Response:
    """Receive an uploaded `.eml` into an inbound inbox (fires the inbound webhook)."""
    form = await request.form()
    upload = form.get("file")
    try:
        inbox_id = int(str(form.get("inbox_id") or ""))
    except ValueError:
        inbox_id = 0
    raw = b"" if upload is None or isinstance(upload, str) else await upload.read()
    if not raw.strip() or inbox_id < 1:
        return RedirectResponse("/inbound?error=1", status_code=303)
    record = await run_in_threadpool(
        inject_inbound, _emulator(request), inbox_id, raw, via="web inbox"
    )
    return RedirectResponse(f"/inbound/{record['id']}?received=1", status_code=303)


routes = [
    Route("/", message_list, methods=["GET"]),
    Route("/messages/{key:int}", message_detail, methods=["GET"]),
    Route("/messages/{key:int}/body.html", message_body, methods=["GET"]),
    Route("/messages/{key:int}/raw.eml", message_raw, methods=["GET"]),
    Route("/messages/{key:int}/attachments/{index:int}", message_attachment, methods=["GET"]),
    Route("/messages/{key:int}/events", trigger_event, methods=["POST"]),
    Route("/inbound", inbound_list, methods=["GET"]),
    Route("/inbound", inbound_upload, methods=["POST"]),
    Route("/inbound/{inbound_id}", inbound_detail, methods=["GET"]),
    Route("/inbound/{inbound_id}/body.html", message_body, methods=["GET"]),
    Route("/inbound/{inbound_id}/raw.eml", message_raw, methods=["GET"]),
    Route("/inbound/{inbound_id}/attachments/{index:int}", message_attachment, methods=["GET"]),
]
