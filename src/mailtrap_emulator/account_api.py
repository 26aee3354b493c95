"""The mailtrap.io account API: accounts, domains, email logs and suppressions.

Each endpoint is served under the current spec's path (`/api/domains`) and under the older
account-scoped one the released SDKs call (`/api/accounts/{account_id}/domains`,
MAILTRAP_API.md §1). A token is checked first (401 `{"error": "Incorrect API token"}`); an
account id other than the emulator's (`EmulatorConfig.account_id`) is then refused as
Mailtrap refuses an account the token cannot reach: 403 `{"errors": "Account access
forbidden"}`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import email_logs
from .domains import list_domains
from .email_log_filters import parse_time
from .sending import request_token

if TYPE_CHECKING:
    from .emulator import Emulator

Handler = Callable[[Request], Awaitable[Response]]
ACCOUNT_NAME = "Emulator"
#: `GET /api/suppressions` answers at most this many entries (the spec's limit).
SUPPRESSIONS_PAGE_SIZE = 1000


def _emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


def _not_found() -> JSONResponse:
    return JSONResponse({"error": "Not Found"}, status_code=404)


def _bad_request() -> JSONResponse:
    return JSONResponse({"error": "Bad Request"}, status_code=400)


def account_endpoint(handler: Handler) -> Handler:
    """`handler` behind the token check and, on account-scoped paths, the account check."""

    async def endpoint(request: Request) -> Response:
        emulator = _emulator(request)
        if not emulator.token_accepted(request_token(request)):
            return JSONResponse({"error": "Incorrect API token"}, status_code=401)
        account_id = request.path_params.get("account_id")
        if account_id is not None and account_id != emulator.config.account_id:
            return JSONResponse({"errors": "Account access forbidden"}, status_code=403)
        return await handler(request)

    endpoint.__doc__ = handler.__doc__
    return endpoint


async def list_accounts(request: Request) -> JSONResponse:
    """`GET /api/accounts`: the emulator's one account, which the token owns (level 1000)."""
    account = {
        "id": _emulator(request).config.account_id,
        "name": ACCOUNT_NAME,
        "access_levels": [1000],
    }
    return JSONResponse([account])


async def get_domains(request: Request) -> JSONResponse:
    """`GET /api/domains` (domains.py says which exist)."""
    emulator = _emulator(request)
    return JSONResponse({"data": list_domains(emulator.config, emulator.store)})


async def get_domain(request: Request) -> JSONResponse:
    """`GET /api/domains/{domain_id}`: the `Domain` itself, not wrapped in `data`."""
    emulator = _emulator(request)
    for domain in list_domains(emulator.config, emulator.store):
        if domain["id"] == request.path_params["domain_id"]:
            return JSONResponse(domain)
    return _not_found()


def _stored_time(text: str | None) -> str | None:
    """A query time in the stored format, so that comparing text compares times; None if
    absent, ValueError if it does not parse."""
    if not text:
        return None
    moment = parse_time(text)
    if moment is None:
        raise ValueError(text)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def get_suppressions(request: Request) -> JSONResponse:
    """`GET /api/suppressions?email=&start_time=&end_time=&last_id=`: a bare array, oldest
    first, at most 1000 entries after `last_id`; a time that does not parse is a 400."""
    query = request.query_params
    try:
        start, end = _stored_time(query.get("start_time")), _stored_time(query.get("end_time"))
    except ValueError:
        return _bad_request()
    found = _emulator(request).store.list_suppressions(
        email=query.get("email") or None,
        start_time=start,
        end_time=end,
        after_id=query.get("last_id") or None,
        limit=SUPPRESSIONS_PAGE_SIZE,
    )
    return JSONResponse(found)


async def delete_suppression(request: Request) -> JSONResponse:
    """`DELETE /api/suppressions/{suppression_id}`: answers the deleted `Suppression`."""
    deleted = _emulator(request).store.delete_suppression(request.path_params["suppression_id"])
    return JSONResponse(deleted) if deleted is not None else _not_found()


async def add_suppression(request: Request) -> JSONResponse:
    """Control API `POST /_emulator/suppressions` with `{"email", "type", "sending_stream",
    "domain_name"}` (all but `email` optional) -> `{"suppression": {...}}`."""
    try:
        body: Any = json.loads(await request.body() or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JSONResponse({"error": "body must be a JSON object"}, status_code=400)
    try:
        suppression = _emulator(request).add_suppression(
            body.get("email", ""),
            type=body.get("type", "manual import"),
            sending_stream=body.get("sending_stream", "any"),
            domain_name=body.get("domain_name"),
        )
    except ValueError as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    return JSONResponse({"suppression": suppression})


def _both_forms(path: str, handler: Handler, method: str) -> list[Route]:
    """`/api{path}` and `/api/accounts/{account_id}{path}`, behind the checks."""
    endpoint = account_endpoint(handler)
    return [
        Route(f"/api{path}", endpoint, methods=[method]),
        Route(f"/api/accounts/{{account_id:int}}{path}", endpoint, methods=[method]),
    ]


routes = [
    Route("/api/accounts", account_endpoint(list_accounts), methods=["GET"]),
    *_both_forms("/domains", get_domains, "GET"),
    *_both_forms("/domains/{domain_id:int}", get_domain, "GET"),
    *_both_forms("/email_logs", email_logs.list_email_logs, "GET"),
    *_both_forms("/email_logs/{message_id}", email_logs.get_email_log, "GET"),
    *_both_forms("/suppressions", get_suppressions, "GET"),
    *_both_forms("/suppressions/{suppression_id}", delete_suppression, "DELETE"),
    # The signed raw-message download needs no token; it is under /api/ so that it answers
    # whatever Host the API is reached by (guard.py checks the Host of /_emulator/ paths).
    Route("/api/email_logs/{message_id}/raw_message.eml", email_logs.raw_message, methods=["GET"]),
    Route("/_emulator/suppressions", add_suppression, methods=["POST"]),
]
