"""Print the outbox's counts per status as JSON (read by the worker tests)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Count

from anymail.queue.models import OutboxMessage


class Command(BaseCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        counts = dict(
            OutboxMessage.objects.values_list("status").annotate(n=Count("id")).order_by()
        )
        ids = list(OutboxMessage.objects.values_list("id", flat=True))
        self.stdout.write(json.dumps({"counts": counts, "ids": [str(i) for i in ids]}))
