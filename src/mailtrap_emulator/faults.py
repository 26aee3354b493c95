"""Fault injection on the send/batch endpoints: latency, 429, 5xx and dropped connections."""

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


class FaultSpecError(ValueError):
    """A fault rule that cannot be understood."""


@dataclass
class FaultRule:
    """Fail requests with `kind` (an HTTP status, or "drop") on a schedule."""

    kind: str
    every: int | None = None
    probability: float | None = None
    first: int | None = None
    retry_after: int = 1
    seen: int = field(default=0, compare=False)

    def fires(self, rng: random.Random) -> bool:
        """Count one request and say whether this rule fails it."""
        self.seen += 1
        if self.first is not None and self.seen <= self.first:
            return True
        if self.every and self.seen % self.every == 0:
            return True
        return bool(self.probability) and rng.random() < (self.probability or 0)

    def as_dict(self) -> dict[str, Any]:
        """JSON view, as `POST /_emulator/faults` accepts it."""
        data: dict[str, Any] = {"kind": self.kind}
        for name in ("every", "probability", "first"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        if self.kind == "429":
            data["retry_after"] = self.retry_after
        return data


def parse_rule(spec: str | dict[str, Any]) -> FaultRule:
    """A rule from a CLI spec (`429:every=3:retry_after=2`, `drop:p=0.1`) or a JSON object."""
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
    kind = str(data.pop("kind", data.pop("status", ""))).lower()
    if kind != "drop" and not (kind.isdigit() and (kind == "429" or kind.startswith("5"))):
        raise FaultSpecError(f"fault kind must be 429, a 5xx status or 'drop', not {kind!r}")
    aliases = {"p": "probability", "retry-after": "retry_after", "n": "every"}
    data = {aliases.get(name, name): value for name, value in data.items()}
    unknown = set(data) - {"every", "probability", "first", "retry_after"}
    if unknown:
        raise FaultSpecError(f"unknown fault option(s): {', '.join(sorted(unknown))}")
    try:
        rule = FaultRule(
            kind=kind,
            every=int(data["every"]) if "every" in data else None,
            probability=float(data["probability"]) if "probability" in data else None,
            first=int(data["first"]) if "first" in data else None,
            retry_after=int(data.get("retry_after", 1)),
        )
    except (TypeError, ValueError) as error:
        raise FaultSpecError(f"invalid fault option value: {error}") from error
    if rule.every is None and rule.probability is None and rule.first is None:
        rule.every = 1  # no schedule given: fail every request
    return rule


class Faults:
    """The active fault configuration, changed at runtime by the control API."""

    def __init__(self, latency_ms: int = 0, rules: list[Any] | None = None, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self.latency_ms = latency_ms
        self.rules = [parse_rule(rule) for rule in rules or []]
        self.injected = 0

    def configure(self, latency_ms: int, rules: list[Any]) -> None:
        """Replace the configuration (rules are parsed first, so a bad one changes nothing)."""
        parsed = [parse_rule(rule) for rule in rules]
        with self._lock:
            self.latency_ms = max(0, int(latency_ms))
            self.rules = parsed

    def clear(self) -> None:
        """No latency, no faults."""
        self.configure(0, [])

    def decide(self) -> FaultRule | None:
        """Count a request against every rule; the first rule that fires wins."""
        with self._lock:
            fired = [rule for rule in self.rules if rule.fires(self._rng)]
            if fired:
                self.injected += 1
            return fired[0] if fired else None

    def as_dict(self) -> dict[str, Any]:
        """JSON view of the configuration."""
        with self._lock:
            return {
                "latency_ms": self.latency_ms,
                "faults": [rule.as_dict() for rule in self.rules],
                "injected": self.injected,
            }


class FaultMiddleware:
    """Raw ASGI middleware applying `Faults` to POSTs on the send and batch paths."""

    def __init__(self, app: Any, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and SENDING_PATH.match(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        if self.faults.latency_ms:
            await asyncio.sleep(self.faults.latency_ms / 1000)
        rule = self.faults.decide()
        if rule is None:
            await self.app(scope, receive, send)
            return
        # Read the whole request first: closing a socket with unread data sends a TCP reset.
        await _drain_body(receive)
        if rule.kind == "drop":
            await _drop_connection(scope, receive)
        else:
            await _send_error(send, int(rule.kind), rule.retry_after)


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
