"""The demo's mail: what a small shop sends, and an email a customer sends back."""

from __future__ import annotations

import email.message
import email.utils
import struct
import zlib
from dataclasses import dataclass, field

from anymail.backends.mailtrap import EmailBackend
from anymail.message import AnymailMessage

#: Any UUID does offline: the emulator stores template sends without rendering them.
DEMO_TEMPLATE_ID = "5b9e3c2a-7f41-4d0e-9a6b-2c8d1e4f7a90"


@dataclass
class SentMessage:
    """One send of the demo, for the report."""

    description: str
    message: AnymailMessage
    notes: list[str] = field(default_factory=list)


def send_plain(to: str) -> SentMessage:
    """Plain text, with a tag and metadata (Mailtrap's category and custom_variables)."""
    message = AnymailMessage(
        subject="Your order 4711 has shipped",
        body="Hello,\n\nyour order 4711 is on its way.\n\nDemo Shop",
        to=[to],
        tags=["shipping"],
        metadata={"order_no": 4711},
    )
    message.send()
    return SentMessage("plain text", message)


def send_html_with_attachments(to: str) -> SentMessage:
    """HTML with a text alternative, a file attachment and an inline logo."""
    message = AnymailMessage(
        subject="Your invoice for order 4711",
        body="Your invoice is attached. Track your order: https://shop.example/orders/4711",
        to=[to],
        reply_to=["Demo Shop billing <billing@demo.example>"],
        headers={"X-Demo-Order": "4711"},
        tags=["invoice"],
    )
    logo_cid = message.attach_inline_image(logo_png(), filename="logo.png")
    message.attach_alternative(
        f'<img alt="Demo Shop" src="cid:{logo_cid}">'
        "<p>Your invoice is attached.</p>"
        '<p><a href="https://shop.example/orders/4711">Track your order</a></p>',
        "text/html",
    )
    message.attach("invoice-4711.csv", "item,price\nteapot,24.90\n", "text/csv")
    message.send()
    return SentMessage("HTML + attachment + inline image", message)


def send_template_batch(recipients: dict[str, str], template_id: str) -> SentMessage:
    """One stored template, personalised per recipient: one /api/batch call for everyone."""
    message = AnymailMessage(to=list(recipients))
    message.template_id = template_id
    message.merge_data = {
        email.utils.parseaddr(address)[1]: {"name": name, "coupon": f"SPRING-{number}"}
        for number, (address, name) in enumerate(recipients.items(), 1)
    }
    message.merge_global_data = {"shop_name": "Demo Shop", "valid_until": "May 31"}
    message.send()
    return SentMessage(
        f"template batch ({len(recipients)} recipients)",
        message,
        [f"template {template_id}, merge_data per recipient, merge_global_data"],
    )


def send_to_sandbox(to: str, sandbox_id: str | int) -> SentMessage:
    """The same backend with `sandbox_id` (like MAILERS OPTIONS): lands in a test inbox."""
    sandbox = EmailBackend(sandbox_id=sandbox_id)
    message = AnymailMessage(
        subject="Staging check: password reset mail",
        body="Reset your password: https://staging.shop.example/reset/abc123",
        to=[to],
    )
    sandbox.send_messages([message])
    return SentMessage(
        "sandbox", message, [f"Email Sandbox inbox {sandbox_id}: stored, never delivered"]
    )


def customer_question(to: str) -> bytes:
    """A raw RFC 822 email from a customer, with an attachment (built with the stdlib)."""
    question = email.message.EmailMessage()
    question["From"] = "Carla Diaz <carla@example.net>"
    question["To"] = to
    question["Subject"] = "Question about order 4711"
    question["Date"] = email.utils.formatdate()
    question["Message-ID"] = email.utils.make_msgid(domain="example.net")
    question.set_content("Hello,\n\ncan I still change the delivery address?\n\nCarla")
    question.add_attachment(
        "Carla Diaz\n12 Harbour Street\nPortsmouth\n", subtype="plain", filename="new-address.txt"
    )
    return question.as_bytes()


def logo_png() -> bytes:
    """A tiny valid PNG (an 8x8 orange square), so the demo needs no image files."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    width = height = 8
    rows = b"".join(b"\x00" + b"\xf5\x8a\x07" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
