"""Email address parsing and formatting (display names, EAI, IDNA)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from email.headerregistry import Address
from email.utils import formataddr, getaddresses
from functools import lru_cache
from typing import Any

from django.utils.encoding import force_str

from ._idna import encode_domain
from .exceptions import AnymailInvalidAddress

IdnaEncode = Callable[[str], str]


def _is_ascii(text: str) -> bool:
    return text.isascii()


def _quote_if_needed(name: str) -> str:
    """Quote a display name the way RFC 5322 requires when it has specials."""
    return Address(display_name=name, username="x", domain="x").__str__().rpartition(" <")[0]


class EmailAddress(Address):
    """A parsed email address that knows how to format itself for an ESP."""

    def __init__(
        self,
        display_name: str = "",
        addr_spec: str | None = None,
        *,
        username: str = "",
        domain: str | None = None,
    ) -> None:
        if addr_spec is not None:
            username, at, domain = addr_spec.rpartition("@")
            if not at:
                raise AnymailInvalidAddress(
                    f"Invalid email address {addr_spec!r}: missing @domain part"
                )
        try:
            super().__init__(display_name=display_name, username=username, domain=domain or "")
        except (ValueError, TypeError) as err:
            raise AnymailInvalidAddress(f"Invalid email address {addr_spec!r}: {err}") from err
        #: The caller's own str when it is exactly this addr-spec: statuses keyed by it
        #: then share the caller's string instead of holding a copy per message.
        self._given_addr_spec: str | None = addr_spec if addr_spec and domain else None

    @property
    def address(self) -> str:
        """The fully formatted address, e.g. '"Name, Jr." <user@example.com>'."""
        return str(self)

    @property
    def uses_eai(self) -> bool:
        """True when the local part is non-ASCII (needs SMTPUTF8 / EAI)."""
        return not _is_ascii(self.username)

    def encoded_addr_spec(self, idna_encode: IdnaEncode | None = None) -> str:
        """The addr-spec with its domain IDNA-encoded when non-ASCII."""
        domain = self.domain
        if idna_encode is not None and not _is_ascii(domain):
            domain = encode_domain(idna_encode, domain)
        if domain is self.domain and self._given_addr_spec is not None:
            return self._given_addr_spec
        return f"{self.username}@{domain}" if domain else self.username

    def format(self, use_rfc2047: bool = False, idna_encode: IdnaEncode | None = None) -> str:
        """Format for a header: optionally RFC 2047-encode the name and IDNA-encode the domain."""
        addr_spec = self.encoded_addr_spec(idna_encode)
        if not self.display_name:
            return addr_spec
        if use_rfc2047:
            # formataddr() insists on an ASCII addr-spec, so format the name alone: an EAI
            # local part must pass through unchanged (like in as_dict).
            name = formataddr((self.display_name, "x@x"), charset="utf-8")[: -len(" <x@x>")]
            return f"{name} <{addr_spec}>"
        return f"{_quote_if_needed(self.display_name)} <{addr_spec}>"

    def as_dict(
        self,
        name: str = "name",
        email: str = "email",
        use_rfc2047: bool = False,
        quote_name: bool = False,
        idna_encode: IdnaEncode | None = None,
    ) -> dict[str, str]:
        """A JSON-ready {email, name} dict; the name key is omitted when empty."""
        result = {email: self.encoded_addr_spec(idna_encode)}
        if self.display_name:
            display_name = self.display_name
            if use_rfc2047 and not _is_ascii(display_name):
                display_name = formataddr((display_name, "x@x"), charset="utf-8")[: -len(" <x@x>")]
            elif quote_name:
                display_name = _quote_if_needed(display_name)
            result[name] = display_name
        return result


def _describe_failure(
    addr_spec: str, display_name: str, field: str | None, items: list[str]
) -> str:
    text = f"Invalid email address {addr_spec!r}"
    if display_name:
        text += f" display_name={display_name!r}"
    if field:
        text += f" in `{field}`"
    text += f" parsed from {', '.join(items)!r}"
    if any("," in item for item in items):
        text += " (maybe missing quotes around a display-name?)"
    return text


def _is_valid(username: str, domain: str) -> bool:
    return bool(username) and bool(domain) and "@" not in username


# Fast path for the common forms `user@example.com` and `Some Name <user@example.com>`:
# RFC 5322 dot-atoms and a phrase of atoms separated by single spaces, which
# email.utils.getaddresses parses to exactly these parts (but ~10x slower).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATOM}(?:\.{_ATOM})*"
_SIMPLE_ADDRESS = re.compile(
    rf"(?:(?P<name>{_ATOM}(?: {_ATOM})*) <)?(?P<addr>{_DOT_ATOM}@{_DOT_ATOM})(?(name)>)"
)


def _split_addresses(item: str) -> list[tuple[str, str]]:
    simple = _SIMPLE_ADDRESS.fullmatch(item)
    if simple is not None:
        return [(simple.group("name") or "", simple.group("addr"))]
    return getaddresses([item]) or [("", item)]


class _InvalidItem(Exception):
    """An item with an invalid address (parse_address_list describes it with its context)."""

    def __init__(self, addr_spec: str, display_name: str, cause: Exception | None) -> None:
        super().__init__(addr_spec)
        self.addr_spec = addr_spec
        self.display_name = display_name
        self.cause = cause


@lru_cache(maxsize=256)
def _parse_item(item: str) -> tuple[EmailAddress, ...]:
    """The addresses in one item, remembered: a sender is parsed once per many messages.

    (EmailAddress is immutable, so sharing the parsed objects is safe.)
    """
    parsed: list[EmailAddress] = []
    for display_name, addr_spec in _split_addresses(item):
        username, at, domain = addr_spec.rpartition("@")
        if not at or not _is_valid(username, domain):
            raise _InvalidItem(addr_spec, display_name, None)
        try:
            address = EmailAddress(display_name, username=username, domain=domain)
        except AnymailInvalidAddress as err:
            raise _InvalidItem(addr_spec, display_name, err) from None
        if item == addr_spec:
            address._given_addr_spec = item
        parsed.append(address)
    return tuple(parsed)


def parse_address_list(
    address_list: Iterable[Any] | str | None, field: str | None = None
) -> list[EmailAddress]:
    """Parse addresses; each item may hold several comma-separated addresses."""
    if address_list is None:
        return []
    if isinstance(address_list, str):
        items = [address_list]
    else:
        items = [item if type(item) is str else force_str(item) for item in address_list]
    parsed: list[EmailAddress] = []
    for item in items:
        try:
            parsed.extend(_parse_item(item))
            continue
        except _InvalidItem as invalid:
            failure = invalid
        # Raised outside the except block, exactly as before the cache: no implicit context
        error = AnymailInvalidAddress(
            _describe_failure(failure.addr_spec, failure.display_name, field, items)
        )
        if failure.cause is None:
            raise error
        raise error from failure.cause
    return parsed


def parse_single_address(address: Any, field: str | None = None) -> EmailAddress:
    """Parse exactly one address (e.g. envelope_sender)."""
    parsed = parse_address_list([address], field=field)
    if len(parsed) != 1:
        raise AnymailInvalidAddress(
            f"Only one email address is allowed; found {len(parsed)} in {address!r}"
            + (f" in `{field}`." if field else ".")
        )
    return parsed[0]
