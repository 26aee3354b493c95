"""Small things code written for Anymail relies on (issue 14, item 6)."""

from __future__ import annotations

from collections.abc import Callable
from importlib.util import find_spec
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from anymail.backends.mailtrap import EmailBackend
from anymail.exceptions import (
    AnymailDeprecationWarning,
    AnymailImproperlyInstalled,
    AnymailInvalidAddress,
)
from anymail.inbound import AnymailInboundMessage

# -- backend.idna_encode -------------------------------------------------------------------


def test_backend_idna_encode_uses_the_default_encoder(mailtrap_backend: Callable[..., Any]) -> None:
    assert mailtrap_backend().idna_encode("bücher.example") == "xn--bcher-kva.example"


def test_backend_idna_encode_follows_the_setting(test_backend: Callable[..., Any]) -> None:
    assert test_backend(idna_encoder="none").idna_encode("bücher.example") == "bücher.example"


def test_esp_idna_encoder_setting_wins(mailtrap_settings: Any) -> None:
    mailtrap_settings.ANYMAIL.update(IDNA_ENCODER="none", MAILTRAP_IDNA_ENCODER="idna2003")
    assert EmailBackend().idna_encode("bücher.example") == "xn--bcher-kva.example"


def test_backend_idna_encode_failure_names_the_setting(
    mailtrap_backend: Callable[..., Any],
) -> None:
    with pytest.raises(AnymailInvalidAddress) as raised:
        mailtrap_backend().idna_encode("✉.example")
    assert str(raised.value).split("\n")[0] == (
        "Cannot encode '✉.example' using IDNA_ENCODER='idna2008'"
    )


def test_backend_idna_encode_failure_names_a_callable_encoder(
    test_backend: Callable[..., Any],
) -> None:
    def refuse(domain: str) -> str:
        raise ValueError(domain)

    with pytest.raises(AnymailInvalidAddress, match="using IDNA_ENCODER='refuse'"):
        test_backend(idna_encoder=refuse).idna_encode("bücher.example")


@pytest.mark.skipif(find_spec("uts46") is not None, reason="the uts46 package is installed")
def test_missing_uts46_package_stays_a_configuration_error(
    test_backend: Callable[..., Any],
) -> None:
    # not an invalid address, which fail_silently would swallow
    with pytest.raises(AnymailImproperlyInstalled, match="uts46"):
        test_backend(idna_encoder="uts46").idna_encode("bücher.example")


def test_payload_idna_encode_failure_names_the_setting(
    test_backend: Callable[..., Any], new_message: Callable[..., Any]
) -> None:
    from anymail.backends.test import TestPayload

    payload = TestPayload(new_message(), {}, test_backend())
    with pytest.raises(AnymailInvalidAddress, match="IDNA_ENCODER='idna2008'"):
        payload.idna_encode("✉.example")


# -- where an invalid address came from ----------------------------------------------------------


def test_invalid_from_header_is_reported_as_extra_headers_from(
    send_params: Callable[..., Any], new_message: Callable[..., Any]
) -> None:
    message = new_message(headers={"From": "not-an-address"})
    with pytest.raises(AnymailInvalidAddress) as raised:
        send_params(message)
    assert str(raised.value) == (
        "Invalid email address 'not-an-address' in `extra_headers['From']` "
        "parsed from 'not-an-address'"
    )


def test_from_header_in_any_case_is_reported_as_extra_headers_from(
    send_params: Callable[..., Any], new_message: Callable[..., Any]
) -> None:
    with pytest.raises(AnymailInvalidAddress, match=r"in `extra_headers\['From'\]`"):
        send_params(new_message(headers={"from": "Someone <nodomain>"}))


def test_invalid_from_email_is_still_reported_as_from_email(
    send_params: Callable[..., Any], new_message: Callable[..., Any]
) -> None:
    with pytest.raises(AnymailInvalidAddress, match="in `from_email` parsed from"):
        send_params(new_message(from_email="not-an-address"))


