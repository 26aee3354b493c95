"""The send engine: HTTP calls in a sliding window over a thread pool, completed in order.

Everything that touches the caller's world -- pre_send, payload building, post_send,
statuses seen by the caller -- happens in the caller's thread, in message order. Only the
deliveries' calls (HTTP and response parsing) run in worker threads, at most `window` at
a time. With a window of 1 nothing runs in another thread: each message is prepared,
sent and completed before the next one is prepared, exactly as a plain loop would.

Threads only pay while calls wait on the network. So a run with a larger window starts
by timing its first call in a worker: if it answers within `SLOW_CALL_SECONDS`, later
calls run in the caller's thread (no hand-off, no contention), and the run switches to
the thread pool as soon as calls start waiting longer than that (see `_Pace`). The window
bounds the calls on the wire: a call waiting between attempts (a 429's Retry-After) gives
its place to another one, up to `THREADS_PER_SLOT` times `window` calls started.

A failure that concerns one message (its call dropped, its batch entry refused, retries
exhausted on a 429) does not stop the others; only a fatal one -- a failure every other
message would meet too, see `outcomes.is_fatal` -- stops new calls from starting (calls
in flight finish). At the end the failure of the earliest message (in the caller's
order) is raised, carrying `sent_messages`, `unsent_messages` (not accepted: safe to send
again) and `unknown_messages` (the request went out, no answer came back). Before that,
a backend that can look sends up (`pipeline.OutcomeSettler`) settles the unknown ones
into sent or not accepted where it can tell. With fail_silently an AnymailError only
makes its message not count. Messages skipped on purpose (pre_send cancelled them, no
recipients) are in none of the lists.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sized
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from django.core.mail import EmailMessage

from ..exceptions import AnymailError
from .delivery import CallResult, Delivery, Packer, Ticket
from .http_caller import waiting_between_attempts
from .outcomes import Outcome, is_fatal, mark, outcome_of

if TYPE_CHECKING:
    from .pipeline import MessagePipeline

#: Completed calls waiting for an earlier, slower one are kept up to this many windows.
#: Generous, so one call waiting out a Retry-After does not stall the others; cheap, since
#: a delivery whose call is over has released its body (`BasePayload.release_body`).
BACKLOG_WINDOWS = 32

#: A call that waits this long (seconds, beyond its own CPU) for the ESP makes threads pay.
SLOW_CALL_SECONDS = 0.003

#: Threads per place in the window: a call waiting between attempts (a 429's Retry-After)
#: gives its place to another call, so up to this many times `window` calls are started.
THREADS_PER_SLOT = 2


class _Pace:
    """Whether calls run in the caller's thread or the pool: probe, then decide by waiting."""

    PROBE, INLINE, PARALLEL = "probe", "inline", "parallel"

    def __init__(self, mode: str, adaptive: bool = True) -> None:
        self.mode = mode
        #: False for a window of 1: strictly sequential, never threads.
        self.adaptive = adaptive
        self.calls = 0
        self.samples = 0
        self.average_wait = 0.0

    def wants_sample(self) -> bool:
        """Time the first calls, then every 8th: reading the thread's CPU clock is a
        system call, too dear for every message when calls are fast."""
        self.calls += 1
        return (
            self.adaptive and self.mode == self.INLINE and (self.calls <= 8 or self.calls % 8 == 0)
        )

    def observe(self, wait: float) -> None:
        """An inline call waited `wait` seconds: switch to threads once calls are slow."""
        if self.mode != self.INLINE or not self.adaptive:
            return
        self.samples += 1
        self.average_wait = wait if self.samples == 1 else (self.average_wait + wait) / 2
        if self.samples >= 2 and self.average_wait > SLOW_CALL_SECONDS:
            self.mode = self.PARALLEL


class _Started:
    """A delivery whose calls have (at least partly) been started."""

    __slots__ = ("delivery", "futures")

    def __init__(self, delivery: Delivery, count: int) -> None:
        self.delivery = delivery
        self.futures: list[Future[Any] | None] = [None] * count

    def done(self) -> bool:
        return all(future is None or future.done() for future in self.futures)

    def wait(self) -> None:
        for future in self.futures:
            if future is not None:
                future.exception()  # blocks until done; never raises the call's error


