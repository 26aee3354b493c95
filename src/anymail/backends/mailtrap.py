"""The Mailtrap adapter: Anymail features -> Mailtrap API v2 JSON, and responses -> statuses."""

from __future__ import annotations

from copy import deepcopy
from typing import Any
from urllib.parse import quote

import requests
from django.core.mail import EmailMessage

from ..addresses import EmailAddress
from ..attachments import Attachment
from ..exceptions import AnymailRequestsAPIError
from ..message import AnymailRecipientStatus
from ..settings import get_anymail_setting
from ..utils import update_deep
from .base_requests import AnymailRequestsBackend, RequestsPayload
from .delivery import Packer
from .json_body import Base64Content, JSONParts, JSONStream

RECIPIENT_TYPES = ("to", "cc", "bcc")


class EmailBackend(AnymailRequestsBackend):
    """Sends through Mailtrap's Email API (transactional or bulk) or Email Sandbox."""

    esp_name = "Mailtrap"

    DEFAULT_API_URL = "https://send.api.mailtrap.io/api/"
    DEFAULT_SANDBOX_API_URL = "https://sandbox.api.mailtrap.io/api/"

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
        if not api_url.endswith("/"):
            api_url += "/"
        self.batch_messages = bool(
            get_anymail_setting("batch_messages", esp_name=esp_name, kwargs=kwargs, default=False)
        )
        super().__init__(api_url, fail_silently=fail_silently, **kwargs)

    def rate_limit_scope(self) -> str:
        # Mailtrap counts calls per API token (the registry keeps only a hash of it)
        return f"Mailtrap {self.api_token}"

    def api_endpoint(self, name: str) -> str:
        """`send` or `batch`, plus the sandbox id in sandbox mode."""
        if self.use_sandbox:
            return f"{name}/{quote(str(self.sandbox_id), safe='')}"
        return name

    def make_packer(self) -> Packer:
        from .mailtrap_batch import MailtrapPacker  # the batching module builds on this one

        return MailtrapPacker(self)

    def build_message_payload(self, message: EmailMessage, defaults: Any) -> MailtrapPayload:
        return MailtrapPayload(message, defaults, self)

    def parse_recipient_status(
        self, response: requests.Response, payload: MailtrapPayload, message: EmailMessage
    ) -> dict[str, AnymailRecipientStatus]:
        parsed = self.deserialize_json_response(response, payload, message)
        return MailtrapResponseParser(self, payload, message, response).parse(parsed)


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
        expected = 1 if self.backend.use_sandbox else len(emails)
        if len(message_ids) != expected:
            raise self.error(f"Expected {expected} message_ids, got {len(message_ids)}")
        if self.backend.use_sandbox:
            message_ids = message_ids * len(emails)
        return {
            email: AnymailRecipientStatus(message_id, "queued")
            for email, message_id in zip(emails, message_ids, strict=True)
        }


class MailtrapPayload(RequestsPayload):
    """Builds the JSON body for Mailtrap's /api/send or /api/batch."""

    backend: EmailBackend
    _encoded: JSONParts | None

    def __init__(self, message: EmailMessage, defaults: Any, backend: EmailBackend) -> None:
        headers = {
            "Api-Token": backend.api_token,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        super().__init__(message, defaults, backend, headers=headers)

    @property
    def is_batch_send(self) -> bool:
        """Sent to /api/batch (base + one request per `to`), not /api/send."""
        return self.is_batch()

    def __repr__(self) -> str:
        # Never show the Api-Token header. Errors raised mid-walk carry a partial payload.
        return f"<MailtrapPayload keys={sorted(self.data)!r} batch={self.is_batch_send}>"

    def get_api_endpoint(self) -> str:
        return self.backend.api_endpoint("batch" if self.is_batch_send else "send")

    def recipient_emails(self, recipient_type: str) -> list[str]:
        return [recipient["email"] for recipient in self.data.get(recipient_type, [])]

    def address(self, email: EmailAddress) -> dict[str, str]:
        return email.as_dict(idna_encode=self.backend.idna_encoder)

    # -- serialization ----------------------------------------------------------------------

    def serialize_data(self) -> str | JSONStream:
        return self.encode_body().body()

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
