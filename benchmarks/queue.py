"""Queued sending (QueuedEmailBackend + the anymail.queue outbox): the benchmark rows.

* Caller cost (`queue_caller.py`, a fresh interpreter per database): CPU per message
  to queue 1,000 messages in one transaction vs building them for a synchronous send,
  on SQLite and PostgreSQL.
* Drain: 10,000 messages queued by 10,000 separate `send_mail` calls (two processes
  of 5,000) into a template database on PostgreSQL; each run drains a copy of it with
  real `db_worker` processes (django-tasks-db) against `queue_server.py` (the benchmark
  server, also counting each message's arrivals) at 20 ms per call: API calls, and
  messages per second from the first claim until the last message is recorded as sent
  (the notes add the time from the workers' start). 3 workers, then 1.
* Killed worker: another copy, 3 workers, the server at 1.5 s per call; one worker is
  SIGKILLed while its drain waits on its call, then the server goes back to 20 ms:
  messages never arrived (lost) and arrived twice.

The workers and the queueing processes run the queue test project (tests/queue/project).
Without PostgreSQL (127.0.0.1:5432) the PostgreSQL rows say so instead of running.
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
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.queue.workers import QueueProject

from .harness import Server
from .scenarios import Result

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = 10_000
DSN = "host=127.0.0.1 port=5432 user=postgres dbname={}"
CALLS_GOAL, RATE_GOAL, RATIO_GOAL = 40, 1000.0, 1.5

CALLER = (
    "Queueing, caller CPU per message vs. building it for a synchronous send "
    "(1,000 messages in one transaction), {}"
)
_DRAIN = (
    "10,000 messages queued by 10,000 `send_mail` calls, drained by {} on PostgreSQL, "
    "20 ms per call"
)
#: (name, goal) of the rows that need PostgreSQL.
_THREE = _DRAIN.format("3 `db_worker` processes")
DRAIN_CALLS = (f"{_THREE}: API calls", f"≤ {CALLS_GOAL}")
DRAIN_RATE = (f"{_THREE}: throughput", f"≥ {RATE_GOAL:,.0f} messages/s")
ONE_WORKER = (f"{_DRAIN.format('1 `db_worker` process')}: throughput", "reported")
DRAIN_ROWS = [DRAIN_CALLS, DRAIN_RATE, ONE_WORKER]
KILLED = (
    "Same 10,000 messages, 3 workers, one SIGKILLed in the middle of a call: messages lost",
    "= 0",
)


def queue_results() -> list[Result]:
    """Every queue row, in table order."""
    with tempfile.TemporaryDirectory(prefix="anymail-bench-queue-") as tmp_dir:
        tmp = Path(tmp_dir)
        results = [_caller_row("SQLite", f"sqlite:{tmp / 'caller.db'}", tmp, RATIO_GOAL)]
        missing = _postgres_missing()
        if missing:
            return results + _not_run(missing)
        with _database() as name:
            results.append(_caller_row("PostgreSQL", f"postgres:{name}", tmp, None))
        results += _guarded(lambda: _worker_rows(tmp), [*DRAIN_ROWS, KILLED])
    return results


def _worker_rows(tmp: Path) -> list[Result]:
    with _server(20) as bench, _database() as template:
        queue_seconds = _queue_messages(_project(tmp / "template", bench.api_url, template))
        rows = _guarded(lambda: _drain_rows(bench, template, tmp, queue_seconds), DRAIN_ROWS)
        return rows + _guarded(lambda: _killed_rows(bench, template, tmp), [KILLED])


# -- caller cost ---------------------------------------------------------------------------


def _caller_row(database: str, db: str, tmp: Path, goal: float | None) -> Result:
    name = CALLER.format(database)
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.queue_caller"],
        env=_project_env(db, "http://127.0.0.1:9/api/", tmp / "caller-cache"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        return Result(name, "failed", _ratio_goal(goal), False, _last_line(done.stderr))
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    typical, plain = figures["typical"], figures["plain"]
    ratio = typical["queue_us"] / typical["build_us"]
    detail = (
        f"{typical['queue_us']:.1f} µs vs {typical['build_us']:.1f} µs per message (best of 5; "
        f"median ratio {typical['median_ratio']:.2f}x); plain message: "
        f"{plain['queue_us'] / plain['build_us']:.2f}x; one message per transaction: "
        f"{figures['single_us']:.0f} µs"
    )
    met = None if goal is None else ratio <= goal
    return Result(name, f"{ratio:.2f}x", _ratio_goal(goal), met, detail)


def _ratio_goal(goal: float | None) -> str:
    return "reported" if goal is None else f"≤ {goal:g}x"


# -- draining with real workers ------------------------------------------------------------


def _drain_rows(bench: QueueServer, template: str, tmp: Path, queued: float) -> list[Result]:
    three = _drain(bench, template, 3, tmp)
    one = _drain(bench, template, 1, tmp)
    return [
        _row(DRAIN_CALLS, str(three["calls"]), three["calls"] <= CALLS_GOAL),
        _row(
            DRAIN_RATE,
            f"{three['rate']:,.0f} messages/s",
            three["rate"] >= RATE_GOAL,
            f"{three['seconds']:.1f} s from the first claim to the last message recorded "
            f"as sent; {three['wall']:.1f} s from the workers' start; queueing took "
            f"{queued:.1f} s (2 processes)",
        ),
        _row(
            ONE_WORKER,
            f"{one['rate']:,.0f} messages/s",
            None,
            f"{one['calls']} API calls; {one['seconds']:.1f} s from the first claim, "
            f"{one['wall']:.1f} s from the worker's start",
        ),
    ]


def _row(spec: tuple[str, str], figure: str, met: bool | None, detail: str = "") -> Result:
    return Result(spec[0], figure, spec[1], met, detail)


def _drain(bench: QueueServer, template: str, workers: int, tmp: Path) -> dict[str, Any]:
    with _database(template=template) as name, _connect(name) as db:
        project = _project(tmp / f"drain-{workers}", bench.api_url, name, migrate=False)
        before = bench.calls()
        started = time.monotonic()
        for _ in range(workers):
            project.start_worker()
        try:
            _wait(lambda: _count(db, "status <> 'pending'") > 0, 120, "the first claim")
            first = time.monotonic()
            _wait(lambda: _count(db, "status = 'sent'") == MESSAGES, 600, "the drain")
            done = time.monotonic()
        finally:
            project.stop_workers()
        return {
            "calls": bench.calls() - before,
            "seconds": done - first,
            "rate": MESSAGES / (done - first),
            "wall": done - started,
        }


# -- a worker killed mid-call --------------------------------------------------------------


def _killed_rows(bench: QueueServer, template: str, tmp: Path) -> list[Result]:
    with _database(template=template) as name, _connect(name) as db:
        project = _project(tmp / "killed", bench.api_url, name, lease=5, migrate=False)
        bench.reset_ids()
        bench.set_latency(1500)
        workers = {f"bench-{n}-{uuid.uuid4().hex[:8]}": n for n in range(3)}
        processes = [project.start_worker(worker_id) for worker_id in workers]
        try:
            _kill_mid_call(db, workers, processes)
            bench.set_latency(20)
            killed = time.monotonic()
            _wait(lambda: _count(db, "status = 'sent'") == MESSAGES, 600, "the recovery")
            recovered = time.monotonic() - killed
        finally:
            project.stop_workers()
            bench.set_latency(20)
        seen = bench.ids()
        ids = {str(row[0]) for row in db.execute("SELECT id FROM anymail_queue_outboxmessage")}
        again = _count(db, "attempts > 1")
    lost = len(ids - set(seen))
    duplicates = sum(count - 1 for anymail_id, count in seen.items() if anymail_id in ids)
    return [
        _row(
            KILLED,
            str(lost),
            lost == 0,
            f"sent twice: {duplicates} ({again} messages -- the killed worker's call -- were "
            f"claimed again when its 5 s lease ended); all sent {recovered:.1f} s after the "
            "kill (1.5 s per call until the kill, then 20 ms)",
        )
    ]


def _kill_mid_call(db: Any, workers: dict[str, int], processes: list[Any]) -> None:
    """SIGKILL a worker whose drain has claimed messages and is waiting on its call."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        running = db.execute(
            "SELECT id, worker_ids FROM django_tasks_database_dbtaskresult "
            "WHERE status = 'RUNNING' AND task_path LIKE %s",
            ("%drain_outbox",),
        ).fetchall()
        if running and _count(db, "status = 'sending'"):
            task_id, worker_ids = running[0]
            time.sleep(0.5)  # its claim is made and its call is out (1.5 s per call)
            still = db.execute(
                "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = %s", (task_id,)
            ).fetchone()
            if still and still[0] == "RUNNING":
                processes[workers[worker_ids[-1]]].send_signal(signal.SIGKILL)
                return
        time.sleep(0.02)
    raise TimeoutError("no drain was seen in the middle of a call")


