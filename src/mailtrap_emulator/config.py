"""Settings of one emulator instance, shared by the CLI, the Python API and the app."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

MB = 1024 * 1024


@dataclass
class EmulatorConfig:
    """Everything an emulator instance needs to know; all fields have test-friendly defaults."""

    host: str = "127.0.0.1"
    port: int = 0
    #: Host names (besides 127.0.0.1, localhost, [::1] and `host`) by which the control API
    #: and the web inbox may be reached, e.g. a container name; "*" allows any (guard.py).
    allowed_hosts: list[str] = field(default_factory=list)
    db_path: str = ":memory:"
    #: The emulated account's id, as in `/api/accounts/{account_id}/...` paths.
    account_id: int = 1001
    #: List an example verified and an example unverified domain in `GET /api/domains`.
    example_domains: bool = True
    #: Entries per page of `GET /api/email_logs` (the spec names no page size).
    email_logs_page_size: int = 50
    #: Accepted API tokens; empty means any non-empty token is accepted.
    tokens: list[str] = field(default_factory=list)
    #: Sender domains that count as verified; empty means every domain is verified.
    sending_domains: list[str] = field(default_factory=list)
    #: Sending-event webhook targets configured at startup (all streams, all event types).
    webhook_urls: list[str] = field(default_factory=list)
    webhook_format: str = "json"
    #: Inbound (inbound_receiving) webhook targets configured at startup (all inboxes).
    inbound_webhook_urls: list[str] = field(default_factory=list)
    signing_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    latency_ms: int = 0
    #: Fault rules, as CLI specs ("429:every=3") or dicts; see faults.py.
    faults: list[Any] = field(default_factory=list)
    #: Seed of the fault rules' random choices (probabilities, Retry-After ranges).
    fault_seed: int = 0
    webhook_max_attempts: int = 5
    webhook_backoff_ms: int = 200
    webhook_backoff_max_ms: int = 5000
    webhook_timeout_s: float = 5.0
    max_message_bytes: int = 10 * MB
    max_batch_bytes: int = 50 * MB
