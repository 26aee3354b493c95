"""Lists of stored messages: their filters as one SQL `WHERE` clause (for a page and its
total alike), and the page sizes of `GET /_emulator/messages`."""

from __future__ import annotations

from typing import Any

#: Messages per `GET /_emulator/messages` answer unless `limit` says otherwise, and the most
#: `limit` may ask for (the `messages` command's `--all` fetches pages of `MAX_LIMIT`).
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def message_where(
    *,
    recipient: str | None = None,
    category: str | None = None,
    stream: str | None = None,
    sandbox_inbox_id: int | None = None,
    message_id: str | None = None,
) -> tuple[str, list[Any]]:
    """` WHERE …` (or `""`) and its parameters; a list and its `total` must use the same."""
    where: list[str] = []
    params: list[Any] = []
    if recipient:
        where.append("key IN (SELECT message_key FROM recipients WHERE lower(email) = ?)")
        params.append(recipient.lower())
    if message_id:
        where.append("key IN (SELECT message_key FROM recipients WHERE message_id = ?)")
        params.append(message_id)
    if category:
        where.append("category = ?")
        params.append(category)
    if stream:
        where.append("stream = ?")
        params.append(stream)
    if sandbox_inbox_id is not None:
        where.append("sandbox_inbox_id = ?")
        params.append(sandbox_inbox_id)
    return (" WHERE " + " AND ".join(where) if where else ""), params