class SendRun:
    """One send_messages call through the engine."""

    def __init__(self, backend: MessagePipeline, window: int, packer: Packer) -> None:
        self.backend = backend
        self.window = max(1, window)
        self.packer = packer
        self.pace = _Pace(_Pace.INLINE, adaptive=False)
        self.executor: ThreadPoolExecutor | None = None
        #: Calls on the wire (at most `window`), and calls started (waiting ones included).
        self.slots = threading.Semaphore(self.window)
        self.threads = threading.Semaphore(self.window * THREADS_PER_SLOT)
        self.started: deque[_Started] = deque()
        self.sent: list[Ticket] = []
        self.unsent: list[Ticket] = []
        self.unknown: list[Ticket] = []
        self.failures: list[tuple[int, BaseException]] = []
        self.stopping = False
        #: When the run began, for looking up sends of unknown outcome.
        self.since = datetime.now(timezone.utc)

    def run(self, messages: Iterable[EmailMessage]) -> int:
        """Send everything; return the number sent, or raise the first failure."""
        # A single message gains nothing from threads; skip starting any.
        if self.window > 1 and not (isinstance(messages, Sized) and len(messages) < 2):
            self.pace = _Pace(_Pace.PROBE)
        try:
            self._feed(messages)
            while self.started:
                self._complete_head()
        finally:
            if self.executor is not None:
                # All calls are done unless an exception (e.g. KeyboardInterrupt) got here.
                self.executor.shutdown(wait=False, cancel_futures=True)
        self._settle_unknown()
        return self._result()

    # -- the caller's side: prepare, start, complete ----------------------------------------

    def _feed(self, messages: Iterable[EmailMessage]) -> None:
        numbered = enumerate(messages)
        for index, message in numbered:
            if self.stopping:
                self.unsent.append(Ticket(index, message, None))
                self.unsent.extend(Ticket(i, m, None) for i, m in numbered)
                break
            ticket = self._prepare(index, message)
            if ticket is not None:
                for delivery in self._pack(ticket):
                    self._start(delivery)
            self._complete_ready()
        if self.stopping:
            self._not_started(self.packer.drop_pending())
        else:
            for delivery in self.packer.flush():
                self._start(delivery)

    def _prepare(self, index: int, message: EmailMessage) -> Ticket | None:
        try:
            payload = self.backend.prepare(message)
        except Exception as error:
            self._record(Ticket(index, message, None), error)
            return None
        return None if payload is None else Ticket(index, message, payload)

    def _pack(self, ticket: Ticket) -> list[Delivery]:
        try:  # packing may serialize the payload: its errors belong to this message
            return self.packer.add(ticket)
        except Exception as error:
            self._record(ticket, error)
            return []

    def _start(self, delivery: Delivery) -> None:
        if len(self.started) >= BACKLOG_WINDOWS * self.window:
            self._complete_head()  # bound memory held by results waiting for their turn
        calls = delivery.calls()
        state = _Started(delivery, len(calls))
        for position, call in enumerate(calls):
            if self.stopping:
                break
            state.futures[position] = self._submit(call)
        if all(future is None for future in state.futures):
            self._not_started(delivery.tickets)
            return
        self.started.append(state)

    def _complete_ready(self) -> None:
        while self.started and self.started[0].done():
            self._complete_head()

    def _complete_head(self) -> None:
        state = self.started.popleft()
        state.wait()
        results = [CallResult.of(future) for future in state.futures]
        for result in results:
            if result.error is not None and not isinstance(result.error, Exception):
                raise result.error  # KeyboardInterrupt, SystemExit: not a send failure
        tickets = state.delivery.tickets
        try:
            outcomes = state.delivery.complete(results)
        except Exception as error:
            outcomes = [error] * len(tickets)
        for ticket, outcome in zip(tickets, outcomes, strict=True):
            self._record(ticket, outcome)

    def _not_started(self, tickets: list[Ticket]) -> None:
        for ticket in tickets:
            ticket.payload = None
            self.unsent.append(ticket)

    def _record(self, ticket: Ticket, error: BaseException | None) -> None:
        ticket.payload = None  # nothing of a message's payload outlives its own send
        outcome = outcome_of(error)
        if outcome is Outcome.SENT:
            self.sent.append(ticket)
        elif outcome is Outcome.UNKNOWN:
            self.unknown.append(ticket)
        else:
            self.unsent.append(ticket)
        if error is None:
            return
        if not self._is_silenced(error):
            self.failures.append((ticket.index, error))
        if is_fatal(error):
            self.stopping = True

    def _settle_unknown(self) -> None:
        """Let the backend look up sends of unknown outcome; move those it can tell."""
        settle = getattr(self.backend, "settle_unknown", None)
        if not self.unknown or settle is None:
            return
        tickets = sorted(self.unknown, key=_by_index)
        sent = [ticket.message for ticket in self.sent]
        outcomes = settle([ticket.message for ticket in tickets], sent, self.since)
        self.unknown = []
        settled: dict[int, BaseException | None] = {}
        for ticket, outcome in zip(tickets, outcomes, strict=True):
            if outcome is Outcome.NOT_ACCEPTED:
                self.unsent.append(ticket)
                for index, error in self.failures:
                    if index == ticket.index:
                        mark(error, Outcome.NOT_ACCEPTED)
            elif outcome is Outcome.SENT or isinstance(outcome, BaseException):
                self.sent.append(ticket)  # an exception: sent, but its post_send failed
                settled[ticket.index] = outcome if isinstance(outcome, BaseException) else None
            else:
                self.unknown.append(ticket)
        self.failures = [failure for failure in self.failures if failure[0] not in settled]
        self.failures += [(index, error) for index, error in settled.items() if error]

    def _is_silenced(self, error: BaseException) -> bool:
        return self.backend.fail_silently and isinstance(error, AnymailError)

    def _result(self) -> int:
        if not self.failures:
            return len(self.sent)
        _index, error = min(self.failures, key=lambda failure: failure[0])
        attach_outcome(
            error,
            sent=[ticket.message for ticket in sorted(self.sent, key=_by_index)],
            unsent=[ticket.message for ticket in sorted(self.unsent, key=_by_index)],
            unknown=[ticket.message for ticket in sorted(self.unknown, key=_by_index)],
            failures=len(self.failures),
        )
        raise error

    # -- running calls -----------------------------------------------------------------------

    def _submit(self, call: Callable[[], Any]) -> Future[Any] | None:
        if self.pace.mode == _Pace.INLINE:
            future = self._run_inline(call)
            self._note_failure(future)
            return future
        self.threads.acquire()  # blocks while every thread has a call
        self.slots.acquire()  # blocks while `window` calls are in flight
        if self.stopping:
            self.slots.release()
            self.threads.release()
            return None
        if self.executor is None:
            self.executor = ThreadPoolExecutor(
                self.window * THREADS_PER_SLOT, thread_name_prefix="anymail-send"
            )
        future = self.executor.submit(self._in_worker, call)
        future.add_done_callback(self._call_done)
        if self.pace.mode == _Pace.PROBE:  # a fast first answer: no threads from now on
            done, _pending = wait([future], timeout=SLOW_CALL_SECONDS)
            self.pace.mode = _Pace.INLINE if done else _Pace.PARALLEL
        return future

    def _run_inline(self, call: Callable[[], Any]) -> Future[Any]:
        """Run a call in the caller's thread, timing how long it waited on the network."""
        if not self.pace.wants_sample():
            return _run_inline(call)
        wall, cpu = time.perf_counter(), time.thread_time()
        future = _run_inline(call)
        self.pace.observe(time.perf_counter() - wall - (time.thread_time() - cpu))
        return future

    def _in_worker(self, call: Callable[[], Any]) -> Any:
        """Run a call in a worker thread, giving up its place in the window while it
        waits between attempts (e.g. out a 429's Retry-After): the window bounds calls on
        the wire, and a waiting call is not."""
        waiting_between_attempts(self._between_attempts)
        try:
            return call()
        finally:
            waiting_between_attempts(None)

    @contextmanager
    def _between_attempts(self) -> Iterator[None]:
        self.slots.release()
        try:
            yield
        finally:
            self.slots.acquire()  # back on the wire only when there is room

    def _call_done(self, future: Future[Any]) -> None:
        """Runs in the worker thread: note a failure, then free the slot (in that order,
        so the caller cannot start another call after a failure)."""
        self._note_failure(future)
        self.slots.release()
        self.threads.release()

    def _note_failure(self, future: Future[Any]) -> None:
        """A fatal failure (one every other message would meet too): start no more calls."""
        error = future.exception()
        if error is not None and is_fatal(error):
            self.stopping = True


