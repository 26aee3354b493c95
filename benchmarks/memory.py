"""Memory scenarios, each in a fresh interpreter so one cannot inflate another.

    python -m benchmarks.memory large <api_url> [--no-streaming]
    python -m benchmarks.memory many <api_url> <count>

Each prints one JSON line. Growth is measured from the process's resident size just
before send_messages to its peak (Linux VmHWM, exact) and to its size
right after -- the messages themselves, built beforehand, are the caller's memory.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys

import psutil

from .harness import backend, html_message, setup_django

MB = 1024 * 1024


def _rss() -> int:
    return int(psutil.Process().memory_info().rss)


def _peak() -> int:
    """The process's peak resident size. Linux's VmHWM belongs to this program's own
    memory map; ru_maxrss would also count the parent's size at fork time (a big parent
    -- the benchmark runner after the soak -- made every child look big)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # elsewhere: KiB


def _reset_peak() -> None:
    """Start the peak from the current size (Linux; a no-op where unsupported)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass


def _measure(send: object) -> dict[str, float]:
    gc.collect()
    _reset_peak()
    before = _rss()
    send()  # type: ignore[operator]
    after = _rss()
    return {"peak_mb": (_peak() - before) / MB, "after_mb": (after - before) / MB}


def large(api_url: str, streaming: bool = True) -> dict[str, float]:
    """One message with a 20 MB attachment."""
    if not streaming:
        from anymail.sending import json_body

        json_body.STREAM_THRESHOLD = 1 << 62  # the plain str body, for comparison
    sender = backend(api_url)
    warm = html_message(0)
    warm.attach("small.bin", os.urandom(1000), "application/octet-stream")
    sender.send_messages([warm])
    message = html_message(1)
    message.attach("big.bin", os.urandom(20 * MB), "application/octet-stream")
    return _measure(lambda: sender.send_messages([message]))


#: About 50 KB of CSV text (a str, with a few non-ASCII characters), shared by every message
#: but prefixed per message so that each attachment is a distinct str.
_CSV_ROWS = "".join(f"{i},item-{i},Zürich,{i * 7 % 1000}.50\n" for i in range(2000))[: 50 * 1024]


def many(api_url: str, count: int) -> dict[str, float]:
    """`count` messages with an HTML part, a 50 KB binary and a 50 KB text attachment each,
    kept alive like a caller would."""
    sender = backend(api_url)

    def build(number: int) -> object:
        message = html_message(number)
        message.attach("report.pdf", os.urandom(50 * 1024), "application/pdf")
        message.attach("orders.csv", f"message {number}\n{_CSV_ROWS}", "text/csv")
        return message

    sender.send_messages([build(n) for n in range(40)])  # warm up threads, pools, arenas
    messages = [build(n) for n in range(count)]
    result = _measure(lambda: sender.send_messages(messages))
    assert all(m.anymail_status.status == {"queued"} for m in messages)  # type: ignore[attr-defined]
    return result


def main() -> None:
    setup_django()
    scenario, api_url, *rest = sys.argv[1:]
    if scenario == "large":
        result = large(api_url, streaming="--no-streaming" not in rest)
    else:
        result = many(api_url, int(rest[0]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
