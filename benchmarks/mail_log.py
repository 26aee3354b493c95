"""The message log (anymail.mail_log): what it costs a sender, and how fast it takes
tracking webhooks. The rows of `python -m benchmarks`; alone: `python -m benchmarks.mail_log`.

Each figure comes from a fresh interpreter (`python -m benchmarks.mail_log cpu|webhooks
<database>`) with the log's tables migrated into a new database -- a SQLite file, or a
new PostgreSQL database at 127.0.0.1:5432 (dropped afterwards) -- and prints one JSON line.

* *Sender CPU* -- process CPU (`time.process_time`: every thread, SQLite's work included;
  PostgreSQL's server is another process) for sending 2,000 plain messages in one
  `send_messages` call with default settings to the benchmark server at 0 ms per call,
  with the log's receivers connected (on) and not (off); best of 5 interleaved rounds
  after an untimed `gc.collect()`, the log's tables emptied between rounds. The notes
  add one message per `send_messages` call (300 calls), where the log's transaction is
  paid per message.
* *Webhook throughput* -- 10,000 messages logged (sent with batching to the benchmark
  server), then their delivery events and then their open events posted to the real
  tracking view (`MailtrapTrackingWebhookView`, Mailtrap-Signature checked) through
  Django's RequestFactory, 500 events per call: events per second of wall time, every
  event updating its recipient's status. The notes give 50 events per call and the
  queries per call.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .harness import TOKEN, minimal_environment, plain_message, server
from .scenarios import Result

ROOT = Path(__file__).resolve().parents[1]
DSN = "host=127.0.0.1 port=5432 user=postgres dbname={}"
CPU_GOAL, RATE_GOAL = 1.3, 1000.0
MESSAGES, SINGLE, ROUNDS = 2000, 300, 5
LOGGED, PER_CALL, SMALL_CALL = 10_000, 500, 50
SECRET = "benchmark-tracking-secret"

CPU_ROW = (
    "Message log: sender CPU per plain message, log on vs off (2,000 messages, 0 ms per call), {}"
)
RATE_ROW = "Message log: tracking webhook throughput with status updates, 500 events per call, {}"


# -- the parent: one fresh interpreter per figure ------------------------------------------


def mail_log_results() -> list[Result]:
    """Every message log row, in table order."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="anymail-bench-log-") as tmp:
        sqlite = {"cpu": f"sqlite:{tmp}/cpu.db", "webhooks": f"sqlite:{tmp}/hooks.db"}
        missing = _postgres_missing()
        for kind in ("cpu", "webhooks"):
            rows.append(_row(kind, "SQLite", sqlite[kind]))
            if missing:
                rows.append(_not_run(kind, missing))
                continue
            with _database() as name:
                rows.append(_row(kind, "PostgreSQL", f"postgres:{name}"))
    return rows


def _row(kind: str, label: str, db: str) -> Result:
    name = (CPU_ROW if kind == "cpu" else RATE_ROW).format(label)
    goal = f"≤ {CPU_GOAL:g}x" if kind == "cpu" else f"≥ {RATE_GOAL:,.0f} events/s"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.mail_log", kind, db],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        return Result(name, "failed", goal, False, (lines or ["(no output)"])[-1][:300])
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if kind == "cpu":
        ratio = figures["on_us"] / figures["off_us"]
        return Result(
            name,
            f"{ratio:.2f}x",
            goal,
            ratio <= CPU_GOAL,
            f"{figures['on_us']:.0f} µs vs {figures['off_us']:.0f} µs per message (best of "
            f"{ROUNDS}; median ratio {figures['median_ratio']:.2f}x); one message per call: "
            f"{figures['single_on_us']:.0f} µs vs {figures['single_off_us']:.0f} µs",
        )
    rate = figures["rate"]
    return Result(
        name,
        f"{rate:,.0f} events/s",
        goal,
        rate >= RATE_GOAL if label == "PostgreSQL" else None,
        f"{figures['events']:,} events in {figures['seconds']:.1f} s, {figures['queries']} "
        f"queries per call; 50 events per call: {figures['small_rate']:,.0f} events/s",
    )


def _not_run(kind: str, reason: str) -> Result:
    name = (CPU_ROW if kind == "cpu" else RATE_ROW).format("PostgreSQL")
    goal = f"≤ {CPU_GOAL:g}x" if kind == "cpu" else f"≥ {RATE_GOAL:,.0f} events/s"
    note = f"not run: PostgreSQL is not reachable at 127.0.0.1:5432 ({reason})"
    return Result(name, "not run", goal, None, note)


def _postgres_missing() -> str:
    try:
        import psycopg

        with psycopg.connect(DSN.format("postgres"), connect_timeout=3):
            return ""
    except Exception as error:  # ImportError, OperationalError
        return f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0][:100]}"


