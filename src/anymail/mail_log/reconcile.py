"""Repair: statuses the webhooks missed (an outage, a misconfigured URL), from Mailtrap's
Email Logs API (MAILTRAP_API.md §9).

* A recipient Mailtrap accepted whose outcome the log does not know yet (`sent`,
  `deferred`) is looked up by its Mailtrap id; the events Mailtrap logged for it are
  recorded exactly as if a webhook had brought them (tracking.py: same normalization,
  same status order), each under a key made from its content, so running reconcile
  again records nothing twice. An event a webhook already brought (same type, same
  second) is not recorded a second time.
* A recipient whose send had an unknown outcome has no Mailtrap id: it is searched for
  by address and subject among the messages Mailtrap logged around its send; if found,
  it gets that id (and status `sent`), then its events as above.

Calls are paced under the Email Logs limits by the client (get 1,000 and list 60 per
minute); a batch of recipients is written with a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..mailtrap.client import MailtrapAPIError
from ..mailtrap.email_logs import EmailLogs
from ..mailtrap.events import tracking_event
from .apply import CHUNK, Report, locked_recipients, write_statuses
from .rows import log_models
from .status import AWAITING_OUTCOME, Status, Stream
from .tracking import Incoming, content_key, event_model, incoming, record_events

#: Email Logs `event_type` -> the webhook's `event` name (MAILTRAP_API.md §6.2).
LOG_EVENT_NAMES = {"soft_bounce": "soft bounce", "spam_complaint": "spam"}
#: Email Logs event details -> the webhook fields tracking.py reads.
_DETAIL_FIELDS = {
    "email_service_provider_response": "response",
    "bounce_category": "bounce_category",
    "click_url": "url",
    "reject_reason": "reason",
}
#: How far around an unknown send its log entry is searched for (our clock vs Mailtrap's).
SEARCH_WINDOW = timedelta(minutes=10)
#: Recipients looked up per database batch.
BATCH = 100


@dataclass
class Reconciled:
    looked_up: int = 0
    not_found: int = 0
    failed: int = 0
    found_unknown: int = 0  # sends of unknown outcome found in the Email Logs
    events: int = 0  # events recorded
    changed: int = 0  # recipients whose status changed


def reconcile(
    using: str,
    since: datetime,
    logs: EmailLogs,
    limit: int | None = None,
    progress: Callable[[Reconciled], Any] | None = None,
) -> Reconciled:
    """Look up the log's open recipients of messages created since `since`."""
    done = Reconciled()
    session = logs.api.reader.new_session()
    try:
        _find_unknown(using, since, logs, session, done)
        ids = _open_ids(using, since, limit)
        for start in range(0, len(ids), BATCH):
            entries = [_get(logs, one, session, done) for one in ids[start : start + BATCH]]
            _record(using, [entry for entry in entries if entry], done)
            if progress is not None:
                progress(done)
    finally:
        session.close()
    return done


def _open_ids(using: str, since: datetime, limit: int | None) -> list[str]:
    """Mailtrap ids of recipients awaiting an outcome, oldest message first."""
    _message_model, recipient_model = log_models()
    query = (
        recipient_model.objects.using(using)
        .filter(
            status__in=AWAITING_OUTCOME,
            mailtrap_message_id__isnull=False,
            message__created_at__gte=since,
        )
        .exclude(message__stream=Stream.SANDBOX)  # the Email Logs have no sandbox messages
        .order_by("message__created_at", "id")
        .values_list("mailtrap_message_id", flat=True)
    )
    return list(dict.fromkeys(query[:limit] if limit else query))


def _get(logs: EmailLogs, message_id: str, session: Any, done: Reconciled) -> dict[str, Any] | None:
    done.looked_up += 1
    try:
        entry = logs.get(message_id, session=session)
    except MailtrapAPIError as error:
        if error.status_code in (401, 403):
            raise  # the token cannot read the logs: every look-up would fail
        done.failed += 1
        return None
    if entry is None:
        done.not_found += 1
        return None
    return {**entry, "message_id": entry.get("message_id") or message_id}


