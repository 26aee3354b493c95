"""The log's tables: sent messages, their recipients, the recipients' event history, and
(optionally) inbound messages.

Sized for a large table (millions of rows) read by the admin and support staff:

* `SentMessage.id` is the project's message id: the outbox row's id for queued
  messages, a new time-ordered UUID (version 7) for the others, so rows go at the end
  of the primary key; `created_at` orders the changelist, and each filter the admin
  offers (status, category, stream) has an index that starts with it and ends with
  `created_at`, so a filtered page is one index range read newest first.
* `Recipient.mailtrap_message_id` is indexed: webhooks and reconcile find recipients
  by it; `Recipient.email` (stored lower case) is indexed for "all mail to this person".
* Events for messages not in the log (kept per MAIL_LOG_UNKNOWN_EVENTS) are indexed by
  two *partial* indexes that hold only those rows, so matched events pay nothing for them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ..queue.ids import new_uuid
from .status import Status, Stream

__all__ = ["InboundMessage", "MessageEvent", "Recipient", "SentMessage", "Status", "Stream"]


class SentMessageQuerySet(models.QuerySet["SentMessage"]):
    """Lookups the log is commonly asked for (see docs/message-log.md)."""

    def sent_to(self, email: str) -> SentMessageQuerySet:
        """Messages with `email` among their recipients (to, cc or bcc; any case)."""
        recipients = Recipient.objects.filter(message=OuterRef("pk"), email=email.lower())
        return self.filter(Exists(recipients))

    def with_mailtrap_id(self, message_id: str) -> SentMessageQuerySet:
        """The message one of whose recipients has this Mailtrap message id."""
        recipients = Recipient.objects.filter(
            message=OuterRef("pk"), mailtrap_message_id=message_id
        )
        return self.filter(Exists(recipients))


class SentMessage(models.Model):
    """One message as Mailtrap got it (a merge batch: one per `to` recipient)."""

    id = models.UUIDField(primary_key=True, default=new_uuid, editable=False)
    #: When it was sent (synchronous sends) or queued (QueuedEmailBackend).
    created_at = models.DateTimeField(default=timezone.now)
    #: The highest status of its recipients (status.py: the order statuses move in).
    status = models.CharField(max_length=16, choices=Status.choices)
    status_at = models.DateTimeField(null=True, blank=True)
    #: When Mailtrap accepted it (None: not, or not yet).
    accepted_at = models.DateTimeField(null=True, blank=True)
    stream = models.CharField(max_length=16, choices=Stream.choices)
    #: The MAILERS alias that sent it ("" for EMAIL_BACKEND / get_connection()).
    mailer = models.CharField(max_length=100, blank=True, default="")
    from_email = models.CharField(max_length=400, blank=True, default="")
    subject = models.CharField(max_length=500, blank=True, default="")
    #: Mailtrap's category (Anymail's tag).
    category = models.CharField(max_length=255, blank=True, default="")
    template_id = models.CharField(max_length=100, blank=True, default="")
    #: Mailtrap's custom variables (Anymail's metadata).
    metadata = models.JSONField(default=dict, blank=True)
    #: Why it was not accepted, or why its outcome is unknown (never the API token).
    error = models.TextField(blank=True, default="")
    #: Only with MAIL_LOG_STORE_BODIES (privacy: see docs/message-log.md).
    text_body = models.TextField(blank=True, default="")
    html_body = models.TextField(blank=True, default="")
    #: Only with MAIL_LOG_STORE_BODIES: [{"filename", "mimetype", "size"}], never content.
    attachments = models.JSONField(default=list, blank=True)

    objects = SentMessageQuerySet.as_manager()

    class Meta:
        verbose_name = "sent message"
        indexes = [
            models.Index(fields=["created_at"], name="anymail_log_created"),
            models.Index(fields=["status", "created_at"], name="anymail_log_status"),
            models.Index(fields=["category", "created_at"], name="anymail_log_category"),
            models.Index(fields=["stream", "created_at"], name="anymail_log_stream"),
        ]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} ({self.status})"


class Recipient(models.Model):
    """One recipient of a logged message: Mailtrap's message id for it and its status."""

    class Kind(models.TextChoices):
        TO = "to"
        CC = "cc"
        BCC = "bcc"

    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(SentMessage, on_delete=models.CASCADE, related_name="recipients")
    kind = models.CharField(max_length=3, choices=Kind.choices, default=Kind.TO)
    #: The address, lower case (search with `email=address.lower()`: the index serves it).
    email = models.CharField(max_length=320)
    name = models.CharField(max_length=200, blank=True, default="")
    #: Mailtrap's id for this recipient's copy (None until Mailtrap accepted it).
    mailtrap_message_id = models.CharField(max_length=100, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    status_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "recipient"
        indexes = [
            # plain B-trees (db_index would add a LIKE-pattern index on PostgreSQL too)
            models.Index(fields=["mailtrap_message_id"], name="anymail_log_mailtrap_id"),
            models.Index(fields=["email"], name="anymail_log_email"),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.status})"


class MessageEvent(models.Model):
    """A tracking event for a recipient (or, per MAIL_LOG_UNKNOWN_EVENTS, for a Mailtrap
    message the log does not have: `recipient` None until that message is logged)."""

    id = models.BigAutoField(primary_key=True)
    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    #: Mailtrap's event_id (its retries repeat it), or a key made from the event's content
    #: (reconcile, events without an id): each event is stored once.
    event_key = models.CharField(max_length=200, unique=True)
    #: Anymail's normalized type (delivered, bounced, opened, ...).
    event_type = models.CharField(max_length=16)
    #: Mailtrap's own name for it (e.g. "soft bounce", "suspension").
    esp_event_type = models.CharField(max_length=32, blank=True, default="")
    timestamp = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    mailtrap_message_id = models.CharField(max_length=100, blank=True, default="")
    #: The project's id Mailtrap got as the custom variable `anymail_id` (queued sends):
    #: how an event is matched before, or without, Mailtrap's id being known.
    anymail_id = models.UUIDField(null=True, blank=True)
    email = models.CharField(max_length=320, blank=True, default="")
    #: mta_response, reject_reason, click_url, user_agent, bounce_category, ... (no IP).
    details = models.JSONField(default=dict, blank=True)
    #: "webhook" or "reconcile".
    source = models.CharField(max_length=10, default="webhook")

    class Meta:
        verbose_name = "message event"
        indexes = [
            models.Index(
                fields=["mailtrap_message_id"],
                condition=Q(recipient__isnull=True),
                name="anymail_log_unmatched_id",
            ),
            models.Index(
                fields=["anymail_id"],
                condition=Q(recipient__isnull=True, anymail_id__isnull=False),
                name="anymail_log_unmatched_project",
            ),
            models.Index(
                fields=["received_at"],
                condition=Q(recipient__isnull=True),
                name="anymail_log_unmatched_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.email} at {self.timestamp:%Y-%m-%d %H:%M:%S}"


class InboundMessage(models.Model):
    """A message received through Mailtrap's inbound webhook (with MAIL_LOG_INBOUND)."""

    id = models.BigAutoField(primary_key=True)
    #: "<inbox>/<message>": a webhook retry stores nothing twice.
    event_key = models.CharField(max_length=200, unique=True)
    received_at = models.DateTimeField(db_index=True)
    inbox = models.CharField(max_length=32, blank=True, default="")
    mailtrap_message_id = models.CharField(max_length=128, blank=True, default="")
    from_email = models.CharField(max_length=400, blank=True, default="")
    to = models.TextField(blank=True, default="")
    subject = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        verbose_name = "inbound message"

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} from {self.from_email}"
