"""SQLite persistence for accepted messages, events, webhooks and inbound mail."""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from .account_store import ACCOUNT_SCHEMA, AccountQueries
from .message_filters import message_where
from .sandbox_store import SandboxQueries

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    key INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    stream TEXT NOT NULL,
    sandbox_inbox_id INTEGER,
    from_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    category TEXT,
    custom_variables TEXT,
    template_uuid TEXT,
    payload TEXT NOT NULL,
    mime BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS recipients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_key INTEGER NOT NULL REFERENCES messages(key) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT
);
CREATE INDEX IF NOT EXISTS recipients_message_id ON recipients(message_id);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_key INTEGER NOT NULL REFERENCES messages(key) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    event TEXT NOT NULL,
    email TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    active INTEGER NOT NULL,
    webhook_type TEXT NOT NULL,
    payload_format TEXT NOT NULL,
    sending_stream TEXT,
    domain_id INTEGER,
    inbound_inbox_id INTEGER,
    event_types TEXT NOT NULL,
    signing_secret TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS inbound_messages (
    id TEXT PRIMARY KEY,
    inbox_id INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    raw BLOB NOT NULL,
    access_token TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sandbox_reads (
    message_key INTEGER PRIMARY KEY REFERENCES messages(key) ON DELETE CASCADE
);
"""

WEBHOOK_FIELDS = (
    "id",
    "url",
    "active",
    "webhook_type",
    "payload_format",
    "sending_stream",
    "domain_id",
    "inbound_inbox_id",
    "event_types",
)


def utc_now_iso() -> str:
    """ISO 8601 UTC timestamp with milliseconds, like Mailtrap's `received_at`."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Store(SandboxQueries, AccountQueries):
    """Thread-safe access to one SQLite database (a file, or `:memory:` for tests)."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(SCHEMA + ACCOUNT_SCHEMA)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def reset(self) -> None:
        """Forget every message, event, webhook, inbound message and suppression."""
        with self._transaction() as db:
            tables = ("events", "recipients", "messages", "webhooks", "inbound_messages")
            for table in (*tables, "suppressions"):
                db.execute(f"DELETE FROM {table}")  # fixed table names

    # -- sent messages -------------------------------------------------------------------

    def add_message(
        self,
        *,
        stream: str,
        sandbox_inbox_id: int | None,
        payload: dict[str, Any],
        mime: bytes,
        recipients: list[dict[str, Any]],
    ) -> int:
        """Store one accepted message; `recipients` carry kind, email, name and message_id."""
        custom_variables = payload.get("custom_variables")
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO messages (created_at, stream, sandbox_inbox_id, from_email, subject,"
                " category, custom_variables, template_uuid, payload, mime)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    utc_now_iso(),
                    stream,
                    sandbox_inbox_id,
                    payload["from"]["email"],
                    payload.get("subject") or "",
                    payload.get("category"),
                    json.dumps(custom_variables) if custom_variables is not None else None,
                    payload.get("template_uuid"),
                    json.dumps(payload),
                    mime,
                ),
            )
            key = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO recipients (message_key, message_id, kind, email, name)"
                " VALUES (?, ?, ?, ?, ?)",
                [(key, r["message_id"], r["kind"], r["email"], r.get("name")) for r in recipients],
            )
        return key

    def list_messages(
        self, *, limit: int | None = None, offset: int = 0, **filters: Any
    ) -> list[dict[str, Any]]:
        """Newest first, filtered as `message_where` says; every match unless `limit` is given
        (callers that page tell their users the `count_messages` total too)."""
        where, params = message_where(**filters)
        sql = f"SELECT * FROM messages{where} ORDER BY key DESC LIMIT ? OFFSET ?"
        with self._lock:
            rows = self._query(sql, [*params, -1 if limit is None else limit, offset])
            return [self._message_dict(row) for row in rows]

    def get_message(self, key: int) -> dict[str, Any] | None:
        """One message by its emulator key, or None."""
        with self._lock:
            rows = self._query("SELECT * FROM messages WHERE key = ?", (key,))
            return self._message_dict(rows[0]) if rows else None

    def get_mime(self, key: int) -> bytes | None:
        """The rendered RFC 5322 message of one stored message."""
        rows = self._query("SELECT mime FROM messages WHERE key = ?", (key,))
        return bytes(rows[0]["mime"]) if rows else None

    def find_recipients(self, message_id: str) -> list[dict[str, Any]]:
        """Recipients that got a Mailtrap message id (several for sandbox messages)."""
        rows = self._query(
            "SELECT * FROM recipients WHERE message_id = ? ORDER BY id", (message_id,)
        )
        return [dict(row) for row in rows]

    def count_messages(self, **filters: Any) -> int:
        """How many messages are stored (that match `message_where`'s filters)."""
        where, params = message_where(**filters)
        return int(self._query(f"SELECT count(*) FROM messages{where}", params)[0][0])

    def _message_dict(self, row: sqlite3.Row) -> dict[str, Any]:
        recipients = self._query(
            "SELECT message_id, kind, email, name FROM recipients WHERE message_key = ?"
            " ORDER BY id",
            (row["key"],),
        )
        payload = json.loads(row["payload"])
        message_ids: list[str] = []
        for r in recipients:
            if r["message_id"] not in message_ids:
                message_ids.append(r["message_id"])
        return {
            "id": row["key"],
            "created_at": row["created_at"],
            "stream": row["stream"],
            "sandbox_inbox_id": row["sandbox_inbox_id"],
            "from": payload["from"],
            "subject": row["subject"],
            "category": row["category"],
            "custom_variables": json.loads(row["custom_variables"])
            if row["custom_variables"]
            else None,
            "template_uuid": row["template_uuid"],
            "recipients": [dict(r) for r in recipients],
            "message_ids": message_ids,
            "payload": payload,
            "events": self.list_events(row["key"]),
        }

    # -- events ------------------------------------------------------------------------

    def add_event(self, message_key: int, event: dict[str, Any]) -> None:
        """Record one event (the webhook payload object) in a message's timeline."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO events (message_key, event_id, event, email, payload)"
                " VALUES (?, ?, ?, ?, ?)",
                (message_key, event["event_id"], event["event"], event["email"], json.dumps(event)),
            )

    def list_events(self, message_key: int) -> list[dict[str, Any]]:
        """A message's events, oldest first."""
        rows = self._query(
            "SELECT payload FROM events WHERE message_key = ? ORDER BY id", (message_key,)
        )
        return [json.loads(row["payload"]) for row in rows]

    def count_events(self) -> int:
        """How many events are stored."""
        return int(self._query("SELECT count(*) FROM events")[0][0])

    # -- webhooks ----------------------------------------------------------------------

    def add_webhook(self, webhook: dict[str, Any]) -> dict[str, Any]:
        """Create a webhook; returns it including its `signing_secret`."""
        secret = webhook.get("signing_secret") or secrets.token_hex(16)
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO webhooks (url, active, webhook_type, payload_format, sending_stream,"
                " domain_id, inbound_inbox_id, event_types, signing_secret)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    webhook["url"],
                    int(webhook.get("active", True)),
                    webhook["webhook_type"],
                    webhook.get("payload_format") or "json",
                    webhook.get("sending_stream"),
                    webhook.get("domain_id"),
                    webhook.get("inbound_inbox_id"),
                    json.dumps(webhook.get("event_types") or []),
                    secret,
                ),
            )
        created = self.get_webhook(int(cursor.lastrowid or 0), with_secret=True)
        assert created is not None
        return created

    def update_webhook(self, webhook_id: int, changes: dict[str, Any]) -> dict[str, Any] | None:
        """Apply a PATCH; only the fields Mailtrap lets you update are touched."""
        columns = {"url", "active", "payload_format", "event_types", "inbound_inbox_id"}
        with self._transaction() as db:
            for name, value in changes.items():
                if name not in columns:
                    continue
                if name == "event_types":
                    value = json.dumps(value or [])
                elif name == "active":
                    value = int(bool(value))
                db.execute(f"UPDATE webhooks SET {name} = ? WHERE id = ?", (value, webhook_id))
        return self.get_webhook(webhook_id)

    def get_webhook(self, webhook_id: int, *, with_secret: bool = False) -> dict[str, Any] | None:
        """One webhook; the secret is only included when asked for."""
        rows = self._query("SELECT * FROM webhooks WHERE id = ?", (webhook_id,))
        return self._webhook_dict(rows[0], with_secret) if rows else None

    def list_webhooks(self, *, with_secret: bool = False) -> list[dict[str, Any]]:
        """All webhooks, oldest first."""
        rows = self._query("SELECT * FROM webhooks ORDER BY id")
        return [self._webhook_dict(row, with_secret) for row in rows]

    def delete_webhook(self, webhook_id: int) -> dict[str, Any] | None:
        """Delete a webhook and return what it was."""
        webhook = self.get_webhook(webhook_id)
        if webhook is not None:
            with self._transaction() as db:
                db.execute("DELETE FROM webhooks WHERE id = ?", (webhook_id,))
        return webhook

    @staticmethod
    def _webhook_dict(row: sqlite3.Row, with_secret: bool) -> dict[str, Any]:
        webhook = {name: row[name] for name in WEBHOOK_FIELDS}
        webhook["active"] = bool(webhook["active"])
        webhook["event_types"] = json.loads(webhook["event_types"])
        if with_secret:
            webhook["signing_secret"] = row["signing_secret"]
        return webhook

    # -- inbound -----------------------------------------------------------------------

    def add_inbound(self, inbox_id: int, raw: bytes) -> dict[str, Any]:
        """Store a received raw message under a long numeric id like Mailtrap's."""
        # Mailtrap's inbound ids exceed 2**53; keep ours in that range to catch int coercion.
        message_id = str(1_800_000_000_000_000_000 + secrets.randbelow(10**17))
        with self._transaction() as db:
            db.execute(
                "INSERT INTO inbound_messages (id, inbox_id, received_at, raw, access_token)"
                " VALUES (?, ?, ?, ?, ?)",
                (message_id, inbox_id, utc_now_iso(), raw, secrets.token_hex(16)),
            )
        record = self.get_inbound(message_id)
        assert record is not None
        return record

    def get_inbound(self, message_id: str) -> dict[str, Any] | None:
        """One inbound message record (id, inbox_id, received_at, raw, access_token)."""
        rows = self._query("SELECT * FROM inbound_messages WHERE id = ?", (message_id,))
        if not rows:
            return None
        record = dict(rows[0])
        record["raw"] = bytes(record["raw"])
        return record

    def list_inbound(self, inbox_id: int | None = None) -> list[dict[str, Any]]:
        """Inbound message records, newest first."""
        sql, params = "SELECT * FROM inbound_messages", []
        if inbox_id is not None:
            sql += " WHERE inbox_id = ?"
            params.append(inbox_id)
        rows = self._query(sql + " ORDER BY received_at DESC, rowid DESC", params)
        return [dict(row, raw=bytes(row["raw"])) for row in rows]
