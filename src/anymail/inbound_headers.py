"""Reading a received message's headers and bodies without exceptions.

Python's `email.policy.default` parses a header when it is read, and some inputs make
that parse raise: ``From: Ana <ana@`` (IndexError on Python 3.10-3.12), deeply nested
comments like ``To: ((((...`` (RecursionError). Since every stdlib accessor goes
through `Message.get` / `get_all` -- `get_content_type`, `get_param`,
`get_content_charset`, `get_filename`, the Content-Transfer-Encoding lookup of
`get_payload(decode=True)`, and the parser itself -- `SafeHeadersMessage` makes
those two never raise: a header that cannot be parsed is returned as *unstructured*
text (its raw value, unfolded), with an `InvalidHeaderDefect` in its ``defects``.

The helpers below give the other fallbacks of `AnymailInboundMessage`.
"""

from __future__ import annotations

import re
from email import errors
from email.headerregistry import AddressHeader, BaseHeader, UnstructuredHeader
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any

from .addresses import EmailAddress

__all__ = ["SafeHeadersMessage", "address_pairs", "decode_text", "to_email_address"]

_LINE_BREAKS = re.compile(r"[\r\n]")
_CACHED_HEADERS = 64  # per message part


class _UnparsableHeader(UnstructuredHeader):
    """A header kept as plain text because its structured parse failed."""

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        super().parse(value, kwds)
        kwds["defects"].append(
            errors.InvalidHeaderDefect("header could not be parsed; kept as unstructured text")
        )


class _UnparsableHeaderValue(_UnparsableHeader, BaseHeader):
    pass


def unparsable_header(name: str, value: str) -> Any:
    """The raw header value as an unstructured header (a plain str if even that fails)."""
    text = _LINE_BREAKS.sub("", value)
    try:
        return _UnparsableHeaderValue(name, text)
    except Exception:
        return text


class SafeHeadersMessage(EmailMessage):
    """An EmailMessage whose header lookups never raise (see the module docstring)."""

    #: Parsed headers by (policy, name, raw value): the stdlib parses a header again on
    #: every read (get_content_type() alone reads Content-Type several times per part).
    _parsed_headers: dict[tuple[int, str, str], Any]

    def _fetch_header(self, name: str, value: Any) -> Any:
        if not isinstance(value, str):  # a header object set by code, not parsed text
            return self.policy.header_fetch_parse(name, value)
        cache = self.__dict__.setdefault("_parsed_headers", {})
        key = (id(self.policy), name.lower(), value)
        parsed = cache.get(key)
        if parsed is None:
            try:
                parsed = self.policy.header_fetch_parse(name, value)
            except Exception:  # any parse failure: IndexError, RecursionError, ...
                parsed = unparsable_header(name, value)
            if len(cache) < _CACHED_HEADERS:
                cache[key] = parsed
        return parsed

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_parsed_headers", None)  # a cache (keyed by the policy's id): not pickled
        return state

    def get(self, name: str, failobj: Any = None) -> Any:
        wanted = name.lower()
        for key, value in self.raw_items():
            if key.lower() == wanted:
                return self._fetch_header(key, value)
        return failobj

    def get_all(self, name: str, failobj: Any = None) -> Any:
        wanted = name.lower()
        values = [
            self._fetch_header(key, value)
            for key, value in self.raw_items()
            if key.lower() == wanted
        ]
        return values or failobj

    def get_payload(self, i: int | None = None, decode: bool = False) -> Any:
        try:
            return super().get_payload(i, decode)  # type: ignore[call-overload]
        except ValueError:
            # An 8-bit str payload is decoded with its charset parameter; the stdlib
            # falls back to ASCII for an unknown charset, but not for one like "ut\x00f8".
            payload = self._payload  # type: ignore[attr-defined]
            if i is None and not decode and isinstance(payload, str):
                return payload.encode("ascii", "surrogateescape").decode("ascii", "replace")
            raise

    def is_attachment(self) -> bool:
        # EmailMessage reads the structured header's attribute, which raw text lacks
        return self.get_content_disposition() == "attachment"

    def values(self) -> list[Any]:
        return [self._fetch_header(key, value) for key, value in self.raw_items()]

    def items(self) -> list[tuple[str, Any]]:
        return [(key, self._fetch_header(key, value)) for key, value in self.raw_items()]


def address_pairs(value: Any) -> list[tuple[str, str]]:
    """(display name, addr-spec) pairs of a header; [] when even the lenient parser fails."""
    try:
        if isinstance(value, AddressHeader):
            return [(address.display_name, address.addr_spec) for address in value.addresses]
        return getaddresses([str(value)])  # raw text, e.g. kept because it did not parse
    except Exception:
        return []


def to_email_address(display_name: str, addr_spec: str) -> EmailAddress | None:
    """Received headers can be odd: skip empty entries and unusable ones, keep the rest."""
    if not addr_spec and not display_name:
        return None
    username, _, domain = addr_spec.rpartition("@") if "@" in addr_spec else (addr_spec, "", "")
    try:
        return EmailAddress(display_name, username=username, domain=domain)
    except Exception:  # AnymailInvalidAddress, or the stdlib refusing e.g. CR/LF
        return None


def decode_text(payload: bytes, charset: str | None, errors: str) -> str:
    """`payload` as text in the part's declared `charset`, else as UTF-8.

    An unknown or unusable charset (``ut\\x00f8``, ``base64``, a codec that refuses
    the errors handler) falls back to UTF-8. Only a caller's own ``errors="strict"``
    can make this raise (UnicodeDecodeError).
    """
    try:
        return payload.decode(charset or "us-ascii", errors)
    except UnicodeDecodeError:
        if errors == "strict":
            raise
        return payload.decode("utf-8", "replace")
    except (LookupError, ValueError, TypeError):  # the charset or codec, not the bytes
        return payload.decode("utf-8", errors)
