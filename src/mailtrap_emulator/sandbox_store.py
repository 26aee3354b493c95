"""The Store's queries for the sandbox API: inboxes, paged message lists, read flags, deletion.

A mixin of `storage.Store` (kept apart so storage.py stays within the module size limit);
it uses the Store's connection helpers and its `sandbox_reads` table.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from typing import Any

#: The rendered subject of a template send (mime.render_template), searchable like a subject.
_TEMPLATE_SUBJECT_SQL = "('Template ' || template_uuid)"


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SandboxQueries:
    """Sandbox inboxes are the `sandbox_inbox_id`s of stored messages; read flags live in
    `sandbox_reads` (a row per read message, dropped with its message)."""

    # Provided by Store.
    def _query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[sqlite3.Row]:
        raise NotImplementedError

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def _message_dict(self, row: sqlite3.Row) -> dict[str, Any]:
        raise NotImplementedError

    def sandbox_counts(self, sandbox_id: int | None = None) -> list[dict[str, Any]]:
        """Per sandbox holding messages: `id`, `emails_count`, `emails_unread_count`,
        `last_message_sent_at`; ordered by id."""
        sql = (
            "SELECT sandbox_inbox_id AS id, count(*) AS emails_count,"
            " sum(key NOT IN (SELECT message_key FROM sandbox_reads)) AS emails_unread_count,"
            " max(created_at) AS last_message_sent_at"
            " FROM messages WHERE sandbox_inbox_id IS NOT NULL"
        )
        params: list[Any] = []
        if sandbox_id is not None:
            sql += " AND sandbox_inbox_id = ?"
            params.append(sandbox_id)
        rows = self._query(sql + " GROUP BY sandbox_inbox_id ORDER BY sandbox_inbox_id", params)
        return [dict(row) for row in rows]

    def sandbox_messages(
        self,
        sandbox_id: int,
        *,
        search: str | None = None,
        before_key: int | None = None,
        offset: int = 0,
        limit: int = 30,
        key: int | None = None,
    ) -> list[dict[str, Any]]:
        """A sandbox's messages, newest first, as `_message_dict` plus `is_read`.

        `search` matches the subject and the `to` addresses and names (case-insensitive
        substring); `before_key` keeps messages older than that one; `key` picks one."""
        where = ["sandbox_inbox_id = ?"]
        params: list[Any] = [sandbox_id]
        if search:
            pattern = _like(search)
            where.append(
                f"(subject LIKE ? ESCAPE '\\' OR {_TEMPLATE_SUBJECT_SQL} LIKE ? ESCAPE '\\'"
                " OR key IN (SELECT message_key FROM recipients WHERE kind = 'to'"
                " AND (email LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\')))"
            )
            params += [pattern] * 4
        if before_key is not None:
            where.append("key < ?")
            params.append(before_key)
        if key is not None:
            where.append("key = ?")
            params.append(key)
        sql = (
            "SELECT messages.*, key IN (SELECT message_key FROM sandbox_reads) AS is_read"
            f" FROM messages WHERE {' AND '.join(where)} ORDER BY key DESC LIMIT ? OFFSET ?"
        )
        rows = self._query(sql, [*params, limit, offset])
        return [dict(self._message_dict(row), is_read=bool(row["is_read"])) for row in rows]

    def set_sandbox_read(self, sandbox_id: int, *, read: bool, key: int | None = None) -> None:
        """Mark one message (`key`) or every message of a sandbox read or unread."""
        keys_sql = "SELECT key FROM messages WHERE sandbox_inbox_id = ?"
        params: list[Any] = [sandbox_id]
        if key is not None:
            keys_sql += " AND key = ?"
            params.append(key)
        with self._transaction() as db:
            if read:
                db.execute(f"INSERT OR IGNORE INTO sandbox_reads (message_key) {keys_sql}", params)
            else:
                db.execute(f"DELETE FROM sandbox_reads WHERE message_key IN ({keys_sql})", params)

    def delete_sandbox_messages(self, sandbox_id: int, *, key: int | None = None) -> int:
        """Delete one message (`key`) or all messages of a sandbox; returns how many went."""
        sql = "DELETE FROM messages WHERE sandbox_inbox_id = ?"
        params: list[Any] = [sandbox_id]
        if key is not None:
            sql += " AND key = ?"
            params.append(key)
        with self._transaction() as db:
            return db.execute(sql, params).rowcount
