"""The fault soak: 10,000 messages against the Mailtrap emulator injecting faults.

The emulator (`mailtrap_emulator`, the project's offline stand-in for Mailtrap) runs in its
own process on 127.0.0.1 with 20 ms of latency per send/batch call and, for the faulty runs,
10 % of calls answered 429 (`Retry-After` 0 or 1 s), 1 % of connections dropped before the
request is handled (nothing stored) and 1 % dropped after the messages were stored, with a
fixed seed. The client is the real backend with default settings; the caller re-sends only
`error.unsent_messages` until none remain and never re-sends `error.unknown_messages`. At
the end the emulator's SQLite database says how many times each message was stored.

    python -m benchmarks.soak [--count N]      # just these rows
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .harness import backend, plain_message
from .scenarios import Result

LATENCY_MS = 20
FAULTS = ("429:p=0.1:retry_after=0-1", "drop:p=0.01", "drop_after_store:p=0.01")
FAULT_SEED = 42
#: A safety net for the caller's loop (a run needs two or three rounds).
MAX_ROUNDS = 100
#: `plain_message(n)`'s subject: one per message, so stored copies can be counted.
SUBJECT_PREFIX, SUBJECT_SUFFIX = "Your order ", " has shipped"


class Emulator:
    """The Mailtrap emulator in its own process, storing into a fresh SQLite file."""

    def __init__(self, directory: Path, faults: tuple[str, ...]) -> None:
        self.db_path = directory / "emulator.sqlite3"
        command = [sys.executable, "-m", "mailtrap_emulator", "--host", "127.0.0.1"]
        command += ["--port", "0", "--db", str(self.db_path)]
        command += ["--latency-ms", str(LATENCY_MS), "--fault-seed", str(FAULT_SEED)]
        for fault in faults:
            command += ["--fault", fault]
        self.log = directory / "emulator.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # "Mailtrap emulator listening on <url>"
        if "listening on" not in line:
            self.stop()
            raise RuntimeError(f"the emulator did not start:\n{self.log.read_text()}")
        self.url = line.rsplit(" ", 1)[1].strip()
        self.api_url = self.url + "/api/"

    def stats(self) -> dict[str, Any]:
        """The emulator's counters: API calls (faulted ones included), faults injected."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(self.url + "/_emulator/stats", timeout=30) as reply:
            return dict(json.load(reply))

    def stored(self) -> Counter[int]:
        """How many times each message (by number) was stored, from the emulator's database."""
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT subject, COUNT(*) FROM messages GROUP BY subject").fetchall()
        return Counter(
            {int(subject[len(SUBJECT_PREFIX) : -len(SUBJECT_SUFFIX)]): n for subject, n in rows}
        )

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@contextmanager
def emulator(faults: tuple[str, ...]) -> Iterator[Emulator]:
    with tempfile.TemporaryDirectory(prefix="anymail-soak-") as directory:
        running = Emulator(Path(directory), faults)
        try:
            yield running
        finally:
            running.stop()


@contextmanager
def quiet_retries() -> Iterator[None]:
    """Silence Anymail's retry warnings (one per retried 429: hundreds of lines)."""
    logger = logging.getLogger("anymail")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@dataclass
class Soak:
    """What one run measured."""

    count: int
    wall: float
    rounds: int  # send_messages calls, the first one included
    resent: int  # messages passed to the re-sending calls, in total
    unknown: set[int] = field(default_factory=set)  # messages reported as unknown outcome
    stored: Counter[int] = field(default_factory=Counter)  # message -> times stored
    calls: int = 0  # API calls the emulator received, retries included
    faulted: int = 0  # calls it answered with a fault

    @property
    def rate(self) -> float:
        return self.count / self.wall

    @property
    def lost(self) -> set[int]:
        return {n for n in range(self.count) if not self.stored[n]}

    @property
    def duplicated(self) -> set[int]:
        return {n for n, times in self.stored.items() if times > 1}


def soak(faults: tuple[str, ...], count: int, **options: Any) -> Soak:
    """Send `count` plain messages like a careful caller would, then count what was stored."""
    from anymail.exceptions import AnymailAPIError

    messages = [plain_message(n) for n in range(count)]
    number = {id(message): n for n, message in enumerate(messages)}
    unknown: set[int] = set()
    rounds = resent = 0
    with emulator(faults) as running, quiet_retries():
        sender = backend(running.api_url, **options)
        pending = messages
        started = time.perf_counter()
        while pending and rounds < MAX_ROUNDS:
            rounds += 1
            if rounds > 1:
                resent += len(pending)
            try:
                sender.send_messages(pending)
                pending = []
            except AnymailAPIError as error:
                unknown.update(number[id(message)] for message in error.unknown_messages or ())
                pending = list(error.unsent_messages or ())
        wall = time.perf_counter() - started
        if pending:
            raise RuntimeError(f"{len(pending)} messages still not accepted after {rounds} rounds")
        stored, stats = running.stored(), running.stats()
    calls, faulted = int(stats["total_requests"]), int(stats["faults_injected"])
    return Soak(count, wall, rounds, resent, unknown, stored, calls, faulted)


def soak_results(count: int = 10_000) -> list[Result]:
    """Single sends and automatic batching, each without faults and with them."""
    results: list[Result] = []
    for label, options in (("default settings", {}), ("batching on", {"batch_messages": True})):
        clean = soak((), count, **options)
        faulty = soak(FAULTS, count, **options)
        results += rows(label, clean, faulty)
    return results


def rows(label: str, clean: Soak, faulty: Soak) -> list[Result]:
    lost, duplicated, unknown = faulty.lost, faulty.duplicated, faulty.unknown
    lost_unknown = len(lost & unknown)
    ratio = faulty.rate / clean.rate
    clean_note = (
        ""
        if not (clean.lost or clean.duplicated or clean.unknown or clean.rounds > 1)
        else f"; **the run without faults was not clean either**: {len(clean.lost)} lost, "
        f"{len(clean.duplicated)} duplicated, {len(clean.unknown)} unknown, "
        f"{clean.rounds} rounds"
    )
    return [
        Result(
            f"Fault soak, {label}: {faulty.count:,} plain messages, 20 ms per call, 10% 429 "
            "(Retry-After 0 or 1 s), 1% dropped before and 1% after storing; the caller re-sends "
            "only `unsent_messages`: lost / duplicated / unknown outcome",
            f"{len(lost):,} / {len(duplicated):,} / {len(unknown):,}",
            "0 lost, 0 duplicated",
            not lost and not duplicated,
            f"{lost_unknown:,} of the {len(lost):,} lost were reported in `unknown_messages` "
            f"(possibly not sent, never silently lost), {len(lost) - lost_unknown:,} were not; "
            f"the other {len(unknown) - lost_unknown:,} unknown were stored once; "
            f"{faulty.rounds - 1} re-sending call(s), {faulty.resent:,} messages re-sent; "
            f"the emulator faulted {faulty.faulted:,} of {faulty.calls:,} API calls",
        ),
        Result(
            f"Fault soak, {label}: throughput with those faults vs. without",
            f"{ratio:.0%}",
            "≥ 50%",
            ratio >= 0.5,
            f"{faulty.rate:,.0f} vs {clean.rate:,.0f} messages/s "
            f"({faulty.wall:.1f} s vs {clean.wall:.1f} s){clean_note}",
        ),
    ]


def main() -> None:
    from .__main__ import table
    from .harness import setup_django

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    setup_django()
    print(table(soak_results(args.count)))


if __name__ == "__main__":
    main()
