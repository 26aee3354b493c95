"""AnymailMessage, send statuses, and inline-image helpers."""

from __future__ import annotations

import os
from collections.abc import Mapping
from email.mime.image import MIMEImage
from email.utils import make_msgid
from typing import Any

import django
import requests
from django.core.mail import EmailMessage, EmailMultiAlternatives

from ._sentinel import UNSET
from ._stored_response import StoredResponse

ANYMAIL_STATUSES = ["sent", "queued", "invalid", "rejected", "failed", "unknown"]

#: Anymail's normalized message attributes, in the order the send pipeline reads them.
ANYMAIL_MESSAGE_ATTRS = (
    "esp_extra",
    "envelope_sender",
    "metadata",
    "send_at",
    "tags",
    "track_clicks",
    "track_opens",
    "template_id",
    "merge_data",
    "merge_global_data",
    "merge_headers",
    "merge_metadata",
)


class AnymailRecipientStatus:
    """What the ESP said about one recipient: its message id and send status."""

    __slots__ = ("message_id", "status")  # one per recipient of every message sent: keep small

    def __init__(self, message_id: Any, status: str | None) -> None:
        try:
            hash(message_id)
        except TypeError:
            raise TypeError(f"Invalid message_id {message_id!r} is not scalar type") from None
        if status is not None and status not in ANYMAIL_STATUSES:
            raise ValueError(f"Invalid status {status!r}")
        self.message_id = message_id
        self.status = status

    def __repr__(self) -> str:
        return f"AnymailRecipientStatus({self.message_id!r}, {self.status!r})"


def _sorted_set_repr(values: set[Any]) -> str:
    return "{" + ", ".join(repr(value) for value in sorted(values, key=str)) + "}"


class _FromRecipients:
    """Marks `AnymailStatus.status` as computed from the recipients; pickles as itself."""

    __slots__ = ()

    def __reduce__(self) -> str:
        return "_FROM_RECIPIENTS"


#: `AnymailStatus.status` is computed from the recipients (see there).
_FROM_RECIPIENTS: Any = _FromRecipients()


class AnymailStatus:
    """The outcome of sending one message, set on `message.anymail_status`.

    A caller may keep thousands of sent messages, so this stays small: slots, the ESP's
    answer stored compactly (`esp_response`), and `status` derived from `recipients`
    when read rather than stored as one more set per message.
    """

    __slots__ = ("_esp_response", "_status", "message_id", "recipients")

    def __init__(self) -> None:
        self.message_id: Any = None
        self._status: Any = None
        self.recipients: dict[str, AnymailRecipientStatus] = {}
        self._esp_response: Any = None

    @property
    def status(self) -> set[str | None] | None:
        """The set of the recipients' statuses (None before any was recorded).

        Computed on each read from `recipients` once `set_recipient_status` ran; assign a
        set to override it."""
        status = self._status
        if status is _FROM_RECIPIENTS:
            return {recipient.status for recipient in self.recipients.values()}
        return status

    @status.setter
    def status(self, value: set[str | None] | None) -> None:
        self._status = value

    @property
    def esp_response(self) -> Any:
        """The ESP's raw answer (a `requests.Response` for HTTP ESPs), or None."""
        value = self._esp_response
        if type(value) is StoredResponse:
            value = self._esp_response = value.materialize()
        return value

    @esp_response.setter
    def esp_response(self, value: Any) -> None:
        # Stored small: a caller may keep thousands of sent messages (see _stored_response)
        if isinstance(value, requests.Response):
            value = StoredResponse(value)
        self._esp_response = value

    def has_esp_response(self) -> bool:
        """Whether an answer is recorded (without materializing it)."""
        return self._esp_response is not None

    def __repr__(self) -> str:
        status = self.status
        shown_status = _sorted_set_repr(status) if isinstance(status, set) else repr(status)
        details = [f"status={shown_status}"]  # always shown, even when None
        if self.message_id:
            message_id = self.message_id
            shown = (
                _sorted_set_repr(message_id) if isinstance(message_id, set) else repr(message_id)
            )
            details.append(f"message_id={shown}")
        if self.recipients:
            details.append(f"{len(self.recipients)} recipients")
        return f"AnymailStatus<{', '.join(details)}>"

    def set_recipient_status(self, recipients: Mapping[str, AnymailRecipientStatus]) -> None:
        """Record per-recipient results and recompute the summary message_id and status."""
        self.recipients.update(recipients)
        message_ids = {status.message_id for status in self.recipients.values()}
        self.message_id = message_ids.pop() if len(message_ids) == 1 else message_ids
        self._status = _FROM_RECIPIENTS


