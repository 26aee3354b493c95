"""`manage.py mailtrap_queue`: status, drain in the foreground, retry-failed, purge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from anymail.message import AnymailMessage
from anymail.queue.models import OutboxMessage
from mailtrap_emulator import EmulatorServer
from tests.conftest import default_mailer

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("mailtrap_queue", *args, stdout=out)
    return out.getvalue()


def test_status_drain_retry_and_purge(
    queue_settings: Any, message: Callable[..., AnymailMessage], emulator: EmulatorServer
) -> None:
    default_mailer().send_messages([message(), message(metadata={"blob": "x" * 2000})])
    assert "pending  2" in run("status")
    assert "sent 1" in run("drain")
    status = run()
    assert "sent     1" in status and "failed   1" in status
    assert "1 messages are pending again" in run("retry-failed")
    OutboxMessage.objects.filter(status="sent").update(
        created_at=timezone.now() - timedelta(days=40)
    )
    assert "deleted 1 finished" in run("purge", "--days", "30")
    assert OutboxMessage.objects.get().status == "pending"
