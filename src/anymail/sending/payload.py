"""BasePayload: one uniform walk over a Django message, calling one hook per feature."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

from django.core.mail import EmailMessage
from django.utils.functional import Promise
from django.utils.timezone import get_current_timezone, is_naive, make_aware

from .._idna import encode_domain
from .._sentinel import UNSET
from ..addresses import EmailAddress, parse_address_list, parse_single_address
from ..attachments import Attachment
from ..exceptions import AnymailUnsupportedFeature
from .defaults import PLAIN_TYPES, combine, force_non_lazy

if TYPE_CHECKING:
    from .pipeline import PayloadOwner

BATCH_ATTRS = ("merge_data", "merge_metadata", "merge_headers")


class CaseInsensitiveHeaders(dict[str, Any]):
    """Header dict with case-insensitive lookup that keeps the caller's spelling."""

    def _find(self, name: str) -> str | None:
        lowered = name.lower()
        return next((key for key in self if key.lower() == lowered), None)

    def pop_header(self, name: str, default: Any = None) -> Any:
        key = self._find(name)
        return self.pop(key) if key is not None else default

    def get_header(self, name: str, default: Any = None) -> Any:
        key = self._find(name)
        return self[key] if key is not None else default


def _to_datetime(value: Any) -> datetime:
    """send_at as an aware datetime (naive/date: current timezone; numbers: UTC epoch)."""
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    if isinstance(value, datetime):
        return make_aware(value, get_current_timezone()) if is_naive(value) else value
    if isinstance(value, date):
        return make_aware(datetime(value.year, value.month, value.day), get_current_timezone())
    raise TypeError(f"Invalid send_at {value!r}: expected datetime, date, or epoch seconds")


def _same(value: Any) -> Any:
    return value


def _tag_strings(tags: Any) -> list[str]:
    return [str(tag) for tag in tags]


#: Attributes walked first (header-like ones), in this order.
_HEADER_ATTRS = ("from_email", "to", "cc", "bcc", "subject", "reply_to", "extra_headers")
_ADDRESS_LISTS = frozenset({"to", "cc", "bcc", "reply_to"})
#: Attributes handed to their `set_<attr>` hook as they are (after one conversion), in order.
_SIMPLE_ATTRS: tuple[tuple[str, str, Callable[[Any], Any]], ...] = tuple(
    (attr, f"set_{attr}", convert)
    for attr, convert in (
        ("metadata", _same),
        ("send_at", _to_datetime),
        ("tags", _tag_strings),
        ("track_clicks", _same),
        ("track_opens", _same),
        ("template_id", _same),
        ("merge_data", _same),
        ("merge_global_data", _same),
        ("merge_headers", _same),
        ("merge_metadata", _same),
        ("esp_extra", _same),
    )
)


def _parse_list(addresses: Any, field: str) -> list[EmailAddress]:
    """parse_address_list, minus its work for the empty lists Django defaults cc/bcc to."""
    if type(addresses) is list and not addresses:
        return []
    return parse_address_list(addresses, field)


