"""Merge batches of any size: one message's /api/batch body split over several calls.

One batch call carries at most 500 entries and 50 MB (MAILTRAP_API.md §3, §10.2); a merge
batch (any merge_* attribute) for more recipients, or larger, becomes consecutive calls
whose statuses merge into the message's one anymail_status.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..exceptions import AnymailRequestsAPIError
from ..message import AnymailRecipientStatus
from ..sending.delivery import CallResult, Delivery, Outcomes, Ticket
from ..sending.json_body import JSONParts
from ..sending.outcomes import Outcome, mark, outcome_of
from . import batch_calls
from .batch_calls import BatchCallPayload, Statuses, pack
from .responses import MailtrapResponseParser

if TYPE_CHECKING:
    from ..backends.mailtrap import EmailBackend
    from .payload import MailtrapPayload


class MergeChunksDelivery(Delivery):
    """One merge batch message too big for one call: consecutive calls of its entries.

    A failed call does not stop the others unless the failure is fatal; the error then
    says exactly which recipients were accepted, which were not, and which are unknown.
    """

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
        fates = RecipientFates()
        last_response = None
        first_error: BaseException | None = None
        for (_body, entries), result in zip(self.chunks, results, strict=True):
            if result.started and result.error is None:
                last_response, chunk_statuses = result.value
                statuses.update(chunk_statuses)
                for i in entries:
                    fates.add(
                        i, Outcome.SENT if _queued(chunk_statuses, self.to_emails[i]) else None
                    )
                continue
            fates.add_all(entries, outcome_of(result.error) if result.started else None)
            if first_error is None and result.error is not None:
                first_error = result.error
        if first_error is None and all(result.started for result in results):
            ticket.payload.parsed_recipient_status = statuses
            try:
                self.backend.complete(ticket.message, ticket.payload, last_response)
            except Exception as error:
                return [error]
            return [None]
        return [self._partial_failure(statuses, fates, last_response, first_error)]

    def _partial_failure(
        self,
        statuses: Statuses,
        fates: RecipientFates,
        last_response: Any,
        error: BaseException | None,
    ) -> BaseException:
        """Record what did go out, and say exactly which recipients were (not) accepted."""
        ticket = self.tickets[0]
        emails = self.to_emails
        for i in fates.not_accepted + fates.unknown:
            if emails[i] not in statuses:
                statuses[emails[i]] = AnymailRecipientStatus(None, "failed")
        status = ticket.message.anymail_status  # type: ignore[attr-defined]
        status.esp_response = last_response
        if statuses:
            status.set_recipient_status(statuses)
        summary = (
            f"Mailtrap accepted {len(fates.sent)} of {len(emails)} recipients of this "
            f"batch send; a call failed. Accepted: {_positions(fates.sent, emails)}. "
            + (f"Unknown outcome: {_positions(fates.unknown, emails)}. " if fates.unknown else "")
            + f"Not accepted: {_positions(fates.not_accepted, emails)}."
        )
        if error is None:  # a call was never started: another message failed first
            error = AnymailRequestsAPIError(
                summary, email_message=ticket.message, payload=ticket.payload, backend=self.backend
            )
        else:
            error.args = (*error.args, summary)
        error.accepted_recipients = [emails[i] for i in fates.sent]  # type: ignore[attr-defined]
        error.unaccepted_recipients = [emails[i] for i in fates.not_accepted]  # type: ignore[attr-defined]
        error.unknown_recipients = [emails[i] for i in fates.unknown]  # type: ignore[attr-defined]
        # Safe to send again only when none of it may have gone out
        partly_out = bool(fates.sent or fates.unknown)
        mark(error, Outcome.UNKNOWN if partly_out else Outcome.NOT_ACCEPTED)
        return error


class RecipientFates:
    """Positions in `to` by what became of them: sent, not accepted, unknown."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.not_accepted: list[int] = []
        self.unknown: list[int] = []

    def add(self, position: int, outcome: Outcome | None) -> None:
        """Record one position; None (never sent, or refused) counts as not accepted."""
        if outcome is Outcome.SENT:
            self.sent.append(position)
        elif outcome is Outcome.UNKNOWN:
            self.unknown.append(position)
        else:
            self.not_accepted.append(position)

    def add_all(self, positions: range, outcome: Outcome | None) -> None:
        for position in positions:
            self.add(position, outcome)


def split_merge_batch(payload: MailtrapPayload) -> list[tuple[JSONParts, range]]:
    """The merge batch's body as consecutive calls: (JSON body, positions in `to`)."""
    body = payload.build_body()
    base = payload.encode_json(body["base"])
    entries: list[Any] = body["requests"]
    fixed = len('{"base": , "requests": []}') + base.size
    lists: list[tuple[JSONParts, range]] = []
    for start in range(0, len(entries), batch_calls.MAX_BATCH_REQUESTS):
        group = entries[start : start + batch_calls.MAX_BATCH_REQUESTS]
        listed = payload.encode_json(group)
        if fixed - 2 + listed.size <= batch_calls.MAX_BATCH_BYTES or len(group) == 1:
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
