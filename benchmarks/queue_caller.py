"""The caller's CPU per message when queueing, vs building it for a synchronous send.

Run by benchmarks/queue.py in a fresh interpreter with the queue test project's settings
(tests/queue/project; the database from ANYMAIL_QT_DB); prints one JSON line.

Each round, interleaved and after an untimed `gc.collect()`: *build* -- what a
synchronous send does in the caller before its API call (pre_send, payload, JSON body)
-- and *queue* -- `send_messages` on QueuedEmailBackend for the same 1,000 messages in
one transaction, commit included. Both for a typical transactional message and for
the plain message of the other rows; then one message per transaction (a request that
sends one email), where the database round trips dominate.
"""

from __future__ import annotations

import gc
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

COUNT = 1000
ROUNDS = 5
SINGLE_COUNT, SINGLE_ROUNDS = 300, 3


def typical_message(number: int) -> Any:
    """The message the queue's caller cost was first measured with (issue 10)."""
    from anymail.message import AnymailMessage

    return AnymailMessage(
        subject=f"Order {number} shipped",
        body="Your order is on its way. " * 20,
        from_email="Shop <shop@example.com>",
        to=[f"customer{number}@example.com"],
        metadata={"order": number},
        tags=["shipping"],
    )


def cpu_per_message(function: Callable[[list[Any]], None], messages: list[Any]) -> float:
    gc.collect()
    started = time.process_time()
    function(messages)
    return (time.process_time() - started) / len(messages) * 1e6


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from anymail.backends.mailtrap import EmailBackend, QueuedEmailBackend
    from anymail.queue.models import OutboxMessage

    from .harness import plain_message

    sync, queued = EmailBackend(), QueuedEmailBackend()

    def build(messages: list[Any]) -> None:
        for message in messages:
            sync.prepare(message).encode_body().text()

    def queue(messages: list[Any]) -> None:
        with transaction.atomic():
            queued.send_messages(messages)

    def queue_each(messages: list[Any]) -> None:
        for message in messages:
            with transaction.atomic():
                queued.send_messages([message])

    result: dict[str, Any] = {}
    for kind, make in (("typical", typical_message), ("plain", plain_message)):
        rounds: dict[str, list[float]] = {"build": [], "queue": []}
        for _ in range(ROUNDS):
            for name, function in (("build", build), ("queue", queue)):
                rounds[name].append(cpu_per_message(function, [make(n) for n in range(COUNT)]))
            OutboxMessage.objects.all().delete()
        ratios = [q / b for q, b in zip(rounds["queue"], rounds["build"], strict=True)]
        result[kind] = {
            "build_us": min(rounds["build"]),
            "queue_us": min(rounds["queue"]),
            "median_ratio": statistics.median(ratios),
        }
    single = [
        cpu_per_message(queue_each, [typical_message(n) for n in range(SINGLE_COUNT)])
        for _ in range(SINGLE_ROUNDS)
    ]
    result["single_us"] = min(single)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
