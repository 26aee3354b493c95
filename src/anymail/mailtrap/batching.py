"""Mailtrap's /api/batch at scale: automatic batching, and merge batches of any size.

One batch call carries at most 500 entries and 50 MB (MAILTRAP_API.md §3, §10.2).

* Automatic batching (MAILTRAP_BATCH_MESSAGES): consecutive ordinary messages become the
  entries of one call -- each entry the message's complete /api/send body, no `base` -- and
  each entry's answer becomes that message's status. An entry Mailtrap refused fails its
  message (statuses "failed", an error for the send) without affecting the others.
* A merge batch (any merge_* attribute) for more than 500 `to` recipients, or larger than
  50 MB, is split into consecutive calls; their statuses merge into the message's one
  anymail_status. If a call fails, the error names exactly which recipients were accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from ..exceptions import AnymailRequestsAPIError
from ..message import AnymailRecipientStatus
from ..sending.delivery import CallResult, Delivery, MessageDelivery, Outcomes, Packer, Ticket
from ..sending.json_body import JSONParts, JSONStream
from .payload import RECIPIENT_TYPES
from .responses import MailtrapResponseParser

if TYPE_CHECKING:
    from ..backends.mailtrap import EmailBackend
    from .payload import MailtrapPayload

MAX_BATCH_REQUESTS = 500
MAX_BATCH_BYTES = 50_000_000

_AUTO_PREFIX, _AUTO_SUFFIX = '{"requests": [', "]}"
_SEPARATOR = ", "

Statuses = dict[str, AnymailRecipientStatus]


class _Bin:
    """Fills one batch call: counts entries and bytes against Mailtrap's limits."""

    def __init__(self, fixed: int) -> None:
        self.fixed = fixed
        self.count = 0
        self.size = fixed

    def fits(self, size: int) -> bool:
        if self.count == 0:
            return True  # an oversized single entry still gets its own call
        return (
            self.count < MAX_BATCH_REQUESTS
            and self.size + len(_SEPARATOR) + size <= MAX_BATCH_BYTES
        )

    def add(self, size: int) -> None:
        self.size += size + (len(_SEPARATOR) if self.count else 0)
        self.count += 1


def pack(sizes: Sequence[int], fixed: int) -> list[range]:
    """Consecutive groups of entries, each group within the limits of one call."""
    groups: list[range] = []
    start = 0
    bin_ = _Bin(fixed)
    for index, size in enumerate(sizes):
        if not bin_.fits(size):
            groups.append(range(start, index))
            start, bin_ = index, _Bin(fixed)
        bin_.add(size)
    if start < len(sizes):
        groups.append(range(start, len(sizes)))
    return groups


class BatchCallPayload:
    """What one /api/batch call posts for several messages, or for part of one."""

    def __init__(self, payload: MailtrapPayload, body: JSONParts, description: str) -> None:
        self.backend = payload.backend
        self.headers = payload.headers
        self.body = body
        self.description = description

    def get_request_params(self, api_url: str) -> dict[str, Any]:
        return dict(
            method="POST",
            url=urljoin(api_url, self.backend.client.send_endpoint("batch")),
            params=None,
            data=self.body.body(),
            headers=self.headers,
            files=None,
            auth=None,
            timeout=self.backend.timeout,
        )

    def serialize_data(self) -> str | JSONStream:
        return self.body.body()

    def __repr__(self) -> str:  # never shows the Api-Token header
        return f"<Mailtrap batch call: {self.description}, {self.body.size} bytes>"


