"""An outbox row's statuses (importable without the app installed, unlike the model)."""

from __future__ import annotations

from django.db import models


class Status(models.TextChoices):
    PENDING = "pending"  # waiting for a drain (maybe until next_attempt_at)
    SENDING = "sending"  # claimed by a drain until lease_expires_at
    SENT = "sent"  # Mailtrap accepted it (final)
    FAILED = "failed"  # Mailtrap surely does not have it (final)
    UNKNOWN = "unknown"  # it may or may not have gone out (final)


#: Statuses nothing will change any more.
FINAL_STATUSES = (Status.SENT, Status.FAILED, Status.UNKNOWN)