class AnymailMessageMixin(EmailMessage):
    """Adds Anymail's normalized attributes to any Django EmailMessage subclass."""

    # Declared for type checkers (py.typed); each defaults to UNSET ("not provided").
    esp_extra: dict[str, Any]
    envelope_sender: str
    metadata: dict[str, Any]
    send_at: Any  # datetime, date, or epoch seconds
    tags: list[str]
    track_clicks: bool
    track_opens: bool
    template_id: str
    merge_data: dict[str, dict[str, Any]]
    merge_global_data: dict[str, Any]
    merge_headers: dict[str, dict[str, Any]]
    merge_metadata: dict[str, dict[str, Any]]
    anymail_status: AnymailStatus

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for attr in ANYMAIL_MESSAGE_ATTRS:
            setattr(self, attr, kwargs.pop(attr, UNSET))
        self.anymail_status = AnymailStatus()
        super().__init__(*args, **kwargs)

    def attach_inline_image_file(
        self,
        path: str,
        subtype: str | None = None,
        idstring: str = "img",
        domain: str | None = None,
    ) -> str:
        """Attach an image file inline; returns the content id for `src="cid:..."`."""
        return attach_inline_image_file(self, path, subtype, idstring, domain)

    def attach_inline_image(
        self,
        content: bytes,
        filename: str | None = None,
        subtype: str | None = None,
        idstring: str = "img",
        domain: str | None = None,
    ) -> str:
        """Attach image data inline; returns the content id for `src="cid:..."`."""
        return attach_inline_image(self, content, filename, subtype, idstring, domain)


class AnymailMessage(AnymailMessageMixin, EmailMultiAlternatives):
    """An EmailMultiAlternatives with Anymail's normalized attributes."""


def attach_inline_image_file(
    message: EmailMessage,
    path: str,
    subtype: str | None = None,
    idstring: str = "img",
    domain: str | None = None,
) -> str:
    """Attach the image at `path` inline to `message`; returns its content id."""
    with open(path, "rb") as f:
        content = f.read()
    filename = os.path.basename(path)
    return attach_inline_image(message, content, filename, subtype, idstring, domain)


def attach_inline_image(
    message: EmailMessage,
    content: bytes,
    filename: str | None = None,
    subtype: str | None = None,
    idstring: str = "img",
    domain: str | None = None,
) -> str:
    """Attach image data inline to `message`; returns its content id (without <>)."""
    content_id = make_msgid(idstring, domain or "inline")
    if django.VERSION >= (6, 0):
        from email.message import MIMEPart

        if subtype is None:
            subtype = MIMEImage(content).get_content_subtype()
        part = MIMEPart()
        part.set_content(
            content, maintype="image", subtype=subtype, disposition="inline", filename=filename
        )
        part["Content-ID"] = content_id
        message.attach(part)
    else:
        image = MIMEImage(content, _subtype=subtype) if subtype else MIMEImage(content)
        if filename:
            image.add_header("Content-Disposition", "inline", filename=filename)
        else:
            image.add_header("Content-Disposition", "inline")
        image.add_header("Content-ID", content_id)
        message.attach(image)
    return content_id[1:-1]
