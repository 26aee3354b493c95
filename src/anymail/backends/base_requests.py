"""AnymailRequestsBackend: the HTTP transport step over a pooled `requests.Session`."""

from __future__ import annotations

import threading
from typing import Any

import requests
from django.core.mail import EmailMessage
from requests.structures import CaseInsensitiveDict

from ..exceptions import AnymailRequestsAPIError, requests_error_class
from ..sending.debug import log_exchange
from ..sending.http_caller import CallAttempts, HttpCaller
from ..sending.http_session import USER_AGENT, AnymailSession
from ..sending.rate_limit import RateLimiter, shared_rate_limiter
from ..sending.request_payload import RequestsPayload
from ..sending.retry import RetryPolicy
from ..sending.scale_settings import read_scale_settings
from ..sending.secrets import masked
from ..settings import Timeout, checked_timeout, get_anymail_setting
from .base import AnymailBaseBackend

__all__ = ["USER_AGENT", "AnymailRequestsBackend", "RequestsPayload", "detach_request_body"]


class AnymailRequestsBackend(AnymailBaseBackend):
    """Base for backends that call an HTTP API with `requests`."""

    #: send_concurrency when the user sets none. 1 keeps a backend strictly sequential;
    #: an ESP adapter opts in to parallel HTTP calls by raising it.
    default_send_concurrency = 1

    def __init__(self, api_url: str, **kwargs: Any) -> None:
        self.api_url = api_url
        timeout = get_anymail_setting("requests_timeout", kwargs=kwargs, default=30)
        label = "REQUESTS_TIMEOUT"
        if "timeout" in kwargs:  # Django's own name for it wins
            timeout, label = kwargs.pop("timeout"), "timeout"
        self.timeout: Timeout = checked_timeout(timeout, label, kwargs.get("alias"))
        self.debug_api_requests: bool = get_anymail_setting(
            "debug_api_requests", kwargs=kwargs, default=False
        )
        scale = read_scale_settings(self.esp_name, kwargs, self.default_send_concurrency)
        self.send_concurrency = scale.send_concurrency
        super().__init__(**kwargs)
        #: Makes every API call of this backend: retries and rate limit (sending/http_caller).
        self.caller = HttpCaller(self.esp_name, scale.retry)
        if scale.rate_limit is not None:
            self.rate_limiter = shared_rate_limiter(self.rate_limit_scope(), *scale.rate_limit)
        self.session: requests.Session | None = None
        # One instance may send from several threads at once (docs/sending-at-scale.md):
        # the session stays open while any send_messages call uses it.
        self._session_lock = threading.RLock()
        self._session_users = 0
        self._close_when_idle = False

    @property
    def retry_policy(self) -> RetryPolicy:
        """When and how often a failed API call is tried again (MAILTRAP_RETRY_*)."""
        return self.caller.retry_policy

    @retry_policy.setter
    def retry_policy(self, policy: RetryPolicy) -> None:
        self.caller.retry_policy = policy

    @property
    def rate_limiter(self) -> RateLimiter | None:
        """Shared by every backend that sends with the same token (MAILTRAP_RATE_LIMIT)."""
        return self.caller.rate_limiter

    @rate_limiter.setter
    def rate_limiter(self, limiter: RateLimiter | None) -> None:
        self.caller.rate_limiter = limiter

    def rate_limit_scope(self) -> str:
        """What the ESP counts calls against (backends sharing it share one rate limiter)."""
        return f"{self.esp_name} {self.api_url}"

    def open(self) -> bool:
        with self._session_lock:
            if self.session:
                return False
            try:
                self.session = self.create_session()
            except Exception:
                if not self.fail_silently:
                    raise
                return False
            return True

    def close(self) -> None:
        """Close the session -- once no send_messages call is using it any more (one running
        in another thread, or a signal receiver closing it mid-send, would fail)."""
        with self._session_lock:
            if self._session_users:
                self._close_when_idle = True
                return
            self._close_session()

    def _close_session(self) -> None:
        if self.session is None:
            return
        try:
            self.session.close()
        except requests.RequestException:
            if not self.fail_silently:
                raise
        finally:
            self.session = None

    def begin_sending(self) -> bool:
        """Open the session unless it is open (maybe by another thread's send), and count
        this send_messages call as one of its users."""
        with self._session_lock:
            opened = super().begin_sending()
            if opened:
                self._close_when_idle = True
            self._session_users += 1
            return opened

    def end_sending(self, opened: bool) -> None:
        """The last send_messages call using a session that a send opened closes it."""
        with self._session_lock:
            self._session_users -= 1
            if self._session_users == 0 and self._close_when_idle:
                self._close_when_idle = False
                self.close()

    def create_session(self) -> requests.Session:
        """A session with our User-Agent and a connection pool for every concurrent call;
        subclasses may mount adapters here."""
        session = AnymailSession(pool_size=self.send_concurrency)
        session.headers["User-Agent"] = USER_AGENT
        if self.debug_api_requests:
            session.hooks["response"].append(log_exchange)
        return session

    def post_to_esp(self, payload: RequestsPayload, message: EmailMessage) -> requests.Response:
        """POST the payload, retrying per the retry policy.

        Raises AnymailRequestsAPIError on transport errors or non-2xx answers; the response
        such an error carries no longer refers to the request body (`detach_request_body`).
        """
        if self.session is None:
            raise RuntimeError("Anymail backend has no open session: use send_messages()")
        params = payload.get_request_params(self.api_url)
        outcome = self.caller.call(self.session, params)
        if outcome.error is not None:
            raise self._transport_error(outcome, params, payload, message)
        if outcome.decision is None and outcome.response is not None:
            return outcome.response  # anymail_status stores it small (anymail._stored_response)
        response = detach_request_body(outcome.response)  # errors must not pin the body
        try:
            self.raise_for_status(response, payload, message)
        except AnymailRequestsAPIError as err:
            err.attempts = outcome.attempts
            if outcome.gave_up:
                err.args = (f"{self.esp_name} API call {outcome.gave_up}.", *err.args)
            raise
        return response

    def _transport_error(
        self, outcome: CallAttempts, params: dict[str, Any], payload: Any, message: EmailMessage
    ) -> AnymailRequestsAPIError:
        error = outcome.error
        assert error is not None
        # An error that is both an Anymail error and the original requests type (one class
        # per requests type, so that it pickles); the cause's frames have no locals left
        error_class = requests_error_class(type(error))
        text = [f"Error posting to {params.get('url', '')}:"]
        if outcome.gave_up:
            text.append(f"({outcome.gave_up})")
        anymail_error = error_class(*text, email_message=message, payload=payload, backend=self)
        anymail_error.attempts = outcome.attempts
        if isinstance(error.request, requests.PreparedRequest):  # the cause stays around
            error.request = scrubbed_request(error.request)
        anymail_error.__cause__ = error
        return anymail_error

    def raise_for_status(
        self, response: requests.Response, payload: Any, message: EmailMessage
    ) -> None:
        if not 200 <= response.status_code <= 299:
            raise AnymailRequestsAPIError(
                email_message=message, payload=payload, response=response, backend=self
            )

    def deserialize_json_response(
        self, response: requests.Response, payload: Any, message: EmailMessage
    ) -> Any:
        try:
            return response.json()
        except ValueError as err:
            raise AnymailRequestsAPIError(
                f"Invalid JSON in {self.esp_name} API response",
                email_message=message,
                payload=payload,
                response=response,
                backend=self,
            ) from err

    def __repr__(self) -> str:
        return (
            f"<{type(self).__module__}.{type(self).__qualname__} "
            f"esp_name={self.esp_name!r} api_url={self.api_url!r}>"
        )


def detach_request_body(response: Any) -> Any:
    """A copy of the response whose `.request` has no body, credentials masked in its
    headers (and no `.raw`).

    `anymail_status.esp_response` lives as long as the message; it must not keep a large
    request body (attachments) alive. The PreparedRequest itself is left untouched, since
    other code -- e.g. the `responses` library's call log -- may still read its body.
    """
    request = getattr(response, "request", None)
    if not isinstance(response, requests.Response) or request is None:
        return response
    # Shallow copies (no __init__): this runs once per API call, so it must be cheap
    clone = requests.Response.__new__(requests.Response)
    clone.__dict__.update(response.__dict__)
    clone.request = scrubbed_request(request)
    # The content is read: the raw urllib3/http.client response is dead weight per message
    # (requests drops it the same way when a Response is pickled).
    clone.raw = None
    return clone


def scrubbed_request(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """A copy of the request without its body, credentials masked in its headers: what an
    error keeps (it lives on in logs, error reports, task results)."""
    bodiless = requests.PreparedRequest.__new__(requests.PreparedRequest)
    bodiless.__dict__.update(request.__dict__)
    bodiless.body = None
    bodiless.headers = CaseInsensitiveDict(masked(request.headers or {}))
    return bodiless
