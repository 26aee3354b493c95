"""Mailtrap send payload: addresses, subject, reply_to, headers, bodies and attachments."""

from __future__ import annotations

import base64
from email.header import decode_header, make_header

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.utils.translation import gettext_lazy

from anymail.exceptions import AnymailUnsupportedFeature
from anymail.message import attach_inline_image, attach_inline_image_file

# A 1x1 transparent PNG
PNG_BYTES = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


# -- keys ---------------------------------------------------------------------------------


def test_minimal_message_emits_only_sourced_keys(mailtrap_send, new_message):
    data = mailtrap_send(new_message())
    assert data == {
        "from": {"email": "from@example.com"},
        "to": [{"email": "to@example.com"}],
        "subject": "Subject",
        "text": "Body",
    }


def test_plain_django_email_message_is_sent(mailtrap_send):
    message = EmailMessage("Hi", "Text", "from@example.com", ["to@example.com"])
    data = mailtrap_send(message)
    assert data == {
        "from": {"email": "from@example.com"},
        "to": [{"email": "to@example.com"}],
        "subject": "Hi",
        "text": "Text",
    }


# -- from / to / cc / bcc -------------------------------------------------------------------


def test_from_with_display_name(mailtrap_send, new_message):
    data = mailtrap_send(new_message(from_email="Sender <from@example.com>"))
    assert data["from"] == {"email": "from@example.com", "name": "Sender"}


def test_from_display_name_is_not_quoted(mailtrap_send, new_message):
    data = mailtrap_send(new_message(from_email='"Widgets, Inc." <from@example.com>'))
    assert data["from"] == {"email": "from@example.com", "name": "Widgets, Inc."}


def test_from_display_name_is_not_rfc2047_encoded(mailtrap_send, new_message):
    data = mailtrap_send(new_message(from_email="Frédéric Ünicode <from@example.com>"))
    assert data["from"] == {"email": "from@example.com", "name": "Frédéric Ünicode"}


def test_from_without_display_name_omits_name(mailtrap_send, new_message):
    data = mailtrap_send(new_message(from_email="from@example.com"))
    assert data["from"] == {"email": "from@example.com"}


def test_multiple_from_is_unsupported(mailtrap_api, mailtrap_backend, new_message):
    message = new_message(from_email="one@example.com, two@example.com")
    with pytest.raises(AnymailUnsupportedFeature, match="multiple from emails"):
        mailtrap_backend().send_messages([message])
    assert mailtrap_api.calls == []


def test_multiple_from_ignored_uses_first(mailtrap_send, new_message):
    message = new_message(from_email="one@example.com, two@example.com")
    data = mailtrap_send(message, ignore_unsupported_features=True)
    assert data["from"] == {"email": "one@example.com"}


def test_to_cc_bcc_lists_of_address_dicts(mailtrap_send, new_message):
    message = new_message(
        to=["to1@example.com", '"Recipient, Two" <to2@example.com>'],
        cc=["Carbon <cc@example.com>"],
        bcc=["bcc1@example.com", "Blind Two <bcc2@example.com>"],
    )
    data = mailtrap_send(message)
    assert data["to"] == [
        {"email": "to1@example.com"},
        {"email": "to2@example.com", "name": "Recipient, Two"},
    ]
    assert data["cc"] == [{"email": "cc@example.com", "name": "Carbon"}]
    assert data["bcc"] == [
        {"email": "bcc1@example.com"},
        {"email": "bcc2@example.com", "name": "Blind Two"},
    ]


def test_comma_separated_addresses_in_one_item_are_all_used(mailtrap_send, new_message):
    data = mailtrap_send(new_message(to=["a@example.com, b@example.com"]))
    assert data["to"] == [{"email": "a@example.com"}, {"email": "b@example.com"}]


def test_cc_and_bcc_omitted_when_empty(mailtrap_send, new_message):
    data = mailtrap_send(new_message(cc=[], bcc=[]))
    assert "cc" not in data
    assert "bcc" not in data


def test_bcc_only_message_is_sent(mailtrap_send, new_message):
    data = mailtrap_send(new_message(to=[], bcc=["bcc@example.com"]))
    assert "to" not in data
    assert data["bcc"] == [{"email": "bcc@example.com"}]


def test_non_ascii_domains_are_idna_encoded(mailtrap_send, new_message):
    message = new_message(
        from_email="from@bücher.example", to=["Tö <to@bücher.example>"], cc=["cc@müller.example"]
    )
    data = mailtrap_send(message)
    assert data["from"] == {"email": "from@xn--bcher-kva.example"}
    assert data["to"] == [{"email": "to@xn--bcher-kva.example", "name": "Tö"}]
    assert data["cc"] == [{"email": "cc@xn--mller-kva.example"}]


