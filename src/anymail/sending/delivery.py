"""Deliveries: the units a send is split into -- messages, the HTTP calls that carry them,
and how the results become statuses again.

Usually one message is one call (`MessageDelivery`). An ESP adapter may group several
messages into one call (automatic batching) or spread one message over several calls
(a very large merge batch) by providing its own `Packer` and `Delivery` classes. The
engine in `engine.py` runs the calls, possibly in worker threads, and hands the
results back to `Delivery.complete` in the caller's thread, in message order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from django.core.mail import EmailMessage

if TYPE_CHECKING:
    from .pipeline import MessagePipeline


class Ticket:
    """One prepared message: its position in the caller's list, and its payload."""

    __slots__ = ("index", "message", "payload")

    def __init__(self, index: int, message: EmailMessage, payload: Any) -> None:
        self.index = index
        self.message = message
        self.payload = payload

    def __repr__(self) -> str:
        return f"<Ticket #{self.index}>"


class CallResult:
    """How one HTTP call ended: its return value, its exception, or never started."""

    __slots__ = ("error", "started", "value")

    def __init__(
        self, value: Any = None, error: BaseException | None = None, started: bool = True
    ) -> None:
        self.value = value
        self.error = error
        self.started = started

    @classmethod
    def of(cls, future: Future[Any] | None) -> CallResult:
        if future is None:
            return NOT_STARTED
        error = future.exception()
        return cls(error=error) if error is not None else cls(value=future.result())


NOT_STARTED = CallResult(started=False)

#: Per ticket: None when the message was sent, else the error that stopped it.
Outcomes = list["BaseException | None"]


class Delivery:
    """Messages sent by one or more HTTP calls, completed together in the caller's thread."""

    tickets: list[Ticket]

    def calls(self) -> Sequence[Callable[[], Any]]:
        """The HTTP calls to make; each may run in a worker thread and must not touch the DB."""
        raise NotImplementedError

    def complete(self, results: Sequence[CallResult]) -> Outcomes:
        """Statuses and post_send for each ticket, in order; never raises for one message."""
        raise NotImplementedError


class MessageDelivery(Delivery):
    """One message, one call: the classic pipeline."""

    def __init__(self, backend: MessagePipeline, ticket: Ticket) -> None:
        self.backend = backend
        self.tickets = [ticket]

    def calls(self) -> Sequence[Callable[[], Any]]:
        return [self.exchange]

    def exchange(self) -> Any:
        ticket = self.tickets[0]
        try:
            return self.backend.exchange(ticket.payload, ticket.message)
        finally:
            ticket.payload.release_body()

    def complete(self, results: Sequence[CallResult]) -> Outcomes:
        ticket, result = self.tickets[0], results[0]
        if result.error is not None:
            return [result.error]
        try:
            self.backend.complete(ticket.message, ticket.payload, result.value)
        except Exception as error:
            return [error]
        return [None]


class Packer:
    """Turns prepared messages into deliveries, in order. The default: one call each."""

    def __init__(self, backend: MessagePipeline) -> None:
        self.backend = backend

    def add(self, ticket: Ticket) -> list[Delivery]:
        """Deliveries ready to start now (a packer may hold tickets back to group them)."""
        return [MessageDelivery(self.backend, ticket)]

    def flush(self) -> list[Delivery]:
        """Deliveries for every ticket still held back (the caller has no more messages)."""
        return []

    def drop_pending(self) -> list[Ticket]:
        """Forget the tickets held back (sending stopped); returns them."""
        return []
