"""Tracking events -> the recipients' event history and statuses, a whole webhook call
(or reconcile batch) at a time, in a constant number of queries.

An event is matched to a recipient by Mailtrap's message id; failing that, by the
project's id that queued sending gives Mailtrap as the custom variable `anymail_id`
(its webhooks carry it back) and the event's email -- which also fills in a Mailtrap id
the log did not have yet. Each event is stored once, whatever the retries: by
Mailtrap's `event_id`, or a key made from its content. Events no logged message claims
are kept (MAIL_LOG_UNKNOWN_EVENTS="keep", the default) or dropped; kept ones are
matched later, when their message is logged (`adopt_unmatched`): a webhook may well
arrive before the send that caused it has written its log rows. On PostgreSQL the two
take advisory locks around that hand-over, one per message id involved, so a webhook
call and a send of the same message in flight at the same moment cannot both miss each
other, while sends of other messages never wait for them; SQLite lets one writer in at a
time anyway.
"""

from __future__ import annotations

import hashlib
import uuid
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import connections, transaction
from django.utils import timezone

from ..signals import AnymailTrackingEvent
from .apply import Report, chunks, locked_recipients, write_statuses
from .bulk import column_of, insert_rows, update_rows
from .rows import ID_VARIABLE, Row
from .status import EVENT_STATUS

if TYPE_CHECKING:
    from .models import MessageEvent, Recipient

#: What of an event's details is kept (never the IP address Mailtrap sends with opens).
_DETAILS = ("mta_response", "reject_reason", "click_url", "user_agent", "description")
_ESP_DETAILS = ("response_code", "bounce_category", "reason")
#: The namespace (first key) of the PostgreSQL advisory locks -- a transaction's, one per
#: message id -- around storing and adopting kept events.
HAND_OVER_LOCK = 0x616E796D  # "anym"


@dataclass
class Incoming:
    """One event on its way in (its row to insert), or a kept one being matched."""

    row: Row
    recipient: Recipient | None = None
    #: False: already in the history under another key (reconcile): statuses only.
    store: bool = True


@dataclass
class Recorded:
    """What one batch of events did."""

    matched: int = 0
    unmatched: int = 0
    changed: int = 0  # recipients whose status changed


def event_model() -> type[MessageEvent]:
    return apps.get_model("anymail_mail_log", "MessageEvent")


def incoming(event: AnymailTrackingEvent, source: str = "webhook") -> Incoming:
    """An Anymail tracking event as an event row."""
    esp: dict[str, Any] = event.esp_event if isinstance(event.esp_event, dict) else {}
    timestamp = event.timestamp or timezone.now()
    message_id = str(event.message_id or "")[:100]
    email = (event.recipient or "").lower()[:320]
    esp_type = str(esp.get("event") or "")[:32]
    details = {name: getattr(event, name) for name in _DETAILS if getattr(event, name)}
    details.update({name: esp[name] for name in _ESP_DETAILS if esp.get(name) not in (None, "")})
    key = event.event_id or content_key(message_id, email, esp_type or event.event_type, timestamp)
    row = {
        "recipient_id": None,
        "event_key": str(key)[:200],
        "event_type": str(event.event_type)[:16],
        "esp_event_type": esp_type,
        "timestamp": timestamp,
        "received_at": timezone.now(),
        "mailtrap_message_id": message_id,
        "anymail_id": _project_id(event.metadata.get(ID_VARIABLE)),
        "email": email,
        "details": details,
        "source": source,
    }
    return Incoming(row)


def content_key(message_id: str, email: str, event_type: str, at: Any) -> str:
    """A key for an event without an id of its own: the same event makes the same key."""
    text = f"{message_id}|{email}|{event_type}|{at.isoformat() if at else ''}"
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:48]


