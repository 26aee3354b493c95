"""The outbox table's operations: claim, recover (`insert` stores new rows).

Claiming is safe with many workers on many machines: on databases with
`SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL, MySQL 8, Oracle) each worker locks the
rows it takes; elsewhere (SQLite) a conditional UPDATE re-checks that each row is still
claimable and stamps it with a fresh claim token -- the database's write lock makes
that atomic -- and the worker takes exactly the rows with its token.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import router, transaction
from django.db.models import F, Min, Q, QuerySet
from django.utils import timezone

from .status import Status

if TYPE_CHECKING:
    from .models import OutboxMessage

#: The columns a drain needs (leaves out nothing big but the body, which it sends).
CLAIM_FIELDS = (
    "id",
    "mailer",
    "backend",
    "endpoint",
    "body",
    "recipients",
    "attempts",
    "max_attempts",
    "at_most_once",
    "deadline",
    "created_at",
)


def outbox_model() -> type[OutboxMessage]:
    """The model, looked up at run time (the app is optional; see the system check)."""
    return apps.get_model("anymail_queue", "OutboxMessage")


def database(alias: str | None) -> str:
    """The database the outbox lives in: the given alias, else the router's choice."""
    return alias or router.db_for_write(outbox_model())


def _mine(using: str, mailer: str | None, backend: str) -> QuerySet[OutboxMessage]:
    return outbox_model().objects.using(using).filter(mailer=mailer, backend=backend)


def _due(now: datetime) -> Q:
    """Pending and due, or lost by a worker (lease expired) and safe to send again."""
    return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, lease_expires_at__lt=now, at_most_once=False
    )


def has_due(using: str, mailer: str | None, backend: str) -> bool:
    return _mine(using, mailer, backend).filter(_due(timezone.now())).exists()


def next_wakeup(using: str, mailer: str | None, backend: str) -> datetime | None:
    """When the earliest waiting retry falls due (None: no retry is waiting)."""
    pending = _mine(using, mailer, backend).filter(status=Status.PENDING)
    at: datetime | None = pending.aggregate(at=Min("next_attempt_at"))["at"]
    return at


def claim(
    using: str, mailer: str | None, backend: str, limit: int, lease: float
) -> tuple[uuid.UUID, list[OutboxMessage]]:
    """Take up to `limit` due rows for `lease` seconds; returns the claim token and rows."""
    model = outbox_model()
    now = timezone.now()
    token = uuid.uuid4()
    candidates = (
        _mine(using, mailer, backend)
        .filter(_due(now))
        .order_by("-priority", "next_attempt_at")
        .values_list("id", flat=True)
    )
    changes: dict[str, Any] = dict(
        status=Status.SENDING,
        claim_token=token,
        lease_expires_at=now + timedelta(seconds=lease),
        attempts=F("attempts") + 1,
    )
    with transaction.atomic(using=using):
        if _skip_locked(using):
            ids = list(candidates.select_for_update(skip_locked=True)[:limit])
            claimed = model.objects.using(using).filter(id__in=ids)
        else:
            ids = list(candidates[:limit])
            claimed = model.objects.using(using).filter(_due(now), id__in=ids)
        if ids:
            claimed.update(**changes)
    if not ids:
        return token, []
    # the ids narrow the lookup (claim_token has no index: inserts would pay for one)
    rows = model.objects.using(using).filter(id__in=ids, claim_token=token).only(*CLAIM_FIELDS)
    return token, list(rows.order_by("-priority", "created_at"))


def _skip_locked(using: str) -> bool:
    connection = transaction.get_connection(using)
    return bool(connection.features.has_select_for_update_skip_locked)


def give_up_lost(using: str, mailer: str | None, backend: str) -> list[OutboxMessage]:
    """Rows that must not be sent (again): lease expired with an at-most-once policy or
    no attempts left -> unknown; still pending after their deadline -> failed."""
    model = outbox_model()
    now = timezone.now()
    mine = _mine(using, mailer, backend)
    lost = Q(status=Status.SENDING, lease_expires_at__lt=now) & (
        Q(at_most_once=True) | Q(attempts__gte=F("max_attempts")) | Q(deadline__lt=now)
    )
    late = Q(status=Status.PENDING, deadline__lt=now)
    given_up: list[OutboxMessage] = []
    for condition, status, error in (
        (
            lost,
            Status.UNKNOWN,
            "The worker sending it was lost (its lease expired): it may "
            "or may not have been sent, and it will not be sent again.",
        ),
        (late, Status.FAILED, "Its deadline passed before it could be sent."),
    ):
        ids = list(mine.filter(condition).values_list("id", flat=True)[:500])
        if not ids:
            continue
        token = uuid.uuid4()
        mine.filter(condition, id__in=ids).update(
            status=status, last_error=error, claim_token=token, lease_expires_at=None
        )
        mine_now = model.objects.using(using).filter(id__in=ids, claim_token=token)
        # with what the failure signal and outbox_recorded receivers read of them
        given_up += mine_now.only(*CLAIM_FIELDS, "status", "last_error", "esp_status", "sent_at")
    return given_up
