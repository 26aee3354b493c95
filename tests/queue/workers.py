"""Real task workers for the queue tests: the test project (tests/queue/project) run in
subprocesses -- migrate, queue messages, `db_worker` / `run_redis_tasks` -- against the
emulator on 127.0.0.1 and a fresh SQLite file or PostgreSQL database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "tests.queue.project.settings"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on 127.0.0.1:5432, dropped afterwards."""
    import psycopg

    name = f"anymail_qt_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    dsn = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class QueueProject:
    """The test project with one database, task engine and emulator."""

    def __init__(
        self, tmp_path: Path, api_url: str, db: str, tasks: str = "db", lease: float = 300
    ) -> None:
        self.tasks = tasks
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "ANYMAIL_QT_DB": db,
            "ANYMAIL_QT_TASKS": tasks,
            "ANYMAIL_QT_API_URL": api_url,
            "ANYMAIL_QT_LEASE": str(lease),
            "ANYMAIL_QT_PREFIX": f"anymail-qt-{uuid.uuid4().hex[:12]}",
            "ANYMAIL_QT_CACHE": "redis" if tasks == "redis" else f"file:{tmp_path / 'cache'}",
        }
        self.workers: list[subprocess.Popen[bytes]] = []
        self.logs = tmp_path

    def manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "django", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{done.stderr.decode()}")
        return done.stdout.decode()

    def migrate(self) -> None:
        self.manage("migrate", "--verbosity", "0")

    def queue(self, count: int, prefix: str = "m") -> dict[str, Any]:
        """`count` separate send_mail calls in one process."""
        result: dict[str, Any] = json.loads(
            self.manage("queue_test_messages", str(count), "--prefix", prefix)
        )
        return result

    def start_worker(self, worker_id: str | None = None) -> subprocess.Popen[bytes]:
        if self.tasks == "redis":
            command = ["run_redis_tasks", "--continuous", "--interval", "0.05"]
        else:
            command = ["db_worker", "--interval", "0.05", "--no-startup-delay"]
            if worker_id is not None:
                command += ["--worker-id", worker_id]
        log = (self.logs / f"worker-{len(self.workers)}.log").open("wb")
        worker = subprocess.Popen(
            [sys.executable, "-m", "django", *command],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(worker)
        return worker

    def stop_workers(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(5)

    def report(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.manage("outbox_report"))
        return result

    def worker_logs(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in self.logs.glob("worker-*"))


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll until `condition()`; returns the seconds it took (fails after `timeout`)."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - started


def arrivals(messages: list[dict[str, Any]]) -> Counter[str]:
    """How many times each anymail_id reached the emulator."""
    return Counter((m.get("custom_variables") or {}).get("anymail_id") for m in messages)
