"""The throughput and CPU scenarios (client in this process, server in its own)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import requests

from .harness import TOKEN, Server, backend, plain_message, timed


@dataclass
class Result:
    """One table row: what was measured, the figure, the goal, and whether it is met."""

    name: str
    figure: str
    goal: str
    met: bool | None  # None: informational
    detail: str = ""


def cpu_per_message(server: Server, count: int = 1000, rounds: int = 5) -> Result:
    """Client CPU per plain message vs. posting the same prebuilt JSON with a bare Session."""
    sender = backend(server.api_url, send_concurrency=1)
    messages = [plain_message(n) for n in range(count)]
    bodies = [
        sender.build_message_payload(message, sender.send_defaults).serialize_data()
        for message in messages
    ]
    url = server.api_url + "send"
    headers = {"Api-Token": TOKEN, "Content-Type": "application/json", "Accept": "application/json"}
    bare = requests.Session()

    def post_bare() -> None:
        for body in bodies:
            bare.post(url, data=body, headers=headers, timeout=30)

    sender.open()  # one connection for the whole run, like the bare session
    try:
        post_bare()  # warm up both: connections, code paths
        sender.send_messages(messages)
        ours, floor = [], []
        for _ in range(rounds):  # interleaved, so drift in machine load hits both alike
            floor.append(timed(post_bare)[1])
            ours.append(timed(lambda: sender.send_messages(messages))[1])
    finally:
        sender.close()
        bare.close()
    ratio = min(ours) / min(floor)
    median_ratio = statistics.median(o / f for o, f in zip(ours, floor, strict=True))
    return Result(
        "CPU per plain message vs. bare `requests.Session` (sequential)",
        f"{ratio:.2f}x",
        "≤ 1.15x",
        ratio <= 1.15,
        f"{min(ours) / count * 1e6:.0f} µs vs {min(floor) / count * 1e6:.0f} µs per message "
        f"(best of {rounds}; median ratio {median_ratio:.2f}x)",
    )


def concurrency_speedup(server: Server, count: int = 200) -> Result:
    """Throughput with the default concurrency vs. strictly sequential sending."""
    sequential = timed(
        lambda: backend(server.api_url, send_concurrency=1).send_messages(
            [plain_message(n) for n in range(count)]
        )
    )[0]
    concurrent = timed(
        lambda: backend(server.api_url).send_messages([plain_message(n) for n in range(count)])
    )[0]
    speedup = sequential / concurrent
    return Result(
        f"{count} messages, 20 ms per call: default concurrency vs. concurrency 1",
        f"{speedup:.1f}x",
        "≥ 10x",
        speedup >= 10,
        f"{count / concurrent:.0f} vs {count / sequential:.0f} messages/s",
    )


def auto_batching(server: Server, count: int = 2000) -> list[Result]:
    """2,000 distinct messages with automatic batching on, 20 ms per call."""
    messages = [plain_message(n) for n in range(count)]
    server.reset()
    sender = backend(server.api_url, batch_messages=True)
    wall, _cpu, sent = timed(lambda: sender.send_messages(messages))
    calls = server.calls()
    rate = count / wall
    assert sent == count
    return [
        Result(
            f"{count} messages, batching on, 20 ms per call: HTTP calls",
            str(calls),
            "≤ 4",
            calls <= 4,
        ),
        Result(
            f"{count} messages, batching on, 20 ms per call: throughput",
            f"{rate:,.0f} messages/s",
            "≥ 5,000 messages/s",
            rate >= 5000,
            f"{wall * 1000:.0f} ms in total",
        ),
    ]


def merge_batch(server: Server, count: int = 10_000) -> list[Result]:
    """One merge batch to 10,000 recipients, 0 ms per call."""
    from anymail.message import AnymailMessage

    to = [f"recipient{n}@example.com" for n in range(count)]
    message = AnymailMessage(
        from_email="news@shop.example",
        to=to,
        template_id="5f1c2d9e-8a77-4b0e-9d61-3f2a0c7b1e44",
        merge_data={email: {"name": f"Recipient {n}"} for n, email in enumerate(to)},
        merge_global_data={"season": "autumn"},
    )
    server.reset()
    wall, _cpu, sent = timed(lambda: backend(server.api_url).send_messages([message]))
    calls = server.calls()
    rate = count / wall
    statuses = message.anymail_status
    assert sent == 1 and len(statuses.recipients) == count and statuses.status == {"queued"}
    return [
        Result(f"Merge batch to {count:,} recipients: HTTP calls", str(calls), "= 20", calls == 20),
        Result(
            f"Merge batch to {count:,} recipients, 0 ms per call: throughput",
            f"{rate:,.0f} recipients/s",
            "≥ 20,000 recipients/s",
            rate >= 20_000,
            f"{wall * 1000:.0f} ms in total",
        ),
    ]


def run_all(servers: dict[int, Server]) -> list[Result]:
    results: list[Result] = [cpu_per_message(servers[0])]
    results.append(concurrency_speedup(servers[20]))
    results += auto_batching(servers[20])
    results += merge_batch(servers[0])
    return results


__all__ = ["Result", "run_all"]
