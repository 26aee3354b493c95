"""Mailtrap's account (mailtrap.io) API for one token: email logs, webhooks, domains, ...

The current specs address account resources by the token alone (``/api/email_logs``);
released SDKs still use ``/api/accounts/{account_id}/email_logs``. Both reach the same
data, so the account-scoped form is used when ``MAILTRAP_ACCOUNT_ID`` is set (or given)
and the token-scoped form otherwise.

Reads are idempotent, so they are retried on 429, dropped connections and 5xx; writes
(creating a webhook) are retried only where the request surely did not arrive.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from ..exceptions import AnymailConfigurationError
from ..sending.http_caller import HttpCaller
from ..sending.rate_limit import shared_rate_limiter
from ..sending.retry import RetryPolicy
from ..settings import checked_timeout, get_anymail_setting
from .client import ESP_NAME, GENERAL_API_URL, MailtrapClient, check_token, with_slash

#: Mailtrap's general limit: 150 requests per 10 s per token (MAILTRAP_API.md §10.1).
GENERAL_RATE_LIMIT = (150, 10.0)
READ_RETRY = RetryPolicy(attempts=4, backoff=0.5, max_time=30.0, on_server_errors=True)
WRITE_RETRY = RetryPolicy(attempts=3, backoff=0.5, max_time=30.0)
_ACCOUNT_ID = re.compile(r"^\d+$")


def default_account_api_url(api_url: str | None) -> str:
    """mailtrap.io's API, unless MAILTRAP_API_URL points away from Mailtrap (an emulator
    or a proxy serving every API under one base URL): then that URL."""
    host = urlsplit(api_url).hostname if api_url else None
    if not host or host == "mailtrap.io" or host.endswith(".mailtrap.io"):
        return GENERAL_API_URL
    return with_slash(str(api_url))


class AccountAPI:
    """Calls to mailtrap.io's account API, paced under Mailtrap's per-token limit."""

    def __init__(
        self,
        api_token: str,
        *,
        api_url: str = GENERAL_API_URL,
        account_id: int | str | None = None,
        timeout: Any = 30,
        read_retry: RetryPolicy = READ_RETRY,
    ) -> None:
        check_token(api_token)
        if account_id is not None and not _ACCOUNT_ID.match(str(account_id)):
            raise AnymailConfigurationError(
                f"MAILTRAP_ACCOUNT_ID={account_id!r} is not an account id: expected digits, "
                "as in https://mailtrap.io/accounts/<id>/..."
            )
        #: Mailtrap account id for /api/accounts/{id}/... paths; None = token-scoped paths.
        self.account_id = None if account_id is None else str(account_id)
        limiter = shared_rate_limiter(f"{ESP_NAME} account {api_token}", *GENERAL_RATE_LIMIT)
        self.reader = MailtrapClient(
            api_token,
            api_url=with_slash(api_url),
            timeout=timeout,
            caller=HttpCaller(ESP_NAME, read_retry, limiter),
        )
        self.writer = MailtrapClient(
            api_token,
            api_url=with_slash(api_url),
            timeout=timeout,
            caller=HttpCaller(ESP_NAME, WRITE_RETRY, limiter),
        )

    @classmethod
    def from_settings(cls, **kwargs: Any) -> AccountAPI:
        """From ANYMAIL settings (or keyword overrides): token, account API URL (default:
        see `default_account_api_url`), account id."""
        options: MutableMapping[str, Any] = dict(kwargs)
        token = get_anymail_setting("api_token", esp_name=ESP_NAME, kwargs=options, allow_bare=True)
        send_url = get_anymail_setting("api_url", esp_name=ESP_NAME, kwargs=options, default=None)
        api_url = get_anymail_setting(
            "account_api_url",
            esp_name=ESP_NAME,
            kwargs=options,
            default=default_account_api_url(send_url),
        )
        account_id = get_anymail_setting(
            "account_id", esp_name=ESP_NAME, kwargs=options, default=None
        )
        timeout = checked_timeout(
            get_anymail_setting("requests_timeout", kwargs=options, default=30)
        )
        return cls(token, api_url=api_url, account_id=account_id or None, timeout=timeout)

    def __repr__(self) -> str:  # never shows the token
        return f"<AccountAPI api_url={self.reader.api_url!r} account_id={self.account_id!r}>"

    def __reduce__(self) -> Any:
        raise TypeError("AccountAPI holds an API token and is not picklable")

    @property
    def api_url(self) -> str:
        return self.reader.api_url

    def path(self, resource: str, *ids: Any) -> str:
        """`email_logs`, ids quoted, under the account prefix when an account id is known."""
        tail = "/".join([resource, *(quote(str(i), safe="") for i in ids)])
        if self.account_id is None:
            return tail
        return f"accounts/{self.account_id}/{tail}"

    def get(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        session: requests.Session | None = None,
    ) -> Any:
        """GET (retried per the read policy), on `session` or a new one closed after."""
        return self.reader.request_json("GET", path, params=params, session=session)

    def post(self, path: str, body: Any) -> Any:
        return self.writer.request_json("POST", path, json=body)

    def patch(self, path: str, body: Any) -> Any:
        return self.writer.request_json("PATCH", path, json=body)

    def delete(self, path: str) -> Any:
        return self.writer.request_json("DELETE", path)

    def accounts(self) -> list[dict[str, Any]]:
        """The accounts this token reaches (`GET /api/accounts`, never account-scoped)."""
        found = self.get("accounts")
        return list(found) if isinstance(found, list) else []
