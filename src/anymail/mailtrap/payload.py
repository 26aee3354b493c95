"""Anymail message features -> the JSON body of Mailtrap's /api/send or /api/batch."""

from __future__ import annotations

from copy import deepcopy
from typing import TYPE_CHECKING, Any

from django.core.mail import EmailMessage

from ..addresses import EmailAddress
from ..attachments import Attachment
from ..sending.json_body import Base64Content, JSONParts, JSONStream
from ..sending.request_payload import RequestsPayload
from ..utils import update_deep

if TYPE_CHECKING:
    from ..backends.mailtrap import EmailBackend

RECIPIENT_TYPES = ("to", "cc", "bcc")


class MailtrapPayload(RequestsPayload):
    """Builds the JSON body for Mailtrap's /api/send or /api/batch."""

    backend: EmailBackend
    _encoded: JSONParts | None

    def __init__(self, message: EmailMessage, defaults: Any, backend: EmailBackend) -> None:
        super().__init__(message, defaults, backend, headers=backend.client.send_headers())

    @property
    def is_batch_send(self) -> bool:
        """Sent to /api/batch (base + one request per `to`), not /api/send."""
        return self.is_batch()

    def __repr__(self) -> str:
        # Never show the Api-Token header. Errors raised mid-walk carry a partial payload.
        return f"<MailtrapPayload keys={sorted(self.data)!r} batch={self.is_batch_send}>"

    def get_api_endpoint(self) -> str:
        return self.backend.client.send_endpoint("batch" if self.is_batch_send else "send")

    def recipient_emails(self, recipient_type: str) -> list[str]:
        recipients = self.data.get(recipient_type)
        return [recipient["email"] for recipient in recipients] if recipients else []

    def address(self, email: EmailAddress) -> dict[str, str]:
        return email.as_dict(idna_encode=self.backend.idna_encoder)

    # -- serialization ----------------------------------------------------------------------

    def serialize_data(self) -> str | JSONStream:
        return self.encode_body().body()

    def release_body(self) -> None:
        self._encoded = None
        self.data.pop("attachments", None)

    def encode_body(self) -> JSONParts:
        """The serialized body (computed once: a message may be sized before it is sent)."""
        if self._encoded is None:
            self._encoded = self.encode_json(self.build_body())
        return self._encoded

    def build_body(self) -> dict[str, Any]:
        """The complete JSON body: the message, or `base` + one request per `to`."""
        if not self.is_batch_send:
            if self.esp_extra:
                update_deep(self.data, self.esp_extra)
            return self.data
        base = {key: value for key, value in self.data.items() if key not in RECIPIENT_TYPES}
        requests_ = [self.batch_request(recipient) for recipient in self.data.get("to", [])]
        if self.esp_extra:
            update_deep(base, self.esp_extra)
        return {"base": base, "requests": requests_}

    def batch_request(self, recipient: dict[str, str]) -> dict[str, Any]:
        """One batch entry; object fields replace base's on Mailtrap, so send merged copies."""
        email = recipient["email"]
        request: dict[str, Any] = {"to": [recipient]}
        for recipient_type in ("cc", "bcc"):
            if recipient_type in self.data:
                request[recipient_type] = self.data[recipient_type]
        if email in self.merge_data:
            request["template_variables"] = {
                **self.data.get("template_variables", {}),
                **self.merge_data[email],
            }
        if email in self.merge_metadata:
            request["custom_variables"] = {
                **self.data.get("custom_variables", {}),
                **self.stringify(self.merge_metadata[email]),
            }
        if email in self.merge_headers:
            request["headers"] = {**self.data.get("headers", {}), **self.merge_headers[email]}
        return request

    @staticmethod
    def stringify(variables: dict[Any, Any]) -> dict[str, str]:
        return {str(key): str(value) for key, value in variables.items()}

    # -- payload hooks ----------------------------------------------------------------------

    def init_payload(self) -> None:
        self._encoded = None
        self.data: dict[str, Any] = {}
        self.merge_data: dict[str, Any] = {}
        self.merge_metadata: dict[str, Any] = {}
        self.merge_headers: dict[str, Any] = {}
        self.esp_extra: dict[str, Any] = {}

    def set_from_email(self, email: EmailAddress) -> None:
        self.data["from"] = self.address(email)

    def add_recipient(self, recipient_type: str, email: EmailAddress) -> None:
        self.data.setdefault(recipient_type, []).append(self.address(email))

    def set_subject(self, subject: str) -> None:
        if subject:
            self.data["subject"] = subject

    def set_reply_to(self, emails: list[EmailAddress]) -> None:
        if len(emails) == 1:
            self.data["reply_to"] = self.address(emails[0])
        elif len(emails) > 1:
            if any(email.uses_eai for email in emails):
                self.unsupported_feature("EAI with multiple reply_to addresses")
            self.data.setdefault("headers", {})["Reply-To"] = ", ".join(
                email.format(use_rfc2047=True, idna_encode=self.backend.idna_encoder)
                for email in emails
            )

    def set_extra_headers(self, headers: dict[str, Any]) -> None:
        self.data.setdefault("headers", {}).update(headers)

    def set_text_body(self, body: str) -> None:
        if body:
            self.data["text"] = body

    def set_html_body(self, body: str) -> None:
        if "html" in self.data:
            self.unsupported_feature("multiple html parts")
        self.data["html"] = body

    def add_attachment(self, attachment: Attachment) -> None:
        entry = {
            "filename": attachment.name or "attachment",
            "type": attachment.content_type,
            # Encoded to base64 only while the request body is written (see json_body.py)
            "content": Base64Content(attachment.content_bytes),
        }
        if attachment.inline:
            entry["disposition"] = "inline"
            entry["content_id"] = attachment.cid or ""
        self.data.setdefault("attachments", []).append(entry)

    def set_metadata(self, metadata: dict[str, Any]) -> None:
        self.data["custom_variables"] = self.stringify(metadata)

    def set_tags(self, tags: list[str]) -> None:
        if len(tags) > 1:
            self.unsupported_feature("multiple tags")
        if tags:
            self.data["category"] = tags[0]

    def set_template_id(self, template_id: str) -> None:
        self.data["template_uuid"] = template_id

    def set_merge_data(self, merge_data: dict[str, dict[str, Any]]) -> None:
        self.merge_data = merge_data

    def set_merge_global_data(self, merge_global_data: dict[str, Any]) -> None:
        self.data.setdefault("template_variables", {}).update(merge_global_data)

    def set_merge_headers(self, merge_headers: dict[str, dict[str, Any]]) -> None:
        self.merge_headers = merge_headers

    def set_merge_metadata(self, merge_metadata: dict[str, dict[str, Any]]) -> None:
        self.merge_metadata = merge_metadata

    def set_esp_extra(self, extra: dict[str, Any]) -> None:
        self.esp_extra = deepcopy(extra)
