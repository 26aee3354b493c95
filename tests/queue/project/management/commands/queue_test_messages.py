"""Queue COUNT messages with COUNT separate send_mail calls (each its own transaction)."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int)
        parser.add_argument("--prefix", default="m")

    def handle(self, *args: Any, count: int, prefix: str, **options: Any) -> None:
        started = time.perf_counter()
        for n in range(count):
            send_mail(f"{prefix}{n}", "Body", "from@example.com", [f"{prefix}{n}@example.com"])
        elapsed = time.perf_counter() - started
        self.stdout.write(json.dumps({"queued": count, "seconds": elapsed}))
