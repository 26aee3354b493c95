"""Fault injection: latency, 429, 5xx and dropped connections.

Rules apply to the send and batch POSTs (`on=send`, the default), to every other `/api/`
request -- the account, email logs, webhooks, suppressions, domains and sandbox messages
APIs (`on=account`) -- or to both (`on=all`). Latency applies to the send and batch POSTs.

Fault kinds:

* `"429"` and 5xx statuses (`"500"`, `"503"`, ...): answered instead of the API, nothing stored.
* `"drop"`: the connection is closed before the request is handled, nothing stored.
* `"drop_after_store"`: the request is handled as usual (valid messages are stored, delivery
  webhooks fire), then the connection is closed without the answer: the client cannot tell
  whether its messages were sent.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

TRANSPORT_KEY = "mailtrap_emulator.transport"
SENDING_PATH = re.compile(r"^(/bulk)?/api/(send|batch)(/\d+)?/?$")
ERROR_TEXTS = {429: "Rate limit exceeded", 500: "Internal server error"}
DROP = "drop"
DROP_AFTER_STORE = "drop_after_store"
#: Which requests a rule applies to (its `on` option).
SEND, ACCOUNT, ALL = "send", "account", "all"
#: Probabilities may add up to 1 plus this much (rounding of decimal fractions).
_PROBABILITY_SLACK = 1e-9


class FaultSpecError(ValueError):
    """A fault rule that cannot be understood."""


@dataclass
class FaultRule:
    """Fail requests with `kind` (an HTTP status, "drop" or "drop_after_store") on a schedule.

    A 429 carries `Retry-After: retry_after`, or a whole number of seconds drawn uniformly
    from `retry_after`..`retry_after_max` (inclusive) when `retry_after_max` is set.
    """

    kind: str
    every: int | None = None
    probability: float | None = None
    first: int | None = None
    retry_after: int = 1
    retry_after_max: int | None = None
    on: str = SEND
    seen: int = field(default=0, compare=False)

    def applies_to(self, target: str) -> bool:
        """Whether requests of `target` (SEND or ACCOUNT) count for this rule."""
        return self.on in (target, ALL)

    def fires(self, draw: float, band_start: float = 0.0) -> bool:
        """Count one request and say whether this rule fails it.

        `draw` is the request's random number in [0, 1); a probability rule fires when it
        falls into the rule's band `[band_start, band_start + probability)`.
        """
        self.seen += 1
        if self.first is not None and self.seen <= self.first:
            return True
        if self.every and self.seen % self.every == 0:
            return True
        return bool(self.probability) and band_start <= draw < band_start + (self.probability or 0)

    def pick_retry_after(self, rng: random.Random) -> int:
        """The Retry-After seconds for one 429."""
        if self.retry_after_max is None:
            return self.retry_after
        return rng.randint(self.retry_after, self.retry_after_max)

    def as_dict(self) -> dict[str, Any]:
        """JSON view, as `POST /_emulator/faults` accepts it."""
        data: dict[str, Any] = {"kind": self.kind}
        for name in ("every", "probability", "first"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        if self.kind == "429":
            if self.retry_after_max is None:
                data["retry_after"] = self.retry_after
            else:
                data["retry_after"] = f"{self.retry_after}-{self.retry_after_max}"
        if self.on != SEND:
            data["on"] = self.on
        return data


def _kind(value: Any) -> str:
    kind = str(value).strip().lower()
    if kind in (DROP, DROP_AFTER_STORE) or (
        kind.isdigit() and (kind == "429" or (len(kind) == 3 and kind.startswith("5")))
    ):
        return kind
    raise FaultSpecError(
        f"fault kind must be 429, a 5xx status, {DROP!r} or {DROP_AFTER_STORE!r}, not {kind!r}"
    )


def _retry_after(value: Any) -> tuple[int, int | None]:
    """`2` -> fixed 2 s; `"0-3"` or `[0, 3]` -> 0 to 3 s."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise FaultSpecError(f"retry_after range must be [min, max], not {value!r}")
        low, high = (int(v) for v in value)
    elif isinstance(value, str) and "-" in value.strip().lstrip("-"):
        low_text, _, high_text = value.strip().partition("-")
        low, high = int(low_text), int(high_text)
    else:
        return _non_negative(int(value), "retry_after"), None
    _non_negative(low, "retry_after")
    if high < low:
        raise FaultSpecError(f"retry_after range {low}-{high} goes backwards")
    return low, (high if high > low else None)