def test_idna_encoder_setting_is_used(mailtrap_send, new_message, mailtrap_settings):
    mailtrap_settings.ANYMAIL["IDNA_ENCODER"] = "none"
    data = mailtrap_send(new_message(to=["to@bücher.example"]))
    assert data["to"] == [{"email": "to@bücher.example"}]


def test_eai_local_part_passes_through(mailtrap_send, new_message):
    data = mailtrap_send(new_message(to=["jürgen@example.com"]))
    assert data["to"] == [{"email": "jürgen@example.com"}]


# -- subject ------------------------------------------------------------------------------


def test_subject(mailtrap_send, new_message):
    assert mailtrap_send(new_message(subject="Hello"))["subject"] == "Hello"


def test_empty_subject_is_omitted(mailtrap_send, new_message):
    assert "subject" not in mailtrap_send(new_message(subject=""))


def test_lazy_translation_strings_are_sent_as_text(mailtrap_send, new_message):
    message = new_message(
        subject=gettext_lazy("Lazy subject"),
        to=[gettext_lazy("Lazy <lazy@example.com>")],
        metadata={"k": gettext_lazy("lazy value")},
    )
    data = mailtrap_send(message)
    assert data["subject"] == "Lazy subject"
    assert data["to"] == [{"email": "lazy@example.com", "name": "Lazy"}]
    assert data["custom_variables"] == {"k": "lazy value"}


# -- reply_to -----------------------------------------------------------------------------


def test_single_reply_to_is_reply_to_field(mailtrap_send, new_message):
    data = mailtrap_send(new_message(reply_to=["Help Desk <help@example.com>"]))
    assert data["reply_to"] == {"email": "help@example.com", "name": "Help Desk"}
    assert "headers" not in data


def test_single_reply_to_idna_and_plain_name(mailtrap_send, new_message):
    data = mailtrap_send(new_message(reply_to=['"Hélp, Desk" <help@bücher.example>']))
    assert data["reply_to"] == {"email": "help@xn--bcher-kva.example", "name": "Hélp, Desk"}


def test_single_eai_reply_to_is_supported(mailtrap_send, new_message):
    data = mailtrap_send(new_message(reply_to=["jürgen@example.com"]))
    assert data["reply_to"] == {"email": "jürgen@example.com"}


def test_multiple_reply_to_becomes_header(mailtrap_send, new_message):
    message = new_message(reply_to=["one@example.com", "Two <two@example.com>"])
    data = mailtrap_send(message)
    assert "reply_to" not in data
    assert data["headers"] == {"Reply-To": "one@example.com, Two <two@example.com>"}


def test_multiple_reply_to_header_quotes_display_names(mailtrap_send, new_message):
    message = new_message(reply_to=['"Smith, Jo" <jo@example.com>', "two@example.com"])
    data = mailtrap_send(message)
    assert data["headers"]["Reply-To"] == '"Smith, Jo" <jo@example.com>, two@example.com'


def test_multiple_reply_to_header_rfc2047_encodes_names(mailtrap_send, new_message):
    message = new_message(reply_to=["Frédéric <fred@example.com>", "two@example.com"])
    header = mailtrap_send(message)["headers"]["Reply-To"]
    assert header.isascii()
    assert "=?utf-8?" in header
    assert header.endswith(" <fred@example.com>, two@example.com")
    assert str(make_header(decode_header(header))) == (
        "Frédéric <fred@example.com>, two@example.com"
    )


def test_multiple_reply_to_header_idna_encodes_domains(mailtrap_send, new_message):
    message = new_message(reply_to=["one@bücher.example", "two@example.com"])
    data = mailtrap_send(message)
    assert data["headers"]["Reply-To"] == "one@xn--bcher-kva.example, two@example.com"


def test_multiple_reply_to_with_eai_is_unsupported(mailtrap_api, mailtrap_backend, new_message):
    message = new_message(reply_to=["jürgen@example.com", "two@example.com"])
    with pytest.raises(AnymailUnsupportedFeature) as excinfo:
        mailtrap_backend().send_messages([message])
    assert str(excinfo.value) == ("Mailtrap does not support EAI with multiple reply_to addresses")
    assert mailtrap_api.calls == []


def test_multiple_reply_to_with_eai_ignored_still_builds_header(mailtrap_send, new_message):
    message = new_message(reply_to=["jürgen@example.com", "two@example.com"])
    data = mailtrap_send(message, ignore_unsupported_features=True)
    assert data["headers"]["Reply-To"] == "jürgen@example.com, two@example.com"


