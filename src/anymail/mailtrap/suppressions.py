"""Mailtrap's suppression list (`/api/suppressions`): addresses Mailtrap will not send to.

An address lands there after a hard bounce, a spam complaint or an unsubscribe, or by
import; deleting its entry lets mail reach it again. The Suppressions API has its own
per-account limit (10 calls a minute, MAILTRAP_API.md §10.1): calls are paced under it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ..sending.rate_limit import RateLimiter, shared_rate_limiter
from .account_api import AccountAPI
from .client import ESP_NAME
from .email_logs import iso_time

RATE_LIMIT = (10, 60.0)
#: Mailtrap answers at most this many entries a page; a full page means "ask for more".
PAGE_SIZE = 1000


class Suppressions:
    """`list` (every page) and `delete` suppression entries."""

    def __init__(self, api: AccountAPI, limiter: RateLimiter | None = None) -> None:
        self.api = api
        scope = f"{ESP_NAME} suppressions {api.reader.api_token} {api.api_url}"
        self.limiter = limiter or shared_rate_limiter(scope, *RATE_LIMIT)

    def __repr__(self) -> str:
        return f"<Suppressions {self.api!r}>"

    def list(
        self,
        *,
        email: str | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every entry (for one address when `email` is given), oldest first."""
        params: dict[str, str] = {}
        if email:
            params["email"] = email
        if start_time is not None:
            params["start_time"] = iso_time(start_time)
        if end_time is not None:
            params["end_time"] = iso_time(end_time)
        path = self.api.path("suppressions")
        while True:
            self.limiter.acquire()
            page = self.api.get(path, params=params) or []
            entries = [entry for entry in page if isinstance(entry, dict)]
            yield from entries
            if len(entries) < PAGE_SIZE or not entries[-1].get("id"):
                return
            params = {**params, "last_id": str(entries[-1]["id"])}

    def delete(self, suppression_id: str) -> dict[str, Any]:
        """Delete one entry; returns what it was."""
        self.limiter.acquire()
        found = self.api.delete(self.api.path("suppressions", suppression_id))
        return found if isinstance(found, dict) else {}
