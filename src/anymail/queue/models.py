"""The outbox: one row per queued message, from the caller's transaction to its outcome."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .entries import RECIPIENT_SEPARATOR
from .ids import new_uuid
from .status import FINAL_STATUSES, Status

__all__ = ["FINAL_STATUSES", "OutboxMessage", "Status"]


class OutboxMessage(models.Model):
    """A message ready to send: the exact /api/send body, and where it is in its life.

    The id is the message id the caller sees in `anymail_status` and the one Mailtrap
    gets as the custom variable `anymail_id` (so webhooks can be matched to the row):
    a time-ordered UUID (version 7), so new rows go at the end of the primary key.
    """

    id = models.UUIDField(primary_key=True, default=new_uuid, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    #: The MAILERS alias that queued it; None for EMAIL_BACKEND / get_connection().
    mailer = models.CharField(max_length=100, null=True, blank=True)
    #: Import path of the backend class (how a worker rebuilds it when mailer is None).
    backend = models.CharField(max_length=200)
    #: Full URL of the /api/batch endpoint it goes to (host, bulk or sandbox).
    endpoint = models.CharField(max_length=500)
    #: The complete /api/send JSON body (attachments already base64): one /api/batch entry.
    body = models.TextField()
    #: Recipient emails in to, cc, bcc order (how Mailtrap's message_ids are matched),
    #: one per line (plain text: cheaper to store than JSON); see `recipient_list`.
    recipients = models.TextField()
    priority = models.SmallIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=10)
    #: Re-send after an unknown outcome (False: at-least-once) or give up (True).
    at_most_once = models.BooleanField(default=False)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    #: {email: {"message_id": ..., "status": ...}} from Mailtrap's answer.
    esp_status = models.JSONField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "outbox message"
        indexes = [
            # The only index besides the primary key (each one costs every queued message
            # an insert). The claim: pending rows, most important first, oldest due first.
            # Rows whose lease ran out are found through its `status` prefix: "sending"
            # rows are only those in flight. Claim tokens are looked up with the ids.
            models.Index(fields=["status", "-priority", "next_attempt_at"], name="anymail_q_claim"),
        ]

    @property
    def recipient_list(self) -> list[str]:
        """The recipient emails, in to, cc, bcc order."""
        return self.recipients.split(RECIPIENT_SEPARATOR) if self.recipients else []

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"
