"""A minimal, fast Mailtrap-like HTTP server for the benchmarks (run in its own process).

It speaks just enough HTTP/1.1 (keep-alive, Content-Length bodies) and just enough
Mailtrap: POST /api/send[/<id>] answers one message id per recipient, POST
/api/batch[/<id>] one answer per entry. Every answer waits `--latency-ms` first
(asyncio, so calls overlap like they would against the real API). GET /stats returns
the number of API calls so far; POST /reset zeroes it.

    python -m benchmarks.server --latency-ms 20    # prints "port <n>" when ready
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from typing import Any


class Stats:
    calls = 0
    ids = 0


def _ids(message: dict[str, Any]) -> list[str]:
    count = sum(len(message.get(kind) or ()) for kind in ("to", "cc", "bcc"))
    start = Stats.ids
    Stats.ids += count
    return [f"id-{n}" for n in range(start, start + count)]


def answer(path: str, body: bytes) -> bytes:
    """The JSON Mailtrap would answer for a valid send or batch request."""
    Stats.calls += 1
    data = json.loads(body)
    if path.startswith("/api/batch"):
        reply: dict[str, Any] = {
            "success": True,
            "responses": [{"success": True, "message_ids": _ids(e)} for e in data["requests"]],
        }
    else:
        reply = {"success": True, "message_ids": _ids(data)}
    return json.dumps(reply).encode()


async def handle(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, latency: float
) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            _method, path, _version = lines[0].decode().split(" ", 2)
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length) if length else b""
            if path == "/stats":
                data = json.dumps({"calls": Stats.calls}).encode()
            elif path == "/reset":
                Stats.calls = 0
                data = b"{}"
            else:
                if latency:
                    await asyncio.sleep(latency)
                data = answer(path, body)
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(data), data)
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def serve(port: int, latency: float) -> None:
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, latency), "127.0.0.1", port, limit=1 << 20
    )
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.latency_ms / 1000))


if __name__ == "__main__":
    main()
