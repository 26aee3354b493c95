"""Email Logs (MAILTRAP_API.md §9): one entry per recipient message id of the sending streams.

Every transactional and bulk message id the emulator answered with has a log entry; sandbox
messages have none, as at Mailtrap. Entries are built from the stored message and its
recipient's events. The list is newest first, `config.email_logs_page_size` entries a page
(the spec names no size), paged by `search_after=<next_page_cursor>`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .account_store import json_object
from .domains import domain_ids
from .email_log_filters import parse_filters
from .suppressions import SENDING_IP, recipient_mx

if TYPE_CHECKING:
    from .emulator import Emulator

#: Webhook payload event name -> Email Logs `event_type` (MAILTRAP_API.md §6.2).
EVENT_TYPES = {"soft bounce": "soft_bounce"}
#: Events that settle whether the message reached the recipient's server.
_DELIVERY_OUTCOMES = {
    "delivery": "delivered",
    "soft bounce": "enqueued",
    "bounce": "not_delivered",
    "reject": "not_delivered",
    "suspension": "not_delivered",
}
RAW_URL_LIFETIME_S = 3600
#: Signs the raw-message URLs of this process's emulators (they only need to be unguessable
#: and to expire, like an S3 pre-signed URL).
_URL_KEY = secrets.token_bytes(32)
_SMTP_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")


def log_status(events: list[dict[str, Any]]) -> str:
    """The entry's `status`, from its events (webhook payloads), oldest first.

    * `not_delivered` -- the last of delivery / soft bounce / bounce / reject / suspension
      is a bounce, reject or suspension;
    * `enqueued` -- no such event yet, or the last one is a soft bounce (Mailtrap retries);
    * `opted_out` -- delivered, then the recipient unsubscribed or complained of spam;
    * `delivered` -- delivered, nothing of the above since.

    Mailtrap documents the four values, not its rules; these are the emulator's.
    """
    outcome = "enqueued"
    for event in events:
        outcome = _DELIVERY_OUTCOMES.get(event["event"], outcome)
    opted_out = any(event["event"] in ("unsubscribe", "spam") for event in events)
    return "opted_out" if outcome == "delivered" and opted_out else outcome


def _iso_seconds(timestamp: Any) -> str:
    moment = datetime.fromtimestamp(int(timestamp), timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def log_event(event: dict[str, Any]) -> dict[str, Any]:
    """One webhook payload as an Email Logs `MessageEvent`: `event_type`, `created_at`,
    and the `details` of its type (the emulator makes up the sending side: IP, MX)."""
    name = event["event"]
    mx = recipient_mx(event["email"])
    details: dict[str, Any]
    if name == "delivery":
        details = {"sending_ip": SENDING_IP, "recipient_mx": mx, "email_service_provider": None}
    elif name in ("open", "unsubscribe"):
        details = {"web_ip_address": event.get("ip")}
    elif name == "click":
        details = {"click_url": event.get("url"), "web_ip_address": event.get("ip")}
    elif name in ("bounce", "soft bounce"):
        response = event.get("response")
        status = _SMTP_STATUS.search(response or "")
        details = {
            "sending_ip": SENDING_IP,
            "recipient_mx": mx,
            "email_service_provider": None,
            "email_service_provider_status": status.group(1) if status else None,
            "email_service_provider_response": response,
            "bounce_category": event.get("bounce_category"),
        }
    elif name == "spam":
        details = {"spam_feedback_type": "abuse"}
    else:  # reject, suspension
        details = {"reject_reason": event.get("reason")}
    return {
        "event_type": EVENT_TYPES.get(name, name),
        "created_at": _iso_seconds(event["timestamp"]),
        "details": details,
    }


def log_entry(row: dict[str, Any], events: list[dict[str, Any]], domain_id: int) -> dict[str, Any]:
    """A list item (the spec's `EmailLogsListResponse.messages[]`) from a store row and the
    recipient's events (webhook payloads)."""
    names = [event["event"] for event in events]
    return {
        "message_id": row["message_id"],
        "status": log_status(events),
        "subject": row["subject"] or None,
        "from": row["from_email"],
        "to": row["to_email"],
        "sent_at": row["created_at"],
        # The emulator does not keep the sending client's address.
        "client_ip": None,
        "category": row["category"],
        "custom_variables": json_object(row["custom_variables"]),
        "sending_stream": row["stream"],
        "domain_id": domain_id,
        # Templates are not stored, so they have no numeric id (the UUID is in the payload).
        "template_id": None,
        "template_variables": json_object(row["template_variables"]),
        "opens_count": names.count("open"),
        "clicks_count": names.count("click"),
    }


def _domain_id(domains: dict[str, tuple[int, bool]], sender: str) -> int:
    return domains.get(sender.rsplit("@", 1)[-1].lower(), (0, False))[0]


def signed_raw_path(message_id: str, issued_at: float | None = None) -> str:
    """The path and query of a message's raw `.eml`, valid for an hour from `issued_at`."""
    issued = time.time() if issued_at is None else issued_at
    date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(issued))
    query = f"X-Amz-Date={date}&X-Amz-Expires={RAW_URL_LIFETIME_S}"
    signature = hmac.new(_URL_KEY, f"{message_id}?{query}".encode(), hashlib.sha256).hexdigest()
    return f"/api/email_logs/{message_id}/raw_message.eml?{query}&X-Amz-Signature={signature}"


