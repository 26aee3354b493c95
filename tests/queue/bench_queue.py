"""Queued-sending benchmarks (run: `python -m tests.queue.bench_queue`; not a test).

1. Caller cost: queueing vs building the same message for a synchronous send
   (pre_send + payload + JSON), per message, on SQLite and PostgreSQL.
2. Drain: 10,000 messages queued by 10,000 separate send_mail calls, drained by real
   `db_worker` processes on PostgreSQL against benchmarks/server.py at 20 ms per call.
3. The same with one worker SIGKILLed mid-call (against the emulator, which records
   each message's anymail_id): lost and duplicated messages.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from mailtrap_emulator import EmulatorServer

from .workers import QueueProject, arrivals, postgres_database, wait_for

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "10000"))


def caller_cost(db: str, tmp: Path) -> dict[str, Any]:
    """In a fresh interpreter (its own settings): per-message caller CPU, best of 5."""
    script = r"""
import json, time, django, sys
django.setup()
from django.core.management import call_command
from django.db import transaction
call_command("migrate", verbosity=0)
from anymail.backends.mailtrap import EmailBackend, QueuedEmailBackend
from anymail.message import AnymailMessage
from anymail.queue.models import OutboxMessage
N = 1000
def messages():
    return [AnymailMessage(subject=f"Order {n} shipped", body="Your order is on its way. " * 20,
            from_email="Shop <shop@example.com>", to=[f"customer{n}@example.com"],
            metadata={"order": n}, tags=["shipping"]) for n in range(N)]
sync, queued = EmailBackend(), QueuedEmailBackend()
def build(batch):
    for m in batch:
        sync.prepare(m).encode_body().text()
def enqueue_one_call(batch):
    with transaction.atomic():
        queued.send_messages(batch)
def enqueue_each(batch):
    for m in batch:
        with transaction.atomic():
            queued.send_messages([m])
best = {}
for _ in range(5):
    for name, fn in (("build", build), ("queue_one_call", enqueue_one_call),
                     ("queue_each_in_txn", enqueue_each)):
        batch = messages()
        start = time.process_time(); wall = time.perf_counter()
        fn(batch)
        cpu = (time.process_time() - start) / N * 1e6
        best[name] = min(best.get(name, 1e9), cpu)
        wall = (time.perf_counter() - wall) / N * 1e6
        best[name + "_wall"] = min(best.get(name + "_wall", 1e9), wall)
    OutboxMessage.objects.all().delete()
print(json.dumps(best))
"""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.queue.project.settings",
        "ANYMAIL_QT_DB": db,
        "ANYMAIL_QT_CACHE": f"file:{tmp / 'cache'}",
        "ANYMAIL_QT_API_URL": "http://127.0.0.1:9/api/",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(done.stderr)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


class BenchServer:
    def __init__(self, latency_ms: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.server", "--latency-ms", str(latency_ms)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline().split()[1])
        self.api_url = f"http://127.0.0.1:{self.port}/api/"

    def calls(self) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats") as reply:
            return int(json.load(reply)["calls"])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def drain_rate(workers: int, tmp: Path) -> dict[str, Any]:
    server = BenchServer(20)
    try:
        with postgres_database() as name:
            project = QueueProject(tmp / f"w{workers}", server.api_url, f"postgres:{name}")
            (tmp / f"w{workers}").mkdir(exist_ok=True)
            project.migrate()
            queued = project.queue(MESSAGES)
            started = time.monotonic()
            for _ in range(workers):
                project.start_worker()
            before = server.calls()
            seconds = wait_for(
                lambda: project.report()["counts"].get("sent", 0) == MESSAGES, 600, "drain"
            )
            # the first claim needs a worker up: report the time after the first call too
            project.stop_workers()
            return {
                "workers": workers,
                "queue_seconds": queued["seconds"],
                "drain_seconds": seconds,
                "rate": MESSAGES / seconds,
                "calls": server.calls() - before,
                "wall": time.monotonic() - started,
            }
    finally:
        server.stop()


def killed_worker(tmp: Path) -> dict[str, Any]:
    with EmulatorServer() as emulator, postgres_database() as name:
        (tmp / "kill").mkdir(exist_ok=True)
        project = QueueProject(tmp / "kill", emulator.api_url, f"postgres:{name}", lease=5)
        project.migrate()
        project.queue(MESSAGES)
        emulator.set_faults(latency_ms=1500)
        workers = [project.start_worker() for _ in range(3)]
        wait_for(lambda: project.report()["counts"].get("sending", 0) > 0, 60, "a claim")
        time.sleep(0.5)
        os.kill(workers[0].pid, signal.SIGKILL)
        emulator.set_faults(latency_ms=20)
        wait_for(lambda: project.report()["counts"].get("sent", 0) == MESSAGES, 600, "recovery")
        project.stop_workers()
        seen = arrivals(emulator.messages(limit=MESSAGES * 2))
        ids = set(project.report()["ids"])
        return {
            "lost": len(ids - set(seen)),
            "duplicates": sum(count - 1 for count in seen.values()),
            "calls": int(emulator.stats()["requests"].get("POST /api/batch", 0)),
        }


def main() -> None:
    """All scenarios, or only those named on the command line (caller, drain, killed)."""
    wanted = set(sys.argv[1:]) or {"caller", "drain", "killed"}
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        results: dict[str, Any] = {}
        if "caller" in wanted:
            results["caller_sqlite"] = caller_cost(f"sqlite:{tmp / 'caller.db'}", tmp)
            with postgres_database() as name:
                results["caller_postgres"] = caller_cost(f"postgres:{name}", tmp)
        if "drain" in wanted:
            results["drain_3"] = drain_rate(3, tmp)
            results["drain_1"] = drain_rate(1, tmp)
        if "killed" in wanted:
            results["killed"] = killed_worker(tmp)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