def _record(using: str, entries: Sequence[dict[str, Any]], done: Reconciled) -> None:
    """The entries' events through tracking.py; those already in the history (a webhook
    brought them: same type, same second) apply their statuses but are not stored again."""
    events = [one for entry in entries for one in _events(entry)]
    if not events:
        return
    ids = sorted({one.row["mailtrap_message_id"] for one in events})
    seen = set()
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        query = event_model().objects.using(using).filter(mailtrap_message_id__in=part)
        for row in query.values_list("mailtrap_message_id", "event_type", "timestamp"):
            seen.add((row[0], row[1], row[2].replace(microsecond=0)))
    for one in events:
        one.store = (
            one.row["mailtrap_message_id"],
            one.row["event_type"],
            one.row["timestamp"],
        ) not in seen
    recorded = record_events(using, events, keep_unknown=False)
    done.events += sum(1 for one in events if one.store and one.recipient is not None)
    done.changed += recorded.changed


def _events(entry: dict[str, Any]) -> Iterable[Incoming]:
    """An Email Logs entry's events, as webhook events under content keys."""
    message_id = str(entry["message_id"])
    email = str(entry.get("to") or "")
    for logged in entry.get("events") or ():
        if not isinstance(logged, dict):
            continue
        at = parse_datetime(str(logged.get("created_at") or ""))
        if at is None:
            continue
        name = str(logged.get("event_type") or "")
        webhook = {
            "event": LOG_EVENT_NAMES.get(name, name),
            "message_id": message_id,
            "email": email,
        }
        given = logged.get("details")
        details: dict[str, Any] = given if isinstance(given, dict) else {}
        webhook.update({to: details[key] for key, to in _DETAIL_FIELDS.items() if details.get(key)})
        webhook["event_id"] = "log:" + content_key(message_id, email.lower(), name, at)
        yield incoming(tracking_event(webhook, at), source="reconcile")


def _find_unknown(
    using: str, since: datetime, logs: EmailLogs, session: Any, done: Reconciled
) -> None:
    """Give recipients of unknown outcome the Mailtrap id the Email Logs know them by."""
    _message_model, recipient_model = log_models()
    unknown = list(
        recipient_model.objects.using(using)
        .filter(status=Status.UNKNOWN, mailtrap_message_id__isnull=True)
        .filter(message__created_at__gte=since)
        .exclude(message__stream=Stream.SANDBOX)
        .select_related("message")
        .order_by("message__created_at", "id")
    )
    claimed: set[str] = set()  # by this run
    found: dict[int, str] = {}
    for recipient in unknown:
        sent_at = recipient.message.created_at
        matches = logs.search(
            to=recipient.email,
            subject=recipient.message.subject or None,
            sent_after=sent_at - SEARCH_WINDOW,
            sent_before=sent_at + SEARCH_WINDOW,
            session=session,
        )
        # the oldest entry that is no recipient's yet (the list is newest first)
        ids = [str(entry["message_id"]) for entry in matches if entry.get("message_id")]
        taken = claimed | set(
            recipient_model.objects.using(using)
            .filter(mailtrap_message_id__in=ids)
            .values_list("mailtrap_message_id", flat=True)
        )
        free = [one for one in reversed(ids) if one not in taken]
        if free:
            found[recipient.pk] = free[0]
            claimed.add(free[0])
    if not found:
        return
    now = timezone.now()
    with transaction.atomic(using=using):
        locked = locked_recipients(using, pk__in=list(found))
        for recipient in locked:
            recipient.mailtrap_message_id = found[recipient.pk]
        reports = [Report(recipient, Status.SENT, now) for recipient in locked]
        write_statuses(using, reports, locked)
    done.found_unknown += len(found)
