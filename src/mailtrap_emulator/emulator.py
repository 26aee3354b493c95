"""The emulator's domain operations, shared by the HTTP API, the web inbox and the Python API."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from typing import Any

from .config import EmulatorConfig
from .events import (
    ALL_EVENT_TYPES,
    build_event,
    build_inbound_event,
    management_name,
    normalize_event_name,
)
from .faults import Faults
from .mime import build_mime, parse_mime
from .storage import Store
from .suppressions import SUPPRESSING_EVENTS, manual_suppression, suppression_from_event
from .validation import RECIPIENT_FIELDS
from .webhooks import WebhookDispatcher

#: Events per webhook POST; bigger groups are split.
MAX_EVENTS_PER_POST = 500


class EventError(ValueError):
    """An event trigger that names an unknown event or recipient."""


class Emulator:
    """One emulated Mailtrap account: messages, events, webhooks, inbound mail, faults, stats."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.store = Store(self.config.db_path)
        self.faults = Faults(self.config.latency_ms, self.config.faults, self.config.fault_seed)
        self.dispatcher = WebhookDispatcher(
            max_attempts=self.config.webhook_max_attempts,
            backoff_s=self.config.webhook_backoff_ms / 1000,
            backoff_max_s=self.config.webhook_backoff_max_ms / 1000,
            timeout_s=self.config.webhook_timeout_s,
        )
        self._stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()
        # Webhooks from the command line live outside the database: they survive a reset
        # and do not pile up when a file database is reused.
        self.configured_webhooks = [
            self._configured_webhook(-1 - i, url, "email_sending", self.config.webhook_format)
            for i, url in enumerate(self.config.webhook_urls)
        ] + [
            self._configured_webhook(-101 - i, url, "inbound_receiving", "json")
            for i, url in enumerate(self.config.inbound_webhook_urls)
        ]

    def _configured_webhook(
        self, webhook_id: int, url: str, webhook_type: str, payload_format: str
    ) -> dict[str, Any]:
        return {
            "id": webhook_id,
            "url": url,
            "active": True,
            "webhook_type": webhook_type,
            "payload_format": payload_format,
            "sending_stream": None,
            "domain_id": None,
            "inbound_inbox_id": None,
            "event_types": ALL_EVENT_TYPES if webhook_type == "email_sending" else [],
            "signing_secret": self.config.signing_secret,
        }

    def start(self) -> None:
        """Start the webhook worker."""
        self.dispatcher.start()

    def close(self) -> None:
        """Stop the webhook worker and close the database."""
        self.dispatcher.stop()
        self.store.close()

    def reset(self) -> None:
        """Back to the startup state: no messages, managed webhooks, deliveries or stats."""
        self.store.reset()
        self.dispatcher.reset()
        self.faults.configure(self.config.latency_ms, self.config.faults)
        self.reset_stats()

    # -- authentication ----------------------------------------------------------------

    def token_accepted(self, token: str | None) -> bool:
        """Any non-empty token, or only the configured ones."""
        if not token:
            return False
        return not self.config.tokens or token in self.config.tokens

    def sender_verified(self, payload: dict[str, Any]) -> bool:
        """Whether the `from` domain counts as a verified sending domain."""
        if not self.config.sending_domains:
            return True
        domain = payload["from"]["email"].rsplit("@", 1)[-1].lower()
        return domain in {d.lower() for d in self.config.sending_domains}

    # -- sending -----------------------------------------------------------------------

    def accept(
        self, payloads: list[dict[str, Any]], stream: str, sandbox_inbox_id: int | None = None
    ) -> list[list[str]]:
        """Store validated messages; returns each one's message ids and fires `delivery`."""
        all_ids: list[list[str]] = []
        deliveries: list[dict[str, Any]] = []
        for payload in payloads:
            recipients = self._recipients(payload, sandbox=sandbox_inbox_id is not None)
            domain = payload["from"]["email"].rsplit("@", 1)[-1]
            self.store.add_message(
                stream="sandbox" if sandbox_inbox_id is not None else stream,
                sandbox_inbox_id=sandbox_inbox_id,
                payload=payload,
                mime=build_mime(payload, sender_domain=domain),
                recipients=recipients,
            )
            ids = list(dict.fromkeys(r["message_id"] for r in recipients))
            all_ids.append(ids)
            if sandbox_inbox_id is None:
                deliveries += [
                    self._event_for("delivery", payload, stream, r, None) for r in recipients
                ]
        self._emit(stream, deliveries)
        return all_ids

    @staticmethod
    def _recipients(payload: dict[str, Any], *, sandbox: bool) -> list[dict[str, Any]]:
        # Sandbox answers one id per message; the sending streams one per recipient.
        shared_id = str(uuid.uuid4()) if sandbox else None
        return [
            {
                "kind": kind,
                "email": address["email"],
                "name": address.get("name"),
                "message_id": shared_id or str(uuid.uuid4()),
            }
            for kind in RECIPIENT_FIELDS
            for address in payload.get(kind) or []
        ]

    @staticmethod
    def _event_for(
        event: str,
        payload: dict[str, Any],
        stream: str,
        recipient: dict[str, Any],
        details: dict[str, Any] | None,
    ) -> dict[str, Any]:
        return build_event(
            event,
            message_id=recipient["message_id"],
            email=recipient["email"],
            stream=stream,
            sender_email=payload["from"]["email"],
            category=payload.get("category"),
            custom_variables=payload.get("custom_variables"),
            details=details,
        )

    def _emit(self, stream: str, events: list[dict[str, Any]]) -> None:
        """Record events in their messages' timelines and post them to subscribed webhooks."""
        for event in events:
            recipients = self.store.find_recipients(event["message_id"])
            if recipients:
                self.store.add_event(recipients[0]["message_key"], event)
        if stream == "sandbox":
            return  # Mailtrap's sandbox triggers no webhooks
        self._suppress(events)
        for webhook in self.webhooks():
            if not webhook["active"] or webhook["webhook_type"] != "email_sending":
                continue
            if webhook["sending_stream"] not in (None, stream):
                continue
            wanted = [e for e in events if management_name(e["event"]) in webhook["event_types"]]
            for start in range(0, len(wanted), MAX_EVENTS_PER_POST):
                self.dispatcher.enqueue(webhook, wanted[start : start + MAX_EVENTS_PER_POST])

    def _suppress(self, events: list[dict[str, Any]]) -> None:
        """Hard bounces, spam complaints and unsubscribes suppress the address (suppressions.py)."""
        for event in events:
            if event["event"] in SUPPRESSING_EVENTS:
                entry = suppression_from_event(event, self.find_message(event["message_id"]))
                if entry is not None:
                    self.store.add_suppression(entry)

    def add_suppression(
        self,
        email: str,
        *,
        type: str = "manual import",  # Mailtrap's name for the field
        sending_stream: str = "any",
        domain_name: str | None = None,
    ) -> dict[str, Any]:
        """Put an address on the suppression list (ValueError for invalid arguments); an
        address already suppressed for that stream and domain keeps its entry."""
        entry = manual_suppression(email, type, sending_stream, domain_name)
        return self.store.add_suppression(entry)

    def webhooks(self) -> list[dict[str, Any]]:
        """Command-line webhooks plus those created through the management API, with secrets."""
        return self.configured_webhooks + self.store.list_webhooks(with_secret=True)

    def trigger_event(
        self,
        message_ref: str,
        event_name: str,
        *,
        email: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Fire an event (open, click, bounce, ...) for one recipient of a stored message.

        `message_ref` is a Mailtrap message id, or the emulator's numeric message key (then
        `email` picks the recipient; default: the first one).
        """
        event = normalize_event_name(event_name)
        if event is None:
            raise EventError(f"unknown event {event_name!r}")
        message = self.find_message(message_ref)
        if message is None:
            raise LookupError(f"no message {message_ref!r}")
        recipients = [
            r
            for r in message["recipients"]
            if (message_ref in (str(message["id"]), r["message_id"]))
            and (email is None or r["email"].lower() == email.lower())
        ]
        if not recipients:
            raise EventError(f"{email!r} is not a recipient of message {message_ref!r}")
        stream = message["stream"]
        payload = build_event(
            event,
            message_id=recipients[0]["message_id"],
            email=recipients[0]["email"],
            stream=stream,
            sender_email=message["from"]["email"],
            category=message["category"],
            custom_variables=message["custom_variables"],
            details=details,
        )
        self._emit(stream, [payload])
        return payload

    def find_message(self, message_ref: str | int) -> dict[str, Any] | None:
        """A stored message by emulator key or by any of its Mailtrap message ids."""
        if isinstance(message_ref, int) or str(message_ref).isdigit():
            return self.store.get_message(int(message_ref))
        recipients = self.store.find_recipients(str(message_ref))
        return self.store.get_message(recipients[0]["message_key"]) if recipients else None

    # -- inbound -----------------------------------------------------------------------

    def receive_inbound(self, inbox_id: int, raw: bytes) -> dict[str, Any]:
        """Store a raw message in an inbound inbox and notify `inbound_receiving` webhooks."""
        record = self.store.add_inbound(inbox_id, raw)
        parsed = parse_mime(raw)
        event = build_inbound_event(
            inbox_id=inbox_id, message_id=record["id"], sender=parsed.header("From") or ""
        )
        for webhook in self.webhooks():
            if (
                webhook["active"]
                and webhook["webhook_type"] == "inbound_receiving"
                and webhook["inbound_inbox_id"] in (None, inbox_id)
            ):
                self.dispatcher.enqueue(webhook, [event])
        return record

    # -- statistics --------------------------------------------------------------------

    def count_request(self, endpoint: str) -> None:
        """Count one API request (by method and path template)."""
        with self._stats_lock:
            self._stats[endpoint] += 1

    def stats(self) -> dict[str, Any]:
        """Request counts per endpoint plus a few totals."""
        with self._stats_lock:
            requests = dict(sorted(self._stats.items()))
        return {
            "requests": requests,
            "total_requests": sum(requests.values()),
            "faults_injected": self.faults.as_dict()["injected"],
            "messages": self.store.count_messages(),
            "events": self.store.count_events(),
            "webhooks_pending": self.dispatcher.pending(),
            "webhook_deliveries": len(self.dispatcher.deliveries()),
        }

    def reset_stats(self) -> None:
        """Zero the request counters only."""
        with self._stats_lock:
            self._stats.clear()
        self.faults.injected = 0
