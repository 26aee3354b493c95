"""The demo's printed report: what was sent, with what result, and what came back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # mail.py needs Django set up first
    from .mail import SentMessage


def show(text: str = "") -> None:
    print(text, flush=True)


def show_sent(sent: Iterable[SentMessage]) -> None:
    """Each message with every recipient's status and Mailtrap message id."""
    show("Sent through anymail.backends.mailtrap.EmailBackend:")
    for number, item in enumerate(sent, 1):
        subject = f': "{item.message.subject}"' if item.message.subject else ""
        show(f"  {number}. {item.description}{subject}")
        for note in item.notes:
            show(f"       {note}")
        for email, status in item.message.anymail_status.recipients.items():
            show(f"       {email:<26} {status.status:<7} {status.message_id}")
    show()


def show_events(events: Iterable[Any]) -> None:
    """Rows of the demo project's ReceivedEvent table."""
    show("Events received by the demo project's webhooks (read back from its SQLite database):")
    for event in events:
        line = f"  {event.event_type:<10} {event.recipient:<29}"
        if event.event_type != "inbound":
            line += f" {event.message_id}"
        show(f"{line}  {event.summary}".rstrip())
    show()