# -- helpers -------------------------------------------------------------------------------


def _project(
    tmp: Path, api_url: str, database: str, lease: float = 300, migrate: bool = True
) -> Any:
    tmp.mkdir(parents=True, exist_ok=True)
    project = QueueProject(tmp, api_url, f"postgres:{database}", lease=lease)
    if migrate:
        project.migrate()
    return project


def _queue_messages(project: Any) -> float:
    """10,000 separate send_mail calls, from two processes at once; the wall time."""
    started = time.monotonic()
    command = [sys.executable, "-m", "django", "queue_test_messages", str(MESSAGES // 2)]
    processes = [
        subprocess.Popen(
            [*command, "--prefix", prefix],
            env=project.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for prefix in ("a", "b")
    ]
    for process in processes:
        _stdout, stderr = process.communicate(timeout=300)
        if process.returncode:
            raise RuntimeError(f"queueing failed: {_last_line(stderr.decode())}")
    return time.monotonic() - started


def _project_env(db: str, api_url: str, cache: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "DJANGO_SETTINGS_MODULE": "tests.queue.project.settings",
        "ANYMAIL_QT_DB": db,
        "ANYMAIL_QT_CACHE": f"file:{cache}",
        "ANYMAIL_QT_API_URL": api_url,
    }


def _postgres_missing() -> str:
    """Why PostgreSQL cannot be used ("" when it can)."""
    try:
        import psycopg

        with psycopg.connect(DSN.format("postgres"), connect_timeout=3):
            return ""
    except Exception as error:  # ImportError, OperationalError
        first = (str(error).strip().splitlines() or [""])[0]
        return f"{type(error).__name__}: {first[:100]}"


def _not_run(reason: str) -> list[Result]:
    note = f"not run: PostgreSQL is not reachable at 127.0.0.1:5432 ({reason})"
    rows = [(CALLER.format("PostgreSQL"), "reported"), DRAIN_CALLS, DRAIN_RATE, ONE_WORKER]
    return [_row(spec, "not run", None, note) for spec in [*rows, KILLED]]


def _guarded(rows: Callable[[], list[Result]], specs: list[tuple[str, str]]) -> list[Result]:
    """The rows, or failed rows saying why (one broken scenario spoils no other row)."""
    try:
        return rows()
    except Exception as error:
        note = f"failed: {type(error).__name__}: {_last_line(str(error))}"
        return [_row(spec, "failed", False, note) for spec in specs]


class QueueServer(Server):
    """`queue_server.py` in its own process: harness.Server's calls, plus arrivals."""

    def __init__(self, latency_ms: float) -> None:  # (Server's, with another module)
        command = ["-m", "benchmarks.queue_server", "--latency-ms", str(latency_ms)]
        self.process = subprocess.Popen(
            [sys.executable, *command], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline().split()[1])
        self.api_url = f"http://127.0.0.1:{self.port}/api/"

    def _post(self, path: str) -> None:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method="POST")
        urllib.request.urlopen(request, data=b"{}").close()

    def ids(self) -> Counter[str]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ids") as reply:
            return Counter(json.load(reply))

    def reset_ids(self) -> None:
        self._post("/ids/reset")

    def set_latency(self, milliseconds: float) -> None:
        self._post(f"/latency/{milliseconds:g}")


@contextmanager
def _server(latency_ms: float) -> Iterator[QueueServer]:
    running = QueueServer(latency_ms)
    try:
        yield running
    finally:
        running.stop()


@contextmanager
def _database(template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (a copy of `template`, if given), dropped afterwards."""
    import psycopg

    name = f"anymail_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(DSN.format("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield name
    finally:
        with psycopg.connect(DSN.format("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _connect(name: str) -> Iterator[Any]:
    import psycopg

    with psycopg.connect(DSN.format(name), autocommit=True) as connection:
        yield connection


def _count(db: Any, condition: str) -> int:
    row = db.execute(f"SELECT count(*) FROM anymail_queue_outboxmessage WHERE {condition}")
    return int(row.fetchone()[0])


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.01)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"


if __name__ == "__main__":  # the queue rows alone: python -m benchmarks.queue
    from .harness import setup_django

    setup_django()
    for result in queue_results():
        print(json.dumps(result.__dict__, ensure_ascii=False))
