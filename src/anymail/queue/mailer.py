"""The backend a worker sends with, rebuilt from settings (never imported from here).

A queued row records the MAILERS alias that queued it (Django 6.1) or the backend's
import path; the worker asks Django for the same configured backend, so the API token
never goes through the database or the task queue.
"""

from __future__ import annotations

from typing import Any, Protocol

import requests
from django.core import mail
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from ..exceptions import AnymailConfigurationError
from ..mailtrap.client import MailtrapClient
from ..sending.http_caller import HttpCaller
from ..sending.rate_limit import RateLimiter
from ..sending.retry import RetryPolicy
from .options import QueueOptions


class QueueSender(Protocol):
    """What the drain needs from a QueuedEmailBackend (anymail.backends.queued)."""

    esp_name: str
    alias: str | None
    queue_options: QueueOptions
    client: MailtrapClient
    caller: HttpCaller
    timeout: Any
    use_sandbox: bool

    @property
    def retry_policy(self) -> RetryPolicy: ...

    @property
    def rate_limiter(self) -> RateLimiter | None: ...

    def rate_limit_scope(self) -> str: ...

    def run_post_send(self, message: EmailMessage) -> None: ...


def backend_path(backend: object) -> str:
    """The import path a worker rebuilds `backend` from."""
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def load_sender(mailer: str | None, backend: str) -> QueueSender:
    """The configured backend for a MAILERS alias, or the class at `backend` with settings."""
    if mailer is not None:
        mailers = getattr(mail, "mailers", None)
        if mailers is None:
            raise AnymailConfigurationError(
                f"Queued messages name the mailer {mailer!r}, but MAILERS needs Django 6.1"
            )
        sender: Any = mailers[mailer]
    else:
        sender = import_string(backend)()
    if not hasattr(sender, "queue_options"):
        raise AnymailConfigurationError(
            f"The mailer {mailer or backend!r} is not a QueuedEmailBackend: "
            "queued messages can only be drained by the backend that queued them"
        )
    return sender


def new_session(sender: QueueSender) -> requests.Session:
    """A pooled session with this project's User-Agent for one drain."""
    return sender.client.new_session()
