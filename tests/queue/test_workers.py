"""Real engines, real worker processes, the emulator over 127.0.0.1: django-tasks-db's
`db_worker` on SQLite and PostgreSQL, django-tasks-redis on Redis (Django >= 6.0), and a
worker SIGKILLed mid-drain whose messages still all arrive."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django
import pytest

from mailtrap_emulator import EmulatorServer

from .services import missing_service, reachable
from .workers import QueueProject, arrivals, postgres_database, wait_for

pytestmark = pytest.mark.timeout(240)


def batch_calls(emulator: EmulatorServer) -> int:
    return int(emulator.stats()["requests"].get("POST /api/batch", 0))


@pytest.fixture
def postgres() -> Iterator[str]:
    if not reachable(5432):
        missing_service("PostgreSQL is not reachable at 127.0.0.1:5432")
    with postgres_database() as name:
        yield f"postgres:{name}"


@pytest.fixture
def project_factory(tmp_path: Path, emulator: EmulatorServer) -> Iterator[Any]:
    projects: list[QueueProject] = []

    def make(db: str, **kwargs: Any) -> QueueProject:
        project = QueueProject(tmp_path, emulator.api_url, db, **kwargs)
        projects.append(project)
        project.migrate()
        return project

    yield make
    for project in projects:
        project.stop_workers()


def all_sent(project: QueueProject, count: int) -> bool:
    return project.report()["counts"].get("sent", 0) == count


def test_db_worker_on_sqlite(
    project_factory: Any, tmp_path: Path, emulator: EmulatorServer
) -> None:
    project = project_factory(f"sqlite:{tmp_path / 'outbox.db'}")
    project.queue(300)
    project.start_worker()
    project.start_worker()  # two processes claiming from one SQLite file
    wait_for(lambda: all_sent(project, 300), 90, "300 messages sent by db_worker")
    seen = arrivals(emulator.messages(limit=1000))
    assert len(seen) == 300 and set(seen.values()) == {1}
    assert seen.keys() == set(project.report()["ids"])
    assert batch_calls(emulator) <= 2


def test_three_db_workers_on_postgresql(
    project_factory: Any, postgres: str, emulator: EmulatorServer
) -> None:
    project = project_factory(postgres)
    project.queue(1500)
    for _ in range(3):
        project.start_worker()
    wait_for(lambda: all_sent(project, 1500), 120, "1500 messages sent by 3 workers")
    seen = arrivals(emulator.messages(limit=5000))
    assert len(seen) == 1500 and set(seen.values()) == {1}
    assert batch_calls(emulator) <= 6


@pytest.mark.skipif(django.VERSION < (6, 0), reason="django-tasks-redis needs Django >= 6.0")
def test_redis_workers(project_factory: Any, postgres: str, emulator: EmulatorServer) -> None:
    if not reachable(6379):
        missing_service("Redis is not reachable at 127.0.0.1:6379")
    project = project_factory(postgres, tasks="redis")
    project.queue(800)
    for _ in range(2):
        project.start_worker()
    wait_for(lambda: all_sent(project, 800), 120, "800 messages sent by Redis workers")
    seen = arrivals(emulator.messages(limit=2000))
    assert len(seen) == 800 and set(seen.values()) == {1}
    assert batch_calls(emulator) <= 4


def test_a_worker_killed_mid_drain_loses_nothing(
    project_factory: Any, postgres: str, emulator: EmulatorServer
) -> None:
    emulator.set_faults(latency_ms=1500)  # every call is slow: the worker dies inside one
    # A lease far below the 300 s default, so the victim's claim expires within the test;
    # still long enough that a busy machine's slow call does not outlive a live worker's
    # lease (which would be re-sent too: at-least-once, but not what this test measures)
    project = project_factory(postgres, lease=10)
    project.queue(1200)
    victim = project.start_worker()
    wait_for(lambda: project.report()["counts"].get("sending", 0) > 0, 60, "the first claim")
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(10)
    killed_mid_call = project.report()["counts"].get("sending", 0)
    assert killed_mid_call > 0
    emulator.set_faults(latency_ms=20)
    for _ in range(2):
        project.start_worker()
    wait_for(lambda: all_sent(project, 1200), 120, "every message sent after the kill")
    seen = arrivals(emulator.messages(limit=5000))
    assert seen.keys() == set(project.report()["ids"])  # 0 lost
    duplicates = sum(count - 1 for count in seen.values())
    assert duplicates <= killed_mid_call  # at most the one call in flight, sent again
    print(f"killed mid-call: {killed_mid_call} messages claimed; duplicates: {duplicates}")
