"""Enqueueing drain tasks without flooding the task queue.

Ten thousand `send_mail` calls must not become ten thousand drain tasks: a flag in the
shared cache says "a drain for this mailer is waiting to start"; while it is set, a
new request adds nothing (the waiting drain will take the new rows too). The drain
clears the flag when it starts, *before* it claims, so a row committed after that is
seen by the next drain. Delayed drains (retries, lease expiry) are deduplicated per
second of their `run_after`. A per-process cache only deduplicates per process.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.core.cache import caches
from django.utils import timezone

from .options import QueueOptions
from .tasks_api import supports_defer

#: How long a waiting drain blocks new ones (a lost flag costs at most this much delay).
WAITING_TTL = 60


def waiting_key(mailer: str | None, backend: str) -> str:
    digest = hashlib.sha256(f"{mailer}|{backend}".encode()).hexdigest()[:32]
    return f"anymail-queue-waiting:{digest}"


def enqueue_drain(
    drain_task: Any,
    options: QueueOptions,
    mailer: str | None,
    backend: str,
    run_after: datetime | None = None,
) -> bool:
    """Enqueue `drain_task(mailer, backend)` unless an equivalent one is waiting.

    Returns whether a task was enqueued. Delayed drains need a backend that supports
    `run_after` (not ImmediateBackend); without one they are skipped.
    """
    cache = caches[options.cache]
    key = waiting_key(mailer, backend)
    ttl = WAITING_TTL
    if run_after is not None:
        if not supports_defer(options.task_backend):
            return False
        key = f"{key}:{int(run_after.timestamp())}"
        ttl = int(max(0.0, (run_after - timezone.now()).total_seconds())) + WAITING_TTL
    if not cache.add(key, 1, timeout=ttl):
        return False
    try:
        drain_task.using(
            backend=options.task_backend,
            queue_name=options.queue_name,
            priority=options.priority,
            run_after=run_after,
        ).enqueue(mailer, backend)
    except BaseException:
        cache.delete(key)
        raise
    return True


def drain_started(options: QueueOptions, mailer: str | None, backend: str) -> None:
    """Let the next request enqueue a new drain (this one claims after this point)."""
    caches[options.cache].delete(waiting_key(mailer, backend))
