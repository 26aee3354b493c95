"""A logged recipient's status, and the order statuses move in.

Sends and webhooks may report a recipient in any order (Mailtrap retries webhook posts
for hours, a worker records its outcome after the delivery event has arrived, a
reconcile run replays old events), so a recipient's status only ever moves *up* this
list; a report of a lower status is kept in the event history and changes nothing:

    queued < not_accepted < unknown < sent < deferred < delivered < opened < clicked
           < unsubscribed < complained < rejected < bounced

Send outcomes come first (any event from Mailtrap knows better), then the delivery
path, then engagement, then the outcomes that matter most when they happen at all:
opt-outs and hard failures. So a late "delivered" never hides a "bounced" or an
"opened". A message's status is the highest status of its recipients, so
`SentMessage.objects.filter(status="bounced")` finds every message with a bounce.
"""

from __future__ import annotations

from django.db import models

from ..signals import EventType


class Status(models.TextChoices):
    """A recipient's (and, rolled up, a message's) status, in the order they rank."""

    QUEUED = "queued"  # in the outbox of QueuedEmailBackend, not sent yet
    NOT_ACCEPTED = "not_accepted"  # Mailtrap surely does not have it
    UNKNOWN = "unknown"  # the call went out, no answer came back: it may have been sent
    SENT = "sent"  # accepted by Mailtrap
    DEFERRED = "deferred"  # soft bounce or suspension: Mailtrap keeps trying
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"
    UNSUBSCRIBED = "unsubscribed"
    COMPLAINED = "complained"  # marked as spam
    REJECTED = "rejected"  # Mailtrap would not send it (e.g. suppression list)
    BOUNCED = "bounced"


#: Each status's rank: a recipient's status is replaced only by a higher-ranked one.
RANK: dict[str, int] = {status: rank for rank, status in enumerate(Status.values)}

#: Statuses reconcile looks up: Mailtrap has the message and has not said how it ended.
AWAITING_OUTCOME = (Status.SENT, Status.DEFERRED)

#: Normalized tracking event type -> the status it reports (other types only add history).
EVENT_STATUS: dict[str, str] = {
    EventType.DEFERRED: Status.DEFERRED,
    EventType.DELIVERED: Status.DELIVERED,
    EventType.OPENED: Status.OPENED,
    EventType.CLICKED: Status.CLICKED,
    EventType.UNSUBSCRIBED: Status.UNSUBSCRIBED,
    EventType.COMPLAINED: Status.COMPLAINED,
    EventType.REJECTED: Status.REJECTED,
    EventType.BOUNCED: Status.BOUNCED,
}


def higher(current: str | None, reported: str | None) -> bool:
    """Whether `reported` replaces `current` (it ranks higher)."""
    if reported is None:
        return False
    return current is None or RANK.get(reported, -1) > RANK.get(current, -1)


def highest(statuses: list[str]) -> str:
    """The highest-ranked of some statuses (a message's status, from its recipients')."""
    return max(statuses, key=lambda status: RANK.get(status, -1))


class Stream(models.TextChoices):
    """Which Mailtrap sending stream a message went to."""

    TRANSACTIONAL = "transactional"
    BULK = "bulk"
    SANDBOX = "sandbox"
