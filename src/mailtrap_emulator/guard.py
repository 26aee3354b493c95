"""Only the developer's own tools may drive the emulator: no cross-site requests, no DNS rebinding.

The control API (`/_emulator/`) and the web inbox have no authentication: a page the
developer happens to visit could otherwise post to them (reset the emulator, inject
faults, inject inbound mail that the emulator then posts, signed, to the developer's
app), and a DNS-rebinding page could also read them. So:

* **Host**: the control API and the web inbox answer only requests addressed to the
  emulator by a name it knows -- 127.0.0.1, localhost, [::1], the `--host` it was bound
  to, and any `--allowed-host` -- whatever the port (403 otherwise). A rebinding page's
  requests carry its own domain.
* **Origin**: a request with an `Origin` that is not the emulator itself is refused (403):
  every state-changing request (POST, PUT, PATCH, DELETE; for one without `Origin`, its
  `Referer`, and `Sec-Fetch-Site: cross-site`/`same-site` too), and any request to the
  control API or the Mailtrap API paths. (Inbox pages may be read from anywhere -- a
  browser never lets a foreign page see the answer, and the sandboxed message body
  loads its images with `Origin: null`.)
* **Content type**: a `POST` to the control API must be `application/json` (raw inbound
  mail: `message/rfc822`), never a type a cross-site form or `fetch` can send without a
  CORS preflight -- which the emulator never grants (415 otherwise). DELETE always
  needs a preflight.

The Mailtrap API paths (`/api/`, `/bulk/`) and the pre-signed-style raw inbound download
(`/_emulator/inbound-raw/`) keep accepting any Host: apps reach them by whatever name
they are configured with (a container name, `bulk.api.mailtrap.io` in a Host header).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import JSONResponse, PlainTextResponse, Response

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
#: Bind addresses that name no host (every interface).
WILDCARD_HOSTS = ("", "0.0.0.0", "::")
#: Served to whatever Host the client uses (not the developer's browser's business).
API_PREFIXES = ("/api/", "/bulk/", "/_emulator/inbound-raw/")
CONTROL_PREFIX = "/_emulator/"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
RAW_MAIL_TYPES = frozenset({"message/rfc822", "application/octet-stream"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def allowed_names(bound_host: str, extra: Iterable[str]) -> frozenset[str]:
    """Host names the control API and the inbox answer to (lower case, IPv6 unbracketed)."""
    names = set(LOOPBACK_NAMES)
    if bound_host not in WILDCARD_HOSTS:
        names.add(bound_host)
    names.update(extra)
    return frozenset(name.strip("[]").lower() for name in names)


def _netloc(scheme: str, host: str) -> tuple[str, int] | None:
    """(host name, port) of `scheme://host`, the default port filled in; None if malformed."""
    try:
        parts = urlsplit(f"{scheme}://{host}")
        port = parts.port or DEFAULT_PORTS.get(scheme, 80)
    except ValueError:
        return None
    if not parts.hostname or parts.path or parts.query or parts.username:
        return None
    return parts.hostname, port


class BrowserGuard:
    """ASGI middleware applying the rules above; `allowed_hosts` may contain "*" (any)."""

    def __init__(self, app: Any, bound_host: str, allowed_hosts: Iterable[str] = ()) -> None:
        self.app = app
        extra = list(allowed_hosts)
        self.any_host = "*" in extra
        self.names = allowed_names(bound_host, [name for name in extra if name != "*"])

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            refusal = self.refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def refusal(self, scope: dict[str, Any]) -> Response | None:
        """The answer refusing this request, or None to let it through."""
        path: str = scope["path"]
        headers = {name.decode("latin-1").lower(): value for name, value in scope["headers"]}
        api = path.startswith(API_PREFIXES)
        control = not api and path.startswith(CONTROL_PREFIX)
        answer = _refuse_json if api or control else _refuse_text
        host = _text(headers.get("host"))
        own = _netloc(scope.get("scheme", "http"), host) if host else None
        if not api and not self._known(own):
            return answer(403, f"Host {host!r} is not this emulator (see --allowed-host)")
        origin = headers.get("origin")
        changes_state = scope["method"] in STATE_CHANGING
        # (The inbox's sandboxed message body loads its images with "Origin: null".)
        checks_origin = changes_state or api or control
        if checks_origin and origin is not None and not self._same_origin(_text(origin), own):
            return answer(403, "cross-origin requests are refused")
        if not changes_state:
            return None
        if _text(headers.get("sec-fetch-site")) in ("cross-site", "same-site"):
            return answer(403, "cross-site requests are refused")
        referer = headers.get("referer")
        if origin is None and referer is not None and not self._same_origin(_text(referer), own):
            return answer(403, "cross-origin requests are refused")
        if control and scope["method"] == "POST":
            return self._content_type_refusal(path, _text(headers.get("content-type")))
        return None

    def _known(self, netloc: tuple[str, int] | None) -> bool:
        return netloc is not None and (self.any_host or netloc[0] in self.names)

    def _same_origin(self, url: str, own: tuple[str, int] | None) -> bool:
        """`url` (an Origin or Referer) is the emulator itself, as this request addresses it."""
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or own is None:
            return False  # "null" (sandboxed frames, file:), other schemes
        origin = _netloc(parts.scheme, parts.netloc)
        return origin == own and self._known(origin)

    def _content_type_refusal(self, path: str, content_type: str) -> Response | None:
        media_type = content_type.split(";")[0].strip().lower()
        if path.startswith(f"{CONTROL_PREFIX}inbound/"):
            if media_type in RAW_MAIL_TYPES:
                return None
            return _refuse_json(415, "Content-Type must be message/rfc822 (the raw message)")
        if media_type == "application/json" or media_type.endswith("+json"):
            return None
        return _refuse_json(415, "Content-Type must be application/json")


def _text(value: bytes | None) -> str:
    return value.decode("latin-1") if value is not None else ""


def _refuse_json(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)


def _refuse_text(status: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status)
