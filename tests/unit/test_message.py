"""AnymailMessage and its mixin, inline-image helpers, and the status objects."""

from __future__ import annotations

from collections.abc import Callable
from email.mime.image import MIMEImage
from pathlib import Path
from typing import Any

import django
import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives

from anymail.message import (
    ANYMAIL_STATUSES,
    AnymailMessage,
    AnymailMessageMixin,
    AnymailRecipientStatus,
    AnymailStatus,
    attach_inline_image,
    attach_inline_image_file,
)
from anymail.utils import UNSET

ANYMAIL_KWARGS = [
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
]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
GIF = b"GIF89a" + b"\x00" * 24


# -- AnymailMessage / AnymailMessageMixin --------------------------------------------------------


def test_anymail_message_is_an_email_multi_alternatives() -> None:
    assert issubclass(AnymailMessage, AnymailMessageMixin)
    assert issubclass(AnymailMessage, EmailMultiAlternatives)


@pytest.mark.parametrize("attr", ANYMAIL_KWARGS)
def test_anymail_attributes_default_to_unset(attr: str) -> None:
    assert getattr(AnymailMessage(), attr) is UNSET


@pytest.mark.parametrize("attr", ANYMAIL_KWARGS)
def test_anymail_keyword_sets_attribute(attr: str) -> None:
    value = object()
    assert getattr(AnymailMessage(**{attr: value}), attr) is value


def test_django_keywords_pass_through() -> None:
    message = AnymailMessage(
        "Subject", "Body", "from@example.com", ["to@example.com"], cc=["cc@example.com"]
    )
    assert (message.subject, message.body, message.from_email) == (
        "Subject",
        "Body",
        "from@example.com",
    )
    assert message.to == ["to@example.com"]
    assert message.cc == ["cc@example.com"]


def test_new_message_has_fresh_anymail_status() -> None:
    status = AnymailMessage().anymail_status
    assert isinstance(status, AnymailStatus)
    assert status.message_id is None
    assert status.status is None
    assert status.recipients == {}
    assert status.esp_response is None


def test_each_message_gets_its_own_status() -> None:
    assert AnymailMessage().anymail_status is not AnymailMessage().anymail_status


def test_mixin_adds_anymail_attributes_to_another_email_class() -> None:
    class MyMessage(AnymailMessageMixin, EmailMessage):
        pass

    message = MyMessage(tags=["a"], subject="Hi")
    assert message.tags == ["a"]
    assert message.subject == "Hi"
    assert isinstance(message.anymail_status, AnymailStatus)


def test_plain_email_message_has_no_anymail_status() -> None:
    assert not hasattr(EmailMessage(), "anymail_status")


def test_plain_email_message_gets_status_from_anymail_backend(
    test_backend: Callable[..., Any],
) -> None:
    message = EmailMessage("S", "B", "from@example.com", ["to@example.com"])
    test_backend().send_messages([message])
    assert message.anymail_status.status == {"sent"}  # type: ignore[attr-defined]


# -- inline images -------------------------------------------------------------------------------


def _only_attachment(message: EmailMessage) -> Any:
    assert len(message.attachments) == 1
    return message.attachments[0]


def test_inline_image_returns_content_id_without_brackets() -> None:
    message = AnymailMessage()
    cid = attach_inline_image(message, PNG)
    assert not cid.startswith("<")
    assert _only_attachment(message)["Content-ID"] == f"<{cid}>"


def test_inline_image_content_id_uses_literal_inline_domain() -> None:
    cid = attach_inline_image(AnymailMessage(), PNG)
    assert cid.endswith("@inline")


def test_inline_image_content_id_uses_idstring_and_domain() -> None:
    cid = attach_inline_image(AnymailMessage(), PNG, idstring="logo", domain="example.com")
    assert cid.endswith("@example.com")
    assert ".logo@" in cid


def test_inline_image_content_ids_are_unique() -> None:
    message = AnymailMessage()
    assert attach_inline_image(message, PNG) != attach_inline_image(message, PNG)


def test_inline_image_part_type_matches_installed_django() -> None:
    message = AnymailMessage()
    attach_inline_image(message, PNG)
    part = _only_attachment(message)
    if django.VERSION >= (6, 0):
        from email.message import MIMEPart

        assert isinstance(part, MIMEPart)
    else:
        assert isinstance(part, MIMEImage)


def test_inline_image_subtype_guessed_from_content() -> None:
    message = AnymailMessage()
    attach_inline_image(message, GIF)
    assert _only_attachment(message).get_content_type() == "image/gif"


def test_inline_image_explicit_subtype() -> None:
    message = AnymailMessage()
    attach_inline_image(message, PNG, subtype="x-custom")
    assert _only_attachment(message).get_content_type() == "image/x-custom"


def test_inline_image_disposition_is_inline() -> None:
    message = AnymailMessage()
    attach_inline_image(message, PNG)
    assert _only_attachment(message).get_content_disposition() == "inline"


def test_inline_image_without_filename_has_no_filename_param() -> None:
    message = AnymailMessage()
    attach_inline_image(message, PNG)
    assert _only_attachment(message).get_filename() is None


def test_inline_image_with_filename() -> None:
    message = AnymailMessage()
    attach_inline_image(message, PNG, filename="logo.png")
    assert _only_attachment(message).get_filename() == "logo.png"


def test_inline_image_content_round_trips() -> None:
    message = AnymailMessage()
    attach_inline_image(message, PNG)
    assert _only_attachment(message).get_payload(decode=True) == PNG


def test_inline_image_file_uses_basename_and_file_bytes(tmp_path: Path) -> None:
    path = tmp_path / "pic.png"
    path.write_bytes(PNG)
    message = AnymailMessage()
    cid = attach_inline_image_file(message, str(path))
    part = _only_attachment(message)
    assert part.get_filename() == "pic.png"
    assert part.get_payload(decode=True) == PNG
    assert part["Content-ID"] == f"<{cid}>"