def _project_id(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def record_events(using: str, events: Sequence[Incoming], keep_unknown: bool) -> Recorded:
    """Store the events (once each) and apply their statuses, in one transaction."""
    recorded = Recorded()
    with transaction.atomic(using=using):
        dirty = _match(using, events)
        unmatched = [one for one in events if one.recipient is None]
        if keep_unknown and unmatched:  # maybe a send is logging their message right now
            _hand_over_lock(using, [key for one in unmatched for key in _ids_of(one.row)])
            dirty += _match(using, unmatched)
        rows = []
        for one in events:
            if one.recipient is not None:
                one.row["recipient_id"] = one.recipient.pk
                recorded.matched += 1
            else:
                recorded.unmatched += 1
            if one.store and (one.recipient is not None or keep_unknown):
                rows.append(one.row)
        insert_rows(using, event_model(), rows, ignore_conflicts=True)
        recorded.changed = write_statuses(using, _reports(events), dirty)
    return recorded


def adopt_unmatched(
    using: str, mailtrap_ids: Sequence[str], project_ids: Sequence[uuid.UUID] = ()
) -> int:
    """Match kept events to recipients just logged with these Mailtrap ids, or messages
    with these project ids (queued ones: Mailtrap got theirs); call inside the
    transaction that logged them. Returns how many were matched."""
    _hand_over_lock(using, [*mailtrap_ids, *map(str, project_ids)])
    pks = _unmatched_with(using, mailtrap_ids)
    events = event_model().objects.using(using)
    for part in chunks(sorted(set(project_ids), key=str)):
        query = events.filter(recipient__isnull=True, anymail_id__in=part)
        pks += query.values_list("pk", flat=True)
    if not pks:
        return 0
    fields = ("pk", "mailtrap_message_id", "anymail_id", "email", "event_type", "timestamp")
    kept = [Incoming(row) for row in events.filter(pk__in=set(pks)).values(*fields)]
    dirty = _match(using, kept)
    matched = [one for one in kept if one.recipient is not None]
    links = [{"pk": one.row["pk"], "recipient_id": one.recipient.pk} for one in matched]  # type: ignore[union-attr]
    update_rows(using, event_model(), links)
    write_statuses(using, _reports(matched), dirty)
    return len(matched)


def _match(using: str, events: Sequence[Incoming]) -> list[Recipient]:
    """Find each event's recipient; returns recipients whose Mailtrap id was filled in."""
    by_mailtrap_id: dict[str, list[Recipient]] = {}
    ids = [one.row["mailtrap_message_id"] for one in events if one.row["mailtrap_message_id"]]
    for recipient in locked_recipients(using, mailtrap_message_id__in=ids) if ids else ():
        by_mailtrap_id.setdefault(str(recipient.mailtrap_message_id), []).append(recipient)
    for one in events:
        one.recipient = _pick(by_mailtrap_id.get(one.row["mailtrap_message_id"]), one.row["email"])
    queued = [one for one in events if one.recipient is None and one.row["anymail_id"] is not None]
    if not queued:
        return []
    by_message: dict[tuple[Any, str], Recipient] = {}
    project_ids = [one.row["anymail_id"] for one in queued]
    for recipient in locked_recipients(using, message_id__in=project_ids):
        by_message[(recipient.message_id, recipient.email)] = recipient
    filled = []
    for one in queued:
        one.recipient = by_message.get((one.row["anymail_id"], one.row["email"]))
        if one.recipient is not None and not one.recipient.mailtrap_message_id:
            one.recipient.mailtrap_message_id = one.row["mailtrap_message_id"] or None
            filled.append(one.recipient)
    return filled


def _unmatched_with(using: str, mailtrap_ids: Sequence[str]) -> list[Any]:
    """Ids of kept events with these Mailtrap ids. This runs after every send, and finds
    nothing nearly always: plain SQL on the partial index costs a tenth of a queryset."""
    model = event_model()
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    recipient = quote(column_of(model, "recipient"))
    message_id = quote(column_of(model, "mailtrap_message_id"))
    pks: list[Any] = []
    with connection.cursor() as cursor:
        for part in chunks(sorted(set(mailtrap_ids))):
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"SELECT id FROM {table} WHERE {recipient} IS NULL AND {message_id} IN ({marks})",
                list(part),
            )
            pks += [row[0] for row in cursor.fetchall()]
    return pks


def _ids_of(row: Row) -> list[str]:
    """The ids a kept event can be matched by: Mailtrap's message id, the project's id."""
    ids = [row["mailtrap_message_id"]] if row["mailtrap_message_id"] else []
    return ids if row["anymail_id"] is None else [*ids, str(row["anymail_id"])]


def _hand_over_lock(using: str, ids: Iterable[str]) -> None:
    """Wait for a send or webhook call handing kept events over for any of these message
    ids (until this transaction ends): whichever comes second sees what the first one
    committed. One lock per id (a 32-bit hash: a collision only makes one wait for
    nothing), taken in order in one statement, so two callers never deadlock and a send
    waits only for webhook calls about its own messages."""
    connection = connections[using]
    keys = sorted({_lock_key(one) for one in ids})
    if connection.vendor != "postgresql" or not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, key) "
            "FROM (SELECT unnest(%s::integer[]) AS key ORDER BY 1) AS keys",
            [HAND_OVER_LOCK, keys],
        )


def _lock_key(message_id: str) -> int:
    """A message id as a signed 32-bit advisory lock key."""
    number = zlib.crc32(message_id.encode())
    return number - (1 << 32) if number >= 1 << 31 else number


def _pick(candidates: list[Recipient] | None, email: str) -> Recipient | None:
    """The recipient with this Mailtrap id (several share one in the sandbox: by email)."""
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0]
    return next((one for one in candidates if one.email == email), candidates[0])


def _reports(events: Sequence[Incoming]) -> list[Report]:
    return [
        Report(one.recipient, EVENT_STATUS.get(one.row["event_type"]), one.row["timestamp"])
        for one in events
        if one.recipient is not None
    ]
