"""Store every tracking and inbound event, deduplicated on event_id (webhooks are at-least-once)."""

from typing import Any

from django.dispatch import receiver

from anymail.signals import AnymailInboundEvent, AnymailTrackingEvent, inbound, tracking

from .models import ReceivedEvent


def store_event(event_id: str | None, **fields: Any) -> None:
    """Insert the event once; a redelivery (same event_id) changes nothing."""
    if event_id is None:  # nothing to deduplicate on
        ReceivedEvent.objects.create(**fields)
    else:
        ReceivedEvent.objects.get_or_create(event_id=event_id, defaults=fields)


@receiver(tracking)
def store_tracking_event(
    sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any
) -> None:
    """A sending event: delivered, opened, clicked, bounced, ..."""
    details = [event.click_url, event.mta_response, *event.tags]
    details += [f"{key}={value}" for key, value in sorted(event.metadata.items())]
    store_event(
        event.event_id,
        event_type=event.event_type,
        recipient=event.recipient or "",
        message_id=event.message_id or "",
        summary=", ".join(detail for detail in details if detail),
    )


@receiver(inbound)
def store_inbound_event(
    sender: Any, event: AnymailInboundEvent, esp_name: str, **kwargs: Any
) -> None:
    """A received email, already fetched from Mailtrap and parsed."""
    message = event.message
    if message is None:
        return
    attachments = [part.get_filename() or "(unnamed)" for part in message.attachments]
    summary = f"from {message.from_email}: {message.subject}"
    if attachments:
        summary += f" [attachments: {', '.join(attachments)}]"
    store_event(
        event.event_id,
        event_type=event.event_type,
        recipient=", ".join(address.addr_spec for address in message.to),
        message_id=message.get("Message-ID", ""),
        summary=summary,
    )
