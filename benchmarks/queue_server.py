"""benchmarks/server.py, also counting how many times each queued message arrived.

For the queue rows: every /api/batch entry's `anymail_id` custom variable is counted
(`GET /ids` returns the counts, `POST /ids/reset` clears them), and the latency can be
changed while running (`POST /latency/<ms>`): it applies to connections opened after
that (a drain opens its own), so a call in flight keeps the latency it started with.
Control paths answer after the latency of their own connection too.

    python -m benchmarks.queue_server --latency-ms 20    # prints "port <n>" when ready
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from collections import Counter

from . import server as base

_answer = base.answer
_counts: Counter[str] = Counter()
_latency = [0.0]


def answer(path: str, body: bytes) -> bytes:
    if path == "/ids":
        return json.dumps(_counts).encode()
    if path == "/ids/reset":
        _counts.clear()
        return b"{}"
    if path.startswith("/latency/"):
        _latency[0] = float(path.rpartition("/")[2]) / 1000
        return b"{}"
    data = json.loads(body)
    for entry in data.get("requests", [data]):
        _counts[str((entry.get("custom_variables") or {}).get("anymail_id"))] += 1
    return _answer(path, body)


async def serve(port: int) -> None:
    running = await asyncio.start_server(
        lambda r, w: base.handle(r, w, _latency[0]), "127.0.0.1", port, limit=1 << 20
    )
    print(f"port {running.sockets[0].getsockname()[1]}", flush=True)
    async with running:
        await running.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    _latency[0] = args.latency_ms / 1000
    base.answer = answer  # what base.handle calls for every non-stats path
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
