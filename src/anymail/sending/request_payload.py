"""RequestsPayload: a payload that becomes the keyword arguments of one `requests` call."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

from django.core.mail import EmailMessage

from ..exceptions import AnymailSerializationError
from .json_body import JSONParts, JSONStream, encode_json
from .payload import BasePayload


@lru_cache(maxsize=256)
def join_url(base: str, path: str) -> str:
    """`urljoin`, remembered: every message of a backend joins the same two strings."""
    return urljoin(base, path)


class RequestsPayload(BasePayload):
    """A payload that becomes one `requests` call."""

    def __init__(
        self,
        message: EmailMessage,
        defaults: Any,
        backend: Any,
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
            url=join_url(api_url, self.get_api_endpoint()),
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
