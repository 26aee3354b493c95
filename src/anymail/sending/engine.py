"""The send engine: HTTP calls in a sliding window over a thread pool, completed in order.

Everything that touches the caller's world -- pre_send, payload building, post_send,
statuses seen by the caller -- happens in the caller's thread, in message order. Only the
deliveries' calls (HTTP and response parsing) run in worker threads, at most `window` at
a time. With a window of 1 nothing runs in another thread: each message is prepared,
sent and completed before the next one is prepared, exactly as a plain loop would.

When a message fails, no new call starts; calls in flight finish and are completed; then
the failure of the earliest message (in the caller's order) is raised, carrying
`sent_messages` and `unsent_messages`. With fail_silently an AnymailError only makes its
message not count. Messages skipped on purpose (pre_send cancelled them, no recipients)
are in neither list.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Sized
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from django.core.mail import EmailMessage

from ..exceptions import AnymailError
from .delivery import CallResult, Delivery, Packer, Ticket

if TYPE_CHECKING:
    from .pipeline import MessagePipeline

#: Completed calls waiting for an earlier, slower one are kept up to this many windows.
BACKLOG_WINDOWS = 4


class _Started:
    """A delivery whose calls have (at least partly) been started."""

    __slots__ = ("aborted", "delivery", "futures")

    def __init__(self, delivery: Delivery, count: int) -> None:
        self.delivery = delivery
        self.futures: list[Future[Any] | None] = [None] * count
        self.aborted = False  # one of its calls failed: start no more of them

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
        self.parallel = False
        self.executor: ThreadPoolExecutor | None = None
        self.slots = threading.Semaphore(self.window)
        self.started: deque[_Started] = deque()
        self.sent: list[Ticket] = []
        self.unsent: list[Ticket] = []
        self.failures: list[tuple[int, BaseException]] = []
        self.stopping = False

    def run(self, messages: Iterable[EmailMessage]) -> int:
        """Send everything; return the number sent, or raise the first failure."""
        # A single message gains nothing from threads; skip starting any.
        self.parallel = self.window > 1 and not (isinstance(messages, Sized) and len(messages) < 2)
        try:
            self._feed(messages)
            while self.started:
                self._complete_head()
        finally:
            if self.executor is not None:
                # All calls are done unless an exception (e.g. KeyboardInterrupt) got here.
                self.executor.shutdown(wait=False, cancel_futures=True)
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
            self.unsent.extend(self.packer.drop_pending())
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
            if self.stopping or state.aborted:
                break
            state.futures[position] = self._submit(call, state)
        if all(future is None for future in state.futures):
            self.unsent.extend(delivery.tickets)
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

    def _record(self, ticket: Ticket, error: BaseException | None) -> None:
        if error is None:
            self.sent.append(ticket)
            return
        self.unsent.append(ticket)
        if not self._is_silenced(error):
            self.failures.append((ticket.index, error))
            self.stopping = True

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
        )
        raise error

    # -- running calls -----------------------------------------------------------------------

    def _submit(self, call: Callable[[], Any], state: _Started) -> Future[Any] | None:
        if not self.parallel:
            future = _run_inline(call)
            self._note_failure(future, state)
            return future
        self.slots.acquire()  # blocks while `window` calls are in flight
        if self.stopping or state.aborted:
            self.slots.release()
            return None
        if self.executor is None:
            self.executor = ThreadPoolExecutor(self.window, thread_name_prefix="anymail-send")
        future = self.executor.submit(call)
        future.add_done_callback(lambda done: self._call_done(done, state))
        return future

    def _call_done(self, future: Future[Any], state: _Started) -> None:
        """Runs in the worker thread: note a failure, then free the slot (in that order,
        so the caller cannot start another call after a failure)."""
        self._note_failure(future, state)
        self.slots.release()

    def _note_failure(self, future: Future[Any], state: _Started) -> None:
        """A failed call: start no more calls of its delivery, nor any at all unless silenced."""
        error = future.exception()
        if error is not None:
            state.aborted = True
            if not self._is_silenced(error):
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
    error: BaseException, sent: list[EmailMessage], unsent: list[EmailMessage]
) -> None:
    """Tell the caller which messages were sent and which were not, on the raised error."""
    try:
        error.sent_messages = sent  # type: ignore[attr-defined]
        error.unsent_messages = unsent  # type: ignore[attr-defined]
    except AttributeError:  # an exception type with __slots__: nothing to attach to
        pass
