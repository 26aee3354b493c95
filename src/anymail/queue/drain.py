"""The drain task: claim due messages, send them as /api/batch calls, record outcomes.

A drain is small and idempotent; any number run at once on any number of machines.
It keeps the queue moving by itself:

* before claiming, it enqueues a follow-up drain for after the claim's lease expires,
  so a worker killed mid-drain has its messages taken again, whatever the task
  engine does with the dead task;
* while due messages remain, it enqueues the next drain (before sending, so another
  worker can work while this one waits on Mailtrap);
* when only retries remain, it enqueues a drain for the earliest of them.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any

import requests
from django.core.cache import caches
from django.utils import timezone

from ..sending.http_caller import HttpCaller
from ..sending.rate_limit import RateLimiter
from .batch_call import RowResult, send_rows
from .mailer import QueueSender, backend_path, load_sender
from .notify import notify_final, notify_recorded, notify_sent
from .outbox import claim, database, give_up_lost, has_due, next_wakeup
from .rate import SharedRateLimiter
from .records import record
from .schedule import drain_started, enqueue_drain
from .tasks_api import task

logger = logging.getLogger("anymail.queue")

#: Claims within one bucket of this many seconds share one lease follow-up drain.
FOLLOW_UP_BUCKET = 10.0


@dataclass
class DrainReport:
    """What one drain did (the task's return value)."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    final: int = 0
    calls: int = 0
    lost: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@task
def drain_outbox(mailer: str | None, backend: str) -> dict[str, int]:
    """Drain the outbox of one mailer (enqueued on commit; re-enqueues itself as needed)."""
    return drain(load_sender(mailer, backend)).as_dict()


def request_drain(sender: QueueSender, run_after: datetime | None = None) -> bool:
    """Enqueue a drain for this backend's mailer, unless an equivalent one is waiting."""
    return enqueue_drain(
        drain_outbox, sender.queue_options, sender.alias, backend_path(sender), run_after
    )


def drain(sender: QueueSender, chain: bool = True) -> DrainReport:
    """One claim-send-record round. `chain=False` enqueues nothing (a foreground drain)."""
    options = sender.queue_options
    using = database(options.database)
    mailer, backend = sender.alias, backend_path(sender)
    drain_started(options, mailer, backend)
    report = DrainReport()
    given_up = give_up_lost(using, mailer, backend)
    report.final += len(given_up)
    notify_recorded(sender, using, given_up)
    notify_final(sender, given_up)
    if not has_due(using, mailer, backend):
        if chain:
            _wake_up_later(sender, using)
        return report
    if chain:
        _follow_up(sender)
    token, rows = claim(using, mailer, backend, options.batch_size, options.lease)
    report.claimed = len(rows)
    if rows:
        if chain and has_due(using, mailer, backend):
            request_drain(sender)  # another worker can start while this one sends
        results, report.calls = _send(sender, rows)
        recorded = record(using, token, rows, results, options)
        notify_recorded(sender, using, [*recorded.sent, *recorded.retrying, *recorded.final])
        report.sent, report.retrying = len(recorded.sent), len(recorded.retrying)
        report.final += len(recorded.final)
        report.lost = recorded.lost
        if recorded.lost:
            logger.warning(
                "%d queued messages were taken by another worker before this one recorded "
                "their outcome (the lease of %g s ran out): raise queue_lease",
                recorded.lost,
                options.lease,
            )
        notify_sent(sender, recorded.sent, results)
        notify_final(sender, recorded.final)
    if chain:
        if has_due(using, mailer, backend):
            request_drain(sender)
        else:
            _wake_up_later(sender, using)
    return report


def _send(sender: QueueSender, rows: list[Any]) -> tuple[dict[Any, RowResult], int]:
    caller = HttpCaller(sender.esp_name, sender.retry_policy, _shared_limiter(sender))
    session: requests.Session = sender.client.new_session()
    try:
        return send_rows(sender, caller, session, rows)
    finally:
        session.close()


def _shared_limiter(sender: QueueSender) -> RateLimiter | None:
    """The backend's rate limit (MAILTRAP_RATE_LIMIT), counted fleet-wide in the cache."""
    local = sender.rate_limiter
    if local is None:
        return None
    cache = caches[sender.queue_options.cache]
    return SharedRateLimiter(cache, sender.rate_limit_scope(), local.calls, local.period)


def _follow_up(sender: QueueSender) -> None:
    """A drain for after every lease this bucket's claims take (recovers a killed worker)."""
    lease = sender.queue_options.lease
    now = timezone.now().timestamp()
    bucket_end = (math.floor(now / FOLLOW_UP_BUCKET) + 1) * FOLLOW_UP_BUCKET
    at = datetime.fromtimestamp(math.ceil(bucket_end + lease + 1), tz=dt_timezone.utc)
    request_drain(sender, run_after=at)


def _wake_up_later(sender: QueueSender, using: str) -> None:
    """A drain for when the earliest retry falls due."""
    mailer, backend = sender.alias, backend_path(sender)
    at = next_wakeup(using, mailer, backend)
    if at is not None:
        now = timezone.now()
        at = max(at, now) + timedelta(seconds=1)
        request_drain(sender, run_after=at.replace(microsecond=0))
