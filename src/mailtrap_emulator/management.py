"""The mailtrap.io account API parts the project uses: webhooks (§8) and inbound messages (§7.3)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .emulator import Emulator
from .events import ALL_EVENT_TYPES
from .mime import parse_mime
from .sending import request_token

WEBHOOK_TYPES = ("email_sending", "campaigns", "audit_log", "inbound_receiving")
RAW_URL_LIFETIME = timedelta(hours=1)


def _unauthorized(request: Request) -> JSONResponse | None:
    """401 for a wrong token; 403 for another account's id on `/api/accounts/{id}/...`
    (as account_api.py answers)."""
    emulator: Emulator = request.app.state.emulator
    if not emulator.token_accepted(request_token(request)):
        return JSONResponse({"error": "Incorrect API token"}, status_code=401)
    account_id = request.path_params.get("account_id")
    if account_id is not None and account_id != emulator.config.account_id:
        return JSONResponse({"errors": "Account access forbidden"}, status_code=403)
    return None


def _not_found() -> JSONResponse:
    return JSONResponse({"error": "Not Found"}, status_code=404)


def webhook_errors(webhook: Any, *, creating: bool) -> dict[str, list[str]]:
    """422 field errors for a create or update body (the `webhook` object)."""
    if not isinstance(webhook, dict):
        return {"base": ["'webhook' object is required"]}
    errors: dict[str, list[str]] = {}
    url = webhook.get("url")
    if creating or "url" in webhook:
        parts = urlsplit(url) if isinstance(url, str) else None
        if not url:
            errors["url"] = ["can't be blank"]
        elif parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            errors["url"] = ["is invalid"]
    webhook_type = webhook.get("webhook_type")
    if creating and webhook_type not in WEBHOOK_TYPES:
        errors["webhook_type"] = [f"is invalid. Allowed values: {', '.join(WEBHOOK_TYPES)}."]
    if webhook.get("payload_format", "json") not in ("json", "jsonlines"):
        errors["payload_format"] = ["is invalid. Allowed values: json, jsonlines."]
    if (
        creating
        and webhook_type == "email_sending"
        and webhook.get("sending_stream")
        not in (
            "transactional",
            "bulk",
        )
    ):
        errors["sending_stream"] = ["is invalid. Allowed values: transactional, bulk."]
    event_types = webhook.get("event_types")
    if creating and webhook_type in ("email_sending", "campaigns") and not event_types:
        errors["event_types"] = ["can't be blank"]
    elif event_types is not None and (
        not isinstance(event_types, list) or set(event_types) - set(ALL_EVENT_TYPES)
    ):
        errors["event_types"] = [f"is invalid. Allowed values: {', '.join(ALL_EVENT_TYPES)}."]
    inbox_id = webhook.get("inbound_inbox_id")
    if inbox_id is not None:
        if creating and webhook_type != "inbound_receiving":
            errors["inbound_inbox_id"] = ["must be blank"]
        elif not isinstance(inbox_id, int):
            errors["inbound_inbox_id"] = ["is not a number"]
    return errors


async def _webhook_body(request: Request) -> Any:
    try:
        return json.loads(await request.body()).get("webhook")
    except (ValueError, AttributeError):
        return None


async def create_webhook(request: Request) -> JSONResponse:
    """`POST /api/webhooks`: answers 200 with the only copy of the signing secret."""
    if (denied := _unauthorized(request)) is not None:
        return denied
    webhook = await _webhook_body(request)
    errors = webhook_errors(webhook, creating=True)
    if errors:
        return JSONResponse({"errors": errors}, status_code=422)
    if webhook["webhook_type"] != "email_sending":
        webhook["sending_stream"] = None
    emulator: Emulator = request.app.state.emulator
    return JSONResponse({"data": emulator.store.add_webhook(webhook)})


async def list_webhooks(request: Request) -> JSONResponse:
    """`GET /api/webhooks` (managed webhooks only, never their secrets)."""
    if (denied := _unauthorized(request)) is not None:
        return denied
    emulator: Emulator = request.app.state.emulator
    return JSONResponse({"data": emulator.store.list_webhooks()})


async def webhook_detail(request: Request) -> JSONResponse:
    """`GET`, `PATCH` and `DELETE /api/webhooks/{id}`."""
    if (denied := _unauthorized(request)) is not None:
        return denied
    emulator: Emulator = request.app.state.emulator
    webhook_id = request.path_params["webhook_id"]
    if emulator.store.get_webhook(webhook_id) is None:
        return _not_found()
    if request.method == "DELETE":
        return JSONResponse({"data": emulator.store.delete_webhook(webhook_id)})
    if request.method == "PATCH":
        changes = await _webhook_body(request)
        errors = webhook_errors(changes, creating=False)
        if errors:
            return JSONResponse({"errors": errors}, status_code=422)
        return JSONResponse({"data": emulator.store.update_webhook(webhook_id, changes)})
    return JSONResponse({"data": emulator.store.get_webhook(webhook_id)})


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def inbound_details(request: Request, record: dict[str, Any]) -> dict[str, Any]:
    """The §7.3 message details object, with emulator-served "pre-signed" download URLs."""
    parsed = parse_mime(record["raw"])
    expires = _iso(datetime.now(timezone.utc) + RAW_URL_LIFETIME)
    query = f"?X-Amz-Expires=3600&X-Amz-Signature={record['access_token']}"
    base = str(request.base_url).rstrip("/") + f"/_emulator/inbound-raw/{record['id']}"
    rfc_message_id = parsed.header("Message-ID")
    text, html = parsed.text, parsed.html
    return {
        "id": record["id"],
        "inbox_id": record["inbox_id"],
        "from": parsed.header("From"),
        "to": parsed.addresses("To"),
        "cc": parsed.addresses("Cc"),
        "bcc": parsed.addresses("Bcc"),
        "reply_to": parsed.header("Reply-To"),
        "subject": parsed.header("Subject"),
        # Sources disagree on the name of this field (MAILTRAP_API.md §12.2): serve both.
        "rfc_message_id": rfc_message_id,
        "message_id": rfc_message_id,
        "in_reply_to": parsed.header("In-Reply-To"),
        "references": (parsed.header("References") or "").split(),
        "headers": {name.lower(): str(value) for name, value in parsed.message.items()},
        "size": len(record["raw"]),
        "html_size": len(html.encode()) if html else 0,
        "text_size": len(text.encode()) if text else 0,
        "received_at": record["received_at"],
        "thread_id": str(int(record["id"]) + 1),
        "forwards": [],
        "attachments": [
            {
                "attachment_id": f"att-{index + 1}",
                "size": len(attachment.data),
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "content_disposition": attachment.disposition,
                "content_id": attachment.content_id,
                "download_url": f"{base}/attachments/{index}{query}",
                "download_url_expires_at": expires,
            }
            for index, attachment in enumerate(parsed.attachments)
        ],
        "raw_message_url": f"{base}.eml{query}",
        "raw_message_expires_at": expires,
        "html_body": html,
        "text_body": text,
    }


async def inbound_message(request: Request) -> JSONResponse:
    """`GET /api/inbound/inboxes/{inbox_id}/messages/{id}`."""
    if (denied := _unauthorized(request)) is not None:
        return denied
    emulator: Emulator = request.app.state.emulator
    record = emulator.store.get_inbound(request.path_params["message_id"])
    if record is None or record["inbox_id"] != request.path_params["inbox_id"]:
        return _not_found()
    return JSONResponse(inbound_details(request, record))


async def inbound_messages(request: Request) -> JSONResponse:
    """`GET /api/inbound/inboxes/{inbox_id}/messages` (one page holding everything)."""
    if (denied := _unauthorized(request)) is not None:
        return denied
    emulator: Emulator = request.app.state.emulator
    records = emulator.store.list_inbound(request.path_params["inbox_id"])
    data = []
    for record in records:
        details = inbound_details(request, record)
        for name in ("raw_message_url", "raw_message_expires_at", "html_body", "text_body"):
            details.pop(name)
        for attachment in details["attachments"]:
            attachment.pop("download_url")
            attachment.pop("download_url_expires_at")
        data.append(details)
    return JSONResponse({"data": data, "total_count": len(data), "last_id": None})


def _presigned_record(request: Request) -> tuple[dict[str, Any] | None, Response | None]:
    """Check a download the way S3 checks a pre-signed URL."""
    if "authorization" in request.headers:
        # S3 refuses a request that carries a second authentication mechanism.
        body = "<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed"
        body += "</Message></Error>"
        return None, Response(body, status_code=400, media_type="application/xml")
    emulator: Emulator = request.app.state.emulator
    record = emulator.store.get_inbound(request.path_params["message_id"])
    if record is None or request.query_params.get("X-Amz-Signature") != record["access_token"]:
        body = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
        return None, Response(body, status_code=403, media_type="application/xml")
    return record, None


async def inbound_raw(request: Request) -> Response:
    """The raw `.eml` behind `raw_message_url` (no API token; the URL is the credential)."""
    record, denied = _presigned_record(request)
    if denied is not None or record is None:
        return denied or _not_found()
    return Response(record["raw"], media_type="message/rfc822")


async def inbound_attachment(request: Request) -> Response:
    """One attachment behind its `download_url`."""
    record, denied = _presigned_record(request)
    if denied is not None or record is None:
        return denied or _not_found()
    attachments = parse_mime(record["raw"]).attachments
    index = request.path_params["index"]
    if index >= len(attachments):
        return _not_found()
    return Response(attachments[index].data, media_type=attachments[index].content_type)


routes = [
    Route("/api/webhooks", create_webhook, methods=["POST"]),
    Route("/api/webhooks", list_webhooks, methods=["GET"]),
    Route("/api/accounts/{account_id:int}/webhooks", create_webhook, methods=["POST"]),
    Route("/api/accounts/{account_id:int}/webhooks", list_webhooks, methods=["GET"]),
    Route("/api/webhooks/{webhook_id:int}", webhook_detail, methods=["GET", "PATCH", "DELETE"]),
    Route(
        "/api/accounts/{account_id:int}/webhooks/{webhook_id:int}",
        webhook_detail,
        methods=["GET", "PATCH", "DELETE"],
    ),
    Route("/api/inbound/inboxes/{inbox_id:int}/messages", inbound_messages, methods=["GET"]),
    Route(
        "/api/inbound/inboxes/{inbox_id:int}/messages/{message_id}",
        inbound_message,
        methods=["GET"],
    ),
    Route("/_emulator/inbound-raw/{message_id}.eml", inbound_raw, methods=["GET"]),
    Route(
        "/_emulator/inbound-raw/{message_id}/attachments/{index:int}",
        inbound_attachment,
        methods=["GET"],
    ),
]