class BasePayload:
    """Walks a message's features in a fixed order; ESP adapters override the hooks."""

    def __init__(
        self, message: EmailMessage, defaults: Mapping[str, Any], backend: PayloadOwner
    ) -> None:
        self.message = message
        self.defaults = defaults
        self.backend = backend
        self.esp_name = backend.esp_name
        # Decided once, before the hooks run (init_payload may need it)
        self._is_batch = any(self._is_set(attr) for attr in BATCH_ATTRS)
        self.init_payload()
        self._walk()

    # -- the walk ---------------------------------------------------------------------------

    def _value(self, attr: str) -> Any:
        value = getattr(self.message, attr, UNSET)
        if self.defaults:
            return self._resolve(attr, value)
        # No send defaults (the common case): the message's own value, as _resolve gives it
        if value is None or value is UNSET:
            return UNSET
        if attr in _ADDRESS_LISTS and isinstance(value, (str, Promise)):
            raise TypeError(f'"{attr}" attribute must be a list or other iterable')
        return value if type(value) in PLAIN_TYPES else force_non_lazy(value)

    def _resolve(self, attr: str, value: Any) -> Any:
        """The effective value of `attr` given the message's own `value` (UNSET: not sent)."""
        if attr in _ADDRESS_LISTS and isinstance(value, (str, Promise)):
            raise TypeError(f'"{attr}" attribute must be a list or other iterable')
        default = self.defaults.get(attr, UNSET) if self.defaults else UNSET
        if default is UNSET or default is None:
            # No default: every combiner returns the message's value (None means UNSET)
            return UNSET if value is None or value is UNSET else force_non_lazy(value)
        return force_non_lazy(combine(attr, default, value))

    def _walk(self) -> None:
        values = {attr: self._value(attr) for attr in _HEADER_ATTRS}
        headers = CaseInsensitiveHeaders(values["extra_headers"] or {})
        envelope_sender = UNSET
        # Where each address came from, for the error naming an invalid one
        from_field, reply_to_field = "from_email", "reply_to"
        if headers:  # (pop_header on an empty dict finds nothing: skip the lookups)
            reply_to_header = headers.pop_header("Reply-To")
            if reply_to_header is not None:
                values["reply_to"] = [reply_to_header]
                reply_to_field = "extra_headers['Reply-To']"
            from_header = headers.pop_header("From")
            if from_header is not None:
                envelope_sender = values["from_email"]
                values["from_email"] = from_header
                from_field = "extra_headers['From']"
            if headers.pop_header("To") is not None:
                self.unsupported_feature("spoofing `To` header")

        if values["from_email"] is not UNSET:
            self.set_from_email_list(parse_address_list([values["from_email"]], from_field))
        for field in ("to", "cc", "bcc"):
            if values[field] is not UNSET:
                self.set_recipients(field, _parse_list(values[field], field))
        if values["subject"] is not UNSET:
            self.set_subject(values["subject"])
        if values["reply_to"] is not UNSET:
            self.set_reply_to(_parse_list(values["reply_to"], reply_to_field))
        if headers:
            self.set_extra_headers(headers)

        self._walk_bodies()
        attachments = self._value("attachments")
        if attachments is not UNSET:
            encoding = self.message.encoding
            for attachment in attachments:
                self.add_attachment(Attachment(attachment, encoding))

        sender = self._value("envelope_sender")
        if envelope_sender is not UNSET and sender is UNSET:
            sender = envelope_sender
        if sender is not UNSET:
            self.set_envelope_sender(parse_single_address(sender, "envelope_sender"))
        message, defaults = self.message, self.defaults
        for attr, setter, convert in self._simple_attrs():
            value = getattr(message, attr, UNSET)
            # Most messages set few of these: skip the unset ones without resolving them
            if value is None or (value is UNSET and (not defaults or attr not in defaults)):
                continue
            value = self._resolve(attr, value)
            if value is not UNSET:
                getattr(self, setter)(convert(value))

    def _simple_attrs(self) -> tuple[tuple[str, str, Callable[[Any], Any]], ...]:
        """(attribute, setter hook name, conversion) for the attributes set as they are."""
        return _SIMPLE_ATTRS

    def _walk_bodies(self) -> None:
        self._has_text = False
        self._has_html = False
        body = self._value("body")
        if body is not UNSET:
            subtype = getattr(self.message, "content_subtype", "plain")
            if subtype == "html":
                self._has_html = True
                self.set_html_body(body)
            elif subtype == "plain":
                self._has_text = bool(body)
                self.set_text_body(body)
            else:
                self.add_alternative(body, f"text/{subtype}")
        alternatives = self._value("alternatives")
        for content, mimetype in [] if alternatives is UNSET else alternatives:
            if mimetype == "text/plain" and not self._has_text:
                self._has_text = True
                self.set_text_body(content)
            elif mimetype == "text/html" and not self._has_html:
                self._has_html = True
                self.set_html_body(content)
            else:
                self.add_alternative(content, mimetype)

    def _is_set(self, attr: str) -> bool:
        """Whether `attr` has an effective value, without resolving (or copying) it."""
        value = getattr(self.message, attr, UNSET)
        default = self.defaults.get(attr, UNSET) if self.defaults else UNSET
        if default is UNSET or default is None:
            return value is not None and value is not UNSET
        return combine(attr, default, value) is not UNSET

    def release_body(self) -> None:
        """The API call is over: drop what only the request needed (encoded bodies,
        attachment content), so a message waiting to be completed holds little memory."""

    def is_batch(self) -> bool:
        """A batch send (one message per `to`) when any merge_* attribute is set, even {}."""
        return self._is_batch

    def unsupported_feature(self, feature: str) -> None:
        """Raise AnymailUnsupportedFeature, unless the user chose to ignore those."""
        if not self.backend.ignore_unsupported_features:
            raise AnymailUnsupportedFeature(
                f"{self.esp_name} does not support {feature}",
                email_message=self.message,
                payload=self,
                backend=self.backend,
            )

    def idna_encode(self, domain: str) -> str:
        """Encode a non-ASCII domain with the backend's configured IDNA encoder (failures
        raise AnymailInvalidAddress naming the setting)."""
        return encode_domain(self.backend.idna_encoder, domain)

    # -- hooks (ESP adapters override the ones they support) -------------------------------

    def init_payload(self) -> None:
        pass

    def set_from_email_list(self, emails: list[EmailAddress]) -> None:
        if len(emails) > 1:
            self.unsupported_feature("multiple from emails")
        if emails:
            self.set_from_email(emails[0])

    def set_from_email(self, email: EmailAddress) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement set_from_email")

    def set_recipients(self, recipient_type: str, emails: list[EmailAddress]) -> None:
        for email in emails:
            self.add_recipient(recipient_type, email)

    def add_recipient(self, recipient_type: str, email: EmailAddress) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement add_recipient")

    def set_subject(self, subject: str) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement set_subject")

    def set_reply_to(self, emails: list[EmailAddress]) -> None:
        if emails:
            self.unsupported_feature("reply_to")

    def set_extra_headers(self, headers: dict[str, Any]) -> None:
        self.unsupported_feature("extra_headers")

    def set_text_body(self, body: str) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement set_text_body")

    def set_html_body(self, body: str) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement set_html_body")

    def add_alternative(self, content: str, mimetype: str) -> None:
        if mimetype == "text/plain":
            self.unsupported_feature("multiple plaintext parts")
        elif mimetype == "text/html":
            self.unsupported_feature("multiple html parts")
        else:
            self.unsupported_feature(f"alternative part with type '{mimetype}'")

    def add_attachment(self, attachment: Attachment) -> None:
        self.unsupported_feature("attachments")

    def set_envelope_sender(self, email: EmailAddress) -> None:
        self.unsupported_feature("envelope_sender")

    def set_metadata(self, metadata: dict[str, Any]) -> None:
        self.unsupported_feature("metadata")

    def set_send_at(self, send_at: datetime) -> None:
        self.unsupported_feature("send_at")

    def set_tags(self, tags: list[str]) -> None:
        self.unsupported_feature("tags")

    def set_track_clicks(self, track_clicks: bool) -> None:
        self.unsupported_feature("track_clicks")

    def set_track_opens(self, track_opens: bool) -> None:
        self.unsupported_feature("track_opens")

    def set_template_id(self, template_id: str) -> None:
        self.unsupported_feature("template_id")

    def set_merge_data(self, merge_data: dict[str, dict[str, Any]]) -> None:
        self.unsupported_feature("merge_data")

    def set_merge_global_data(self, merge_global_data: dict[str, Any]) -> None:
        self.unsupported_feature("merge_global_data")

    def set_merge_headers(self, merge_headers: dict[str, dict[str, Any]]) -> None:
        self.unsupported_feature("merge_headers")

    def set_merge_metadata(self, merge_metadata: dict[str, dict[str, Any]]) -> None:
        self.unsupported_feature("merge_metadata")

    def set_esp_extra(self, extra: dict[str, Any]) -> None:
        self.unsupported_feature("esp_extra")
