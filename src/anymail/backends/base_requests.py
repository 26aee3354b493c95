"""AnymailRequestsBackend: the HTTP transport step over a pooled `requests.Session`."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

import requests
from django.core.mail import EmailMessage

from .._version import __version__
from ..exceptions import AnymailRequestsAPIError, AnymailSerializationError
from ..settings import get_anymail_setting
from .base import AnymailBaseBackend
from .debug import log_exchange
from .payload import BasePayload

USER_AGENT = f"anymail-mailtrap/{__version__} {requests.utils.default_user_agent()}"


class AnymailRequestsBackend(AnymailBaseBackend):
    """Base for backends that call an HTTP API with `requests`."""

    def __init__(self, api_url: str, **kwargs: Any) -> None:
        self.api_url = api_url
        self.timeout = get_anymail_setting("requests_timeout", kwargs=kwargs, default=30)
        if "timeout" in kwargs:
            self.timeout = kwargs.pop("timeout")
        self.debug_api_requests: bool = get_anymail_setting(
            "debug_api_requests", kwargs=kwargs, default=False
        )
        super().__init__(**kwargs)
        self.session: requests.Session | None = None

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
        """A session with our User-Agent; subclasses may mount adapters here."""
        session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
        if self.debug_api_requests:
            session.hooks["response"].append(log_exchange)
        return session

    def post_to_esp(self, payload: RequestsPayload, message: EmailMessage) -> requests.Response:
        """POST the payload; raise AnymailRequestsAPIError on transport errors or non-2xx."""
        if self.session is None:
            raise RuntimeError("Anymail backend has no open session: use send_messages()")
        params = payload.get_request_params(self.api_url)
        try:
            response = self.session.request(**params)
        except requests.RequestException as err:
            # Raise an error that is both an Anymail error and the original requests type
            error_class = type("AnymailRequestsAPIError", (AnymailRequestsAPIError, type(err)), {})
            raise error_class(
                f"Error posting to {params.get('url', '')}:",
                email_message=message,
                payload=payload,
                backend=self,
            ) from err
        self.raise_for_status(response, payload, message)
        return response

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

    def serialize_json(self, data: Any) -> str:
        """JSON-encode, turning unserializable values into AnymailSerializationError."""
        try:
            return json.dumps(data)
        except TypeError as err:
            raise AnymailSerializationError(
                orig_err=err, email_message=self.message, payload=self, backend=self.backend
            ) from None
