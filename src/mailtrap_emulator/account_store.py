"""The Store's queries for the account API: the suppression list and the email log's rows.

A mixin of `storage.Store` (kept apart so storage.py stays within the module size limit);
it uses the Store's connection helpers. Its table is created with the Store's schema.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from typing import Any

ACCOUNT_SCHEMA = """
CREATE TABLE IF NOT EXISTS suppressions (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    created_at TEXT NOT NULL,
    email TEXT NOT NULL,
    sending_stream TEXT NOT NULL,
    domain_name TEXT,
    message_bounce_category TEXT,
    message_category TEXT,
    message_client_ip TEXT,
    message_created_at TEXT,
    message_esp_response TEXT,
    message_esp_server_type TEXT,
    message_outgoing_ip TEXT,
    message_recipient_mx_name TEXT,
    message_sender_email TEXT,
    message_subject TEXT
);
"""

SUPPRESSION_FIELDS = (
    "id",
    "type",
    "created_at",
    "email",
    "sending_stream",
    "domain_name",
    "message_bounce_category",
    "message_category",
    "message_client_ip",
    "message_created_at",
    "message_esp_response",
    "message_esp_server_type",
    "message_outgoing_ip",
    "message_recipient_mx_name",
    "message_sender_email",
    "message_subject",
)

#: One row per recipient message id of the sending streams (the sandbox keeps no log).
_LOG_ROWS_SQL = """
SELECT r.id AS row_id, r.message_id, r.email AS to_email, m.key AS message_key, m.created_at,
    m.stream, m.from_email, m.subject, m.category, m.custom_variables, m.template_uuid,
    json_extract(m.payload, '$.template_variables') AS template_variables
FROM recipients r JOIN messages m ON m.key = r.message_key
WHERE m.stream IN ('transactional', 'bulk')
"""


class AccountQueries:
    """Suppressions live in their own table; email log rows are read from the messages."""

    # Provided by Store.
    def _query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[sqlite3.Row]:
        raise NotImplementedError

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    # -- suppressions ------------------------------------------------------------------

    def add_suppression(self, suppression: dict[str, Any]) -> dict[str, Any]:
        """Store a suppression, unless the address is already suppressed for the same stream
        and domain: then that entry is returned and nothing is added."""
        with self._transaction() as db:
            existing = db.execute(
                "SELECT * FROM suppressions WHERE lower(email) = lower(?)"
                " AND sending_stream = ? AND coalesce(domain_name, '') = coalesce(?, '')",
                (suppression["email"], suppression["sending_stream"], suppression["domain_name"]),
            ).fetchall()
            if existing:
                return dict(existing[0])
            db.execute(
                f"INSERT INTO suppressions ({', '.join(SUPPRESSION_FIELDS)})"
                f" VALUES ({', '.join('?' for _ in SUPPRESSION_FIELDS)})",
                [suppression.get(name) for name in SUPPRESSION_FIELDS],
            )
        return {name: suppression.get(name) for name in SUPPRESSION_FIELDS}

    def list_suppressions(
        self,
        *,
        email: str | None = None,
        start_time: str | None = None,
        end_time: str | None = None,
        after_id: str | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """Suppressions in id order (ids are time-ordered UUIDs, so oldest first); times are
        ISO 8601 UTC strings as stored, compared as text."""
        where: list[str] = []
        params: list[Any] = []
        for condition, value in (
            ("lower(email) = lower(?)", email),
            ("created_at >= ?", start_time),
            ("created_at <= ?", end_time),
            ("id > ?", after_id),
        ):
            if value is not None:
                where.append(condition)
                params.append(value)
        sql = "SELECT * FROM suppressions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._query(sql + " ORDER BY id LIMIT ?", [*params, limit])
        return [dict(row) for row in rows]

    def delete_suppression(self, suppression_id: str) -> dict[str, Any] | None:
        """Remove one suppression and return what it was (None if there is no such id)."""
        with self._transaction() as db:
            rows = db.execute("SELECT * FROM suppressions WHERE id = ?", (suppression_id,))
            found = rows.fetchall()
            if not found:
                return None
            db.execute("DELETE FROM suppressions WHERE id = ?", (suppression_id,))
        return dict(found[0])

    # -- email log ---------------------------------------------------------------------

    def email_log_rows(self) -> list[dict[str, Any]]:
        """Every logged recipient message, newest first (`row_id` orders them)."""
        rows = self._query(_LOG_ROWS_SQL + " ORDER BY r.id DESC")
        return [dict(row) for row in rows]

    def email_log_row(self, message_id: str) -> dict[str, Any] | None:
        """The logged recipient message with this Mailtrap message id, or None."""
        rows = self._query(_LOG_ROWS_SQL + " AND r.message_id = ?", (message_id,))
        return dict(rows[0]) if rows else None

    def email_log_events(self, message_key: int | None = None) -> dict[str, list[dict[str, Any]]]:
        """Stored sending events (webhook payloads) by recipient message id, oldest first;
        of one message, or of every message of the sending streams."""
        sql = (
            "SELECT e.payload FROM events e JOIN messages m ON m.key = e.message_key"
            " WHERE m.stream IN ('transactional', 'bulk')"
        )
        params: tuple[Any, ...] = ()
        if message_key is not None:
            sql += " AND e.message_key = ?"
            params = (message_key,)
        grouped: dict[str, list[dict[str, Any]]] = {}
        for row in self._query(sql + " ORDER BY e.id", params):
            event = json_object(row["payload"])
            grouped.setdefault(str(event.get("message_id")), []).append(event)
        return grouped

    def sender_addresses(self) -> list[str]:
        """`from` addresses of the sending streams' messages, in order of first use."""
        rows = self._query(
            "SELECT from_email FROM messages WHERE stream IN ('transactional', 'bulk')"
            " GROUP BY from_email ORDER BY min(key)"
        )
        return [row["from_email"] for row in rows]


def json_object(text: str | None) -> dict[str, Any]:
    """A stored JSON object column; anything else (NULL, a scalar) as an empty dict."""
    value = json.loads(text) if text else None
    return value if isinstance(value, dict) else {}
