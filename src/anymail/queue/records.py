"""Results -> the rows' new state: sent, pending again (with a growing delay), or final.

Every write is limited to rows still carrying this drain's claim token, so a drain
whose lease ran out (and whose rows another worker took) cannot overwrite them.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from ..sending.outcomes import Outcome
from .batch_call import RowResult
from .options import QueueOptions
from .outbox import outbox_model
from .status import Status

if TYPE_CHECKING:
    from .models import OutboxMessage

#: Fields written when a row is not simply sent.
_OTHER_FIELDS = [
    "status",
    "esp_status",
    "last_error",
    "next_attempt_at",
    "lease_expires_at",
    "claim_token",
]


@dataclass
class Recorded:
    """What one drain recorded, by row (only rows this drain still owned)."""

    sent: list[OutboxMessage] = field(default_factory=list)
    retrying: list[OutboxMessage] = field(default_factory=list)
    final: list[OutboxMessage] = field(default_factory=list)  # failed or unknown
    lost: int = 0  # rows whose lease expired before their outcome was recorded


def retry_delay(options: QueueOptions, attempts: int, jitter: Callable[[], float]) -> float:
    """backoff * 2**(attempts-1), capped, with "equal jitter" (spread, never zero)."""
    base = min(options.max_backoff, options.backoff * 2 ** max(0, attempts - 1))
    return base / 2 + base / 2 * jitter()


def record(
    using: str,
    token: uuid.UUID,
    rows: Sequence[OutboxMessage],
    results: dict[Any, RowResult],
    options: QueueOptions,
    jitter: Callable[[], float] = random.random,
) -> Recorded:
    """Write each row's outcome; returns the rows by what became of them."""
    now = timezone.now()
    recorded = Recorded()
    for row in rows:
        result = results[row.id]
        row.esp_status = _esp_status(result)
        row.lease_expires_at = None
        row.claim_token = None
        if result.outcome is Outcome.SENT:
            row.status, row.sent_at, row.last_error = Status.SENT, now, ""
            recorded.sent.append(row)
            continue
        row.last_error = result.error
        if _final(row, result, options, now, jitter):
            recorded.final.append(row)
        else:
            recorded.retrying.append(row)
    # bulk_update and the update below name their rows by id (claim_token has no index)
    mine = outbox_model().objects.using(using).filter(claim_token=token, status=Status.SENDING)
    with transaction.atomic(using=using):
        written = 0
        if recorded.sent:
            written += mine.bulk_update(recorded.sent, ["esp_status"], batch_size=500)
            mine.filter(id__in=[row.id for row in recorded.sent]).update(
                status=Status.SENT,
                sent_at=now,
                last_error="",
                lease_expires_at=None,
                claim_token=None,
            )
        others = recorded.retrying + recorded.final
        if others:
            written += mine.bulk_update(others, _OTHER_FIELDS, batch_size=500)
    recorded.lost = len(rows) - written
    return recorded


def _final(
    row: OutboxMessage,
    result: RowResult,
    options: QueueOptions,
    now: datetime,
    jitter: Callable[[], float],
) -> bool:
    """Set the row's next status: pending again (False) or a final one (True)."""
    unknown = result.outcome is Outcome.UNKNOWN
    if result.refused:
        row.status = Status.FAILED
        return True
    if unknown and row.at_most_once:
        row.status = Status.UNKNOWN
        return True
    next_at = now + timedelta(seconds=retry_delay(options, row.attempts, jitter))
    out_of_time = row.deadline is not None and next_at > row.deadline
    if row.attempts >= row.max_attempts or out_of_time:
        row.status = Status.UNKNOWN if unknown else Status.FAILED
        why = "deadline reached" if out_of_time else f"gave up after {row.attempts} attempts"
        row.last_error = f"{row.last_error} ({why})"
        return True
    row.status = Status.PENDING
    row.next_attempt_at = next_at
    return False


def _esp_status(result: RowResult) -> dict[str, Any] | None:
    if not result.statuses:
        return None
    return {
        email: {"message_id": status.message_id, "status": status.status}
        for email, status in result.statuses.items()
    }
