"""Mailtrap's Email Logs API (MAILTRAP_API.md §9): what happened to sent messages.

Used to repair state that a lost answer or a missed webhook left open: whether a send
whose answer never came was accepted after all, and the delivery events of a message.
Each endpoint has its own per-account limit (list 60/min, get 1000/min); calls are paced
under both that and the general per-token limit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from typing import Any

import requests

from ..sending.rate_limit import RateLimiter, shared_rate_limiter
from .account_api import AccountAPI
from .client import ESP_NAME, MailtrapAPIError

LIST_RATE_LIMIT = (60, 60.0)
GET_RATE_LIMIT = (1000, 60.0)

#: Filters whose value is a string compared case-insensitively (`ci_equal`).
_TEXT_FILTERS = ("to", "from", "subject", "category")


def iso_time(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, as the API's examples write it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def list_params(
    *,
    sent_after: datetime | None = None,
    sent_before: datetime | None = None,
    status: str | None = None,
    sending_stream: str | None = None,
    **text: str | Sequence[str] | None,
) -> dict[str, str | list[str]]:
    """The deep-object `filters[...]` query of `GET /email_logs`; a list value matches any
    of its items (`filters[to][value][]=a&filters[to][value][]=b`)."""
    params: dict[str, str | list[str]] = {}
    if sent_after is not None:
        params["filters[sent_after]"] = iso_time(sent_after)
    if sent_before is not None:
        params["filters[sent_before]"] = iso_time(sent_before)
    for name, value in text.items():
        if name not in _TEXT_FILTERS:
            raise TypeError(f"unknown email log filter {name!r}")
        if isinstance(value, str):
            params[f"filters[{name}][operator]"] = "ci_equal"
            params[f"filters[{name}][value]"] = value
        elif value is not None:
            params[f"filters[{name}][operator]"] = "ci_equal"
            params[f"filters[{name}][value][]"] = list(value)
    for name, value in (("status", status), ("sending_stream", sending_stream)):
        if value is not None:
            params[f"filters[{name}][operator]"] = "equal"
            params[f"filters[{name}][value]"] = value
    return params


class EmailLogs:
    """`get` one logged message (with its events) or `search` the log, newest first."""

    def __init__(self, api: AccountAPI) -> None:
        self.api = api
        scope = f"{ESP_NAME} email logs {api.reader.api_token}"
        self.list_limiter: RateLimiter = shared_rate_limiter(f"{scope} list", *LIST_RATE_LIMIT)
        self.get_limiter: RateLimiter = shared_rate_limiter(f"{scope} get", *GET_RATE_LIMIT)

    @classmethod
    def from_settings(cls, **kwargs: Any) -> EmailLogs:
        return cls(AccountAPI.from_settings(**kwargs))

    def __repr__(self) -> str:
        return f"<EmailLogs {self.api!r}>"

    def get(
        self, message_id: str, session: requests.Session | None = None
    ) -> dict[str, Any] | None:
        """The logged message with this Mailtrap message id, or None if Mailtrap has none."""
        self.get_limiter.acquire()
        try:
            found = self.api.get(self.api.path("email_logs", message_id), session=session)
        except MailtrapAPIError as error:
            if error.status_code == 404:
                return None
            raise
        return found if isinstance(found, dict) else None

    def search(
        self,
        *,
        sent_after: datetime | None = None,
        sent_before: datetime | None = None,
        status: str | None = None,
        sending_stream: str | None = None,
        session: requests.Session | None = None,
        **text: str | Sequence[str] | None,
    ) -> Iterator[dict[str, Any]]:
        """Every logged message matching the filters (`to`, `from`, `subject`, `category`
        compare case-insensitively; a list matches any item), page after page."""
        params: dict[str, Any] = list_params(
            sent_after=sent_after,
            sent_before=sent_before,
            status=status,
            sending_stream=sending_stream,
            **text,
        )
        path = self.api.path("email_logs")
        while True:
            self.list_limiter.acquire()
            page = self.api.get(path, params=params, session=session) or {}
            yield from page.get("messages") or ()
            cursor = page.get("next_page_cursor")
            if not cursor:
                return
            params = {**params, "search_after": cursor}
