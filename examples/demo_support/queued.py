"""The demo's queued step: QueuedEmailBackend stores messages in the caller's transaction;
a real `manage.py db_worker` process (django-tasks-db, on the demo's SQLite database)
sends them as one /api/batch call and records each outcome."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import django
from django.core import mail
from django.db import transaction

from anymail.message import AnymailMessage

from . import DemoError
from .report import show

QUEUED_BACKEND = "anymail.backends.mailtrap.QueuedEmailBackend"
EXAMPLES = Path(__file__).resolve().parents[1]


def queued_backend() -> Any:
    """The MAILERS["queued"] entry on Django 6.1, else the backend with ANYMAIL settings."""
    if django.VERSION >= (6, 1):
        return mail.mailers["queued"]  # type: ignore[attr-defined]
    return mail.get_connection(QUEUED_BACKEND)


def run_queued_step(customers: list[str]) -> None:
    """Queue one message per customer in one transaction, then let a worker send them."""
    from anymail.queue.models import OutboxMessage

    messages = [
        AnymailMessage(
            subject="Our spring sale starts today",
            body="Hello,\n\neverything is 20% off until Sunday.\n\nDemo Shop",
            to=[customer],
            tags=["newsletter"],
        )
        for customer in customers
    ]
    with transaction.atomic():  # e.g. a view's ATOMIC_REQUESTS transaction
        queued_backend().send_messages(messages)
    show("Queued sending (QueuedEmailBackend): stored in the caller's transaction")
    for message in messages:
        status = message.anymail_status
        show(f"  {message.to[0]:<28} {sorted(status.status or ())}  id {status.message_id}")
    show("  a real worker drains the outbox: manage.py db_worker --batch (django-tasks-db)")
    worker = subprocess.run(
        [sys.executable, "-m", "django", "db_worker", "--batch", "--no-startup-delay"],
        env={**os.environ, "PYTHONPATH": str(EXAMPLES)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if worker.returncode:
        raise DemoError(f"db_worker failed:\n{worker.stderr[-2000:]}")
    rows = {str(row.id): row for row in OutboxMessage.objects.all()}
    for message in messages:
        row = rows[message.anymail_status.message_id]
        mailtrap_ids = [one["message_id"] for one in (row.esp_status or {}).values()]
        show(f"  {message.to[0]:<28} {row.status:<8} Mailtrap id {', '.join(mailtrap_ids)}")
    if any(row.status != "sent" for row in rows.values()):
        raise DemoError("the worker did not send every queued message")
    show()
