"""Run every benchmark, print the table, and write it into benchmarks/README.md."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from pathlib import Path

from .harness import Server, server, setup_django
from .mail_log import mail_log_results
from .queue import queue_results
from .scenarios import Result, run_all

README = Path(__file__).with_name("README.md")
START, END = "<!-- results:start -->", "<!-- results:end -->"


def memory(api_url: str, *args: str) -> dict[str, float]:
    """Run one memory scenario in a fresh interpreter."""
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory", args[0], api_url, *args[1:]],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def memory_results(api_url: str, slow_api_url: str) -> list[Result]:
    streamed = memory(api_url, "large")
    plain = memory(api_url, "large", "--no-streaming")
    few, many = memory(api_url, "many", "300"), memory(api_url, "many", "3000")
    # At 20 ms per call the engine sends from its thread pool: the same rows, for the notes.
    few_slow, many_slow = memory(slow_api_url, "many", "300"), memory(slow_api_url, "many", "3000")
    kept = (
        f"still held after the send: {few['after_mb']:.1f} MB (300) vs "
        f"{many['after_mb']:.1f} MB (3,000)"
    )
    return [
        Result(
            "Peak RSS growth, one message with a 20 MB attachment",
            f"{streamed['peak_mb']:.1f} MB",
            "≤ 40 MB",
            streamed["peak_mb"] <= 40,
            f"without streaming: {plain['peak_mb']:.1f} MB",
        ),
        Result(
            "Peak RSS growth, 300 messages, each with HTML, a 50 KB binary and a 50 KB text "
            "attachment",
            f"{few['peak_mb']:.1f} MB",
            "≤ 10 MB",
            few["peak_mb"] <= 10,
            kept,
        ),
        Result(
            "Peak RSS growth, 3,000 such messages (flat in the number of messages)",
            f"{many['peak_mb']:.1f} MB",
            f"300's ± 2 MB ({few['peak_mb'] - 2:.1f} to {few['peak_mb'] + 2:.1f} MB)",
            abs(many["peak_mb"] - few["peak_mb"]) <= 2,
            f"{many['peak_mb'] - few['peak_mb']:+.1f} MB vs. 300 messages; at 20 ms per call "
            f"(sent from the thread pool): {few_slow['peak_mb']:.1f} MB (300) vs "
            f"{many_slow['peak_mb']:.1f} MB (3,000)",
        ),
    ]


def table(results: list[Result]) -> str:
    lines = ["| Scenario | Measured | Target | Met | Notes |", "|---|---|---|---|---|"]
    for result in results:
        met = "n/a" if result.met is None else ("yes" if result.met else "**NO**")
        cells = [result.name, result.figure, result.goal, met, result.detail]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_readme(text: str) -> None:
    readme = README.read_text()
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    README.write_text(f"{head}{START}\n{text}\n{END}{tail}")


def main() -> None:
    setup_django()
    started = time.perf_counter()
    servers: dict[int, Server] = {}
    with server(0) as instant, server(20) as slow:
        servers = {0: instant, 20: slow}
        results = run_all(servers)
    with server(0) as fresh, server(20) as fresh_slow:  # servers the other runs have not worn
        results += memory_results(fresh.api_url, fresh_slow.api_url)
    results += queue_results()  # queued sending: starts its own servers and workers
    results += mail_log_results()  # the message log: fresh interpreters, its own databases
    elapsed = time.perf_counter() - started
    import django
    import requests

    environment = (
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"requests {requests.__version__}, {platform.machine()} with "
        f"{__import__('os').cpu_count()} CPUs; whole run {elapsed:.0f} s "
        f"({time.strftime('%Y-%m-%d')})."
    )
    text = f"{table(results)}\n\n{environment}"
    print(text)
    write_readme(text)
    if not all(result.met is not False for result in results):
        print("\nSome targets were missed (see the table).", file=sys.stderr)


if __name__ == "__main__":
    main()