class _Finished:
    """What a call run in the caller's thread left: the Future interface, without its lock."""

    __slots__ = ("_error", "_value")

    def __init__(self, value: Any = None, error: BaseException | None = None) -> None:
        self._value = value
        self._error = error

    def done(self) -> bool:
        return True

    def exception(self) -> BaseException | None:
        return self._error

    def result(self) -> Any:
        return self._value


def _run_inline(call: Callable[[], Any]) -> Future[Any]:
    try:
        finished = _Finished(value=call())
    except Exception as error:
        finished = _Finished(error=error)
    return finished  # type: ignore[return-value]  # duck-typed: done/exception/result


def _by_index(ticket: Ticket) -> int:
    return ticket.index


def attach_outcome(
    error: BaseException,
    sent: list[EmailMessage],
    unsent: list[EmailMessage],
    unknown: list[EmailMessage],
    failures: int = 1,
) -> None:
    """Tell the caller, on the raised error, which messages were sent, not accepted, or
    of unknown outcome; when the run had several messages, say so in the error's text."""
    try:
        error.sent_messages = sent  # type: ignore[attr-defined]
        error.unsent_messages = unsent  # type: ignore[attr-defined]
        error.unknown_messages = unknown  # type: ignore[attr-defined]
    except AttributeError:  # an exception type with __slots__: nothing to attach to
        return
    if isinstance(error, AnymailError) and len(sent) + len(unsent) + len(unknown) > 1:
        error.args = (
            *error.args,
            f"(This send_messages call: {len(sent)} sent, {len(unsent)} not accepted, "
            f"{len(unknown)} of unknown outcome; {failures} failed -- see the error's "
            "sent_messages, unsent_messages and unknown_messages.)",
        )