def test_multiple_reply_to_with_eai_display_name_ignored_still_builds_header(
    mailtrap_send, new_message
):
    message = new_message(reply_to=["Jürgen <jürgen@example.com>", "two@example.com"])
    header = mailtrap_send(message, ignore_unsupported_features=True)["headers"]["Reply-To"]
    name, _, rest = header.partition(" <")
    assert rest == "jürgen@example.com>, two@example.com"
    assert name.isascii()
    assert str(make_header(decode_header(name))) == "Jürgen"


def test_reply_to_extra_header_replaces_reply_to(mailtrap_send, new_message):
    message = new_message(
        reply_to=["ignored@example.com"], headers={"reply-to": "Header <header@example.com>"}
    )
    data = mailtrap_send(message)
    assert data["reply_to"] == {"email": "header@example.com", "name": "Header"}
    assert "headers" not in data


# -- extra headers -----------------------------------------------------------------------


def test_extra_headers(mailtrap_send, new_message):
    message = new_message(headers={"X-Custom": "value", "List-Unsubscribe": "<mailto:u@ex.com>"})
    data = mailtrap_send(message)
    assert data["headers"] == {"X-Custom": "value", "List-Unsubscribe": "<mailto:u@ex.com>"}


def test_extra_header_int_values_stay_ints(mailtrap_send, new_message):
    data = mailtrap_send(new_message(headers={"X-Priority": 3}))
    assert data["headers"] == {"X-Priority": 3}


def test_extra_headers_merge_with_multiple_reply_to_header(mailtrap_send, new_message):
    message = new_message(
        reply_to=["one@example.com", "two@example.com"], headers={"X-Custom": "value"}
    )
    data = mailtrap_send(message)
    assert data["headers"] == {
        "Reply-To": "one@example.com, two@example.com",
        "X-Custom": "value",
    }


def test_spoofed_to_header_is_unsupported(mailtrap_api, mailtrap_backend, new_message):
    message = new_message(headers={"To": "someone@example.com"})
    with pytest.raises(AnymailUnsupportedFeature, match="spoofing `To` header"):
        mailtrap_backend().send_messages([message])


# -- bodies ------------------------------------------------------------------------------


def test_text_body(mailtrap_send, new_message):
    data = mailtrap_send(new_message(body="Plain text"))
    assert data["text"] == "Plain text"
    assert "html" not in data


def test_empty_text_body_is_omitted(mailtrap_send, new_message):
    assert "text" not in mailtrap_send(new_message(body=""))


def test_html_alternative(mailtrap_send):
    message = EmailMultiAlternatives("Subj", "Text", "from@example.com", ["to@example.com"])
    message.attach_alternative("<p>HTML</p>", "text/html")
    data = mailtrap_send(message)
    assert data["text"] == "Text"
    assert data["html"] == "<p>HTML</p>"


def test_html_only_body(mailtrap_send):
    message = EmailMessage("Subj", "<p>HTML</p>", "from@example.com", ["to@example.com"])
    message.content_subtype = "html"
    data = mailtrap_send(message)
    assert data["html"] == "<p>HTML</p>"
    assert "text" not in data


def test_empty_html_body_is_still_sent(mailtrap_send):
    message = EmailMultiAlternatives("Subj", "Text", "from@example.com", ["to@example.com"])
    message.attach_alternative("", "text/html")
    data = mailtrap_send(message)
    assert data["html"] == ""


def test_second_html_part_is_unsupported(mailtrap_api, mailtrap_backend):
    message = EmailMultiAlternatives("Subj", "Text", "from@example.com", ["to@example.com"])
    message.attach_alternative("<p>One</p>", "text/html")
    message.attach_alternative("<p>Two</p>", "text/html")
    with pytest.raises(AnymailUnsupportedFeature) as excinfo:
        mailtrap_backend().send_messages([message])
    assert str(excinfo.value) == "Mailtrap does not support multiple html parts"
    assert mailtrap_api.calls == []


def test_html_body_plus_html_alternative_is_unsupported(mailtrap_backend, mailtrap_api):
    message = EmailMultiAlternatives("Subj", "<p>One</p>", "from@example.com", ["to@example.com"])
    message.content_subtype = "html"
    message.attach_alternative("<p>Two</p>", "text/html")
    with pytest.raises(AnymailUnsupportedFeature, match="multiple html parts"):
        mailtrap_backend().send_messages([message])


def test_second_html_part_ignored_keeps_first(mailtrap_send):
    message = EmailMultiAlternatives("Subj", "Text", "from@example.com", ["to@example.com"])
    message.attach_alternative("<p>One</p>", "text/html")
    message.attach_alternative("<p>Two</p>", "text/html")
    data = mailtrap_send(message, ignore_unsupported_features=True)
    assert data["html"] == "<p>One</p>"


