"""Bulk INSERT and UPDATE statements for log rows, close to the database driver.

This runs after every send and in every webhook call, so it skips the ORM's per-row
work: `bulk_create` builds a model instance per row and converts every field of every
row (most of what logging would cost a sender), and `bulk_update` builds a CASE
expression per row and field (seconds for a webhook call of 500 events). Here rows are
plain dicts; only the columns whose type needs it are converted (ids, times, JSON; a
value many rows share -- the run's time -- once), and:

* INSERT: one statement run for all rows with the driver's `executemany` (one prepared
  statement on SQLite, one pipeline on PostgreSQL); optionally skipping rows whose
  unique key is taken (`ON CONFLICT DO NOTHING`, `INSERT OR IGNORE`);
* UPDATE: `UPDATE t SET ... FROM (VALUES (...), ...) WHERE t.id = ...`, one statement
  per few hundred rows (PostgreSQL; SQLite >= 3.33), else one statement run per row.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, models
from django.db.models.constants import OnConflict

from .rows import Row

#: Field types whose Python values the database driver cannot take as they are.
_CONVERTED = (models.UUIDField, models.DateTimeField, models.JSONField, models.ForeignKey)
#: Rows per UPDATE ... FROM (VALUES ...) statement (fewer where parameters are limited).
UPDATE_ROWS = 500


def insert_rows(
    using: str, model: type[models.Model], rows: Sequence[Row], ignore_conflicts: bool = False
) -> None:
    """INSERT the rows (each a dict of every column but an auto id, in the same order)."""
    if not rows:
        return
    connection = connections[using]
    sql, preparers = _insert(using, model, tuple(rows[0]), ignore_conflicts)
    values = _values(connection, rows, preparers)
    with connection.cursor() as cursor:
        if len(values) == 1:  # e.g. send_mail: psycopg's executemany would open a pipeline
            cursor.execute(sql, values[0])
        else:
            cursor.executemany(sql, values)


def update_rows(using: str, model: type[models.Model], rows: Sequence[Row]) -> None:
    """Set each row's columns where the primary key is the row's "pk" (first key of every
    row; the other keys, the same in every row, are the columns to set)."""
    if not rows:
        return
    connection = connections[using]
    names = tuple(rows[0])
    assert names[0] == "pk"
    preparers = _preparers(model, (model._meta.pk.name, *names[1:]))
    values = _values(connection, rows, preparers)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = quote(column_of(model, model._meta.pk.name))
    columns = [quote(column_of(model, name)) for name in names[1:]]
    if not _can_update_from_values(connection):
        sets = ", ".join(f"{column} = %s" for column in columns)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE {pk} = %s", [[*row[1:], row[0]] for row in values]
            )
        return
    casts = _casts(connection, model, names)
    sets = ", ".join(
        f"{column} = {casts[i + 1].format(f'v.column{i + 2}')}" for i, column in enumerate(columns)
    )
    limit = connection.features.max_query_params or len(names) * UPDATE_ROWS
    per_statement = max(1, min(UPDATE_ROWS, limit // len(names)))
    row_marks = "(" + ", ".join(["%s"] * len(names)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(values), per_statement):
            part = values[start : start + per_statement]
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row_marks] * len(part))}) "
                f"AS v WHERE {table}.{pk} = {casts[0].format('v.column1')}",
                [value for row in part for value in row],
            )


def model_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A concrete field by name or attname ("message" or "message_id")."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def column_of(model: type[models.Model], name: str) -> str:
    """The column of a concrete field, by name or attname."""
    column = model_field(model, name).column
    assert column is not None
    return column


@functools.lru_cache(maxsize=64)
def _insert(
    using: str, model: type[models.Model], names: tuple[str, ...], ignore_conflicts: bool
) -> tuple[str, list[tuple[int, Any]]]:
    """The INSERT for these columns, and the fields whose values need converting (by
    position): built once per database and table."""
    ops = connections[using].ops
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    fields = [model_field(model, name) for name in names]
    columns = ", ".join(ops.quote_name(column_of(model, name)) for name in names)
    marks = ", ".join(["%s"] * len(names))
    sql = (
        f"{ops.insert_statement(on_conflict=on_conflict)} {ops.quote_name(model._meta.db_table)} "
        f"({columns}) VALUES ({marks}) "
        + ops.on_conflict_suffix_sql(fields, on_conflict, None, None)
    ).rstrip()
    return sql, _preparers(model, names)


@functools.lru_cache(maxsize=64)
def _preparers(model: type[models.Model], names: tuple[str, ...]) -> list[tuple[int, Any]]:
    preparers = []
    for i, name in enumerate(names):
        field = model_field(model, name)
        if isinstance(field, _CONVERTED):
            target = field.target_field if isinstance(field, models.ForeignKey) else field
            preparers.append((i, target))
    return preparers


def _values(connection: Any, rows: Sequence[Row], preparers: list[tuple[int, Any]]) -> list[Any]:
    converters = [(i, _converter(field, connection)) for i, field in preparers]
    values = []
    for row in rows:
        row_values = list(row.values())
        for i, convert in converters:
            row_values[i] = convert(row_values[i])
        values.append(row_values)
    return values


def _can_update_from_values(connection: Any) -> bool:
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 33)


def _casts(connection: Any, model: type[models.Model], names: tuple[str, ...]) -> list[str]:
    """Format strings typing each VALUES column: PostgreSQL types a VALUES list by its
    first row (a NULL there would make a text column); SQLite needs and wants none."""
    if connection.vendor != "postgresql":
        return ["{}"] * len(names)
    fields = [model._meta.pk if name == "pk" else model_field(model, name) for name in names]
    return [f"CAST({{}} AS {field.db_type(connection)})" for field in fields]


def _converter(field: Any, connection: Any) -> Callable[[Any], Any]:
    """How to prepare one column's values for the database, for one statement."""
    prepare = field.get_db_prep_save
    if isinstance(field, models.JSONField):  # mostly empty: {} metadata, [] attachments
        empties: tuple[Any, ...] = ({}, [])
        empty = {type(value): prepare(value, connection) for value in empties}
        return lambda value: empty[type(value)] if not value else prepare(value, connection)
    seen: dict[Any, Any] = {None: None}  # a run's rows share their times (and ids, for FKs)

    def convert(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            prepared = seen[value] = prepare(value, connection)
            return prepared

    return convert