@contextmanager
def _database() -> Iterator[str]:
    import psycopg

    name = f"anymail_bench_log_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(DSN.format("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(DSN.format("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- the child: Django with the log, one figure ----------------------------------------------


def setup(db: str) -> None:
    import django
    from django.conf import settings
    from django.core.management import call_command

    kind, _, where = db.partition(":")
    if kind == "postgres":
        database = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": where,
            "USER": "postgres",
            "HOST": "127.0.0.1",
            "PORT": 5432,
        }
    else:
        # the usual production settings for SQLite: write-ahead log, fsync at checkpoints
        init = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
        database = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": where,
            "OPTIONS": {"init_command": init},
        }
    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "anymail", "anymail.mail_log"],
        DATABASES={"default": database},
        ANYMAIL={"MAILTRAP_TRACKING_SECRET": SECRET},
        DEFAULT_FROM_EMAIL="from@example.com",
        USE_TZ=True,
    )
    django.setup()
    call_command("migrate", verbosity=0)


def cpu_figures(api_url: str) -> dict[str, float]:
    from anymail.backends.mailtrap import EmailBackend
    from anymail.mail_log.receivers import connect_receivers, disconnect_receivers

    backend = EmailBackend(api_token=TOKEN, api_url=api_url)
    messages = [plain_message(n) for n in range(MESSAGES)]
    singles = [plain_message(n) for n in range(SINGLE)]

    def per_message(log: bool, batch: list[Any], one_by_one: bool) -> float:
        (connect_receivers if log else disconnect_receivers)()
        _empty_log()
        gc.collect()
        started = time.process_time()
        if one_by_one:
            for message in batch:
                backend.send_messages([message])
        else:
            assert backend.send_messages(batch) == len(batch)
        return (time.process_time() - started) / len(batch) * 1e6

    rounds: dict[str, list[float]] = {"off": [], "on": []}
    with minimal_environment():  # as the CPU row: the floor at its fastest
        for _ in range(ROUNDS):
            rounds["off"].append(per_message(False, messages, False))
            rounds["on"].append(per_message(True, messages, False))
        single_off = min(per_message(False, singles, True) for _ in range(3))
        single_on = min(per_message(True, singles, True) for _ in range(3))
    ratios = [on / off for on, off in zip(rounds["on"], rounds["off"], strict=True)]
    return {
        "off_us": min(rounds["off"]),
        "on_us": min(rounds["on"]),
        "median_ratio": statistics.median(ratios),
        "single_off_us": single_off,
        "single_on_us": single_on,
    }


def _empty_log() -> None:
    from anymail.mail_log.models import MessageEvent, Recipient, SentMessage

    for model in (MessageEvent, Recipient, SentMessage):
        model.objects.all()._raw_delete(model.objects.db)


def webhook_figures(api_url: str) -> dict[str, Any]:
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from anymail.backends.mailtrap import EmailBackend
    from anymail.mail_log.models import Recipient
    from anymail.webhooks.mailtrap import MailtrapTrackingWebhookView

    EmailBackend(api_token=TOKEN, api_url=api_url, batch_messages=True).send_messages(
        [plain_message(n) for n in range(LOGGED)]
    )
    targets = list(Recipient.objects.values_list("mailtrap_message_id", "email"))
    assert len(targets) == LOGGED
    view = MailtrapTrackingWebhookView.as_view()
    factory = RequestFactory()

    def requests(event: str, per_call: int, at: int) -> list[Any]:
        calls = []
        for start in range(0, len(targets), per_call):
            events = [
                {
                    "event": event,
                    "message_id": message_id,
                    "email": email,
                    "timestamp": at,
                    "event_id": f"{event}-{at}-{message_id}",
                    "sending_stream": "transactional",
                }
                for message_id, email in targets[start : start + per_call]
            ]
            body = json.dumps({"events": events}).encode()
            signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            calls.append(
                factory.post(
                    "/anymail/mailtrap/tracking/",
                    data=body,
                    content_type="application/json",
                    HTTP_MAILTRAP_SIGNATURE=signature,
                )
            )
        return calls

    def post_all(calls: list[Any]) -> float:
        started = time.perf_counter()
        for request in calls:
            assert view(request).status_code == 200
        return time.perf_counter() - started

    deliveries, opens = (
        requests("delivery", PER_CALL, 1_791_200_000),
        requests("open", PER_CALL, 1_791_200_100),
    )
    seconds = post_all(deliveries) + post_all(opens)
    assert set(Recipient.objects.values_list("status", flat=True)) == {"opened"}
    small = requests("click", SMALL_CALL, 1_791_200_200)
    small_seconds = post_all(small[1:])
    with CaptureQueriesContext(connection) as queries:
        post_all(small[:1])
    return {
        "events": 2 * LOGGED,
        "seconds": seconds,
        "rate": 2 * LOGGED / seconds,
        "small_rate": (len(small) - 1) * SMALL_CALL / small_seconds,
        "queries": len(queries),
    }


def main() -> None:
    kind, db = sys.argv[1], sys.argv[2]
    setup(db)
    with server(0) as bench:
        figures = cpu_figures(bench.api_url) if kind == "cpu" else webhook_figures(bench.api_url)
    print(json.dumps(figures))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main()
    else:  # the message log rows alone
        for result in mail_log_results():
            print(json.dumps(result.__dict__, ensure_ascii=False))