def test_invalid_reply_to_header_is_reported_as_extra_headers_reply_to(
    send_params: Callable[..., Any], new_message: Callable[..., Any]
) -> None:
    with pytest.raises(AnymailInvalidAddress, match=r"in `extra_headers\['Reply-To'\]`"):
        send_params(new_message(headers={"Reply-To": "not-an-address"}))


def test_valid_from_header_is_the_visible_sender(
    send_params: Callable[..., Any], new_message: Callable[..., Any]
) -> None:
    params = send_params(new_message(headers={"From": "Visible <visible@example.com>"}))
    assert params["from"].addr_spec == "visible@example.com"
    assert params["envelope_sender"] == "from@example.com"


# -- construct_attachment: the name= parameter --------------------------------------------------


def test_attachment_name_is_in_content_type_before_charset() -> None:
    part = AnymailInboundMessage.construct_attachment(
        "text/csv", "a,b\n", charset="iso-8859-1", filename="test.csv"
    )
    assert part["Content-Type"] == 'text/csv; name="test.csv"; charset="iso-8859-1"'
    assert part.get_filename() == "test.csv"


def test_binary_and_message_attachments_get_a_name_too() -> None:
    image = AnymailInboundMessage.construct_attachment("image/png", b"\x89PNG", filename="a.png")
    forwarded = AnymailInboundMessage.construct_attachment(
        "message/rfc822", "Subject: hi\n\nbody\n", filename="fwd.eml"
    )
    assert image["Content-Type"] == 'image/png; name="a.png"'
    assert forwarded["Content-Type"] == 'message/rfc822; name="fwd.eml"'


def test_attachment_without_filename_has_no_name() -> None:
    part = AnymailInboundMessage.construct_attachment("text/plain", "x", content_id="cid1")
    assert part["Content-Type"] == 'text/plain; charset="utf-8"'


def test_line_break_in_filename_becomes_one_space() -> None:
    part = AnymailInboundMessage.construct_attachment(
        "image/png", b"png", filename="Outlook-Icon\r\nDec.png"
    )
    assert part.get_param("name") == "Outlook-Icon Dec.png"
    assert part.get_filename() == "Outlook-Icon Dec.png"


def test_uploaded_file_attachment_has_name_and_charset() -> None:
    upload = SimpleUploadedFile("test.csv", b"a,b\n", "text/csv")
    upload.charset = "iso-8859-1"
    part = AnymailInboundMessage.construct_attachment_from_uploaded_file(upload)
    assert part["Content-Type"] == 'text/csv; name="test.csv"; charset="iso-8859-1"'


def test_non_ascii_name_survives_a_round_trip() -> None:
    attachment = AnymailInboundMessage.construct_attachment(
        "text/plain", "x", filename="Übersicht.txt"
    )
    message = AnymailInboundMessage.construct(text="see attached", attachments=[attachment])
    (parsed,) = AnymailInboundMessage.parse_raw_mime_bytes(message.as_bytes()).attachments
    assert parsed.get_param("name") == "Übersicht.txt"
    assert parsed.get_filename() == "Übersicht.txt"


# -- deprecation warnings of the renamed inbound helpers -----------------------------------------


def test_is_inline_attachment_deprecation_text() -> None:
    part = AnymailInboundMessage.construct_attachment("image/png", b"png", content_id="c1")
    with pytest.warns(AnymailDeprecationWarning) as warned:
        assert part.is_inline_attachment() is True
    assert [str(w.message) for w in warned] == [
        "is_inline_attachment has been renamed to is_inline and will be removed in the near future."
    ]


def test_inline_attachments_deprecation_text() -> None:
    message = AnymailInboundMessage.construct(text="hi")
    with pytest.warns(AnymailDeprecationWarning) as warned:
        assert message.inline_attachments == {}
    assert [str(w.message) for w in warned] == [
        "inline_attachments has been renamed to content_id_map and will be removed in the "
        "near future."
    ]
