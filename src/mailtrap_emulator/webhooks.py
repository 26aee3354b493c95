"""Outgoing webhook delivery: signing, JSON / JSON Lines bodies, a worker thread with retries."""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

USER_AGENT = "mailtrap-emulator webhooks"
# The emulator is an offline tool: never route webhook posts through an environment proxy.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def sign(body: bytes, secret: str) -> str:
    """`Mailtrap-Signature`: lowercase hex HMAC-SHA256 of the raw body, keyed by the secret."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def encode_events(events: list[dict[str, Any]], payload_format: str) -> tuple[bytes, str]:
    """Body and Content-Type for one POST in a webhook's payload format."""
    if payload_format == "jsonlines":
        lines = "".join(json.dumps(event, separators=(",", ":")) + "\n" for event in events)
        return lines.encode(), "application/jsonl"
    return json.dumps({"events": events}, separators=(",", ":")).encode(), "application/json"


def split_credentials(url: str) -> tuple[str, str | None]:
    """The URL without `user:pass@`, and the matching Basic `Authorization` value (if any)."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    authorization = "Basic " + base64.b64encode(credentials.encode()).decode()
    return urlunsplit(parts._replace(netloc=netloc)), authorization


@dataclass
class Delivery:
    """One webhook POST and its attempts so far."""

    id: int
    webhook_id: int | None
    url: str
    body: bytes
    headers: dict[str, str]
    authorization: str | None
    attempts: int = 0
    status: str = "pending"
    last_status_code: int | None = None
    last_error: str | None = None
    attempt_times: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON view for the control API (credentials left out)."""
        return {
            "id": self.id,
            "webhook_id": self.webhook_id,
            "url": self.url,
            "status": self.status,
            "attempts": self.attempts,
            "last_status_code": self.last_status_code,
            "last_error": self.last_error,
            "attempt_times": self.attempt_times,
            "headers": self.headers,
            "body": self.body.decode("utf-8", "replace"),
        }


class WebhookDispatcher:
    """Posts webhook bodies from a background thread; failures retry with capped backoff."""

    def __init__(
        self,
        *,
        max_attempts: int = 5,
        backoff_s: float = 0.2,
        backoff_max_s: float = 5.0,
        timeout_s: float = 5.0,
    ) -> None:
        self.max_attempts = max(1, max_attempts)
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self.timeout_s = timeout_s
        self._queue: list[tuple[float, int, Delivery]] = []
        self._deliveries: list[Delivery] = []
        self._in_flight = 0
        self._ids = itertools.count(1)
        self._condition = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker thread."""
        self._stopping = False
        self._thread = threading.Thread(
            target=self._run, name="mailtrap-emulator-webhooks", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the worker thread; undelivered bodies are dropped."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def enqueue(self, webhook: dict[str, Any], events: list[dict[str, Any]]) -> Delivery:
        """Queue one signed POST of `events` to a webhook (a dict as the store returns it)."""
        body, content_type = encode_events(events, webhook.get("payload_format") or "json")
        url, authorization = split_credentials(webhook["url"])
        headers = {
            "Content-Type": content_type,
            "User-Agent": USER_AGENT,
            "Mailtrap-Signature": sign(body, webhook["signing_secret"]),
        }
        delivery = Delivery(
            id=next(self._ids),
            webhook_id=webhook.get("id"),
            url=url,
            body=body,
            headers=headers,
            authorization=authorization,
        )
        with self._condition:
            self._deliveries.append(delivery)
            heapq.heappush(self._queue, (time.monotonic(), delivery.id, delivery))
            self._condition.notify_all()
        return delivery

    def pending(self) -> int:
        """Deliveries queued, waiting for a retry, or being posted right now."""
        with self._condition:
            return len(self._queue) + self._in_flight

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing is pending; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._queue or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)
        return True

    def deliveries(self) -> list[Delivery]:
        """Every delivery since the last reset, oldest first."""
        with self._condition:
            return list(self._deliveries)

    def reset(self) -> None:
        """Drop queued deliveries and the delivery log."""
        with self._condition:
            self._queue.clear()
            self._deliveries.clear()
            self._condition.notify_all()

    def _run(self) -> None:
        while True:
            with self._condition:
                delivery = self._next_due()
                if delivery is None:
                    return
                self._in_flight += 1
            try:
                self._attempt(delivery)
            finally:
                with self._condition:
                    self._in_flight -= 1
                    self._condition.notify_all()

    def _next_due(self) -> Delivery | None:
        """Wait (holding the condition) for the next due delivery; None when stopping."""
        while not self._stopping:
            if self._queue:
                due, _, delivery = self._queue[0]
                wait = due - time.monotonic()
                if wait <= 0:
                    heapq.heappop(self._queue)
                    return delivery
                self._condition.wait(wait)
            else:
                self._condition.wait()
        return None

    def _attempt(self, delivery: Delivery) -> None:
        delivery.attempts += 1
        delivery.attempt_times.append(time.time())
        headers = dict(delivery.headers)
        if delivery.authorization:
            headers["Authorization"] = delivery.authorization
        request = urllib.request.Request(
            delivery.url, data=delivery.body, headers=headers, method="POST"
        )
        try:
            with _OPENER.open(request, timeout=self.timeout_s) as response:
                delivery.last_status_code = response.status
                delivery.last_error = None
        except urllib.error.HTTPError as error:
            delivery.last_status_code = error.code
            delivery.last_error = f"HTTP {error.code}"
        except (OSError, ValueError) as error:
            delivery.last_status_code = None
            delivery.last_error = str(error) or type(error).__name__
        # Mailtrap treats exactly 200 as acknowledged; anything else is retried.
        if delivery.last_status_code == 200:
            delivery.status = "delivered"
        elif delivery.attempts >= self.max_attempts:
            delivery.status = "failed"
        else:
            delay = min(self.backoff_s * 2 ** (delivery.attempts - 1), self.backoff_max_s)
            with self._condition:
                if delivery in self._deliveries:
                    heapq.heappush(self._queue, (time.monotonic() + delay, delivery.id, delivery))