class MailtrapPacker(Packer):
    """Groups ordinary messages into batch calls (when enabled); splits huge merge batches."""

    backend: EmailBackend

    def __init__(self, backend: EmailBackend) -> None:
        super().__init__(backend)
        self.pending: list[Ticket] = []
        self.bin = _Bin(len(_AUTO_PREFIX) + len(_AUTO_SUFFIX))

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
        self.bin = _Bin(self.bin.fixed)
        return tickets

    def merge_batch_delivery(self, ticket: Ticket) -> Delivery:
        payload: MailtrapPayload = ticket.payload
        fits_one_call = (
            len(payload.data.get("to", [])) <= MAX_BATCH_REQUESTS
            and payload.encode_body().size <= MAX_BATCH_BYTES
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
        response = self.backend.post_to_esp(self.call, first.message)  # type: ignore[arg-type]
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


class MergeChunksDelivery(Delivery):
    """One merge batch message too big for one call: consecutive calls of its entries."""

    def __init__(self, backend: EmailBackend, ticket: Ticket) -> None:
        self.backend = backend
        self.tickets = [ticket]
        payload: MailtrapPayload = ticket.payload
        self.to_emails = payload.recipient_emails("to")
        self.chunks = split_merge_batch(payload)

    def calls(self) -> Sequence[Callable[[], Any]]:
        return [self._caller(body, entries) for body, entries in self.chunks]

    def _caller(self, body: JSONParts, entries: range) -> Callable[[], Any]:
        def send() -> tuple[Any, Statuses]:
            ticket = self.tickets[0]
            label = f"to[{entries.start}:{entries.stop}] of {len(self.to_emails)} recipients"
            call = BatchCallPayload(ticket.payload, body, label)
            response = self.backend.post_to_esp(call, ticket.message)  # type: ignore[arg-type]
            parsed = self.backend.deserialize_json_response(response, call, ticket.message)
            parser = MailtrapResponseParser(self.backend, ticket.payload, ticket.message, response)
            return response, parser.parse(parsed, self.to_emails[entries.start : entries.stop])

        return send

    def complete(self, results: Sequence[CallResult]) -> Outcomes:
        ticket = self.tickets[0]
        statuses: Statuses = {}
        accepted: list[int] = []
        last_response = None
        first_error: BaseException | None = None
        for (_body, entries), result in zip(self.chunks, results, strict=True):
            if result.started and result.error is None:
                last_response, chunk_statuses = result.value
                statuses.update(chunk_statuses)
                accepted += [i for i in entries if _queued(chunk_statuses, self.to_emails[i])]
            elif first_error is None and result.error is not None:
                first_error = result.error
        if first_error is None and all(result.started for result in results):
            ticket.payload.parsed_recipient_status = statuses
            try:
                self.backend.complete(ticket.message, ticket.payload, last_response)
            except Exception as error:
                return [error]
            return [None]
        return [self._partial_failure(statuses, accepted, last_response, first_error)]

    def _partial_failure(
        self,
        statuses: Statuses,
        accepted: list[int],
        last_response: Any,
        error: BaseException | None,
    ) -> BaseException:
        """Record what did go out, and say exactly which recipients were (not) accepted."""
        ticket = self.tickets[0]
        accepted_set = set(accepted)
        not_accepted = [i for i in range(len(self.to_emails)) if i not in accepted_set]
        for i in not_accepted:
            email = self.to_emails[i]
            if email not in statuses:
                statuses[email] = AnymailRecipientStatus(None, "failed")
        status = ticket.message.anymail_status  # type: ignore[attr-defined]
        status.esp_response = last_response
        if statuses:
            status.set_recipient_status(statuses)
        summary = (
            f"Mailtrap accepted {len(accepted)} of {len(self.to_emails)} recipients of this "
            f"batch send before a call failed. Accepted: {_positions(accepted, self.to_emails)}. "
            f"Not accepted: {_positions(not_accepted, self.to_emails)}."
        )
        if error is None:  # a call was never started: another message failed first
            error = AnymailRequestsAPIError(
                summary, email_message=ticket.message, payload=ticket.payload, backend=self.backend
            )
        else:
            error.args = (*error.args, summary)
        error.accepted_recipients = [self.to_emails[i] for i in accepted]  # type: ignore[attr-defined]
        error.unaccepted_recipients = [self.to_emails[i] for i in not_accepted]  # type: ignore[attr-defined]
        return error


def split_merge_batch(payload: MailtrapPayload) -> list[tuple[JSONParts, range]]:
    """The merge batch's body as consecutive calls: (JSON body, positions in `to`)."""
    body = payload.build_body()
    base = payload.encode_json(body["base"])
    entries: list[Any] = body["requests"]
    fixed = len('{"base": , "requests": []}') + base.size
    lists: list[tuple[JSONParts, range]] = []
    for start in range(0, len(entries), MAX_BATCH_REQUESTS):
        group = entries[start : start + MAX_BATCH_REQUESTS]
        listed = payload.encode_json(group)
        if fixed - 2 + listed.size <= MAX_BATCH_BYTES or len(group) == 1:
            lists.append((listed, range(start, start + len(group))))
            continue
        encoded = [payload.encode_json(entry) for entry in group]  # rare: big entries
        for part in pack([entry.size for entry in encoded], fixed):
            joined = JSONParts.join("[", encoded[part.start : part.stop], "]")
            lists.append((joined, range(start + part.start, start + part.stop)))
    return [
        (JSONParts.concat('{"base": ', base, ', "requests": ', listed, "}"), entries_range)
        for listed, entries_range in lists
    ]


def _queued(statuses: Statuses, email: str) -> bool:
    status = statuses.get(email)
    return status is not None and status.status == "queued"


def _positions(positions: list[int], emails: list[str]) -> str:
    """Runs of positions in `to`, e.g. "to[0:500] (a@x.com ... q@x.com), to[1000:1001] (...)"."""
    if not positions:
        return "none"
    runs: list[tuple[int, int]] = []
    for position in positions:
        if runs and runs[-1][1] == position:
            runs[-1] = (runs[-1][0], position + 1)
        else:
            runs.append((position, position + 1))
    described = []
    for start, stop in runs:
        names = emails[start] if stop - start == 1 else f"{emails[start]} ... {emails[stop - 1]}"
        described.append(f"to[{start}:{stop}] ({names})")
    return ", ".join(described)
