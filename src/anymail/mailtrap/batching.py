"""Mailtrap's /api/batch at scale: automatic batching, and merge batches of any size.

One batch call carries at most 500 entries and 50 MB (MAILTRAP_API.md §3, §10.2).

* Automatic batching (MAILTRAP_BATCH_MESSAGES): consecutive ordinary messages become the
  entries of one call -- each entry the message's complete /api/send body, no `base` -- and
  each entry's answer becomes that message's status. An entry Mailtrap refused fails its
  message (statuses "failed", an error for the send) without affecting the others.
* A merge batch (any merge_* attribute) for more than 500 `to` recipients, or larger than
  50 MB, is split into consecutive calls (merge_chunks.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..exceptions import AnymailRequestsAPIError
from ..sending.delivery import CallResult, Delivery, MessageDelivery, Outcomes, Packer, Ticket
from ..sending.json_body import JSONParts
from . import batch_calls
from .batch_calls import BatchCallPayload, Bin, Statuses
from .merge_chunks import MergeChunksDelivery
from .payload import RECIPIENT_TYPES
from .responses import MailtrapResponseParser

if TYPE_CHECKING:
    from ..backends.mailtrap import EmailBackend
    from .payload import MailtrapPayload

_AUTO_PREFIX, _AUTO_SUFFIX = '{"requests": [', "]}"


class MailtrapPacker(Packer):
    """Groups ordinary messages into batch calls (when enabled); splits huge merge batches."""

    backend: EmailBackend

    def __init__(self, backend: EmailBackend) -> None:
        super().__init__(backend)
        self.pending: list[Ticket] = []
        self.bin = Bin(len(_AUTO_PREFIX) + len(_AUTO_SUFFIX))

    def add(self, ticket: Ticket) -> list[Delivery]:
        payload: MailtrapPayload = ticket.payload
        if payload.is_batch_send:
            # Earlier messages go first, so completion stays in message order
            return [*self.flush(), self.merge_batch_delivery(ticket)]
        if not self.backend.batch_messages:
            return [MessageDelivery(self.backend, ticket)]
        size = payload.encode_body().size
        ready = [] if self.bin.fits(size) else self.flush()
        self.pending.append(ticket)
        self.bin.add(size)
        return ready

    def flush(self) -> list[Delivery]:
        tickets = self.drop_pending()
        if not tickets:
            return []
        if len(tickets) == 1:  # a batch of one is an ordinary send
            return [MessageDelivery(self.backend, tickets[0])]
        return [AutoBatchDelivery(self.backend, tickets)]

    def drop_pending(self) -> list[Ticket]:
        tickets, self.pending = self.pending, []
        self.bin = Bin(self.bin.fixed)
        return tickets

    def merge_batch_delivery(self, ticket: Ticket) -> Delivery:
        payload: MailtrapPayload = ticket.payload
        fits_one_call = (
            len(payload.data.get("to", [])) <= batch_calls.MAX_BATCH_REQUESTS
            and payload.encode_body().size <= batch_calls.MAX_BATCH_BYTES
        )
        if fits_one_call:
            return MessageDelivery(self.backend, ticket)
        return MergeChunksDelivery(self.backend, ticket)


class AutoBatchDelivery(Delivery):
    """Several ordinary messages as the entries of one batch call."""

    def __init__(self, backend: EmailBackend, tickets: list[Ticket]) -> None:
        self.backend = backend
        self.tickets = tickets
        entries = [ticket.payload.encode_body() for ticket in tickets]
        body = JSONParts.join(_AUTO_PREFIX, entries, _AUTO_SUFFIX)
        self.call = BatchCallPayload(tickets[0].payload, body, f"{len(tickets)} messages")

    def calls(self) -> Sequence[Callable[[], Any]]:
        return [self.send]

    def send(self) -> tuple[Any, list[Statuses | Exception]]:
        """POST the batch and parse each entry's answer (runs in a worker thread)."""
        first = self.tickets[0]
        try:
            response = self.backend.post_to_esp(self.call, first.message)  # type: ignore[arg-type]
        finally:
            for ticket in self.tickets:
                ticket.payload.release_body()
        parsed = self.backend.deserialize_json_response(response, self.call, first.message)
        parser = MailtrapResponseParser(self.backend, first.payload, first.message, response)
        parser.check_success(parsed)
        answers = parsed.get("responses")
        if not isinstance(answers, list) or len(answers) != len(self.tickets):
            count = len(answers) if isinstance(answers, list) else "none"
            raise parser.error(f"Expected {len(self.tickets)} batch send responses but got {count}")
        return response, [
            self._entry_statuses(ticket, answer, response)
            for ticket, answer in zip(self.tickets, answers, strict=True)
        ]

    def _entry_statuses(self, ticket: Ticket, answer: Any, response: Any) -> Statuses | Exception:
        payload: MailtrapPayload = ticket.payload
        emails = [email for kind in RECIPIENT_TYPES for email in payload.recipient_emails(kind)]
        parser = MailtrapResponseParser(self.backend, payload, ticket.message, response)
        try:
            return parser.parse_one(answer, emails)
        except AnymailRequestsAPIError as error:  # one odd entry fails only its own message
            return error

    def complete(self, results: Sequence[CallResult]) -> Outcomes:
        result = results[0]
        if result.error is not None:
            return [result.error] * len(self.tickets)
        response, entries = result.value
        outcomes: Outcomes = []
        for position, (ticket, entry) in enumerate(zip(self.tickets, entries, strict=True)):
            outcomes.append(self._complete_one(ticket, entry, response, position))
        return outcomes

    def _complete_one(
        self, ticket: Ticket, entry: Statuses | Exception, response: Any, position: int
    ) -> BaseException | None:
        status = ticket.message.anymail_status  # type: ignore[attr-defined]
        status.esp_response = response
        if isinstance(entry, Exception):
            return entry
        if all(one.status == "failed" for one in entry.values()):
            status.set_recipient_status(entry)
            return AnymailRequestsAPIError(
                f"Mailtrap did not accept this message (entry {position + 1} of "
                f"{len(self.tickets)} in one batch call): {self._entry_errors(response, position)}",
                email_message=ticket.message,
                payload=ticket.payload,
                backend=self.backend,
            )
        ticket.payload.parsed_recipient_status = entry
        try:
            self.backend.complete(ticket.message, ticket.payload, response)
        except Exception as error:
            return error
        return None

    @staticmethod
    def _entry_errors(response: Any, position: int) -> str:
        try:
            errors = response.json()["responses"][position].get("errors")
        except (AttributeError, KeyError, IndexError, TypeError, ValueError):
            errors = None
        return "; ".join(map(str, errors)) if isinstance(errors, list) else repr(errors)