def test_amp_alternative_is_unsupported(mailtrap_backend, mailtrap_api):
    message = EmailMultiAlternatives("Subj", "Text", "from@example.com", ["to@example.com"])
    message.attach_alternative("<html amp4email></html>", "text/x-amp-html")
    with pytest.raises(AnymailUnsupportedFeature) as excinfo:
        mailtrap_backend().send_messages([message])
    assert str(excinfo.value) == (
        "Mailtrap does not support alternative part with type 'text/x-amp-html'"
    )


# -- attachments -------------------------------------------------------------------------


def test_attachment_is_base64_with_filename_and_type(mailtrap_send, new_message):
    message = new_message()
    message.attach("report.pdf", b"%PDF-1.7 binary\x00\xff", "application/pdf")
    data = mailtrap_send(message)
    assert data["attachments"] == [
        {
            "filename": "report.pdf",
            "type": "application/pdf",
            "content": b64(b"%PDF-1.7 binary\x00\xff"),
        }
    ]


def test_text_attachment_type_includes_charset(mailtrap_send, new_message):
    message = new_message()
    message.attach("notes.txt", "Grüße", "text/plain")
    (attachment,) = mailtrap_send(message)["attachments"]
    assert attachment["type"] == 'text/plain; charset="utf-8"'
    assert base64.b64decode(attachment["content"]) == "Grüße".encode()


def test_attachment_type_guessed_from_filename(mailtrap_send, new_message):
    message = new_message()
    message.attach("pixel.png", PNG_BYTES)
    (attachment,) = mailtrap_send(message)["attachments"]
    assert attachment["type"] == "image/png"


def test_attachment_without_filename_is_named_attachment(mailtrap_send, new_message):
    message = new_message()
    message.attach(None, b"data", "application/octet-stream")
    (attachment,) = mailtrap_send(message)["attachments"]
    assert attachment == {
        "filename": "attachment",
        "type": "application/octet-stream",
        "content": b64(b"data"),
    }


def test_regular_attachment_has_no_disposition_or_content_id(mailtrap_send, new_message):
    message = new_message()
    message.attach("a.bin", b"data", "application/octet-stream")
    (attachment,) = mailtrap_send(message)["attachments"]
    assert "disposition" not in attachment
    assert "content_id" not in attachment


def test_inline_image(mailtrap_send, new_message):
    message = new_message()
    cid = attach_inline_image(message, PNG_BYTES, filename="logo.png")
    message.attach_alternative(f'<img src="cid:{cid}">', "text/html")
    (attachment,) = mailtrap_send(message)["attachments"]
    assert attachment == {
        "filename": "logo.png",
        "type": "image/png",
        "content": b64(PNG_BYTES),
        "disposition": "inline",
        "content_id": cid,
    }
    assert not cid.startswith("<")
    assert cid.endswith("@inline")


def test_inline_image_without_filename_is_named_attachment(mailtrap_send, new_message):
    message = new_message()
    cid = message.attach_inline_image(PNG_BYTES)
    (attachment,) = mailtrap_send(message)["attachments"]
    assert attachment["filename"] == "attachment"
    assert attachment["disposition"] == "inline"
    assert attachment["content_id"] == cid


def test_inline_image_file(mailtrap_send, new_message, tmp_path):
    path = tmp_path / "pixel.png"
    path.write_bytes(PNG_BYTES)
    message = new_message()
    cid = attach_inline_image_file(message, str(path), domain="example.com")
    (attachment,) = mailtrap_send(message)["attachments"]
    assert attachment["filename"] == "pixel.png"
    assert attachment["content_id"] == cid
    assert cid.endswith("@example.com")
    assert attachment["disposition"] == "inline"
    assert base64.b64decode(attachment["content"]) == PNG_BYTES


def test_inline_image_file_method(mailtrap_send, new_message, tmp_path):
    path = tmp_path / "pixel.png"
    path.write_bytes(PNG_BYTES)
    message = new_message()
    cid = message.attach_inline_image_file(str(path))
    (attachment,) = mailtrap_send(message)["attachments"]
    assert attachment["content_id"] == cid


def test_attachments_keep_order(mailtrap_send, new_message):
    message = new_message()
    message.attach("first.txt", "1", "text/plain")
    cid = message.attach_inline_image(PNG_BYTES, filename="second.png")
    message.attach("third.bin", b"3", "application/octet-stream")
    attachments = mailtrap_send(message)["attachments"]
    assert [a["filename"] for a in attachments] == ["first.txt", "second.png", "third.bin"]
    assert attachments[1]["content_id"] == cid
