"""The ESP-agnostic send pipeline: settings, defaults, pre/post_send, payload -> send -> status."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from .._idna import encode_domain, resolve_idna_encoder
from ..exceptions import (
    AnymailCancelSend,
    AnymailDeprecationWarning,
    AnymailRecipientsRefused,
)
from ..message import AnymailRecipientStatus, AnymailStatus
from ..sending.defaults import effective_send_defaults
from ..sending.delivery import Packer
from ..sending.engine import SendRun
from ..sending.outcomes import Outcome, mark
from ..sending.payload import BasePayload
from ..settings import get_anymail_setting
from ..signals import SendRecord, post_send, pre_send, send_run_finished

__all__ = ["AnymailBaseBackend", "BasePayload"]

FAIL_SILENTLY_DEPRECATION = "Anymail will drop support for fail_silently after Django 6.2."

logger = logging.getLogger("anymail")

#: The payloads built by the send_messages call running in this thread (by message id),
#: kept for `send_run_finished` while anything listens to it; None otherwise.
_RUN_PAYLOADS: ContextVar[dict[int, Any] | None] = ContextVar("anymail_run_payloads", default=None)


class AnymailBaseBackend(BaseEmailBackend):
    """Base for Anymail backends: each message through pre_send, build, send, parse, post_send."""

    esp_name = "ESP"

    #: HTTP calls in flight at once during send_messages; 1 = strictly sequential.
    #: Backends opt in to concurrency by reading a setting into it (see base_requests).
    send_concurrency: int = 1

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        if fail_silently:
            warnings.warn(FAIL_SILENTLY_DEPRECATION, AnymailDeprecationWarning, stacklevel=2)
        self.ignore_unsupported_features: bool = get_anymail_setting(
            "ignore_unsupported_features", kwargs=kwargs, default=False
        )
        self.ignore_recipient_status: bool = get_anymail_setting(
            "ignore_recipient_status", kwargs=kwargs, default=False
        )
        esp_defaults = get_anymail_setting(
            "send_defaults", esp_name=self.esp_name, kwargs=kwargs, default=None
        )
        self.send_defaults: dict[str, Any] = effective_send_defaults(
            get_anymail_setting("send_defaults", default={}), esp_defaults
        )
        encoder_setting = get_anymail_setting(
            "idna_encoder", esp_name=self.esp_name, kwargs=kwargs, default=None
        ) or get_anymail_setting("idna_encoder", default="idna2008")
        self.idna_encoder = resolve_idna_encoder(encoder_setting, alias=kwargs.get("alias"))
        # Django 6.1's base class sets alias (None outside MAILERS); older ones don't
        self.alias: str | None = kwargs.get("alias")
        super().__init__(**kwargs)
        # After super(): Django < 6.1's base (and its console backend) resets fail_silently
        self.fail_silently = fail_silently

    def idna_encode(self, domain: str) -> str:
        """A non-ASCII domain encoded with the configured IDNA_ENCODER (Anymail's API for
        ESP code); failures raise AnymailInvalidAddress naming the setting."""
        return encode_domain(self.idna_encoder, domain)

    # -- connection lifecycle (overridden by backends that hold connections) ----------------

    def open(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def send_messages(self, email_messages: Iterable[EmailMessage] | None) -> int:
        """Send messages; return how many the ESP accepted.

        Backends that opt in (`send_concurrency` > 1) make their HTTP calls in parallel;
        everything else still happens in this thread, in message order (sending/engine.py).
        On a failure the error raised carries `sent_messages` and `unsent_messages`.
        """
        if not email_messages:
            return 0
        opened = self.begin_sending()
        payloads: dict[int, Any] | None = {} if send_run_finished.has_listeners() else None
        token = _RUN_PAYLOADS.set(payloads)
        run: SendRun | None = None
        try:
            run = SendRun(self, self.send_concurrency, self.make_packer())
            sent = run.run(email_messages)
        except Exception:
            self._report_run(run, payloads)
            raise
        finally:
            _RUN_PAYLOADS.reset(token)
            self.end_sending(opened)
        self._report_run(run, payloads)
        return sent

    def begin_sending(self) -> bool:
        """Make sure the connection is open for a send_messages call; True if this opened it."""
        return self.open()

    def end_sending(self, opened: bool) -> None:
        """The send_messages call is over: close the connection if it opened it."""
        if opened:
            self.close()

    def make_packer(self) -> Packer:
        """How prepared messages become HTTP calls; ESP adapters may group or split them."""
        return Packer(self)

    def _report_run(self, run: SendRun | None, payloads: dict[int, Any] | None) -> None:
        """`send_run_finished` with every message's outcome; a receiver's error is logged."""
        if run is None or payloads is None:
            return
        errors = dict(run.failures)
        done = [(ticket, Outcome.SENT) for ticket in run.sent]
        done += [(ticket, Outcome.NOT_ACCEPTED) for ticket in run.unsent]
        done += [(ticket, Outcome.UNKNOWN) for ticket in run.unknown]
        done.sort(key=lambda pair: pair[0].index)
        records = [
            SendRecord(
                ticket.message,
                payloads.get(id(ticket.message)),
                outcome.value,
                errors.get(ticket.index),
            )
            for ticket, outcome in done
        ]
        results = send_run_finished.send_robust(
            type(self), backend=self, records=records, esp_name=self.esp_name
        )
        for receiver, result in results:
            if isinstance(result, Exception):
                logger.error("send_run_finished receiver %r failed", receiver, exc_info=result)

    # -- one message ------------------------------------------------------------------------

    def _send(self, message: EmailMessage) -> bool:
        """Send one message, strictly in this thread (the engine does the same, in steps)."""
        payload = self.prepare(message)
        if payload is None:
            return False
        response = self.exchange(payload, message)
        self.complete(message, payload, response)
        return True

    def prepare(self, message: EmailMessage) -> Any:
        """Reset the status, run pre_send, build the payload (in the caller's thread).

        Returns None when the message should not be sent (cancelled, or no recipients).
        """
        message.anymail_status = AnymailStatus()  # type: ignore[attr-defined]
        if not self.run_pre_send(message):
            return None
        if not message.recipients():
            return None
        payload = self.build_message_payload(message, self.send_defaults)
        payloads = _RUN_PAYLOADS.get()
        if payloads is not None:  # send_run_finished hands it on with the outcome
            payloads[id(message)] = payload
        return payload

    def exchange(self, payload: Any, message: EmailMessage) -> Any:
        """The API call and the parsing of its answer: the only steps that may run in a
        worker thread. The parsed statuses wait on the payload for `complete`."""
        response = self.post_to_esp(payload, message)
        message.anymail_status.esp_response = response  # type: ignore[attr-defined]
        payload.parsed_recipient_status = self.parse_recipient_status(response, payload, message)
        return response

    def complete(self, message: EmailMessage, payload: Any, response: Any) -> None:
        """Record statuses, run post_send, check for refusal (in the caller's thread)."""
        status: AnymailStatus = message.anymail_status  # type: ignore[attr-defined]
        if not status.has_esp_response():  # exchange() records it already
            status.esp_response = response
        recipient_status = getattr(payload, "parsed_recipient_status", None)
        if recipient_status is None:
            recipient_status = self.parse_recipient_status(response, payload, message)
        status.set_recipient_status(recipient_status)
        try:
            self.run_post_send(message)
        except Exception as error:
            mark(error, Outcome.SENT)  # the ESP has it: sending again would duplicate it
            raise
        self.check_recipient_status(message, payload, response)

    def run_pre_send(self, message: EmailMessage) -> bool:
        """Send pre_send; False if a receiver cancelled the message."""
        try:
            pre_send.send(type(self), message=message, esp_name=self.esp_name)
        except AnymailCancelSend:
            return False
        return True

    def run_post_send(self, message: EmailMessage) -> None:
        """Send post_send to every receiver, then re-raise the first receiver error."""
        results = post_send.send_robust(
            type(self),
            message=message,
            status=message.anymail_status,  # type: ignore[attr-defined]
            esp_name=self.esp_name,
        )
        for _receiver, result in results:
            if isinstance(result, BaseException):
                raise result

    def check_recipient_status(self, message: EmailMessage, payload: Any, response: Any) -> None:
        """Raise AnymailRecipientsRefused when every recipient was rejected or invalid."""
        if self.ignore_recipient_status:
            return
        statuses = message.anymail_status.status or set()  # type: ignore[attr-defined]
        if statuses <= {"invalid", "rejected"}:
            raise AnymailRecipientsRefused(
                email_message=message, payload=payload, response=response, backend=self
            )

    # -- ESP-specific steps -----------------------------------------------------------------

    def build_message_payload(self, message: EmailMessage, defaults: Mapping[str, Any]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement build_message_payload")

    def post_to_esp(self, payload: Any, message: EmailMessage) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement post_to_esp")

    def parse_recipient_status(
        self, response: Any, payload: Any, message: EmailMessage
    ) -> dict[str, AnymailRecipientStatus]:
        raise NotImplementedError(f"{type(self).__name__} must implement parse_recipient_status")

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__qualname__} esp_name={self.esp_name!r}>"
