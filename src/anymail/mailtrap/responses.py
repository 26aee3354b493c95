"""Mailtrap's answers to /api/send and /api/batch -> per-recipient statuses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests
from django.core.mail import EmailMessage

from ..exceptions import AnymailRequestsAPIError
from ..message import AnymailRecipientStatus

if TYPE_CHECKING:
    from ..backends.mailtrap import EmailBackend
    from .payload import MailtrapPayload


class MailtrapResponseParser:
    """Turns a Mailtrap send or batch response body into per-recipient statuses."""

    def __init__(
        self,
        backend: EmailBackend,
        payload: MailtrapPayload,
        message: EmailMessage,
        response: requests.Response,
    ) -> None:
        self.backend = backend
        self.payload = payload
        self.message = message
        self.response = response

    def error(self, text: str = "", with_response: bool = True) -> AnymailRequestsAPIError:
        return AnymailRequestsAPIError(
            text,
            email_message=self.message,
            payload=self.payload,
            response=self.response if with_response else None,
            backend=self.backend,
        )

    def parse(
        self, parsed: Any, to_emails: list[str] | None = None
    ) -> dict[str, AnymailRecipientStatus]:
        """Statuses from a parsed body; `to_emails` names a batch call's entries (default: all)."""
        self.check_success(parsed)
        if to_emails is None:
            to_emails = self.payload.recipient_emails("to")
        others = self.payload.recipient_emails("cc") + self.payload.recipient_emails("bcc")
        if not self.payload.is_batch_send:
            return self.parse_one(parsed, [*to_emails, *others])
        responses = parsed.get("responses")
        if responses is None:
            raise self.error(with_response=False)
        if len(responses) != len(to_emails):
            raise self.error(
                f"Expected {len(to_emails)} batch send responses but got {len(responses)}"
            )
        statuses: dict[str, AnymailRecipientStatus] = {}
        for to_email, one_response in zip(to_emails, responses, strict=True):
            statuses.update(self.parse_one(one_response, [to_email, *others]))
        return statuses

    def check_success(self, parsed: Any) -> None:
        """Raise unless the top level of the body says the call succeeded."""
        if not isinstance(parsed, dict) or parsed.get("errors") or not parsed.get("success"):
            raise self.error(
                f"Unexpected API failure fields with response status {self.response.status_code}"
            )

    def parse_one(self, response: Any, emails: list[str]) -> dict[str, AnymailRecipientStatus]:
        """Statuses for the recipients of one message (the whole send, or one batch entry)."""
        if not isinstance(response, dict):
            raise self.error("Unexpected API response format")
        if not response.get("success"):
            return {email: AnymailRecipientStatus(None, "failed") for email in emails}
        message_ids = response.get("message_ids")
        if not message_ids:
            raise self.error("Unexpected API response format")
        sandbox = self.backend.use_sandbox
        expected = 1 if sandbox else len(emails)
        if len(message_ids) != expected:
            raise self.error(f"Expected {expected} message_ids, got {len(message_ids)}")
        if sandbox:
            message_ids = message_ids * len(emails)
        return {
            email: AnymailRecipientStatus(message_id, "queued")
            for email, message_id in zip(emails, message_ids, strict=True)
        }