def _non_negative(value: int, name: str) -> int:
    if value < 0:
        raise FaultSpecError(f"{name} must not be negative")
    return value


def parse_rule(spec: str | dict[str, Any]) -> FaultRule:
    """A rule from a CLI spec (`429:p=0.1:retry_after=0-1`, `drop:p=0.1`) or a JSON object."""
    if isinstance(spec, str):
        kind, *options = spec.strip().split(":")
        data: dict[str, Any] = {"kind": kind}
        for option in options:
            name, sep, value = option.partition("=")
            if not sep:
                raise FaultSpecError(f"fault option {option!r} needs name=value")
            data[name.strip()] = value.strip()
    elif isinstance(spec, dict):
        data = dict(spec)
    else:
        raise FaultSpecError(f"fault rule must be a string or an object, not {spec!r}")
    kind = _kind(data.pop("kind", data.pop("status", "")))
    aliases = {"p": "probability", "retry-after": "retry_after", "n": "every"}
    data = {aliases.get(name, name): value for name, value in data.items()}
    unknown = set(data) - {"every", "probability", "first", "retry_after", "on"}
    if unknown:
        raise FaultSpecError(f"unknown fault option(s): {', '.join(sorted(unknown))}")
    try:
        retry_after, retry_after_max = _retry_after(data.get("retry_after", 1))
        rule = FaultRule(
            kind=kind,
            every=int(data["every"]) if "every" in data else None,
            probability=float(data["probability"]) if "probability" in data else None,
            first=int(data["first"]) if "first" in data else None,
            retry_after=retry_after,
            retry_after_max=retry_after_max,
            on=_on(data.get("on", SEND)),
        )
    except FaultSpecError:
        raise
    except (TypeError, ValueError) as error:
        raise FaultSpecError(f"invalid fault option value: {error}") from error
    if rule.every is not None and rule.every < 1:
        raise FaultSpecError("every must be at least 1")
    if rule.first is not None:
        _non_negative(rule.first, "first")
    if rule.probability is not None and not 0 <= rule.probability <= 1:
        raise FaultSpecError("probability must be between 0 and 1")
    if rule.every is None and rule.probability is None and rule.first is None:
        rule.every = 1  # no schedule given: fail every request
    return rule


def _on(value: Any) -> str:
    on = str(value).strip().lower()
    if on not in (SEND, ACCOUNT, ALL):
        raise FaultSpecError(f"on must be {SEND!r}, {ACCOUNT!r} or {ALL!r}, not {on!r}")
    return on


def parse_rules(specs: list[Any]) -> list[FaultRule]:
    """Several rules; their probabilities are shares of the requests they apply to, so at
    most 1 in total for the send requests and for the account requests."""
    rules = [parse_rule(spec) for spec in specs]
    for target in (SEND, ACCOUNT):
        total = sum(rule.probability or 0 for rule in rules if rule.applies_to(target))
        if total > 1 + _PROBABILITY_SLACK:
            raise FaultSpecError(f"fault probabilities add up to {total:g}, more than 1")
    return rules


@dataclass(frozen=True)
class Fault:
    """What to do to one request: the rule's kind, and for a 429 its Retry-After."""

    kind: str
    retry_after: int = 1


