"""What one /api/batch call posts, and how entries are grouped within Mailtrap's limits.

One batch call carries at most 500 entries and 50 MB (MAILTRAP_API.md §3, §10.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from ..message import AnymailRecipientStatus
from ..sending.json_body import JSONParts, JSONStream

if TYPE_CHECKING:
    from .payload import MailtrapPayload


MAX_BATCH_REQUESTS = 500
MAX_BATCH_BYTES = 50_000_000

_SEPARATOR = ", "

Statuses = dict[str, AnymailRecipientStatus]


class Bin:
    """Fills one batch call: counts entries and bytes against Mailtrap's limits."""

    def __init__(self, fixed: int) -> None:
        self.fixed = fixed
        self.count = 0
        self.size = fixed

    def fits(self, size: int) -> bool:
        if self.count == 0:
            return True  # an oversized single entry still gets its own call
        return (
            self.count < MAX_BATCH_REQUESTS
            and self.size + len(_SEPARATOR) + size <= MAX_BATCH_BYTES
        )

    def add(self, size: int) -> None:
        self.size += size + (len(_SEPARATOR) if self.count else 0)
        self.count += 1


def pack(sizes: Sequence[int], fixed: int) -> list[range]:
    """Consecutive groups of entries, each group within the limits of one call."""
    groups: list[range] = []
    start = 0
    bin_ = Bin(fixed)
    for index, size in enumerate(sizes):
        if not bin_.fits(size):
            groups.append(range(start, index))
            start, bin_ = index, Bin(fixed)
        bin_.add(size)
    if start < len(sizes):
        groups.append(range(start, len(sizes)))
    return groups


class BatchCallPayload:
    """What one /api/batch call posts for several messages, or for part of one."""

    def __init__(self, payload: MailtrapPayload, body: JSONParts, description: str) -> None:
        self.backend = payload.backend
        self.headers = payload.headers
        self.body = body
        self.description = description

    def get_request_params(self, api_url: str) -> dict[str, Any]:
        return dict(
            method="POST",
            url=urljoin(api_url, self.backend.client.send_endpoint("batch")),
            params=None,
            data=self.body.body(),
            headers=self.headers,
            files=None,
            auth=None,
            timeout=self.backend.timeout,
        )

    def serialize_data(self) -> str | JSONStream:
        return self.body.body()

    def __repr__(self) -> str:  # never shows the Api-Token header
        return f"<Mailtrap batch call: {self.description}, {self.body.size} bytes>"
