"""MailtrapClient: one typed entry point to Mailtrap's HTTP APIs.

Mailtrap has three kinds of host (MAILTRAP_API.md §1): the sending hosts
(transactional, bulk, sandbox) authenticated with an ``Api-Token`` header, and the
general API (accounts, webhooks, inbound, email logs, sandboxes) at ``mailtrap.io``
authenticated with ``Authorization: Bearer``. This class knows both, adds the
project's User-Agent, makes every call through the engine's `HttpCaller` (retries,
rate limit), and turns failures into `AnymailRequestsAPIError`s whose text says what
to do -- never containing the token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

import requests
from django.views.decorators.debug import sensitive_variables
from requests.adapters import DEFAULT_POOLSIZE

from ..exceptions import AnymailRequestsAPIError
from ..sending.http_caller import NO_RETRY, HttpCaller
from ..sending.http_session import USER_AGENT, AnymailSession
from ..sending.retry import MAYBE_ACCEPTED, error_kind
from ..sending.secrets import Secret, SecretHeaders, forget_locals
from ..settings import configuration_error
from .download import DownloadDeadline, DownloadDeadlineExceeded

ESP_NAME = "Mailtrap"
SEND_API_URL = "https://send.api.mailtrap.io/api/"
BULK_API_URL = "https://bulk.api.mailtrap.io/api/"
SANDBOX_API_URL = "https://sandbox.api.mailtrap.io/api/"
GENERAL_API_URL = "https://mailtrap.io/api/"
DEFAULT_TIMEOUT = 30

#: One-line explanations for the answers a user can act on.
STATUS_HINTS = {
    401: "Mailtrap did not accept the API token (HTTP 401): check MAILTRAP_API_TOKEN.",
    403: "The API token lacks permission for this (HTTP 403): give it access in Mailtrap's "
    "API Tokens settings.",
    404: "Mailtrap has no such resource (HTTP 404): check the id.",
    429: "Mailtrap rate-limited the call (HTTP 429) and retries did not get through: "
    "try again later.",
}


class MailtrapAPIError(AnymailRequestsAPIError):
    """A general-API call failed; `problem` says how in a few words (e.g. "HTTP 403")."""

    def __init__(self, *args: Any, problem: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problem = problem


#: What `requests` refuses in a header value -- and then quotes, token included, in its
#: error -- plus trailing whitespace, which it would send and Mailtrap answer with 401.
_UNSENDABLE_TOKEN = re.compile(r"^\s|\s$|[\r\n]")


def check_token(api_token: Any, alias: str | None = None) -> None:
    """A token that cannot work is a configuration error now, not a 401 at the first send
    (AnymailInvalidMailer under a MAILERS alias). The error never quotes the token."""
    problem = None
    if not isinstance(api_token, str):
        problem = f"must be a string, not {type(api_token).__name__}"
    elif not api_token.strip():
        problem = "is empty: set it to an API token from Mailtrap's API Tokens page"
    elif _UNSENDABLE_TOKEN.search(api_token):
        problem = (
            "starts or ends with whitespace or contains a line break "
            "(read from a file with its newline?): remove them"
        )
    if problem is not None:
        raise configuration_error(f"MAILTRAP_API_TOKEN {problem}.", alias)


def with_slash(url: str) -> str:
    """Base URLs are joined with relative paths: they must end with a slash."""
    return url if url.endswith("/") else url + "/"


class MailtrapClient:
    """Mailtrap's sending and general APIs for one API token."""

    def __init__(
        self,
        api_token: str,
        *,
        send_api_url: str | None = None,
        sandbox_id: Any = None,
        api_url: str = GENERAL_API_URL,
        timeout: Any = DEFAULT_TIMEOUT,
        caller: HttpCaller | None = None,
    ) -> None:
        check_token(api_token)
        self._api_token = api_token
        self.sandbox_id = sandbox_id
        self.use_sandbox = bool(sandbox_id)
        default_send = SANDBOX_API_URL if self.use_sandbox else SEND_API_URL
        #: Base URL of the sending API (transactional, bulk or sandbox host).
        self.send_api_url = with_slash(send_api_url or default_send)
        #: Base URL of the general API (accounts, webhooks, inbound, logs).
        self.api_url = with_slash(api_url)
        self.timeout = timeout
        self.caller = caller if caller is not None else HttpCaller(ESP_NAME, NO_RETRY)

    @property
    def api_token(self) -> str:
        return self._api_token

    def __repr__(self) -> str:  # never shows the token
        return f"<MailtrapClient send_api_url={self.send_api_url!r} api_url={self.api_url!r}>"

    def __reduce__(self) -> Any:
        raise TypeError("MailtrapClient holds an API token and is not picklable")

    # -- sessions -----------------------------------------------------------------------------

    @staticmethod
    def new_session(pool_size: int = DEFAULT_POOLSIZE) -> requests.Session:
        """A pooled session with this project's User-Agent."""
        session = AnymailSession(pool_size=pool_size)
        session.headers["User-Agent"] = USER_AGENT
        return session

    # -- the sending API ------------------------------------------------------------------------

    def send_endpoint(self, name: str) -> str:
        """`send` or `batch`, plus the sandbox id in sandbox mode (relative to the base URL)."""
        if self.use_sandbox:
            return f"{name}/{quote(str(self.sandbox_id), safe='')}"
        return name

    def send_headers(self) -> dict[str, str]:
        """Headers of a send or batch call (their repr masks the token: secrets.py)."""
        return SecretHeaders(
            {
                "Api-Token": self._api_token,
                "Content-Type": "application/json",
                "Accept": "application/json",
            }
        )

    # -- the general API ------------------------------------------------------------------------

    @sensitive_variables()  # the frame holds the Bearer header: keep it out of error reports
    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        session: requests.Session | None = None,
        accept: str = "application/json",
    ) -> requests.Response:
        """Call the general API (`path` relative to `api_url`); return its 2xx response.

        Raises MailtrapAPIError with a one-line explanation on any failure.
        """
        url = urljoin(self.api_url, path)
        headers = SecretHeaders({"Authorization": f"Bearer {self._api_token}", "Accept": accept})
        call = dict(method=method, url=url, params=params, json=json, headers=headers)
        own_session = session is None
        active = self.new_session() if session is None else session
        try:
            outcome = self.caller.call(active, {**call, "timeout": self.timeout})
        finally:
            if own_session:
                active.close()
        if outcome.error is not None:
            problem = type(outcome.error).__name__
            # A connection that broke after the request went out: Mailtrap was reached, and
            # may have acted on it (a POST); say so rather than "could not reach".
            reached = error_kind(outcome.error) == MAYBE_ACCEPTED
            raise MailtrapAPIError(
                f"Mailtrap did not answer at {url} ({problem}: the connection dropped or the "
                "answer timed out)"
                if reached
                else f"Could not reach Mailtrap at {url} ({problem})",
                problem=problem,
                esp_name=ESP_NAME,
            ) from None
        response = outcome.response
        assert response is not None
        if not 200 <= response.status_code <= 299:
            problem = f"HTTP {response.status_code}"
            raise MailtrapAPIError(
                f"{method} {url}: {STATUS_HINTS.get(response.status_code, problem)}",
                problem=problem,
                response=response,
                esp_name=ESP_NAME,
            )
        return response

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        session: requests.Session | None = None,
    ) -> Any:
        """`request`, returning the answer's parsed JSON (None for an empty answer)."""
        response = self.request(method, path, params=params, json=json, session=session)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise MailtrapAPIError(
                f"{method} {response.url}: Mailtrap answered with invalid JSON",
                problem="invalid JSON",
                response=response,
                esp_name=ESP_NAME,
            ) from None

    def inbound_message_path(self, inbox_id: str, message_id: str) -> str:
        return f"inbound/inboxes/{quote(inbox_id, safe='')}/messages/{quote(message_id, safe='')}"

    @contextmanager
    def download(
        self, url: str, chunk_size: int, deadline: float | None = None
    ) -> Iterator[Iterator[bytes]]:
        """Stream a pre-signed download URL (no credentials: S3 rejects a second auth),
        taking at most `deadline` seconds in all (download.py).

        The URL is a credential while it is valid, so a failure -- an error status, or the
        connection failing while the caller reads -- raises a `MailtrapAPIError` that
        names neither the URL nor its signature: `problem` is "HTTP 403", "ReadTimeout"...;
        `response` (for an error status) has the URL without its query string, and the
        start of the body with the query's values masked.
        """
        limit = DownloadDeadline(deadline)
        signed_url = Secret(url)  # no error report may show it (in this frame's locals)
        del url
        try:
            with requests.get(signed_url.value, stream=True, timeout=self.timeout) as response:
                if not 200 <= response.status_code <= 299:
                    raise _download_error(requests.HTTPError(response=response))
                with limit.watching(response) as guard:
                    yield guard(response.iter_content(chunk_size=chunk_size))
        except AnymailRequestsAPIError:
            raise
        except requests.RequestException as error:
            forget_locals(error)
            raise _download_error(error) from None


