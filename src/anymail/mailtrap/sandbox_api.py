"""Mailtrap's sandbox API on mailtrap.io (sandbox.openapi.yml): read captured messages back.

A sandbox (an Email Testing inbox; MAILTRAP_SANDBOX_ID) keeps what was sent to it. This
reads its messages -- details, bodies, headers, attachments, spam and HTML reports --
and empties it. Paths follow `AccountAPI.path` (token- or account-scoped). Bodies and
attachments are not JSON: `fetch_content` gets their bytes with the same token, retries
and one-line errors as the JSON calls.
"""

from __future__ import annotations

import re
from typing import Any

from ..exceptions import AnymailConfigurationError
from .account_api import AccountAPI

#: The body parts a message may have: text, HTML as shown (`cid:` links rewritten), HTML
#: as sent, the raw MIME source, and the same as a download.
BODY_PARTS = ("txt", "html", "htmlsource", "raw", "eml")
_SANDBOX_ID = re.compile(r"^\d+$")


def fetch_content(api: AccountAPI, path: str, params: dict[str, Any] | None = None) -> bytes:
    """GET a non-JSON resource (`path` relative to the API URL, or absolute from the host)
    and return its bytes; failures raise `MailtrapAPIError` as JSON calls do."""
    return api.reader.request("GET", path, params=params, accept="*/*").content


def checked_sandbox_id(value: Any) -> str:
    """The sandbox id as digits, or a configuration error naming the setting."""
    text = str(value).strip() if value is not None else ""
    if not _SANDBOX_ID.match(text):
        raise AnymailConfigurationError(
            f"MAILTRAP_SANDBOX_ID={value!r} is not a sandbox id: expected the digits in "
            "https://mailtrap.io/inboxes/<id>/messages"
        )
    return text


class SandboxAPI:
    """One sandbox's captured messages."""

    def __init__(self, api: AccountAPI, sandbox_id: int | str) -> None:
        self.api = api
        self.sandbox_id = checked_sandbox_id(sandbox_id)

    def __repr__(self) -> str:
        return f"<SandboxAPI sandbox_id={self.sandbox_id} {self.api!r}>"

    def _path(self, *parts: Any) -> str:
        return self.api.path("sandboxes", self.sandbox_id, *parts)

    def info(self) -> dict[str, Any]:
        """The sandbox itself (`name`, `emails_count`, ...); 404 if there is none."""
        found = self.api.get(self._path())
        return found if isinstance(found, dict) else {}

    def messages(
        self, *, search: str | None = None, page: int | None = None, last_id: int | None = None
    ) -> list[dict[str, Any]]:
        """One page of messages, newest first; `last_id` pages on from that message."""
        params: dict[str, Any] = {}
        if search:
            params["search"] = search
        if page is not None:
            params["page"] = page
        if last_id is not None:
            params["last_id"] = last_id
        found = self.api.get(self._path("messages"), params=params or None)
        return [item for item in found or () if isinstance(item, dict)]

    def message(self, message_id: int | str) -> dict[str, Any]:
        found = self.api.get(self._path("messages", message_id))
        return found if isinstance(found, dict) else {}

    def body(self, message_id: int | str, part: str) -> bytes:
        """A body part (`BODY_PARTS`); Mailtrap answers 409 for a part the message lacks."""
        if part not in BODY_PARTS:
            raise ValueError(f"unknown body part {part!r}: expected one of {BODY_PARTS}")
        return fetch_content(self.api, self._path("messages", message_id, f"body.{part}"))

    def headers(self, message_id: int | str) -> dict[str, str]:
        """Header name (lower case) -> value, as Mailtrap lists them."""
        found = self.api.get(self._path("messages", message_id, "mail_headers")) or {}
        headers = found.get("headers") if isinstance(found, dict) else None
        return {str(k).lower(): str(v) for k, v in (headers or {}).items()}

    def attachments(self, message_id: int | str) -> list[dict[str, Any]]:
        found = self.api.get(self._path("messages", message_id, "attachments"))
        return [item for item in found or () if isinstance(item, dict)]

    def attachment_content(self, attachment: dict[str, Any]) -> bytes:
        """An attachment's bytes, from the `download_path` Mailtrap gave for it."""
        path = attachment.get("download_path")
        if not path:
            message_id, number = attachment.get("message_id"), attachment.get("id")
            path = self._path("messages", message_id, "attachments", number, "download")
        return fetch_content(self.api, str(path))

    def spam_report(self, message_id: int | str) -> dict[str, Any]:
        """SpamAssassin's verdict (`Score`, `Spam`, `Details`, ...)."""
        found = self.api.get(self._path("messages", message_id, "spam_report")) or {}
        return dict(found.get("report") or {}) if isinstance(found, dict) else {}

    def html_analysis(self, message_id: int | str) -> dict[str, Any]:
        """Which email clients will not render parts of the HTML (`errors`, ...)."""
        found = self.api.get(self._path("messages", message_id, "analyze")) or {}
        return dict(found.get("report") or {}) if isinstance(found, dict) else {}

    def delete_message(self, message_id: int | str) -> None:
        self.api.delete(self._path("messages", message_id))

    def clean(self) -> None:
        """Delete every message of the sandbox."""
        self.api.patch(self._path("clean"), None)
