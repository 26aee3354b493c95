"""The engine pays for threads only while calls wait on the network; payloads don't linger."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from typing import Any

from anymail.sending import engine
from tests.support.mailtrap_server import Received, Reply
from tests.support.sending import (  # noqa: F401 (fixtures)
    mailtrap_server_fixture,
    make_message,
    scale_backend_fixture,
)


def record_threads(backend: Any) -> list[str]:
    """Names of the threads each API call of `backend` runs in."""
    threads: list[str] = []
    post = backend.post_to_esp

    def spy(payload: Any, message: Any) -> Any:
        threads.append(threading.current_thread().name)
        return post(payload, message)

    backend.post_to_esp = spy
    return threads


def test_fast_calls_run_in_the_callers_thread_after_the_first(
    mailtrap_server, scale_backend, monkeypatch
):
    # "fast" relative to the threshold: generous, so a busy test machine cannot flip it
    monkeypatch.setattr(engine, "SLOW_CALL_SECONDS", 0.25)
    backend = scale_backend()  # default concurrency
    threads = record_threads(backend)
    assert backend.send_messages([make_message(n) for n in range(20)]) == 20
    caller = threading.current_thread().name
    assert threads[0].startswith("anymail-send")  # the probe
    assert threads[1:] == [caller] * 19


def test_slow_calls_switch_to_the_thread_pool(mailtrap_server, scale_backend):
    def handler(request: Received) -> None:
        time.sleep(0.02)

    mailtrap_server.handler = handler
    backend = scale_backend()
    threads = record_threads(backend)
    assert backend.send_messages([make_message(n) for n in range(20)]) == 20
    assert all(name.startswith("anymail-send") for name in threads)


def test_calls_that_become_slow_switch_to_the_thread_pool(
    mailtrap_server, scale_backend, monkeypatch
):
    monkeypatch.setattr(engine, "SLOW_CALL_SECONDS", 0.05)

    def handler(request: Received) -> None:
        if int(request.json()["subject"].split()[-1]) >= 5:
            time.sleep(0.12)

    mailtrap_server.handler = handler
    backend = scale_backend()
    threads = record_threads(backend)
    assert backend.send_messages([make_message(n) for n in range(12)]) == 12
    caller = threading.current_thread().name
    assert caller in threads[1:5]
    assert threads[-1].startswith("anymail-send")


def test_pace_needs_two_slow_calls_to_switch() -> None:
    pace = engine._Pace(engine._Pace.INLINE)
    pace.observe(10 * engine.SLOW_CALL_SECONDS)
    assert pace.mode == engine._Pace.INLINE  # one blip is not a trend
    pace.observe(10 * engine.SLOW_CALL_SECONDS)
    assert pace.mode == engine._Pace.PARALLEL


def test_payloads_are_released_after_each_send(mailtrap_server, scale_backend):
    """Nothing of a message's payload outlives its own send, even mid-run."""
    backend = scale_backend(send_concurrency=1)
    payloads: list[weakref.ref[Any]] = []
    alive_when_sending: list[int] = []
    build = backend.build_message_payload

    def tracking_build(message: Any, defaults: Any) -> Any:
        payload = build(message, defaults)
        payloads.append(weakref.ref(payload))
        return payload

    def handler(request: Received) -> Reply | None:
        gc.collect()
        alive_when_sending.append(sum(ref() is not None for ref in payloads))
        return None

    backend.build_message_payload = tracking_build
    mailtrap_server.handler = handler
    messages = [
        make_message(n, attachments=[("a.txt", "x" * 1000, "text/plain")]) for n in range(6)
    ]
    assert backend.send_messages(messages) == 6
    # while message n is on the wire, only its own payload exists
    assert alive_when_sending == [1] * 6
    gc.collect()
    assert all(ref() is None for ref in payloads)
    assert all(message.anymail_status.status == {"queued"} for message in messages)


def test_pace_times_the_first_calls_then_every_eighth() -> None:
    pace = engine._Pace(engine._Pace.INLINE)
    sampled = [number for number in range(1, 41) if pace.wants_sample()]
    assert sampled == [1, 2, 3, 4, 5, 6, 7, 8, 16, 24, 32, 40]
    sequential = engine._Pace(engine._Pace.INLINE, adaptive=False)
    assert not any(sequential.wants_sample() for _ in range(20))
