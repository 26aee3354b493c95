"""Address parsing and formatting, and the IDNA encoders behind IDNA_ENCODER."""

from __future__ import annotations

from collections.abc import Callable
from importlib.util import find_spec
from typing import Any

import pytest
from django.utils.translation import gettext_lazy

from anymail import _idna
from anymail.exceptions import (
    AnymailConfigurationError,
    AnymailImproperlyInstalled,
    AnymailInvalidAddress,
    AnymailInvalidMailer,
)
from anymail.utils import EmailAddress, parse_address_list, parse_single_address


def idna_reject_everything(domain: str) -> str:
    """An IDNA_ENCODER (by dotted path) that fails for every domain."""
    raise ValueError(f"no {domain}")


def idna_upper(domain: str) -> str:
    """An IDNA_ENCODER (by dotted path) with an observable result."""
    return domain.upper()


# -- parse_address_list --------------------------------------------------------------------------


def test_parse_plain_address() -> None:
    (address,) = parse_address_list(["user@example.com"])
    assert (address.display_name, address.addr_spec) == ("", "user@example.com")


def test_parse_display_name() -> None:
    (address,) = parse_address_list(["Some User <user@example.com>"])
    assert (address.display_name, address.username, address.domain) == (
        "Some User",
        "user",
        "example.com",
    )


def test_parse_several_addresses_in_one_item() -> None:
    parsed = parse_address_list(["a@example.com, B <b@example.com>"])
    assert [a.addr_spec for a in parsed] == ["a@example.com", "b@example.com"]


def test_parse_several_items_in_order() -> None:
    parsed = parse_address_list(["a@example.com", "b@example.com, c@example.com"])
    assert [a.addr_spec for a in parsed] == ["a@example.com", "b@example.com", "c@example.com"]


def test_parse_quoted_display_name_with_comma() -> None:
    (address,) = parse_address_list(['"Smith, Jane" <jane@example.com>'])
    assert address.display_name == "Smith, Jane"


def test_parse_none_is_empty() -> None:
    assert parse_address_list(None) == []


def test_parse_bare_string_is_one_item() -> None:
    assert [a.addr_spec for a in parse_address_list("a@example.com")] == ["a@example.com"]


def test_parse_lazy_strings() -> None:
    (address,) = parse_address_list([gettext_lazy("Lazy <lazy@example.com>")])
    assert address.addr_spec == "lazy@example.com"


def test_parse_keeps_non_ascii_local_part() -> None:
    (address,) = parse_address_list(["ünï@example.com"])
    assert address.username == "ünï"
    assert address.uses_eai


def test_parse_invalid_address_error_text() -> None:
    with pytest.raises(AnymailInvalidAddress) as excinfo:
        parse_address_list(["ok@example.com", "not-an-address"], field="to")
    assert str(excinfo.value) == (
        "Invalid email address 'not-an-address' in `to` parsed from "
        "'ok@example.com, not-an-address'"
    )


def test_parse_invalid_address_error_without_field() -> None:
    with pytest.raises(AnymailInvalidAddress) as excinfo:
        parse_address_list(["bad"])
    assert str(excinfo.value) == "Invalid email address 'bad' parsed from 'bad'"


def test_parse_error_hints_at_missing_quotes_when_item_has_comma() -> None:
    with pytest.raises(AnymailInvalidAddress) as excinfo:
        parse_address_list(["Smith, Jane <jane@example.com>"], field="cc")
    text = str(excinfo.value)
    assert text.startswith("Invalid email address 'Smith' in `cc`")
    assert text.endswith(
        "parsed from 'Smith, Jane <jane@example.com>' (maybe missing quotes around a display-name?)"
    )


def test_parse_error_reports_parsed_display_name() -> None:
    with pytest.raises(AnymailInvalidAddress) as excinfo:
        parse_address_list(["Jane <jane>"], field="reply_to")
    assert str(excinfo.value) == (
        "Invalid email address 'jane' display_name='Jane' in `reply_to` parsed from 'Jane <jane>'"
    )


def test_parse_empty_from_email_error_text() -> None:
    with pytest.raises(AnymailInvalidAddress) as excinfo:
        parse_address_list([""], field="from_email")
    assert str(excinfo.value) == "Invalid email address '' in `from_email` parsed from ''"


def test_parse_single_address() -> None:
    address = parse_single_address("Bounce <bounce@example.com>", field="envelope_sender")
    assert address.addr_spec == "bounce@example.com"


def test_parse_single_address_rejects_several() -> None:
    with pytest.raises(AnymailInvalidAddress) as excinfo:
        parse_single_address("a@example.com, b@example.com", field="envelope_sender")
    assert str(excinfo.value) == (
        "Only one email address is allowed; found 2 in 'a@example.com, b@example.com' "
        "in `envelope_sender`."
    )


