"""§2 anymail.message: attributes, inline images, status objects."""

from __future__ import annotations

import email.message
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

# 1x1 transparent PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

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


def test_mixin_pops_all_twelve_kwargs_defaulting_to_unset() -> None:
    msg = AnymailMessage(subject="s")
    for attr in ANYMAIL_KWARGS:
        assert getattr(msg, attr) is UNSET, attr


def test_mixin_stores_given_kwargs() -> None:
    values = {attr: f"value-{attr}" for attr in ANYMAIL_KWARGS}
    msg = AnymailMessage(subject="s", **values)
    for attr, value in values.items():
        assert getattr(msg, attr) == value
    assert msg.subject == "s"


def test_mixin_sets_fresh_anymail_status() -> None:
    msg = AnymailMessage()
    assert isinstance(msg.anymail_status, AnymailStatus)
    assert msg.anymail_status.status is None


def test_anymail_message_class_hierarchy() -> None:
    assert AnymailMessage.__bases__ == (AnymailMessageMixin, EmailMultiAlternatives)
    assert issubclass(AnymailMessageMixin, EmailMessage)


def test_mixin_works_with_plain_email_message() -> None:
    class MyMessage(AnymailMessageMixin, EmailMessage):
        pass

    msg = MyMessage(subject="s", to=["a@example.com"], tags=["x"])
    assert msg.tags == ["x"]
    assert msg.to == ["a@example.com"]


def test_plain_email_message_has_no_anymail_status() -> None:
    assert not hasattr(EmailMessage(), "anymail_status")


def _inline_part(msg: Any) -> Any:
    attachment = msg.attachments[-1]
    assert isinstance(attachment, email.message.Message)
    return attachment


def test_attach_inline_image_returns_cid_without_brackets_using_inline_domain() -> None:
    msg = AnymailMessage()
    cid = attach_inline_image(msg, PNG)
    assert not cid.startswith("<")
    assert not cid.endswith(">")
    assert cid.endswith("@inline")
    part = _inline_part(msg)
    assert part["Content-ID"] == f"<{cid}>"


def test_attach_inline_image_idstring_and_domain() -> None:
    msg = AnymailMessage()
    cid = attach_inline_image(msg, PNG, idstring="logo", domain="example.com")
    assert cid.endswith("@example.com")
    assert ".logo@" in cid or "logo" in cid.split("@")[0]


def test_attach_inline_image_part_headers_guessed_subtype_no_filename() -> None:
    msg = AnymailMessage()
    attach_inline_image(msg, PNG)
    part = _inline_part(msg)
    assert part.get_content_type() == "image/png"
    assert part.get_content_disposition() == "inline"
    assert part.get_filename() is None


def test_attach_inline_image_filename_and_subtype() -> None:
    msg = AnymailMessage()
    attach_inline_image(msg, PNG, filename="pic.png", subtype="x-custom")
    part = _inline_part(msg)
    assert part.get_content_type() == "image/x-custom"
    assert part.get_filename() == "pic.png"
    assert part.get_content_disposition() == "inline"


def test_attach_inline_image_part_class_depends_on_django_version() -> None:
    from email.mime.image import MIMEImage

    msg = AnymailMessage()
    attach_inline_image(msg, PNG)
    part = _inline_part(msg)
    if django.VERSION >= (6, 0):
        assert isinstance(part, email.message.MIMEPart)
    else:
        assert isinstance(part, MIMEImage)


def test_attach_inline_image_file_uses_basename(tmp_path: Path) -> None:
    path = tmp_path / "logo.png"
    path.write_bytes(PNG)
    msg = AnymailMessage()
    cid = attach_inline_image_file(msg, str(path))
    part = _inline_part(msg)
    assert part.get_filename() == "logo.png"
    assert part["Content-ID"] == f"<{cid}>"
    assert part.get_content_type() == "image/png"


