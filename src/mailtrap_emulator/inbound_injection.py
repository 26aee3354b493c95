"""Inbound mail received by hand (control API, `inbound` command, web inbox, Python API).

Each one is logged, and says where its webhook event went: an upload into Mailtrap's sample
inbox, or into an inbox no webhook listens to, must not pass in silence.
"""

from __future__ import annotations

import logging
from typing import Any

from .emulator import Emulator

logger = logging.getLogger("mailtrap_emulator")

#: Mailtrap's "test your integration" webhook sample names inbox 1 (or none); Anymail answers
#: it but fires no inbound signal, so mail received into inbox 1 reaches no app code.
SAMPLE_INBOX_ID = 1
#: The inbox id the web inbox's upload form suggests: any id but the sample's would do.
DEFAULT_INBOX_ID = 250


def inbound_webhook_scopes(emulator: Emulator) -> list[int | None]:
    """The inbox of each active `inbound_receiving` webhook (None: every inbox), as
    `Emulator.receive_inbound` chooses them."""
    return [
        webhook["inbound_inbox_id"]
        for webhook in emulator.webhooks()
        if webhook["active"] and webhook["webhook_type"] == "inbound_receiving"
    ]


def inbound_webhook_count(emulator: Emulator, inbox_id: int) -> int:
    """How many webhooks a message received into `inbox_id` is posted to."""
    return sum(1 for scope in inbound_webhook_scopes(emulator) if scope in (None, inbox_id))


def inbound_outcome(inbox_id: int, webhooks: int) -> str:
    """One sentence on what receiving into `inbox_id` does, for the log and the web inbox."""
    if webhooks == 0:
        outcome = f"no inbound webhook is configured for inbox {inbox_id}: nothing was posted"
    else:
        outcome = f"the inbound event was posted to {webhooks} webhook(s)"
    if inbox_id == SAMPLE_INBOX_ID:
        outcome += (
            f"; inbox {SAMPLE_INBOX_ID} is Mailtrap's 'test your integration' sample, which"
            " Anymail acknowledges but ignores (no inbound signal): use another inbox id"
        )
    return outcome


def inject_inbound(emulator: Emulator, inbox_id: int, raw: bytes, *, via: str) -> dict[str, Any]:
    """Receive `raw` into inbound inbox `inbox_id` (webhooks notified) and log it; `via` says
    how it came in. Returns the stored record."""
    record = emulator.receive_inbound(inbox_id, raw)
    webhooks = inbound_webhook_count(emulator, inbox_id)
    logger.log(
        logging.WARNING if inbox_id == SAMPLE_INBOX_ID else logging.INFO,
        "inbound message %s received into inbox %s via %s; %s",
        record["id"],
        inbox_id,
        via,
        inbound_outcome(inbox_id, webhooks),
    )
    return record