def test_parse_single_address_invalid() -> None:
    with pytest.raises(AnymailInvalidAddress, match="in `envelope_sender`"):
        parse_single_address("nope", field="envelope_sender")


# -- EmailAddress --------------------------------------------------------------------------------


def test_email_address_from_addr_spec() -> None:
    address = EmailAddress("Name", "user@example.com")
    assert (address.username, address.domain, address.addr_spec) == (
        "user",
        "example.com",
        "user@example.com",
    )


def test_email_address_missing_domain_error_text() -> None:
    with pytest.raises(AnymailInvalidAddress) as excinfo:
        EmailAddress("", "ünï")
    assert str(excinfo.value) == "Invalid email address 'ünï': missing @domain part"


def test_email_address_str_quotes_display_name() -> None:
    address = EmailAddress("Smith, Jane", "jane@example.com")
    assert str(address) == address.address == '"Smith, Jane" <jane@example.com>'


def test_email_address_format_plain() -> None:
    assert EmailAddress("", "user@example.com").format() == "user@example.com"


def test_email_address_format_quotes_specials() -> None:
    assert EmailAddress("Smith, Jane", "j@example.com").format() == '"Smith, Jane" <j@example.com>'


def test_email_address_format_rfc2047_encodes_non_ascii_name() -> None:
    formatted = EmailAddress("Jörg", "j@example.com").format(use_rfc2047=True)
    assert formatted == "=?utf-8?b?SsO2cmc=?= <j@example.com>"


def test_email_address_format_rfc2047_keeps_eai_local_part() -> None:
    formatted = EmailAddress("Jörg", "jörg@example.com").format(use_rfc2047=True)
    assert formatted.endswith(" <jörg@example.com>")


def test_email_address_format_idna_encodes_domain() -> None:
    address = EmailAddress("", "user@bücher.example")
    assert address.format(idna_encode=_idna.idna2008) == "user@xn--bcher-kva.example"


def test_email_address_as_dict_omits_empty_name() -> None:
    assert EmailAddress("", "user@example.com").as_dict() == {"email": "user@example.com"}


def test_email_address_as_dict_with_name_and_custom_keys() -> None:
    address = EmailAddress("User", "user@example.com")
    assert address.as_dict(name="Name", email="Email") == {
        "Email": "user@example.com",
        "Name": "User",
    }


def test_email_address_as_dict_name_unquoted_by_default() -> None:
    assert EmailAddress("Smith, Jane", "j@example.com").as_dict()["name"] == "Smith, Jane"


def test_email_address_as_dict_quote_name() -> None:
    address = EmailAddress("Smith, Jane", "j@example.com")
    assert address.as_dict(quote_name=True)["name"] == '"Smith, Jane"'


def test_email_address_as_dict_rfc2047() -> None:
    address = EmailAddress("Jörg", "j@example.com")
    assert address.as_dict(use_rfc2047=True)["name"] == "=?utf-8?b?SsO2cmc=?="


def test_email_address_as_dict_idna_encodes_domain() -> None:
    address = EmailAddress("", "user@bücher.example")
    assert address.as_dict(idna_encode=_idna.idna2008) == {"email": "user@xn--bcher-kva.example"}


def test_email_address_ascii_domain_not_passed_to_encoder() -> None:
    address = EmailAddress("", "user@example.com")
    assert address.as_dict(idna_encode=idna_reject_everything) == {"email": "user@example.com"}


def test_uses_eai_false_for_ascii_local_part_with_unicode_domain() -> None:
    assert not EmailAddress("", "user@bücher.example").uses_eai


def test_uses_eai_true_for_non_ascii_local_part() -> None:
    assert EmailAddress("", "jörg@example.com").uses_eai


# -- IDNA encoders -------------------------------------------------------------------------------


def test_idna2008_encodes_with_uts46_mapping() -> None:
    assert _idna.idna2008("Bücher.Example") == "xn--bcher-kva.example"


def test_idna2003_encodes() -> None:
    assert _idna.idna2003("bücher.example") == "xn--bcher-kva.example"


def test_idna2003_and_idna2008_differ_on_sharp_s() -> None:
    assert _idna.idna2003("faß.de") == "fass.de"
    assert _idna.idna2008("faß.de") == "xn--fa-hia.de"


def test_none_encoder_passes_domain_through() -> None:
    assert _idna.none("bücher.example") == "bücher.example"


@pytest.mark.skipif(find_spec("uts46") is not None, reason="the uts46 package is installed")
def test_uts46_encoder_without_package_is_improperly_installed() -> None:
    with pytest.raises(AnymailImproperlyInstalled, match="uts46"):
        _idna.uts46("bücher.example")


