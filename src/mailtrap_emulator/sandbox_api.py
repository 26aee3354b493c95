"""Mailtrap's sandbox API on mailtrap.io (sandbox.openapi.yml): read back captured messages.

Served in the spec's token-scoped form (`/api/sandboxes/...`, `/api/projects`) and in the
account-scoped forms `/api/accounts/{account_id}/sandboxes/...` (the spec's own example paths)
and `/api/accounts/{account_id}/inboxes/...` (the SDKs' older name). Any sandbox id exists, as
the sandbox send path accepts any id; listings show the sandboxes that hold messages.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from .emulator import Emulator
from .inbox_views import BODY_CSP, attachment_download
from .mime import ParsedMessage, parse_mime
from .sandbox_objects import (
    PROJECT_ID,
    attachment_objects,
    changed_message_object,
    formatted_html,
    mail_headers,
    message_object,
    project_object,
    sandbox_object,
)
from .sandbox_reports import html_analysis, spam_report
from .sending import request_token

#: Messages per page of `GET .../messages`, as Mailtrap pages them.
PAGE_SIZE = 30
#: `is_read` values of a message update (the spec's example sends the string "false").
READ_VALUES = {"true": True, "false": False}
BODY_PARTS = ("txt", "html", "htmlsource", "raw", "eml")
#: Downloads whose 401/403 answers are plain text (spec), not JSON.
TEXT_ERROR_PARTS = ("txt", "htmlsource", "raw", "eml")

Loaded = tuple[dict[str, Any], bytes, ParsedMessage]


def _emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


def _denied(request: Request, *, as_text: bool = False) -> Response | None:
    """401 without an accepted token; 403 for another account's paths. `as_text`: the
    plain-text forms the spec documents for the `body.txt`/`.raw`/`.htmlsource`/`.eml`
    downloads (the 403 one is a Ruby hash, as Mailtrap renders it there)."""
    emulator = _emulator(request)
    if not emulator.token_accepted(request_token(request)):
        if as_text:
            return PlainTextResponse('{"error":"Incorrect API token"}', status_code=401)
        return JSONResponse({"error": "Incorrect API token"}, status_code=401)
    account_id = request.path_params.get("account_id")
    if account_id is not None and account_id != emulator.config.account_id:
        if as_text:
            return PlainTextResponse('{:errors=>"Account access forbidden"}', status_code=403)
        return JSONResponse({"errors": "Account access forbidden"}, status_code=403)
    return None


def _not_found() -> JSONResponse:
    return JSONResponse({"error": "Not Found"}, status_code=404)


def _conflict() -> PlainTextResponse:
    """What Mailtrap answers for a body part the message does not have."""
    return PlainTextResponse("Conflict", status_code=409)


def _sandbox_json(
    request: Request, sandbox_id: int, counts: dict[str, Any] | None
) -> dict[str, Any]:
    emulator = _emulator(request)
    host = request.url.hostname or emulator.config.host
    return sandbox_object(sandbox_id, counts, emulator.config, host)


def _sandbox(request: Request, sandbox_id: int) -> dict[str, Any]:
    counts = _emulator(request).store.sandbox_counts(sandbox_id)
    return _sandbox_json(request, sandbox_id, counts[0] if counts else None)


def _sandboxes(request: Request) -> list[dict[str, Any]]:
    counts = _emulator(request).store.sandbox_counts()
    return [_sandbox_json(request, int(row["id"]), row) for row in counts]


def _lf(body: str | None) -> str | None:
    return body.replace("\r\n", "\n") if body is not None else None


def _parse(mime: bytes) -> ParsedMessage:
    """The stored message, its bodies with the line ends the sender's JSON had (the MIME
    rendering has CRLF, as SMTP does)."""
    parsed = parse_mime(mime)
    return replace(parsed, text=_lf(parsed.text), html=_lf(parsed.html))


def _load(request: Request) -> Loaded | None:
    """The message a path names, if it is in the sandbox the path names."""
    store = _emulator(request).store
    sandbox_id = request.path_params["sandbox_id"]
    found = store.sandbox_messages(sandbox_id, key=request.path_params["message_id"], limit=1)
    mime = store.get_mime(found[0]["id"]) if found else None
    if not found or mime is None:
        return None
    return found[0], mime, _parse(mime)


def _message_json(request: Request, loaded: Loaded, *, changed: bool = False) -> dict[str, Any]:
    message, mime, parsed = loaded
    build = changed_message_object if changed else message_object
    return build(message, parsed, len(mime), _emulator(request).config.account_id)


def _attachments(request: Request, loaded: Loaded) -> list[dict[str, Any]]:
    message, _, parsed = loaded
    return attachment_objects(message, parsed, _emulator(request).config.account_id)


def _positive_int(value: str | None) -> int | None:
    if value is None:
        return None
    number = int(value)  # ValueError for junk
    if number < 1:
        raise ValueError(value)
    return number


# -- projects and sandboxes ------------------------------------------------------------


async def list_projects(request: Request) -> Response:
    """`GET /api/projects`: the one project, with the sandboxes in use."""
    if (denied := _denied(request)) is not None:
        return denied
    return JSONResponse([project_object(_sandboxes(request), str(request.base_url))])


async def get_project(request: Request) -> Response:
    """`GET /api/projects/{project_id}`."""
    if (denied := _denied(request)) is not None:
        return denied
    if request.path_params["project_id"] != PROJECT_ID:
        return _not_found()
    return JSONResponse(project_object(_sandboxes(request), str(request.base_url)))


async def list_sandboxes(request: Request) -> Response:
    """`GET /api/sandboxes`: the sandboxes holding messages."""
    if (denied := _denied(request)) is not None:
        return denied
    return JSONResponse(_sandboxes(request))


async def get_sandbox(request: Request) -> Response:
    """`GET /api/sandboxes/{sandbox_id}`: any id, with its message counts."""
    if (denied := _denied(request)) is not None:
        return denied
    return JSONResponse(_sandbox(request, request.path_params["sandbox_id"]))


async def clean_sandbox(request: Request) -> Response:
    """`PATCH /api/sandboxes/{sandbox_id}/clean`: delete every message of the sandbox."""
    if (denied := _denied(request)) is not None:
        return denied
    sandbox_id = request.path_params["sandbox_id"]
    _emulator(request).store.delete_sandbox_messages(sandbox_id)
    return JSONResponse(_sandbox(request, sandbox_id))


async def mark_all_read(request: Request) -> Response:
    """`PATCH /api/sandboxes/{sandbox_id}/all_read`."""
    if (denied := _denied(request)) is not None:
        return denied
    sandbox_id = request.path_params["sandbox_id"]
    _emulator(request).store.set_sandbox_read(sandbox_id, read=True)
    return JSONResponse(_sandbox(request, sandbox_id))


# -- messages --------------------------------------------------------------------------


async def list_messages(request: Request) -> Response:
    """`GET .../messages?search=&last_id=&page=`: newest first, 30 a page; `last_id` (older
    than that message) overrides `page`."""
    if (denied := _denied(request)) is not None:
        return denied
    try:
        last_id = _positive_int(request.query_params.get("last_id"))
        page = _positive_int(request.query_params.get("page")) or 1
    except ValueError:
        return JSONResponse(
            {"error": "'page' and 'last_id' must be whole numbers of at least 1"}, status_code=400
        )
    store = _emulator(request).store
    found = store.sandbox_messages(
        request.path_params["sandbox_id"],
        search=request.query_params.get("search") or None,
        before_key=last_id,
        offset=0 if last_id is not None else (page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    result = []
    for message in found:
        mime = store.get_mime(message["id"]) or b""
        result.append(_message_json(request, (message, mime, _parse(mime))))
    return JSONResponse(result)


async def message_detail(request: Request) -> Response:
    """`GET`, `PATCH` (`{"message": {"is_read": ...}}`) and `DELETE` one message."""
    if (denied := _denied(request)) is not None:
        return denied
    loaded = _load(request)
    if loaded is None:
        return _not_found()
    store = _emulator(request).store
    sandbox_id, key = request.path_params["sandbox_id"], loaded[0]["id"]
    if request.method == "DELETE":
        store.delete_sandbox_messages(sandbox_id, key=key)
        return JSONResponse(_message_json(request, loaded, changed=True))
    if request.method == "PATCH":
        try:
            changes = json.loads(await request.body()).get("message") or {}
        except (ValueError, AttributeError):
            return JSONResponse({"error": "Bad Request"}, status_code=400)
        if "is_read" in changes:
            is_read = READ_VALUES.get(str(changes["is_read"]).lower())
            if is_read is None:
                return JSONResponse({"errors": {"is_read": ["is invalid"]}}, status_code=422)
            store.set_sandbox_read(sandbox_id, read=is_read, key=key)
        reloaded = _load(request)
        assert reloaded is not None
        return JSONResponse(_message_json(request, reloaded, changed=True))
    return JSONResponse(_message_json(request, loaded))


async def message_body(request: Request) -> Response:
    """`body.txt`, `body.html` (formatted: `cid:` images point at their downloads),
    `body.htmlsource` (as sent), `body.raw` and `body.eml`."""
    part = request.path_params["part"]
    if (denied := _denied(request, as_text=part in TEXT_ERROR_PARTS)) is not None:
        return denied
    loaded = _load(request)
    if loaded is None or part not in BODY_PARTS:
        return _not_found()
    message, mime, parsed = loaded
    if part == "raw":
        return Response(mime, media_type="text/plain; charset=utf-8")
    if part == "eml":
        disposition = f'attachment; filename="message-{message["id"]}.eml"'
        return Response(
            mime, media_type="message/rfc822", headers={"Content-Disposition": disposition}
        )
    if part == "txt":
        return PlainTextResponse(parsed.text) if parsed.text is not None else _conflict()
    if parsed.html is None:
        return _conflict()
    html = parsed.html
    if part == "html":
        html = formatted_html(html, _attachments(request, loaded))
    headers = {"Content-Security-Policy": BODY_CSP, "X-Content-Type-Options": "nosniff"}
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)


async def message_headers(request: Request) -> Response:
    """`GET .../mail_headers`: `{"headers": {name: value}}`."""
    if (denied := _denied(request)) is not None:
        return denied
    loaded = _load(request)
    if loaded is None:
        return _not_found()
    return JSONResponse({"headers": mail_headers(loaded[0], loaded[2])})


async def message_spam_report(request: Request) -> Response:
    """`GET .../spam_report`."""
    if (denied := _denied(request)) is not None:
        return denied
    loaded = _load(request)
    if loaded is None:
        return _not_found()
    return JSONResponse({"report": spam_report(loaded[2])})


async def message_analysis(request: Request) -> Response:
    """`GET .../analyze`: the HTML analysis report."""
    if (denied := _denied(request)) is not None:
        return denied
    loaded = _load(request)
    if loaded is None:
        return _not_found()
    return JSONResponse({"report": html_analysis(loaded[2].html)})


# -- attachments -----------------------------------------------------------------------


async def list_attachments(request: Request) -> Response:
    """`GET .../attachments[?attachment_type=inline|attachment]`."""
    if (denied := _denied(request)) is not None:
        return denied
    loaded = _load(request)
    if loaded is None:
        return _not_found()
    wanted = request.query_params.get("attachment_type")
    attachments = _attachments(request, loaded)
    return JSONResponse([a for a in attachments if not wanted or a["attachment_type"] == wanted])


async def get_attachment(request: Request) -> Response:
    """`GET .../attachments/{id}` (its details) and `.../attachments/{id}/download`."""
    if (denied := _denied(request)) is not None:
        return denied
    loaded = _load(request)
    number = request.path_params["attachment_id"]
    attachments = _attachments(request, loaded) if loaded is not None else []
    if loaded is None or not 1 <= number <= len(attachments):
        return _not_found()
    if not request.url.path.endswith("/download"):
        return JSONResponse(attachments[number - 1])
    return attachment_download(loaded[2].attachments[number - 1])


def _sandbox_routes(base: str) -> list[Route]:
    """The sandbox routes under one collection path (`/api/sandboxes`, ...)."""
    sandbox = base + "/{sandbox_id:int}"
    message = sandbox + "/messages/{message_id:int}"
    attachment = message + "/attachments/{attachment_id:int}"
    return [
        Route(base, list_sandboxes, methods=["GET"]),
        Route(sandbox, get_sandbox, methods=["GET"]),
        Route(sandbox + "/clean", clean_sandbox, methods=["PATCH"]),
        Route(sandbox + "/all_read", mark_all_read, methods=["PATCH"]),
        Route(sandbox + "/messages", list_messages, methods=["GET"]),
        Route(message, message_detail, methods=["GET", "PATCH", "DELETE"]),
        Route(message + "/body.{part:str}", message_body, methods=["GET"]),
        Route(message + "/mail_headers", message_headers, methods=["GET"]),
        Route(message + "/spam_report", message_spam_report, methods=["GET"]),
        Route(message + "/analyze", message_analysis, methods=["GET"]),
        Route(message + "/attachments", list_attachments, methods=["GET"]),
        Route(attachment, get_attachment, methods=["GET"]),
        Route(attachment + "/download", get_attachment, methods=["GET"]),
    ]


ACCOUNT_PREFIX = "/api/accounts/{account_id:int}"

routes = [
    route
    for prefix in ("/api", ACCOUNT_PREFIX)
    for route in (
        Route(prefix + "/projects", list_projects, methods=["GET"]),
        Route(prefix + "/projects/{project_id:int}", get_project, methods=["GET"]),
    )
]
routes += _sandbox_routes("/api/sandboxes")
routes += _sandbox_routes(ACCOUNT_PREFIX + "/sandboxes")
routes += _sandbox_routes(ACCOUNT_PREFIX + "/inboxes")
