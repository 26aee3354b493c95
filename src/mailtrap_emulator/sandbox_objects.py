"""The JSON objects of Mailtrap's sandbox API (sandbox.openapi.yml), built from stored messages.

Sandbox message ids are the emulator's message numbers; attachment ids count from 1 within
their message. Every path the objects name is served by sandbox_api.py.
"""

from __future__ import annotations

import re
from typing import Any

from .config import EmulatorConfig
from .mime import ParsedMessage

#: The one project the emulated account has; it holds every sandbox.
PROJECT_ID = 1
PROJECT_NAME = "Mailtrap emulator"
ALL_PERMISSIONS = {"can_read": True, "can_update": True, "can_destroy": True, "can_leave": False}
_SIZE_UNITS = ("KB", "MB", "GB", "TB")
#: Domain of the sandboxes' (never used) forwarding sender addresses.
FORWARD_DOMAIN = "forward.emulator.invalid"


def human_size(size: int) -> str:
    """Rails' `number_to_human_size`, as Mailtrap shows sizes: `300 Bytes`, `1.21 KB`."""
    if size < 1024:
        return f"{size} Byte" if size == 1 else f"{size} Bytes"
    value, unit = float(size), "Bytes"
    for unit in _SIZE_UNITS:  # noqa: B007 - the unit the loop stops at is the one wanted
        value /= 1024
        if value < 1024:
            break
    decimals = max(0, 3 - len(str(int(value))))
    text = f"{value:.{decimals}f}"
    return f"{text.rstrip('0').rstrip('.') if '.' in text else text} {unit}"


def message_path(account_id: int, sandbox_id: int, key: int) -> str:
    """The account-scoped path of one sandbox message, the form Mailtrap's objects use."""
    return f"/api/accounts/{account_id}/sandboxes/{sandbox_id}/messages/{key}"


def _addresses(message: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in message["recipients"] if r["kind"] == kind]


def message_object(
    message: dict[str, Any], parsed: ParsedMessage, size: int, account_id: int
) -> dict[str, Any]:
    """A `SandboxMessage`: addresses, sizes, read flag, body paths, reports' summaries."""
    key, sandbox_id = message["id"], message["sandbox_inbox_id"]
    path = message_path(account_id, sandbox_id, key)
    to = _addresses(message, "to")
    sender = message["from"]
    text, html = parsed.text, parsed.html
    payload = message["payload"]
    return {
        "id": key,
        "sandbox_id": sandbox_id,
        "subject": parsed.header("Subject") or "",
        "sent_at": message["created_at"],
        "from_email": sender["email"],
        "from_name": sender.get("name") or "",
        "to_email": ", ".join(r["email"] for r in to),
        "to_name": ", ".join(r["name"] for r in to if r["name"]),
        "email_size": size,
        "is_read": message["is_read"],
        "created_at": message["created_at"],
        "updated_at": message["created_at"],
        "template_id": 0,
        "template_variables": payload.get("template_variables")
        if payload.get("template_uuid")
        else None,
        "html_body_size": len(html.encode()) if html else 0,
        "text_body_size": len(text.encode()) if text else 0,
        "human_size": human_size(size),
        "html_path": f"{path}/body.html",
        "txt_path": f"{path}/body.txt",
        "raw_path": f"{path}/body.raw",
        "download_path": f"{path}/body.eml",
        "html_source_path": f"{path}/body.htmlsource",
        "blacklists_report_info": {
            "result": "success",
            "domain": sender["email"].rsplit("@", 1)[-1],
            "ip": "127.0.0.1",
            "report": [],
        },
        "smtp_information": {
            "ok": True,
            "data": {
                "mail_from_addr": sender["email"],
                "client_ip": "127.0.0.1",
                "rcpt_to_addrs": [r["email"] for r in message["recipients"]],
            },
        },
    }


def changed_message_object(
    message: dict[str, Any], parsed: ParsedMessage, size: int, account_id: int
) -> dict[str, Any]:
    """The message as an update or a delete answers it: `blacklists_report_info` is a
    boolean there (spec schema and examples)."""
    return dict(message_object(message, parsed, size, account_id), blacklists_report_info=False)


def attachment_objects(
    message: dict[str, Any], parsed: ParsedMessage, account_id: int
) -> list[dict[str, Any]]:
    """The message's attachments and inline parts, ids from 1 in MIME order."""
    path = message_path(account_id, message["sandbox_inbox_id"], message["id"])
    return [
        {
            "id": number,
            "message_id": message["id"],
            "filename": attachment.filename,
            "attachment_type": attachment.disposition or "attachment",
            "content_type": attachment.content_type,
            "content_id": attachment.content_id,
            "transfer_encoding": None,
            "attachment_size": len(attachment.data),
            "created_at": message["created_at"],
            "updated_at": message["created_at"],
            "attachment_human_size": human_size(len(attachment.data)),
            "download_path": f"{path}/attachments/{number}/download",
        }
        for number, attachment in enumerate(parsed.attachments, start=1)
    ]


def formatted_html(html: str, attachments: list[dict[str, Any]]) -> str:
    """The HTML body as Mailtrap's `body.html` shows it: `cid:` images point at downloads."""
    for attachment in attachments:
        if attachment["content_id"]:
            pattern = "cid:" + re.escape(attachment["content_id"])
            html = re.sub(pattern, attachment["download_path"], html)
    return html


def mail_headers(message: dict[str, Any], parsed: ParsedMessage) -> dict[str, str]:
    """Header name (lower case) to value; repeated headers joined; Bcc from the envelope,
    since the captured message itself carries none."""
    headers: dict[str, str] = {}
    for name, value in parsed.message.items():
        name = name.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else str(value)
    bcc = [r["email"] for r in _addresses(message, "bcc")]
    if bcc and "bcc" not in headers:
        headers["bcc"] = ", ".join(bcc)
    return headers


def sandbox_object(
    sandbox_id: int, counts: dict[str, Any] | None, config: EmulatorConfig, host: str
) -> dict[str, Any]:
    """A `TestingSandbox`. No SMTP or POP3 server runs, so no ports; no password either."""
    emails = int(counts["emails_count"]) if counts else 0
    return {
        "id": sandbox_id,
        "name": f"Sandbox {sandbox_id}",
        "username": f"{sandbox_id:014x}",
        "password": None,
        "max_size": 0,
        "status": "active",
        "email_username": f"sandbox-{sandbox_id}",
        "email_username_enabled": False,
        "sent_messages_count": emails,
        "forwarded_messages_count": 0,
        "used": emails > 0,
        "forward_from_email_address": f"a{config.account_id}-i{sandbox_id}@{FORWARD_DOMAIN}",
        "project_id": PROJECT_ID,
        "domain": host,
        "pop3_domain": host,
        "email_domain": host,
        "api_domain": host,
        "emails_count": emails,
        "emails_unread_count": int(counts["emails_unread_count"]) if counts else 0,
        "last_message_sent_at": counts["last_message_sent_at"] if counts else None,
        "smtp_ports": [],
        "pop3_ports": [],
        "max_message_size": config.max_message_bytes,
        "permissions": dict(ALL_PERMISSIONS, can_leave=True),
    }


def project_object(sandboxes: list[dict[str, Any]], base_url: str) -> dict[str, Any]:
    """The account's one project; its share links open the web inbox's sandbox view."""
    inbox = base_url.rstrip("/") + "/?stream=sandbox"
    return {
        "id": PROJECT_ID,
        "name": PROJECT_NAME,
        "share_links": {"admin": inbox, "viewer": inbox},
        "sandboxes": sandboxes,
        "permissions": dict(ALL_PERMISSIONS),
    }
