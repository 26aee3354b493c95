"""AnymailRequestsBackend: the HTTP transport step over a pooled `requests.Session`."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urljoin

import requests
from django.core.mail import EmailMessage

from .._version import __version__
from ..exceptions import AnymailRequestsAPIError, AnymailSerializationError
from ..settings import get_anymail_setting
from .base import AnymailBaseBackend
from .debug import log_exchange
from .http_session import AnymailSession
from .json_body import JSONParts, JSONStream, encode_json
from .payload import BasePayload
from .rate_limit import RateLimiter, shared_rate_limiter
from .retry import Decision
from .scale_settings import read_scale_settings

USER_AGENT = f"anymail-mailtrap/{__version__} {requests.utils.default_user_agent()}"

retry_logger = logging.getLogger("anymail.retry")


class AnymailRequestsBackend(AnymailBaseBackend):
    """Base for backends that call an HTTP API with `requests`."""

    #: send_concurrency when the user sets none. 1 keeps a backend strictly sequential;
    #: an ESP adapter opts in to parallel HTTP calls by raising it.
    default_send_concurrency = 1

    def __init__(self, api_url: str, **kwargs: Any) -> None:
        self.api_url = api_url
        self.timeout = get_anymail_setting("requests_timeout", kwargs=kwargs, default=30)
        if "timeout" in kwargs:
            self.timeout = kwargs.pop("timeout")
        self.debug_api_requests: bool = get_anymail_setting(
            "debug_api_requests", kwargs=kwargs, default=False
        )
        scale = read_scale_settings(self.esp_name, kwargs, self.default_send_concurrency)
        self.send_concurrency = scale.send_concurrency
        self.retry_policy = scale.retry
        super().__init__(**kwargs)
        self.rate_limiter: RateLimiter | None = None
        if scale.rate_limit is not None:
            self.rate_limiter = shared_rate_limiter(self.rate_limit_scope(), *scale.rate_limit)
        self.session: requests.Session | None = None

    def rate_limit_scope(self) -> str:
        """What the ESP counts calls against (backends sharing it share one rate limiter)."""
        return f"{self.esp_name} {self.api_url}"

    def open(self) -> bool:
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
        if self.session is None:
            return
        try:
            self.session.close()
        except requests.RequestException:
            if not self.fail_silently:
                raise
        finally:
            self.session = None

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

        Raises AnymailRequestsAPIError on transport errors or non-2xx answers. The response
        returned no longer refers to the request body (see `detach_request_body`).
        """
        if self.session is None:
            raise RuntimeError("Anymail backend has no open session: use send_messages()")
        params = payload.get_request_params(self.api_url)
        policy = self.retry_policy
        started = policy.clock()
        attempt = 0
        while True:
            attempt += 1
            response, error = self._attempt(params, rewind=attempt > 1)
            if error is None and 200 <= response.status_code <= 299:
                return detach_request_body(response)
            decision = policy.decide(attempt, started, response, error)
            if decision.delay is None:
                break
            retry_logger.warning(
                "%s API call to %s failed (%s); retrying in %.2f s (attempt %d of %d)",
                self.esp_name,
                params.get("url", ""),
                decision.problem,
                decision.delay,
                attempt + 1,
                policy.attempts,
            )
            policy.sleep(decision.delay)
        if error is not None:
            raise self._transport_error(error, params, payload, message, attempt, decision)
        response = detach_request_body(response)
        try:
            self.raise_for_status(response, payload, message)
        except AnymailRequestsAPIError as err:
            err.attempts = attempt
            if decision.gave_up:
                err.args = (f"{self.esp_name} API call {decision.gave_up}.", *err.args)
            raise
        return response

    def _attempt(
        self, params: dict[str, Any], rewind: bool
    ) -> tuple[Any, requests.RequestException | None]:
        """One HTTP call (after waiting for the rate limiter): (response, None) or (None, err)."""
        if rewind and isinstance(params.get("data"), JSONStream):
            params["data"].restart()
        if self.rate_limiter is not None:
            self.rate_limiter.acquire()
        assert self.session is not None
        try:
            return self.session.request(**params), None
        except requests.RequestException as err:
            return None, err

    def _transport_error(
        self,
        error: requests.RequestException,
        params: dict[str, Any],
        payload: Any,
        message: EmailMessage,
        attempts: int,
        decision: Decision,
    ) -> AnymailRequestsAPIError:
        # An error that is both an Anymail error and the original requests type
        error_class = type("AnymailRequestsAPIError", (AnymailRequestsAPIError, type(error)), {})
        text = [f"Error posting to {params.get('url', '')}:"]
        if decision.gave_up:
            text.append(f"({decision.gave_up})")
        anymail_error = error_class(*text, email_message=message, payload=payload, backend=self)
        anymail_error.attempts = attempts
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


class RequestsPayload(BasePayload):
    """A payload that becomes one `requests` call."""

    def __init__(
        self,
        message: EmailMessage,
        defaults: Any,
        backend: AnymailRequestsBackend,
        method: str = "POST",
        params: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        files: Any = None,
        auth: Any = None,
    ) -> None:
        self.method = method
        self.params = params
        self.data = data
        self.headers = headers if headers is not None else {}
        self.files = files
        self.auth = auth
        super().__init__(message, defaults, backend)

    def get_api_endpoint(self) -> str:
        raise NotImplementedError(f"{type(self).__name__} must implement get_api_endpoint")

    def get_request_params(self, api_url: str) -> dict[str, Any]:
        """The keyword arguments for `Session.request`."""
        return dict(
            method=self.method,
            url=urljoin(api_url, self.get_api_endpoint()),
            params=self.params,
            data=self.serialize_data(),
            headers=self.headers,
            files=self.files,
            auth=self.auth,
            timeout=self.backend.timeout,  # type: ignore[attr-defined]
        )

    def serialize_data(self) -> Any:
        return self.data

    def serialize_json(self, data: Any) -> str | JSONStream:
        """The JSON request body: a str, or a `JSONStream` when it is large."""
        return self.encode_json(data).body()

    def encode_json(self, data: Any) -> JSONParts:
        """JSON-encode, turning unserializable values into AnymailSerializationError."""
        try:
            return encode_json(data)
        except TypeError as err:
            raise AnymailSerializationError(
                orig_err=err, email_message=self.message, payload=self, backend=self.backend
            ) from None


def detach_request_body(response: Any) -> Any:
    """A copy of the response whose `.request` has no body (and no `.raw`).

    `anymail_status.esp_response` lives as long as the message; it must not keep a large
    request body (attachments) alive. The PreparedRequest itself is left untouched, since
    other code -- e.g. the `responses` library's call log -- may still read its body.
    """
    request = getattr(response, "request", None)
    if not isinstance(response, requests.Response) or getattr(request, "body", None) is None:
        return response
    # Shallow copies (no __init__): this runs once per API call, so it must be cheap
    clone = requests.Response.__new__(requests.Response)
    clone.__dict__.update(response.__dict__)
    bodiless = requests.PreparedRequest.__new__(requests.PreparedRequest)
    bodiless.__dict__.update(request.__dict__)
    bodiless.body = None
    clone.request = bodiless
    # The content is read: the raw urllib3/http.client response is dead weight per message
    # (requests drops it the same way when a Response is pickled).
    clone.raw = None
    return clone