def test_message_methods_delegate(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(PNG)
    msg = AnymailMessage()
    cid1 = msg.attach_inline_image_file(str(path), idstring="f")
    cid2 = msg.attach_inline_image(PNG, filename="b.png", domain="d.example")
    assert len(msg.attachments) == 2
    assert cid1.endswith("@inline")
    assert cid2.endswith("@d.example")


def test_inline_image_content_roundtrips() -> None:
    msg = AnymailMessage()
    attach_inline_image(msg, PNG)
    assert _inline_part(msg).get_payload(decode=True) == PNG


# -- §2.3 status objects -------------------------------------------------------------------


def test_anymail_statuses_list() -> None:
    assert ANYMAIL_STATUSES == ["sent", "queued", "invalid", "rejected", "failed", "unknown"]


def test_recipient_status_rejects_unhashable_message_id() -> None:
    with pytest.raises(TypeError) as info:
        AnymailRecipientStatus(["x"], "sent")
    assert str(info.value) == "Invalid message_id ['x'] is not scalar type"


def test_recipient_status_rejects_unknown_status() -> None:
    with pytest.raises(ValueError) as info:
        AnymailRecipientStatus("id", "delivered")
    assert str(info.value) == "Invalid status 'delivered'"


def test_recipient_status_accepts_none_status() -> None:
    status = AnymailRecipientStatus(None, None)
    assert status.message_id is None
    assert status.status is None


def test_recipient_status_repr() -> None:
    assert repr(AnymailRecipientStatus("abc", "queued")) == (
        "AnymailRecipientStatus('abc', 'queued')"
    )


def test_status_initial_values() -> None:
    status = AnymailStatus()
    assert status.message_id is None
    assert status.status is None
    assert status.recipients == {}
    assert status.esp_response is None


def test_set_recipient_status_single_id_collapses() -> None:
    status = AnymailStatus()
    status.set_recipient_status(
        {
            "a@example.com": AnymailRecipientStatus("id1", "queued"),
            "b@example.com": AnymailRecipientStatus("id1", "queued"),
        }
    )
    assert status.message_id == "id1"
    assert status.status == {"queued"}


def test_set_recipient_status_several_ids_are_a_set() -> None:
    status = AnymailStatus()
    status.set_recipient_status({"a@example.com": AnymailRecipientStatus("id1", "queued")})
    status.set_recipient_status({"b@example.com": AnymailRecipientStatus("id2", "failed")})
    assert status.message_id == {"id1", "id2"}
    assert status.status == {"queued", "failed"}
    assert set(status.recipients) == {"a@example.com", "b@example.com"}


def test_set_recipient_status_later_entry_overwrites() -> None:
    status = AnymailStatus()
    status.set_recipient_status({"a@example.com": AnymailRecipientStatus("id1", "queued")})
    status.set_recipient_status({"a@example.com": AnymailRecipientStatus("id2", "sent")})
    assert status.recipients["a@example.com"].message_id == "id2"
    assert status.message_id == "id2"
    assert status.status == {"sent"}


def test_set_recipient_status_empty_makes_status_a_set() -> None:
    status = AnymailStatus()
    status.set_recipient_status({})
    assert status.status == set()


def test_status_repr_full() -> None:
    status = AnymailStatus()
    status.set_recipient_status(
        {
            "a@example.com": AnymailRecipientStatus("id2", "queued"),
            "b@example.com": AnymailRecipientStatus("id1", "failed"),
        }
    )
    assert repr(status) == (
        "AnymailStatus<status={'failed', 'queued'}, message_id={'id1', 'id2'}, 2 recipients>"
    )


def test_status_repr_single_id() -> None:
    status = AnymailStatus()
    status.set_recipient_status({"a@example.com": AnymailRecipientStatus("id1", "queued")})
    assert repr(status) == "AnymailStatus<status={'queued'}, message_id='id1', 1 recipients>"


def test_status_repr_initial_shows_status_only() -> None:
    # "the message_id and recipient parts only when truthy": the status part is always there
    assert repr(AnymailStatus()) == "AnymailStatus<status=None>"