def test_inline_image_file_passes_options(tmp_path: Path) -> None:
    path = tmp_path / "pic.png"
    path.write_bytes(PNG)
    message = AnymailMessage()
    cid = attach_inline_image_file(
        message, str(path), subtype="webp", idstring="pic", domain="d.example"
    )
    assert _only_attachment(message).get_content_type() == "image/webp"
    assert cid.endswith(".pic@d.example")


def test_message_method_attach_inline_image() -> None:
    message = AnymailMessage()
    cid = message.attach_inline_image(PNG, filename="a.png", domain="d.example")
    assert cid.endswith("@d.example")
    assert _only_attachment(message).get_filename() == "a.png"


def test_message_method_attach_inline_image_file(tmp_path: Path) -> None:
    path = tmp_path / "b.png"
    path.write_bytes(PNG)
    message = AnymailMessage()
    cid = message.attach_inline_image_file(str(path), idstring="b")
    assert ".b@inline" in cid
    assert _only_attachment(message).get_filename() == "b.png"


def test_inline_image_is_sent_as_inline_attachment(
    send_params: Callable[..., dict[str, Any]], new_message: Callable[..., Any]
) -> None:
    message = new_message()
    cid = message.attach_inline_image(PNG, filename="logo.png")
    (attachment,) = send_params(message)["attachments"]
    assert attachment.inline
    assert attachment.cid == cid
    assert attachment.mimetype == "image/png"


# -- status objects ------------------------------------------------------------------------------


def test_anymail_statuses() -> None:
    assert ANYMAIL_STATUSES == ["sent", "queued", "invalid", "rejected", "failed", "unknown"]


@pytest.mark.parametrize("status", [*ANYMAIL_STATUSES, None])
def test_recipient_status_accepts_known_statuses(status: str | None) -> None:
    assert AnymailRecipientStatus("id", status).status == status


def test_recipient_status_rejects_unknown_status() -> None:
    with pytest.raises(ValueError, match=r"^Invalid status 'delivered'$"):
        AnymailRecipientStatus("id", "delivered")


def test_recipient_status_rejects_unhashable_message_id() -> None:
    with pytest.raises(TypeError, match=r"^Invalid message_id \['a'\] is not scalar type$"):
        AnymailRecipientStatus(["a"], "sent")


def test_recipient_status_repr() -> None:
    assert (
        repr(AnymailRecipientStatus("abc", "queued")) == "AnymailRecipientStatus('abc', 'queued')"
    )


def test_status_single_message_id_collapses_to_bare_value() -> None:
    status = AnymailStatus()
    status.set_recipient_status(
        {
            "a@example.com": AnymailRecipientStatus("id1", "queued"),
            "b@example.com": AnymailRecipientStatus("id1", "queued"),
        }
    )
    assert status.message_id == "id1"


def test_status_several_message_ids_form_a_set() -> None:
    status = AnymailStatus()
    status.set_recipient_status(
        {
            "a@example.com": AnymailRecipientStatus("id1", "queued"),
            "b@example.com": AnymailRecipientStatus("id2", "failed"),
        }
    )
    assert status.message_id == {"id1", "id2"}
    assert status.status == {"queued", "failed"}


def test_status_is_always_a_set() -> None:
    status = AnymailStatus()
    status.set_recipient_status({"a@example.com": AnymailRecipientStatus("id1", "sent")})
    assert status.status == {"sent"}


def test_status_updates_accumulate_and_later_entries_overwrite() -> None:
    status = AnymailStatus()
    status.set_recipient_status({"a@example.com": AnymailRecipientStatus("id1", "queued")})
    status.set_recipient_status(
        {
            "a@example.com": AnymailRecipientStatus("id2", "sent"),
            "b@example.com": AnymailRecipientStatus("id2", "sent"),
        }
    )
    assert set(status.recipients) == {"a@example.com", "b@example.com"}
    assert status.message_id == "id2"
    assert status.status == {"sent"}


def test_status_repr_initial() -> None:
    assert repr(AnymailStatus()) == "AnymailStatus<status=None>"  # status part always shown


def test_status_repr_single() -> None:
    status = AnymailStatus()
    status.set_recipient_status({"a@example.com": AnymailRecipientStatus("id1", "queued")})
    assert repr(status) == "AnymailStatus<status={'queued'}, message_id='id1', 1 recipients>"


def test_status_repr_sorts_sets() -> None:
    status = AnymailStatus()
    status.set_recipient_status(
        {
            "a@example.com": AnymailRecipientStatus("id2", "sent"),
            "b@example.com": AnymailRecipientStatus("id1", "failed"),
        }
    )
    assert repr(status) == (
        "AnymailStatus<status={'failed', 'sent'}, message_id={'id1', 'id2'}, 2 recipients>"
    )


def test_status_repr_handles_mixed_none_and_str_ids() -> None:
    # Open point 7: the reference raises TypeError here; a repr must never fail.
    status = AnymailStatus()
    status.set_recipient_status(
        {
            "a@example.com": AnymailRecipientStatus("id1", "queued"),
            "b@example.com": AnymailRecipientStatus(None, "failed"),
        }
    )
    assert "message_id={None, 'id1'}" in repr(status)


def test_anymail_attributes_are_declared_for_type_checkers() -> None:
    from typing import get_type_hints

    from anymail.message import ANYMAIL_MESSAGE_ATTRS, AnymailMessage

    hints = get_type_hints(AnymailMessage)
    assert set(ANYMAIL_MESSAGE_ATTRS) | {"anymail_status"} <= set(hints)
