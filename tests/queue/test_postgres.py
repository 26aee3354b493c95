"""The outbox on PostgreSQL: transactions, the full round trip, and concurrent claimers
(`SELECT ... FOR UPDATE SKIP LOCKED`) that never take the same message twice."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections, transaction
from django.utils import timezone

from anymail.message import AnymailMessage
from anymail.queue.models import OutboxMessage
from anymail.queue.outbox import _skip_locked, claim
from mailtrap_emulator import EmulatorServer
from tests.conftest import default_mailer

from .conftest import run_enqueued
from .services import postgres_marks

pytestmark = postgres_marks()

PG = "postgres"
BACKEND = "anymail.backends.queued.QueuedEmailBackend"


@pytest.fixture
def pg_settings(queue_settings: Any) -> Any:
    queue_settings.ANYMAIL["MAILTRAP_QUEUE_DATABASE"] = PG
    return queue_settings


def test_claims_lock_rows_on_postgresql() -> None:
    assert _skip_locked(PG)
    assert not _skip_locked("default")  # SQLite: the conditional-UPDATE claim


def test_commit_sends_and_rollback_sends_nothing(
    pg_settings: Any, message: Callable[..., AnymailMessage], emulator: EmulatorServer
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic(using=PG):
        default_mailer().send_messages([message(subject="rolled back")])
        raise RuntimeError("the request failed")
    with transaction.atomic(using=PG):
        default_mailer().send_messages([message(subject="committed")])
    run_enqueued()
    assert [row.status for row in OutboxMessage.objects.using(PG).all()] == ["sent"]
    assert [stored["subject"] for stored in emulator.messages()] == ["committed"]


def add_rows(count: int) -> set[uuid.UUID]:
    now = timezone.now()
    rows = [
        OutboxMessage(
            id=uuid.uuid4(),
            backend=BACKEND,
            endpoint="http://127.0.0.1:9/api/batch",
            body="{}",
            recipients="to@example.com",
            created_at=now,
            next_attempt_at=now,
        )
        for _ in range(count)
    ]
    OutboxMessage.objects.using(PG).bulk_create(rows)
    return {row.id for row in rows}


def test_concurrent_claimers_never_take_the_same_message() -> None:
    ids = add_rows(3000)
    claims: list[list[uuid.UUID]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker() -> None:
        try:
            start.wait()
            while True:
                _token, rows = claim(PG, None, BACKEND, 40, lease=60)
                if not rows:
                    break
                claims.append([row.id for row in rows])
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    claimed = [row_id for batch in claims for row_id in batch]
    assert len(claimed) == len(set(claimed)) == 3000
    assert set(claimed) == ids
    rows = OutboxMessage.objects.using(PG)
    assert rows.filter(status="sending", attempts=1).count() == 3000
    assert rows.values("claim_token").distinct().count() == len(claims)
