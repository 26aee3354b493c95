"""`manage.py mailtrap_queue`: inspect the outbox, drain it in the foreground, retry, purge.

Nothing here is needed for correctness -- workers recover by themselves -- it is for
operators: see what is waiting, send now without a worker, give failed messages
another chance, and delete old finished rows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count, Min
from django.utils import timezone

from ...drain import drain, request_drain
from ...mailer import load_sender
from ...outbox import database, outbox_model
from ...status import FINAL_STATUSES, Status


class Command(BaseCommand):
    help = "Inspect and operate the queued-sending outbox (anymail.queue)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action",
            nargs="?",
            default="status",
            choices=["status", "drain", "retry-failed", "purge"],
            help="status (default): counts per status; drain: send everything due now, "
            "in this process; retry-failed: make failed messages pending again; "
            "purge: delete finished messages older than --days.",
        )
        parser.add_argument("--database", default=None, help="The outbox's database alias.")
        parser.add_argument(
            "--include-unknown",
            action="store_true",
            help="retry-failed: also send again messages whose outcome is unknown "
            "(they may have been sent already).",
        )
        parser.add_argument("--days", type=float, default=30.0, help="purge: minimum age.")

    def handle(self, *args: Any, **options: Any) -> None:
        using = database(options["database"])
        action = options["action"]
        if action == "status":
            self.status(using)
        elif action == "drain":
            self.drain(using)
        elif action == "retry-failed":
            self.retry_failed(using, options["include_unknown"])
        else:
            self.purge(using, options["days"])

    def status(self, using: str) -> None:
        rows = outbox_model().objects.using(using)
        counts = dict(rows.values_list("status").annotate(n=Count("id")).order_by())
        for status in Status.values:
            self.stdout.write(f"{status:8} {counts.get(status, 0)}")
        oldest = rows.filter(status=Status.PENDING).aggregate(at=Min("created_at"))["at"]
        if oldest is not None:
            age = (timezone.now() - oldest).total_seconds()
            self.stdout.write(f"oldest pending message queued {age:.0f} s ago")

    def drain(self, using: str) -> None:
        """Drain every mailer that has pending messages, until nothing is due."""
        pairs = (
            outbox_model()
            .objects.using(using)
            .exclude(status__in=FINAL_STATUSES)
            .values_list("mailer", "backend")
            .distinct()
        )
        totals: dict[str, int] = {}
        for mailer, backend in list(pairs):
            sender = load_sender(mailer, backend)
            while True:
                report = drain(sender, chain=False)
                for key, value in report.as_dict().items():
                    totals[key] = totals.get(key, 0) + value
                if not report.claimed:
                    break
        summary = ", ".join(f"{key} {value}" for key, value in totals.items()) or "nothing due"
        self.stdout.write(f"drained: {summary}")

    def retry_failed(self, using: str, include_unknown: bool) -> None:
        statuses = [Status.FAILED, Status.UNKNOWN] if include_unknown else [Status.FAILED]
        rows = outbox_model().objects.using(using).filter(status__in=statuses)
        pairs = list(rows.values_list("mailer", "backend").distinct())
        count = rows.update(
            status=Status.PENDING, attempts=0, next_attempt_at=timezone.now(), deadline=None
        )
        for mailer, backend in pairs:
            request_drain(load_sender(mailer, backend))
        self.stdout.write(f"{count} messages are pending again")

    def purge(self, using: str, days: float) -> None:
        cutoff = timezone.now() - timedelta(days=days)
        rows = outbox_model().objects.using(using)
        count, _ = rows.filter(status__in=FINAL_STATUSES, created_at__lt=cutoff).delete()
        self.stdout.write(f"deleted {count} finished messages older than {days:g} days")
