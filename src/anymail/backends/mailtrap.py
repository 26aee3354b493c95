"""Mailtrap's Django email backend: settings in, the Mailtrap adapter and the engine do the rest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import requests
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from ..mailtrap.batching import MailtrapPacker
from ..mailtrap.client import (
    SANDBOX_API_URL,
    SEND_API_URL,
    MailtrapClient,
    check_token,
    with_slash,
)
from ..mailtrap.payload import MailtrapPayload
from ..mailtrap.responses import MailtrapResponseParser
from ..mailtrap.unknown_outcomes import LookupSettings
from ..message import AnymailRecipientStatus
from ..sending.delivery import Packer
from ..sending.outcomes import Outcome, mark
from ..settings import SettingsReader, checked_url, configuration_error, get_anymail_setting
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
        alias = kwargs.get("alias")
        self.api_token: str = get_anymail_setting(
            "api_token", esp_name=esp_name, kwargs=kwargs, allow_bare=True
        )
        check_token(self.api_token, alias)
        self.sandbox_id: Any = checked_sandbox_id(
            get_anymail_setting("sandbox_id", esp_name=esp_name, kwargs=kwargs, default=None),
            alias,
        )
        self.use_sandbox = bool(self.sandbox_id)
        api_url = get_anymail_setting("api_url", esp_name=esp_name, kwargs=kwargs, default=None)
        if not api_url:
            api_url = self.DEFAULT_SANDBOX_API_URL if self.use_sandbox else self.DEFAULT_API_URL
        checked_url(api_url, "MAILTRAP_API_URL", alias)
        self.batch_messages = bool(
            get_anymail_setting("batch_messages", esp_name=esp_name, kwargs=kwargs, default=False)
        )
        lookup = LookupSettings.read(SettingsReader(esp_name, kwargs), api_url, self.use_sandbox)
        super().__init__(with_slash(api_url), fail_silently=fail_silently, **kwargs)
        #: Mailtrap's API for this backend's token: hosts, headers, retries (shared caller).
        self.client = MailtrapClient(
            self.api_token,
            send_api_url=self.api_url,
            sandbox_id=self.sandbox_id,
            timeout=self.timeout,
            caller=self.caller,
        )
        #: Settles sends of unknown outcome from the Email Logs (None: off, or sandbox).
        self.unknown_outcomes = lookup.lookup(self.api_token, self.timeout)

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

    def settle_unknown(
        self, unknown: Sequence[EmailMessage], sent: Sequence[EmailMessage], since: datetime
    ) -> list[Outcome | BaseException]:
        """Look sends of unknown outcome up in Mailtrap's Email Logs (engine hook)."""
        if self.unknown_outcomes is None:
            return [Outcome.UNKNOWN] * len(unknown)
        outcomes: list[Outcome | BaseException] = []
        for message, found in zip(
            unknown, self.unknown_outcomes.resolve(unknown, sent, since, self.session), strict=True
        ):
            if found is False:
                outcomes.append(Outcome.NOT_ACCEPTED)
            elif not isinstance(found, dict):
                outcomes.append(Outcome.UNKNOWN)
            else:
                message.anymail_status.set_recipient_status(  # type: ignore[attr-defined]
                    {email: AnymailRecipientStatus(mid, "queued") for email, mid in found.items()}
                )
                try:
                    self.run_post_send(message)
                except Exception as error:
                    mark(error, Outcome.SENT)
                    outcomes.append(error)
                else:
                    outcomes.append(Outcome.SENT)
        return outcomes

    def parse_recipient_status(
        self, response: requests.Response, payload: MailtrapPayload, message: EmailMessage
    ) -> dict[str, AnymailRecipientStatus]:
        parsed = self.deserialize_json_response(response, payload, message)
        return MailtrapResponseParser(self, payload, message, response).parse(parsed)


def checked_sandbox_id(value: Any, alias: str | None = None) -> Any:
    """MAILTRAP_SANDBOX_ID as given (falsy: the Email API), or a configuration error now
    rather than a 404 from /api/send/<bad id> at the first send.

    An inbox id is a number (https://mailtrap.io/inboxes/<id>/messages), as an int or a
    string of digits. Strings with digits and other characters (not letters or spaces)
    pass unchanged: Anymail's contract sends them URL-quoted (`"12/3"` -> `12%2F3`).
    """
    if not value:
        return value
    if isinstance(value, str):
        valid = any(c in "0123456789" for c in value) and not any(
            c.isalpha() or c.isspace() for c in value
        )
    else:
        valid = isinstance(value, int) and not isinstance(value, bool) and value > 0
    if not valid:
        raise configuration_error(
            f"MAILTRAP_SANDBOX_ID={value!r} is not an Email Sandbox inbox id: expected its "
            "digits (int or str, as in https://mailtrap.io/inboxes/<id>/messages), "
            "or None to send through the Email API",
            alias,
        )
    return value


def __getattr__(name: str) -> Any:
    """`QueuedEmailBackend` (backends/queued.py) subclasses EmailBackend, so it is loaded on
    first use rather than imported here; Django's import_string finds it all the same."""
    if name == "QueuedEmailBackend":
        return import_string("anymail.backends.queued.QueuedEmailBackend")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