def test_encoder_failure_raises_invalid_address_naming_setting(
    test_backend: Callable[..., Any],
) -> None:
    backend = test_backend(idna_encoder=None)
    address = EmailAddress("", "user@ex\u200dample\u00ad.com")
    with pytest.raises(AnymailInvalidAddress) as excinfo:
        address.as_dict(idna_encode=backend.idna_encoder)
    domain = "ex\u200dample\u00ad.com"
    first_line = str(excinfo.value).split("\n")[0]
    assert first_line == f"Cannot encode {domain!r} using IDNA_ENCODER='idna2008'"


def test_dotted_path_encoder_failure_names_the_setting(
    anymail_settings: Any, test_backend: Callable[..., Any]
) -> None:
    path = f"{__name__}.idna_reject_everything"
    anymail_settings.ANYMAIL = {"IDNA_ENCODER": path}
    backend = test_backend()
    with pytest.raises(AnymailInvalidAddress) as excinfo:
        EmailAddress("", "user@bücher.example").as_dict(idna_encode=backend.idna_encoder)
    first_line = str(excinfo.value).split("\n")[0]
    assert first_line == f"Cannot encode 'bücher.example' using IDNA_ENCODER='{path}'"


# -- IDNA_ENCODER resolution ---------------------------------------------------------------------


def encode_with(backend: Any, domain: str = "bücher.example") -> str:
    return str(backend.idna_encoder(domain))


def test_default_encoder_is_idna2008(test_backend: Callable[..., Any]) -> None:
    assert encode_with(test_backend(), "faß.de") == "xn--fa-hia.de"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("idna2008", "xn--fa-hia.de"),
        ("idna2003", "fass.de"),
        ("none", "faß.de"),
    ],
)
def test_builtin_encoder_by_name(
    anymail_settings: Any, test_backend: Callable[..., Any], setting: str, expected: str
) -> None:
    anymail_settings.ANYMAIL = {"IDNA_ENCODER": setting}
    assert encode_with(test_backend(), "faß.de") == expected


def test_encoder_by_dotted_path(anymail_settings: Any, test_backend: Callable[..., Any]) -> None:
    anymail_settings.ANYMAIL = {"IDNA_ENCODER": f"{__name__}.idna_upper"}
    assert encode_with(test_backend()) == "BÜCHER.EXAMPLE"


def test_encoder_callable(anymail_settings: Any, test_backend: Callable[..., Any]) -> None:
    anymail_settings.ANYMAIL = {"IDNA_ENCODER": idna_upper}
    assert encode_with(test_backend()) == "BÜCHER.EXAMPLE"


def test_esp_encoder_wins_over_global(
    anymail_settings: Any, test_backend: Callable[..., Any]
) -> None:
    anymail_settings.ANYMAIL = {"IDNA_ENCODER": "idna2003", "TEST_IDNA_ENCODER": "none"}
    assert encode_with(test_backend()) == "bücher.example"


def test_falsy_esp_encoder_falls_back_to_global(
    anymail_settings: Any, test_backend: Callable[..., Any]
) -> None:
    anymail_settings.ANYMAIL = {"IDNA_ENCODER": "none", "TEST_IDNA_ENCODER": ""}
    assert encode_with(test_backend()) == "bücher.example"


def test_encoder_kwarg_wins(anymail_settings: Any, test_backend: Callable[..., Any]) -> None:
    anymail_settings.ANYMAIL = {"TEST_IDNA_ENCODER": "idna2003"}
    assert encode_with(test_backend(idna_encoder="none")) == "bücher.example"


@pytest.mark.parametrize("setting", ["bogus", "anymail.no_such_module.encode", 42])
def test_unresolvable_encoder_fails_at_construction(
    anymail_settings: Any, test_backend: Callable[..., Any], setting: Any
) -> None:
    anymail_settings.ANYMAIL = {"IDNA_ENCODER": setting}
    with pytest.raises(AnymailConfigurationError) as excinfo:
        test_backend()
    assert str(excinfo.value) == f"Cannot resolve IDNA_ENCODER={setting!r}"
    assert not isinstance(excinfo.value, AnymailInvalidMailer)


def test_unresolvable_encoder_under_alias_is_invalid_mailer(
    test_backend: Callable[..., Any],
) -> None:
    from anymail.backends.test import EmailBackend

    with pytest.raises(AnymailInvalidMailer) as excinfo:
        # The kwargs a MAILERS entry would pass (Django < 6.1 ignores the alias itself)
        EmailBackend.__init__(EmailBackend.__new__(EmailBackend), alias="x", idna_encoder="bogus")
    assert str(excinfo.value) == "MAILERS['x']: Cannot resolve IDNA_ENCODER='bogus'"
