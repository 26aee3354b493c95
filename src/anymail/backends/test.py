"""The test backend: runs the whole Anymail pipeline, then records instead of calling an ESP.

Use it in a project's tests (``EMAIL_BACKEND`` or a ``MAILERS`` entry) and assert on
``mail.outbox[i].anymail_test_params`` and ``mail.outbox[i].anymail_status``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core import mail
from django.core.mail import EmailMessage
from requests.structures import CaseInsensitiveDict

from ..addresses import EmailAddress
from ..attachments import Attachment
from ..exceptions import AnymailAPIError
from ..message import AnymailRecipientStatus
from ..sending.payload import BasePayload
from .base import AnymailBaseBackend

__all__ = ["EmailBackend", "TestPayload"]


def _outbox() -> list[EmailMessage]:
    """django.core.mail.outbox, created if a test runner has not (or has removed it)."""
    if not hasattr(mail, "outbox"):
        mail.outbox = []
    outbox: list[EmailMessage] = mail.outbox
    return outbox


class EmailBackend(AnymailBaseBackend):
    """Anymail backend for tests: records each message's payload and appends it to mail.outbox."""

    __test__ = False  # not a pytest test class, despite the module name
    esp_name = "Test"

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        self.payload_class: type[TestPayload] = kwargs.pop("payload_class", TestPayload)
        super().__init__(fail_silently=fail_silently, **kwargs)
        _outbox()

    def build_message_payload(self, message: EmailMessage, defaults: Mapping[str, Any]) -> Any:
        return self.payload_class(message, defaults, self)

    def post_to_esp(self, payload: Any, message: EmailMessage) -> Any:
        """The "API call": record the params, append the message itself to mail.outbox.

        ``message.anymail_test_response`` replaces the default response; an
        AnymailAPIError there is raised (after the outbox append) to simulate a failure.
        """
        message.anymail_test_params = payload.params  # type: ignore[attr-defined]
        outbox = _outbox()
        outbox.append(message)
        response = getattr(message, "anymail_test_response", None)
        if isinstance(response, AnymailAPIError):
            raise response
        if response is None:
            response = self.default_response(payload, message)
        return response

    def message_id_for(self, message: EmailMessage) -> Any:
        """The id every recipient of a just-recorded message gets: its index in mail.outbox."""
        return len(_outbox()) - 1

    def default_response(self, payload: Any, message: EmailMessage) -> dict[str, Any]:
        """Every to/cc/bcc recipient "sent", sharing the message's id."""
        message_id = self.message_id_for(message)
        return {
            "recipient_status": {
                email.addr_spec: AnymailRecipientStatus(message_id=message_id, status="sent")
                for email in payload.recipients()
            }
        }

    def parse_recipient_status(
        self, response: Any, payload: Any, message: EmailMessage
    ) -> dict[str, AnymailRecipientStatus]:
        """The response must be ``{"recipient_status": {email: AnymailRecipientStatus}}``."""
        try:
            recipient_status: dict[str, AnymailRecipientStatus] = response["recipient_status"]
        except (KeyError, TypeError, IndexError) as err:
            raise AnymailAPIError(
                "Unparsable test response", email_message=message, payload=payload, backend=self
            ) from err
        return recipient_status


class TestPayload(BasePayload):
    """Accepts every Anymail feature and records it in ``params`` (-> anymail_test_params)."""

    __test__ = False  # not a pytest test class, despite its name

    def init_payload(self) -> None:
        self.params: dict[str, Any] = {"is_batch_send": self.is_batch()}

    def recipients(self) -> list[EmailAddress]:
        """All to, cc and bcc addresses, in that order."""
        return [email for field in ("to", "cc", "bcc") for email in self.params.get(field, [])]

    def set_from_email(self, email: EmailAddress) -> None:
        self.params["from"] = email

    def set_recipients(self, recipient_type: str, emails: list[EmailAddress]) -> None:
        self.params[recipient_type] = list(emails)

    def add_recipient(self, recipient_type: str, email: EmailAddress) -> None:
        self.params.setdefault(recipient_type, []).append(email)

    def set_subject(self, subject: str) -> None:
        self.params["subject"] = subject

    def set_reply_to(self, emails: list[EmailAddress]) -> None:
        self.params["reply_to"] = list(emails)

    def set_extra_headers(self, headers: dict[str, Any]) -> None:
        # Case-insensitive like email headers, so tests can look up any spelling
        self.params["extra_headers"] = CaseInsensitiveDict(headers)

    def set_text_body(self, body: str) -> None:
        self.params["text_body"] = body

    def set_html_body(self, body: str) -> None:
        self.params["html_body"] = body

    def add_alternative(self, content: str, mimetype: str) -> None:
        if not mimetype.startswith("text/"):
            super().add_alternative(content, mimetype)  # unsupported
            return
        self.params.setdefault("alternatives", []).append((content, mimetype))

    def add_attachment(self, attachment: Attachment) -> None:
        self.params.setdefault("attachments", []).append(attachment)

    def set_envelope_sender(self, email: EmailAddress) -> None:
        self.params["envelope_sender"] = email.addr_spec

    def set_metadata(self, metadata: dict[str, Any]) -> None:
        self.params["metadata"] = metadata

    def set_send_at(self, send_at: datetime) -> None:
        self.params["send_at"] = send_at

    def set_tags(self, tags: list[str]) -> None:
        self.params["tags"] = tags

    def set_track_clicks(self, track_clicks: bool) -> None:
        self.params["track_clicks"] = track_clicks

    def set_track_opens(self, track_opens: bool) -> None:
        self.params["track_opens"] = track_opens

    def set_template_id(self, template_id: str) -> None:
        self.params["template_id"] = template_id

    def set_merge_data(self, merge_data: dict[str, dict[str, Any]]) -> None:
        self.params["merge_data"] = merge_data

    def set_merge_global_data(self, merge_global_data: dict[str, Any]) -> None:
        self.params["merge_global_data"] = merge_global_data

    def set_merge_headers(self, merge_headers: dict[str, dict[str, Any]]) -> None:
        self.params["merge_headers"] = merge_headers

    def set_merge_metadata(self, merge_metadata: dict[str, dict[str, Any]]) -> None:
        self.params["merge_metadata"] = merge_metadata

    def set_esp_extra(self, extra: dict[str, Any]) -> None:
        # Top-level keys go straight into the params (like an ESP's JSON payload)
        self.params.update(extra)
