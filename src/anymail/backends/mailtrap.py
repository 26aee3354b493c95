"""Mailtrap's Django email backend: settings in, the Mailtrap adapter and the engine do the rest."""

from __future__ import annotations

from typing import Any

import requests
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from ..mailtrap.batching import MailtrapPacker
from ..mailtrap.client import SANDBOX_API_URL, SEND_API_URL, MailtrapClient, with_slash
from ..mailtrap.payload import MailtrapPayload
from ..mailtrap.responses import MailtrapResponseParser
from ..message import AnymailRecipientStatus
from ..sending.delivery import Packer
from ..settings import get_anymail_setting
from .base_requests import AnymailRequestsBackend

__all__ = ["EmailBackend", "MailtrapPayload"]


class EmailBackend(AnymailRequestsBackend):
    """Sends through Mailtrap's Email API (transactional or bulk) or Email Sandbox."""

    esp_name = "Mailtrap"

    DEFAULT_API_URL = SEND_API_URL
    DEFAULT_SANDBOX_API_URL = SANDBOX_API_URL

    #: Parallel API calls per send_messages (MAILTRAP_SEND_CONCURRENCY); 1 = sequential.
    default_send_concurrency = 16

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        esp_name = self.esp_name
        self.api_token: str = get_anymail_setting(
            "api_token", esp_name=esp_name, kwargs=kwargs, allow_bare=True
        )
        self.sandbox_id: Any = get_anymail_setting(
            "sandbox_id", esp_name=esp_name, kwargs=kwargs, default=None
        )
        self.use_sandbox = bool(self.sandbox_id)
        api_url = get_anymail_setting("api_url", esp_name=esp_name, kwargs=kwargs, default=None)
        if not api_url:
            api_url = self.DEFAULT_SANDBOX_API_URL if self.use_sandbox else self.DEFAULT_API_URL
        self.batch_messages = bool(
            get_anymail_setting("batch_messages", esp_name=esp_name, kwargs=kwargs, default=False)
        )
        super().__init__(with_slash(api_url), fail_silently=fail_silently, **kwargs)
        #: Mailtrap's API for this backend's token: hosts, headers, retries (shared caller).
        self.client = MailtrapClient(
            self.api_token,
            send_api_url=self.api_url,
            sandbox_id=self.sandbox_id,
            timeout=self.timeout,
            caller=self.caller,
        )

    def rate_limit_scope(self) -> str:
        # Mailtrap counts calls per API token (the registry keeps only a hash of it)
        return f"Mailtrap {self.api_token}"

    def api_endpoint(self, name: str) -> str:
        """`send` or `batch`, plus the sandbox id in sandbox mode."""
        return self.client.send_endpoint(name)

    def make_packer(self) -> Packer:
        return MailtrapPacker(self)

    def build_message_payload(self, message: EmailMessage, defaults: Any) -> MailtrapPayload:
        return MailtrapPayload(message, defaults, self)

    def parse_recipient_status(
        self, response: requests.Response, payload: MailtrapPayload, message: EmailMessage
    ) -> dict[str, AnymailRecipientStatus]:
        parsed = self.deserialize_json_response(response, payload, message)
        return MailtrapResponseParser(self, payload, message, response).parse(parsed)


def __getattr__(name: str) -> Any:
    """`QueuedEmailBackend` (backends/queued.py) subclasses EmailBackend, so it is loaded on
    first use rather than imported here; Django's import_string finds it all the same."""
    if name == "QueuedEmailBackend":
        return import_string("anymail.backends.queued.QueuedEmailBackend")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
