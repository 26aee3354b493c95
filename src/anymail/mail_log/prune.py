"""Retention: delete what the log holds about messages older than a cut-off, in batches.

Each batch is its own short transaction (a few thousand rows), so pruning a large table
never holds long locks nor one huge transaction, and can be stopped and run again.
Deleting a message deletes its recipients and their events; events no message claimed
and inbound messages go by the time they were received.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import transaction

#: Messages (or other rows) deleted per transaction.
BATCH_SIZE = 1000


@dataclass
class Pruned:
    """Rows deleted, per table (the model's name)."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, counts: dict[str, int]) -> None:
        for label, count in counts.items():
            name = label.rpartition(".")[2]
            self.counts[name] = self.counts.get(name, 0) + count


def prune(
    using: str,
    before: datetime,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[Pruned], Any] | None = None,
) -> Pruned:
    """Delete messages created before `before` (with their recipients and events), and
    unmatched events and inbound messages received before it."""
    pruned = Pruned()
    targets = (
        ("SentMessage", {"created_at__lt": before}, "created_at"),
        ("MessageEvent", {"recipient__isnull": True, "received_at__lt": before}, "received_at"),
        ("InboundMessage", {"received_at__lt": before}, "received_at"),
    )
    for name, condition, order in targets:
        model = apps.get_model("anymail_mail_log", name)
        old = model.objects.using(using).filter(**condition).order_by(order)
        while ids := list(old.values_list("pk", flat=True)[:batch_size]):
            with transaction.atomic(using=using):
                _total, counts = model.objects.using(using).filter(pk__in=ids).delete()
            pruned.add(counts)
            if progress is not None:
                progress(pruned)
    return pruned
