"""Storing new outbox rows in the caller's transaction, at a small fraction of what
building the messages cost.

This runs in the caller for every queued message, so it stays close to the database
driver: the values all rows share are converted for the database once, the per-row
values (id, body, recipients) are plain str already, and each row is bound as few
times as the database allows:

* PostgreSQL (psycopg 3): one `COPY ... FROM STDIN`, written as COPY's text format (the
  shared values formatted once; psycopg's `write_row` would convert every value of
  every row);
* SQLite: `INSERT ... SELECT` from a `VALUES` list of just the per-row values, the shared
  ones bound once per statement of a few hundred rows;
* elsewhere: one `executemany`.

(An ORM `bulk_create` builds and converts every field of every model instance: several
times the cost of building the message.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from itertools import chain
from typing import Any

from django.db import connections, transaction
from django.db.models import Field

from .entries import RECIPIENT_SEPARATOR, Entry
from .outbox import outbox_model

#: Rows per COPY write (bounds the size of the text built at once).
COPY_CHUNK = 500


def store(common: dict[str, Any], entries: Sequence[Entry], using: str) -> None:
    """Insert one row per entry in the caller's transaction (a savepoint when one is open)."""
    model = outbox_model()
    connection = connections[using]
    columns = ["id", "body", "recipients", *common]
    fields: dict[str, Field[Any, Any]] = {
        name: field for name in columns if isinstance(field := model._meta.get_field(name), Field)
    }
    shared = [fields[name].get_db_prep_save(value, connection) for name, value in common.items()]
    join = RECIPIENT_SEPARATOR.join
    rows = [(entry.key, entry.body, join(entry.recipients)) for entry in entries]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(fields[name].get_attname_column()[1] or name) for name in columns)
    # like bulk_create: no savepoint of its own (a failure spoils the caller's transaction)
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):
            _copy(cursor.cursor, f"COPY {table} ({names}) FROM STDIN", shared, rows)
        elif connection.vendor == "sqlite":
            _insert_select(cursor, connection, f"INSERT INTO {table} ({names})", shared, rows)
        else:
            key = fields["id"].get_db_prep_save  # 32 hex digits where UUIDs are not native
            values = [(key(row[0], connection), row[1], row[2], *shared) for row in rows]
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", values)


def _insert_select(
    cursor: Any, connection: Any, insert: str, shared: list[Any], rows: list[tuple[str, str, str]]
) -> None:
    """SQLite: `INSERT ... SELECT` from `VALUES (id, body, recipients), ...`, the shared
    values bound once per statement; the id is stored as 32 hex digits, like UUIDField."""
    limit = (connection.features.max_query_params - len(shared)) // 3
    constants = ", ".join(["%s"] * len(shared))
    select = f"SELECT replace(column1, '-', ''), column2, column3, {constants} FROM (VALUES "
    for start in range(0, len(rows), limit):
        chunk = rows[start : start + limit]
        sql = f"{insert} {select}{', '.join(['(%s, %s, %s)'] * len(chunk))})"
        cursor.execute(sql, [*shared, *chain.from_iterable(chunk)])


def _copy(raw_cursor: Any, sql: str, shared: list[Any], rows: list[tuple[str, str, str]]) -> None:
    """PostgreSQL: COPY's text format -- tab-separated, `\\N` for NULL, and backslash,
    tab, newline and carriage return escaped (an id never needs escaping)."""
    tail = "\t".join(map(copy_text, shared))
    with raw_cursor.copy(sql) as copy:
        for start in range(0, len(rows), COPY_CHUNK):
            copy.write(
                "".join(
                    [
                        f"{key}\t{_escape(body)}\t{_escape(recipients)}\t{tail}\n"
                        for key, body, recipients in rows[start : start + COPY_CHUNK]
                    ]
                )
            )


def copy_text(value: Any) -> str:
    """One value in COPY's text format (the types the shared columns hold)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()  # with its UTC offset when aware (USE_TZ)
    if isinstance(value, str):
        return _escape(value)
    raise TypeError(f"No COPY text format for {type(value).__name__}")


def _escape(text: str) -> str:
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text
