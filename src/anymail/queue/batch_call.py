"""Claimed rows -> /api/batch calls -> one result per row (sent, refused, not accepted, unknown).

The stored bodies are joined as they are into `{"requests": [...]}`: nothing is parsed
or re-encoded. Calls are split by Mailtrap's limits (500 entries, 50 MB: `pack`, as for
synchronous batches) and go through
the engine's `HttpCaller` (retries per the backend's policy, the shared rate limit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

from ..exceptions import AnymailRequestsAPIError
from ..mailtrap.batch_calls import pack
from ..mailtrap.responses import MailtrapResponseParser
from ..message import AnymailRecipientStatus
from ..sending.http_caller import HttpCaller
from ..sending.outcomes import Outcome, outcome_of
from .mailer import QueueSender

if TYPE_CHECKING:
    from .models import OutboxMessage

_PREFIX, _SEPARATOR, _SUFFIX = '{"requests": [', ", ", "]}"


@dataclass
class RowResult:
    """What became of one row's send. `refused`: Mailtrap answered that it will not send
    this entry (a final failure, unlike other not-accepted outcomes)."""

    outcome: Outcome
    statuses: dict[str, AnymailRecipientStatus] | None = None
    error: str = ""
    refused: bool = False


def send_rows(
    sender: QueueSender, caller: HttpCaller, session: requests.Session, rows: Sequence[Any]
) -> tuple[dict[Any, RowResult], int]:
    """Send every row; returns each row's result (by id) and the number of API calls."""
    results: dict[Any, RowResult] = {}
    calls = 0
    by_endpoint: dict[str, list[OutboxMessage]] = {}
    for row in rows:
        by_endpoint.setdefault(row.endpoint, []).append(row)
    fixed = len(_PREFIX) + len(_SUFFIX)
    for endpoint, group in by_endpoint.items():
        # the bodies are ASCII JSON: their length is their size in bytes
        for span in pack([len(row.body) for row in group], fixed):
            call_rows = group[span.start : span.stop]
            results.update(send_call(sender, caller, session, endpoint, call_rows))
            calls += 1
    return results, calls


def send_call(
    sender: QueueSender,
    caller: HttpCaller,
    session: requests.Session,
    endpoint: str,
    rows: Sequence[OutboxMessage],
) -> dict[Any, RowResult]:
    """One /api/batch call for `rows`; each row's result."""
    body = _PREFIX + _SEPARATOR.join(row.body for row in rows) + _SUFFIX
    params = dict(
        method="POST",
        url=endpoint,
        data=body.encode(),
        headers=sender.client.send_headers(),
        timeout=sender.timeout,
    )
    attempts = caller.call(session, params)
    if attempts.error is not None:
        error = AnymailRequestsAPIError(
            f"Error posting to {endpoint}: {type(attempts.error).__name__}",
            esp_name=sender.esp_name,
        )
        error.__cause__ = attempts.error
        return _all(rows, outcome_of(error), _describe(error, attempts.gave_up))
    response = attempts.response
    assert response is not None
    if not 200 <= response.status_code <= 299:
        error = AnymailRequestsAPIError(response=response, esp_name=sender.esp_name)
        return _all(rows, outcome_of(error), _describe(error, attempts.gave_up))
    return _entry_results(sender, response, rows)


def _entry_results(
    sender: QueueSender, response: requests.Response, rows: Sequence[OutboxMessage]
) -> dict[Any, RowResult]:
    """A 2xx answer: one result per entry; an answer we cannot read leaves them unknown."""
    parser = MailtrapResponseParser(sender, None, None, response)  # type: ignore[arg-type]
    try:
        parsed = response.json()
        parser.check_success(parsed)
        answers = parsed.get("responses")
        if not isinstance(answers, list) or len(answers) != len(rows):
            count = len(answers) if isinstance(answers, list) else "none"
            raise parser.error(f"Expected {len(rows)} batch send responses but got {count}")
    except (ValueError, AnymailRequestsAPIError) as error:
        text = f"Mailtrap's answer could not be understood: {error}"
        return _all(rows, Outcome.UNKNOWN, text)
    results: dict[Any, RowResult] = {}
    for row, answer in zip(rows, answers, strict=True):
        try:
            statuses = parser.parse_one(answer, row.recipient_list)
        except AnymailRequestsAPIError as error:
            results[row.id] = RowResult(Outcome.UNKNOWN, error=f"Odd entry answer: {error}")
            continue
        if all(status.status == "failed" for status in statuses.values()):
            errors = answer.get("errors") if isinstance(answer, dict) else None
            text = "; ".join(map(str, errors)) if isinstance(errors, list) else repr(errors)
            results[row.id] = RowResult(
                Outcome.NOT_ACCEPTED, statuses, f"Mailtrap refused it: {text}", refused=True
            )
        else:
            results[row.id] = RowResult(Outcome.SENT, statuses)
    return results


def _all(rows: Sequence[OutboxMessage], outcome: Outcome, error: str) -> dict[Any, RowResult]:
    return {row.id: RowResult(outcome, error=error) for row in rows}


def _describe(error: AnymailRequestsAPIError, gave_up: str | None) -> str:
    text = str(error)
    return f"{text} ({gave_up})" if gave_up else text