class Faults:
    """The active fault configuration, changed at runtime by the control API.

    For every request each rule counts the request, and the first rule (in order) that fires
    wins. Probabilities are disjoint bands of one random number per request, so rules with
    `p=0.1` and `p=0.01` fail 10 % and 1 % of the requests, never the same one.
    """

    def __init__(self, latency_ms: int = 0, rules: list[Any] | None = None, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self.default_seed = seed
        self.latency_ms = 0
        self.rules: list[FaultRule] = []
        self.seed = seed
        self.injected = 0
        self.configure(latency_ms, rules or [])

    def configure(self, latency_ms: int, rules: list[Any], seed: int | None = None) -> None:
        """Replace the configuration (rules are parsed first, so a bad one changes nothing).

        The random generators restart from `seed` (default: the startup seed), so the same
        configuration fails the same requests every time.
        """
        parsed = parse_rules(rules)
        seed = self.default_seed if seed is None else int(seed)
        with self._lock:
            self.latency_ms = max(0, int(latency_ms))
            self.rules = parsed
            self.seed = seed
            # One generator per kind of request: account calls never shift the send schedule.
            self._rngs = {SEND: random.Random(seed), ACCOUNT: random.Random(f"{seed}:account")}
            self._retry_after_rng = random.Random(f"{seed}:retry_after")

    def clear(self) -> None:
        """No latency, no faults."""
        self.configure(0, [])

    def decide(self, target: str = SEND) -> Fault | None:
        """Count a request (of `target`: SEND or ACCOUNT) against every rule applying to it;
        the first rule that fires wins."""
        with self._lock:
            rules = [rule for rule in self.rules if rule.applies_to(target)]
            draw = self._rngs[target].random() if any(r.probability for r in rules) else 1.0
            band_start = 0.0
            winner: FaultRule | None = None
            for rule in rules:
                if rule.fires(draw, band_start) and winner is None:
                    winner = rule
                band_start += rule.probability or 0
            if winner is None:
                return None
            self.injected += 1
            return Fault(winner.kind, winner.pick_retry_after(self._retry_after_rng))

    def as_dict(self) -> dict[str, Any]:
        """JSON view of the configuration."""
        with self._lock:
            return {
                "latency_ms": self.latency_ms,
                "faults": [rule.as_dict() for rule in self.rules],
                "seed": self.seed,
                "injected": self.injected,
            }


def target_of(scope: dict[str, Any]) -> str | None:
    """SEND for the send and batch POSTs, ACCOUNT for every other API request, else None
    (the control API, the web inbox, inbound injection)."""
    if scope["type"] != "http":
        return None
    path = scope["path"]
    if scope["method"] == "POST" and SENDING_PATH.match(path):
        return SEND
    return ACCOUNT if path.startswith("/api/") else None


class FaultMiddleware:
    """Raw ASGI middleware applying `Faults` to the API's requests (see `target_of`)."""

    def __init__(self, app: Any, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        target = target_of(scope)
        if target is None:
            await self.app(scope, receive, send)
            return
        if target == SEND and self.faults.latency_ms:
            await asyncio.sleep(self.faults.latency_ms / 1000)
        fault = self.faults.decide(target)
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.kind == DROP_AFTER_STORE:
            await self._handle_then_drop(scope, receive)
            return
        # Read the whole request first: closing a socket with unread data sends a TCP reset.
        await _drain_body(receive)
        if fault.kind == DROP:
            await _drop_connection(scope, receive)
        else:
            await _send_error(send, int(fault.kind), fault.retry_after)

    async def _handle_then_drop(self, scope: dict[str, Any], receive: Any) -> None:
        """Let the API handle (and store) the request, then hang up instead of answering."""
        body_read = False

        async def receive_request() -> dict[str, Any]:
            nonlocal body_read
            message: dict[str, Any] = await receive()
            if message["type"] != "http.request" or not message.get("more_body"):
                body_read = True
            return message

        async def discard_response(message: dict[str, Any]) -> None:
            pass

        try:
            await self.app(scope, receive_request, discard_response)
        finally:
            if not body_read:  # e.g. a 401 answered before the body was read
                await _drain_body(receive)
            await _drop_connection(scope, receive)


async def _drain_body(receive: Any) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            return


async def _drop_connection(scope: dict[str, Any], receive: Any) -> None:
    transport = scope.get("extensions", {}).get(TRANSPORT_KEY)
    if transport is None:
        raise RuntimeError("dropped-connection faults need the emulator's uvicorn protocol")
    transport.close()
    # Returning before uvicorn notices the disconnect would make it answer with a 500.
    while (await receive())["type"] != "http.disconnect":
        pass


async def _send_error(send: Any, status: int, retry_after: int) -> None:
    if status in (502, 503, 504):
        # Edge proxies answer these with HTML, not Mailtrap's JSON.
        body = f"<html><body><h1>{status}</h1></body></html>".encode()
        content_type = b"text/html; charset=utf-8"
    else:
        errors = [ERROR_TEXTS.get(status, "Internal server error")]
        body = json.dumps({"success": False, "errors": errors}).encode()
        content_type = b"application/json"
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    if status == 429:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class TransportExposingProtocol(H11Protocol):
    """uvicorn's h11 protocol, putting the connection's transport into each request scope.

    That is what lets a fault close the TCP connection without any HTTP response.
    """

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        app: Any = self.app

        async def app_with_transport(scope: Any, receive: Any, send: Any) -> None:
            scope.setdefault("extensions", {})[TRANSPORT_KEY] = transport
            await app(scope, receive, send)

        self.app = app_with_transport
