"""`manage.py mailtrap_log`: retention (`prune`) and repair (`reconcile`) of the message log.

    manage.py mailtrap_log prune --older-than 90d
    manage.py mailtrap_log reconcile [--since 2d]

Both are safe to stop and run again, and to run from cron.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ....exceptions import AnymailError
from ....mailtrap.email_logs import EmailLogs
from ...apply import database
from ...options import read_options
from ...prune import BATCH_SIZE, Pruned, prune
from ...reconcile import Reconciled, reconcile

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


def duration(text: str) -> timedelta:
    """ "90d", "12h", "2w", "30m", "45s" -> a timedelta."""
    match = _DURATION.match(text.lower())
    if not match:
        raise ValueError(f"{text!r} is not a duration: use e.g. 90d, 12h, 2w")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


class Command(BaseCommand):
    help = "Prune the Anymail message log, or reconcile it with Mailtrap's Email Logs."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        pruning = actions.add_parser("prune", help="Delete log entries older than a duration.")
        pruning.add_argument("--older-than", required=True, type=duration, help="e.g. 90d, 12h, 2w")
        pruning.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        repair = actions.add_parser(
            "reconcile", help="Fill in statuses the webhooks missed, from Mailtrap's Email Logs."
        )
        repair.add_argument(
            "--since",
            type=duration,
            default=timedelta(days=2),
            help="Messages logged in the last ... (default 2d)",
        )
        repair.add_argument("--limit", type=int, default=None, help="Look up at most N ids.")
        for sub in (pruning, repair):
            sub.add_argument("--database", default=None, help="The log's database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbose = options["verbosity"] > 1
        using = options["database"] or database(read_options())
        if options["action"] == "prune":
            self._prune(using, options["older_than"], options["batch_size"])
        else:
            self._reconcile(using, options["since"], options["limit"])

    def _prune(self, using: str, older_than: timedelta, batch_size: int) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        before = timezone.now() - older_than
        self.stdout.write(f"Deleting log entries from before {before:%Y-%m-%d %H:%M:%S %Z}")
        pruned = prune(using, before, batch_size, progress=self._pruned if self.verbose else None)
        self._pruned(pruned, final=True)

    def _pruned(self, pruned: Pruned, final: bool = False) -> None:
        names = ("SentMessage", "Recipient", "MessageEvent", "InboundMessage")
        counts = ", ".join(f"{pruned.counts.get(name, 0):,} {name}" for name in names)
        self.stdout.write(("Deleted " if final else "  so far: ") + counts)

    def _reconcile(self, using: str, since: timedelta, limit: int | None) -> None:
        try:
            logs = EmailLogs.from_settings()
            done = reconcile(
                using,
                timezone.now() - since,
                logs,
                limit,
                progress=self._reconciled if self.verbose else None,
            )
        except AnymailError as error:
            raise CommandError(str(error)) from error
        self._reconciled(done, final=True)

    def _reconciled(self, done: Reconciled, final: bool = False) -> None:
        self.stdout.write(
            ("Reconciled: " if final else "  so far: ")
            + f"{done.looked_up:,} looked up ({done.not_found:,} not in Mailtrap's logs, "
            f"{done.failed:,} failed), {done.found_unknown:,} sends of unknown outcome found, "
            f"{done.events:,} events recorded, {done.changed:,} statuses changed"
        )