def _emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


async def list_email_logs(request: Request) -> JSONResponse:
    """`GET /api/email_logs`: filtered entries, newest first, one page after `search_after`."""
    emulator = _emulator(request)
    store = emulator.store
    cursor = request.query_params.get("search_after")
    rows = store.email_log_rows()
    cursor_row: int | None = None
    if cursor:
        found = [row["row_id"] for row in rows if row["message_id"] == cursor]
        if not _is_uuid(cursor) or not found:
            return JSONResponse({"error": "Bad Request"}, status_code=400)
        cursor_row = found[0]
    filters = parse_filters(request.query_params.multi_items())
    events = store.email_log_events()
    domains = domain_ids(emulator.config, store)
    matching: list[tuple[int, dict[str, Any]]] = []
    for row in rows:
        row_events = events.get(row["message_id"], [])
        entry = log_entry(row, row_events, _domain_id(domains, row["from_email"]))
        if filters.matches({**entry, "events": [log_event(e) for e in row_events]}):
            matching.append((row["row_id"], entry))
    after = [entry for row_id, entry in matching if cursor_row is None or row_id < cursor_row]
    size = max(1, emulator.config.email_logs_page_size)
    page = after[:size]
    return JSONResponse(
        {
            "messages": page,
            "total_count": len(matching),
            "next_page_cursor": page[-1]["message_id"] if len(after) > size else None,
        }
    )


async def get_email_log(request: Request) -> JSONResponse:
    """`GET /api/email_logs/{sending_message_id}`: the `SendingMessage` with its events and
    a temporary `raw_message_url`."""
    emulator = _emulator(request)
    message_id = request.path_params["message_id"]
    row = emulator.store.email_log_row(message_id)
    if row is None:
        return JSONResponse({"error": "Not Found"}, status_code=404)
    events = emulator.store.email_log_events(row["message_key"]).get(message_id, [])
    domains = domain_ids(emulator.config, emulator.store)
    details = log_entry(row, events, _domain_id(domains, row["from_email"]))
    base = str(request.base_url).rstrip("/")
    details["raw_message_url"] = base + signed_raw_path(message_id)
    details["events"] = [log_event(event) for event in events]
    return JSONResponse(details)


def _s3_error(status: int, code: str, message: str) -> Response:
    body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return Response(body, status_code=status, media_type="application/xml")


async def raw_message(request: Request) -> Response:
    """The `.eml` behind `raw_message_url`: no API token (the signed URL is the credential),
    and, like S3, a request that also carries an `Authorization` header is refused."""
    if "authorization" in request.headers:
        return _s3_error(400, "InvalidArgument", "Only one auth mechanism allowed")
    message_id = request.path_params["message_id"]
    query = request.query_params
    date, signature = query.get("X-Amz-Date", ""), query.get("X-Amz-Signature", "")
    try:
        issued = datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return _s3_error(403, "AccessDenied", "Access Denied")
    expected = signed_raw_path(message_id, issued.timestamp()).rpartition("=")[2]
    if not hmac.compare_digest(signature, expected):
        return _s3_error(403, "AccessDenied", "Access Denied")
    if time.time() > issued.timestamp() + RAW_URL_LIFETIME_S:
        return _s3_error(403, "AccessDenied", "Request has expired")
    emulator = _emulator(request)
    row = emulator.store.email_log_row(message_id)
    mime = emulator.store.get_mime(row["message_key"]) if row else None
    if mime is None:
        return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
    return Response(mime, media_type="message/rfc822")
