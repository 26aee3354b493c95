"""Shared by the account API tests: requests with a token, both path forms, spec lookups."""

from __future__ import annotations

from typing import Any

import requests

from mailtrap_emulator import EmulatorServer

from .helpers import TOKEN, message, send
from .openapi_schema import load_spec, validation_errors

EMAIL_SENDING = "email-sending.openapi.yml"
ACCOUNT_MANAGEMENT = "account-management.openapi.yml"
ACCOUNT_ID = 1001  # EmulatorConfig.account_id's default
#: The spec's path prefix, and the older account-scoped one the SDKs use.
PREFIXES = ("/api", f"/api/accounts/{ACCOUNT_ID}")
FORBIDDEN = {"errors": "Account access forbidden"}
UNAUTHORIZED = {"error": "Incorrect API token"}
NOT_FOUND = {"error": "Not Found"}


def call(
    server: EmulatorServer,
    method: str,
    path: str,
    *,
    token: str | None = TOKEN,
    params: Any = None,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    """A request to the emulator, with `Authorization: Bearer <token>` unless token is None."""
    all_headers = {"Authorization": f"Bearer {token}"} if token else {}
    all_headers.update(headers or {})
    return requests.request(
        method, f"{server.url}{path}", params=params, headers=all_headers, timeout=10
    )


def get(server: EmulatorServer, path: str, **kwargs: Any) -> requests.Response:
    return call(server, "GET", path, **kwargs)


def spec_path(path: str) -> str:
    """The spec's path template for a request path in either form (`{id}` for ids)."""
    path = path.removeprefix(f"/api/accounts/{ACCOUNT_ID}").removeprefix("/api")
    parts = path.strip("/").split("/")
    names = {"domains": "{domain_id}", "suppressions": "{suppression_id}"}
    if len(parts) == 2:
        parts[1] = names.get(parts[0], "{sending_message_id}")
    return "/api/" + "/".join(parts)


def documented_properties(name: str, schema: str) -> set[str]:
    """The property names of a component schema (to check that nothing else is served)."""
    return set(load_spec(name)["components"]["schemas"][schema]["properties"])


def schema_errors(name: str, component: str, body: Any) -> list[str]:
    """How `body` fails a component response's JSON schema (e.g. "Forbidden")."""
    pointer = f"/components/responses/{component}/content/application~1json/schema"
    return validation_errors(name, pointer, body, require_all=True)


def send_to(server: EmulatorServer, *emails: str, path: str = "/api/send", **fields: Any) -> Any:
    """Send one message to `emails` (To); returns the message ids, one per recipient."""
    body = message(to=[{"email": email} for email in emails], **fields)
    return send(server, body, path=path)["message_ids"]