#: Of an error answer to a download, this much of the body is kept.
_ERROR_BODY_BYTES = 16384


def _download_error(error: requests.RequestException) -> MailtrapAPIError:
    """A download failure without the pre-signed URL (see `MailtrapClient.download`)."""
    response = error.response if isinstance(error, requests.HTTPError) else None
    if response is None:
        problem = type(error).__name__
        if isinstance(error, DownloadDeadlineExceeded):  # its text names no URL
            problem = f"{problem}: {error}"
        return MailtrapAPIError(
            f"Could not download the message from Mailtrap's storage ({problem})",
            problem=problem,
            esp_name=ESP_NAME,
        )
    parts = urlsplit(response.url)
    try:
        body = response.raw.read(_ERROR_BODY_BYTES) if response.raw is not None else b""
    except Exception:  # the connection is gone already: no body then
        body = b""
    # S3's SignatureDoesNotMatch answer quotes the signature: mask every query value
    for _name, value in parse_qsl(parts.query):
        if len(value) >= 8:
            body = body.replace(value.encode(), b"***")
    summary = requests.Response()
    summary.status_code = response.status_code
    summary.reason = response.reason
    summary.url = parts._replace(query="", fragment="").geturl()
    summary.headers = response.headers
    summary.encoding = response.encoding
    summary._content = body
    summary._content_consumed = True  # type: ignore[attr-defined]
    problem = f"HTTP {response.status_code}"
    return MailtrapAPIError(
        f"Could not download the message from Mailtrap's storage ({problem})",
        problem=problem,
        response=summary,
        esp_name=ESP_NAME,
    )
