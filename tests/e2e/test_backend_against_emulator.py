"""The real Mailtrap backend against the emulator over 127.0.0.1: every payload feature.

Each test sends through `anymail.backends.mailtrap.EmailBackend` and checks what the emulator
stored (the API payload, the MIME message it rendered, the recipients and their ids) and that
`anymail_status` reports exactly the emulator's message ids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from anymail.exceptions import AnymailAPIError
from anymail.message import AnymailMessage
from mailtrap_emulator import EmulatorServer

from .conftest import stored_mime

TEMPLATE_ID = "11111111-abcd-1234-0000-0123456789ab"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24

Send = Callable[..., Any]
NewMessage = Callable[..., AnymailMessage]


def only_message(emulator: EmulatorServer) -> dict[str, Any]:
    """The one message the emulator stored."""
    (message,) = emulator.messages()
    return message


def test_addresses_keep_their_names_and_kinds(
    send: Send, emulator: EmulatorServer, new_message: NewMessage
) -> None:
    send(
        new_message(
            from_email="Shop <shop@example.com>",
            to=["Ana Silva <ana@example.org>", "ben@example.org"],
            cc=["Cy Young <cy@example.org>"],
            bcc=["Bea <bea@example.org>"],
        )
    )
    stored = only_message(emulator)
    assert stored["from"] == {"email": "shop@example.com", "name": "Shop"}
    assert [(r["kind"], r["email"], r["name"]) for r in stored["recipients"]] == [
        ("to", "ana@example.org", "Ana Silva"),
        ("to", "ben@example.org", None),
        ("cc", "cy@example.org", "Cy Young"),
        ("bcc", "bea@example.org", "Bea"),
    ]
    mime = stored_mime(emulator, stored["id"])
    assert mime["From"] == "Shop <shop@example.com>"
    assert mime["To"] == "Ana Silva <ana@example.org>, ben@example.org"
    assert mime["Cc"] == "Cy Young <cy@example.org>"
    assert mime["Bcc"] is None


def test_anymail_status_reports_the_emulators_message_ids(
    send: Send, emulator: EmulatorServer, new_message: NewMessage
) -> None:
    message = send(new_message(to=["ana@example.org", "ben@example.org"], cc=["cy@example.org"]))
    stored = only_message(emulator)
    expected = {r["email"]: r["message_id"] for r in stored["recipients"]}
    status = message.anymail_status
    assert {email: s.message_id for email, s in status.recipients.items()} == expected
    assert {s.status for s in status.recipients.values()} == {"queued"}
    assert status.status == {"queued"}
    assert status.message_id == set(stored["message_ids"])


def test_non_ascii_domain_is_idna_encoded(
    send: Send, emulator: EmulatorServer, new_message: NewMessage
) -> None:
    message = send(new_message(to=["Jörg <joerg@bücher.example>"]))
    stored = only_message(emulator)
    assert stored["payload"]["to"] == [{"email": "joerg@xn--bcher-kva.example", "name": "Jörg"}]
    assert list(message.anymail_status.recipients) == ["joerg@xn--bcher-kva.example"]
    assert stored_mime(emulator, stored["id"])["To"].addresses[0].domain == "xn--bcher-kva.example"


def test_single_reply_to_is_mailtraps_reply_to_field(
    send: Send, emulator: EmulatorServer, new_message: NewMessage
) -> None:
    send(new_message(reply_to=["Help Desk <help@example.com>"]))
    stored = only_message(emulator)
    assert stored["payload"]["reply_to"] == {"email": "help@example.com", "name": "Help Desk"}
    assert stored_mime(emulator, stored["id"])["Reply-To"] == "Help Desk <help@example.com>"


def test_several_reply_to_addresses_travel_as_a_header(
    send: Send, emulator: EmulatorServer, new_message: NewMessage
) -> None:
    send(new_message(reply_to=["help@example.com", "Billing <billing@example.com>"]))
    stored = only_message(emulator)
    assert "reply_to" not in stored["payload"]
    reply_to = "help@example.com, Billing <billing@example.com>"
    assert stored["payload"]["headers"] == {"Reply-To": reply_to}
    assert stored_mime(emulator, stored["id"])["Reply-To"] == reply_to


def test_custom_headers_reach_the_message(
    send: Send, emulator: EmulatorServer, new_message: NewMessage
) -> None:
    send(new_message(headers={"X-Order": "4711", "List-Unsubscribe": "<https://x.example/u>"}))
    stored = only_message(emulator)
    assert stored["payload"]["headers"] == {
        "X-Order": "4711",
        "List-Unsubscribe": "<https://x.example/u>",
    }
    mime = stored_mime(emulator, stored["id"])
    assert mime["X-Order"] == "4711"
    assert mime["List-Unsubscribe"] == "<https://x.example/u>"


def test_text_and_html_bodies_become_alternatives(
    send: Send, emulator: EmulatorServer, new_message: NewMessage
) -> None:
    message = new_message(body="Plain words")
    message.attach_alternative("<p>HTML words</p>", "text/html")
    send(message)
    stored = only_message(emulator)
    assert (stored["payload"]["text"], stored["payload"]["html"]) == (
        "Plain words",
        "<p>HTML words</p>",
    )
    mime = stored_mime(emulator, stored["id"])
    assert mime.get_content_type() == "multipart/alternative"
    assert mime.get_body(("plain",)).get_content().strip() == "Plain words"
    assert mime.get_body(("html",)).get_content().strip() == "<p>HTML words</p>"


def test_attachments_and_inline_image(
    send: Send, emulator: EmulatorServer, new_message: NewMessage
) -> None:
    message = new_message()
    cid = message.attach_inline_image(PNG, filename="logo.png")
    message.attach_alternative(f'<img src="cid:{cid}">', "text/html")
    message.attach("report.csv", "a,b\n1,2\n", "text/csv")
    message.attach("data.bin", b"\x00\x01\x02", "application/octet-stream")
    send(message)
    stored = only_message(emulator)
    attachments = {a["filename"]: a for a in stored["payload"]["attachments"]}
    assert attachments["logo.png"]["disposition"] == "inline"
    assert attachments["logo.png"]["content_id"] == cid
    assert attachments["report.csv"]["type"] == 'text/csv; charset="utf-8"'

    mime = stored_mime(emulator, stored["id"])
    parts = {part.get_filename(): part for part in mime.walk() if part.get_filename()}
    assert parts["logo.png"].get_content_disposition() == "inline"
    assert parts["logo.png"]["Content-ID"] == f"<{cid}>"
    assert parts["logo.png"].get_content() == PNG
    related = mime.get_body(("related",))
    assert related is not None and parts["logo.png"] in related.iter_parts()
    assert parts["report.csv"].get_content_disposition() == "attachment"
    assert parts["report.csv"].get_payload(decode=True) == b"a,b\n1,2\n"
    assert parts["data.bin"].get_content() == b"\x00\x01\x02"


def test_tag_is_category_and_metadata_is_custom_variables(
    send: Send, emulator: EmulatorServer, new_message: NewMessage
) -> None:
    send(new_message(tags=["welcome"], metadata={"user_id": 42, "plan": "pro"}))
    stored = only_message(emulator)
    assert stored["category"] == "welcome"
    assert stored["custom_variables"] == {"user_id": "42", "plan": "pro"}
    assert stored_mime(emulator, stored["id"])["X-Mailtrap-Category"] == "welcome"
    assert [e["category"] for e in stored["events"]] == ["welcome"]  # the delivery event


def test_template_batch_with_every_merge_feature(
    send: Send, emulator: EmulatorServer, new_message: NewMessage
) -> None:
    message = new_message(
        subject="",
        body="",
        to=["alice@example.com", "Bob <bob@example.com>", "carol@example.com"],
        metadata={"campaign": "spring"},
        headers={"X-Campaign": "spring"},
    )
    message.template_id = TEMPLATE_ID
    message.merge_global_data = {"shop": "Demo Shop", "coupon": "GLOBAL"}
    message.merge_data = {
        "alice@example.com": {"name": "Alice", "coupon": "A-1"},
        "bob@example.com": {"name": "Bob"},
    }
    message.merge_metadata = {
        "alice@example.com": {"user_id": 1},
        "bob@example.com": {"user_id": 2},
    }
    message.merge_headers = {"carol@example.com": {"X-Segment": "vip"}}
    send(message)

    stored = {m["recipients"][0]["email"]: m for m in emulator.messages()}
    assert set(stored) == {"alice@example.com", "bob@example.com", "carol@example.com"}
    assert {m["template_uuid"] for m in stored.values()} == {TEMPLATE_ID}
    variables = {email: m["payload"]["template_variables"] for email, m in stored.items()}
    assert variables == {
        "alice@example.com": {"shop": "Demo Shop", "coupon": "A-1", "name": "Alice"},
        "bob@example.com": {"shop": "Demo Shop", "coupon": "GLOBAL", "name": "Bob"},
        "carol@example.com": {"shop": "Demo Shop", "coupon": "GLOBAL"},
    }
    assert stored["alice@example.com"]["custom_variables"] == {"campaign": "spring", "user_id": "1"}
    assert stored["carol@example.com"]["custom_variables"] == {"campaign": "spring"}
    assert stored["carol@example.com"]["payload"]["headers"] == {
        "X-Campaign": "spring",
        "X-Segment": "vip",
    }
    assert stored["bob@example.com"]["payload"]["headers"] == {"X-Campaign": "spring"}
    assert stored["bob@example.com"]["recipients"][0]["name"] == "Bob"
    # The emulator's stand-in rendering names the template and this recipient's variables.
    body = stored_mime(emulator, stored["alice@example.com"]["id"]).get_body(("plain",))
    assert TEMPLATE_ID in body.get_content() and '"A-1"' in body.get_content()

    ids = {email: s.message_id for email, s in message.anymail_status.recipients.items()}
    assert ids == {email: m["message_ids"][0] for email, m in stored.items()}
    assert message.anymail_status.status == {"queued"}


def test_batch_entry_refused_by_the_emulator_fails_only_its_recipient(
    send: Send, emulator: EmulatorServer, new_message: NewMessage
) -> None:
    message = new_message(to=["ok@example.com", "bad@example.com"])
    message.merge_headers = {"bad@example.com": {"X-Count": 5}}  # Mailtrap wants strings
    send(message)
    assert [m["recipients"][0]["email"] for m in emulator.messages()] == ["ok@example.com"]
    recipients = message.anymail_status.recipients
    assert recipients["ok@example.com"].status == "queued"
    assert recipients["bad@example.com"].status == "failed"
    assert recipients["bad@example.com"].message_id is None


def test_esp_extra_is_merged_into_the_payload(
    send: Send, emulator: EmulatorServer, new_message: NewMessage
) -> None:
    send(new_message(metadata={"a": "1"}, esp_extra={"custom_variables": {"b": "2"}}))
    stored = only_message(emulator)
    assert stored["custom_variables"] == {"a": "1", "b": "2"}


def test_sandbox_send_lands_in_the_sandbox_inbox(
    send: Send, emulator: EmulatorServer, new_message: NewMessage
) -> None:
    message = send(new_message(to=["ana@example.org", "ben@example.org"]), sandbox_id=4242)
    stored = only_message(emulator)
    assert (stored["stream"], stored["sandbox_inbox_id"]) == ("sandbox", 4242)
    assert stored["events"] == []  # nothing is delivered from a sandbox
    (sandbox_id,) = stored["message_ids"]
    assert message.anymail_status.message_id == sandbox_id
    assert {s.message_id for s in message.anymail_status.recipients.values()} == {sandbox_id}


def test_bulk_api_url_sends_on_the_bulk_stream(
    send: Send, emulator: EmulatorServer, new_message: NewMessage
) -> None:
    message = send(new_message(), api_url=f"{emulator.url}/bulk/api/")
    stored = only_message(emulator)
    assert stored["stream"] == "bulk"
    assert message.anymail_status.message_id == stored["message_ids"][0]


def test_validation_error_surfaces_as_api_error_with_mailtraps_words(
    mailtrap_backend: Callable[..., Any], emulator: EmulatorServer, new_message: NewMessage
) -> None:
    message = new_message(subject="", body="", tags=["welcome"])
    message.template_id = TEMPLATE_ID
    with pytest.raises(AnymailAPIError) as error:
        mailtrap_backend().send_messages([message])
    assert error.value.status_code == 400
    assert "'category' is not allowed with 'template_uuid'" in str(error.value)
    assert message.anymail_status.status is None
    assert emulator.messages() == []
