"""Filling PostgreSQL tables with millions of rows in seconds: the standard bulk load.

Maintaining a B-tree row by row (random UUIDs, emails) and checking a foreign key per
row is what makes a big INSERT slow; building each index once afterwards is several
times faster. So the tables' indexes and constraints are dropped, the rows inserted,
and every index and constraint re-created from its own definition (as PostgreSQL
reports it), all in one transaction: a failure leaves the tables as they were.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connections, transaction

#: Constraints backed by an index (primary keys, unique) and foreign keys.
_CONSTRAINTS = """
    SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
    FROM pg_constraint
    WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('p', 'u', 'f')
"""
#: Indexes of their own (not a constraint's).
_INDEXES = """
    SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid)
    FROM pg_index
    WHERE indrelid = ANY(%s::regclass[])
      AND NOT EXISTS (
        SELECT 1 FROM pg_constraint WHERE conindid = indexrelid AND contype IN ('p', 'u')
      )
"""


@contextmanager
def bulk_load(using: str, tables: Sequence[str]) -> Iterator[Any]:
    """A cursor for inserting into `tables` without their indexes and constraints; they
    are back (and checked) when the block ends, and the tables analyzed."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(_CONSTRAINTS, [list(tables)])
        constraints = cursor.fetchall()
        cursor.execute(_INDEXES, [list(tables)])
        indexes = cursor.fetchall()
        # foreign keys first (they depend on the primary keys), back last
        for table, name, _kind, _definition in sorted(constraints, key=lambda c: c[2] != "f"):
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        yield cursor
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for table, name, _kind, definition in sorted(constraints, key=lambda c: c[2] == "f"):
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
        for _name, definition in indexes:
            cursor.execute(definition)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {quote(table)}")
