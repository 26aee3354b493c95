"""The log's signal receivers: a send run, a queue drain, a webhook call -- one each.

Connected by the app's ready() (`connect_receivers`). What a receiver's failure does is
the signal's rule: after a send it is logged (the mail went out: the caller must not
send it again); in a webhook call it makes the answer a 500, so Mailtrap posts the call
again (and, the events being stored once each, nothing is counted twice); in a drain
it is logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..mailtrap.client import ESP_NAME
from ..queue.signals import outbox_recorded
from ..signals import (
    AnymailEvent,
    AnymailInboundEvent,
    AnymailTrackingEvent,
    SendRecord,
    send_run_finished,
    webhook_batch,
)
from .apply import database
from .inbound import record_inbound
from .options import KEEP, read_options
from .outbox import record_outbox_rows
from .sends import record_send_run
from .tracking import incoming, record_events


def on_send_run_finished(
    sender: Any, backend: Any, records: Sequence[SendRecord], **kwargs: Any
) -> None:
    record_send_run(backend, records)


def on_outbox_recorded(sender: Any, rows: Sequence[Any], **kwargs: Any) -> None:
    record_outbox_rows(rows)


def on_webhook_batch(
    sender: Any, events: Sequence[AnymailEvent], esp_name: str, **kwargs: Any
) -> None:
    if esp_name != ESP_NAME:
        return
    tracking = [event for event in events if isinstance(event, AnymailTrackingEvent)]
    if tracking:
        record_tracking(tracking)
    received = [event for event in events if isinstance(event, AnymailInboundEvent)]
    if received:
        record_inbound(received)


def record_tracking(events: Sequence[AnymailTrackingEvent], source: str = "webhook") -> None:
    """Apply one webhook call's tracking events to the log."""
    options = read_options()
    if options.enabled:
        keep = options.unknown_events == KEEP
        record_events(database(options), [incoming(event, source) for event in events], keep)


#: (signal, receiver, dispatch_uid) of every connection the app makes.
CONNECTIONS = (
    (send_run_finished, on_send_run_finished, "anymail.mail_log.sends"),
    (webhook_batch, on_webhook_batch, "anymail.mail_log.webhooks"),
    (outbox_recorded, on_outbox_recorded, "anymail.mail_log.outbox"),
)


def connect_receivers() -> None:
    for signal, receiver, uid in CONNECTIONS:
        signal.connect(receiver, dispatch_uid=uid)


def disconnect_receivers() -> None:
    for signal, _receiver, uid in CONNECTIONS:
        signal.disconnect(dispatch_uid=uid)
