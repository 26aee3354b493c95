"""Paging the log's admin lists without counting a table of millions of rows.

Django's changelist counts every matching row (`COUNT(*)`) to number its pages, which
on PostgreSQL reads the whole table. Here an unfiltered list takes PostgreSQL's own
estimate of the table's size (`pg_class.reltuples`, kept by ANALYZE / autovacuum), and
a filtered or searched list counts no further than the pages it offers: at most
`MAX_PAGES` pages, so no page needs a deep OFFSET either. The changelist says when its
total is estimated or capped (`count_note`).
"""

from __future__ import annotations

from math import ceil
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

#: Pages a list offers (with 100 rows a page: the newest 10,000 matches).
MAX_PAGES = 100
#: Categories the category filter lists (more can still be filtered by URL: ?category=x).
MAX_CATEGORIES = 100


class LogPaginator(Paginator):
    """Pages of a log table: an estimated or capped count instead of a full COUNT(*)."""

    def __init__(self, object_list: Any, per_page: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        #: How many rows the pages may hold.
        self.limit = int(self.per_page) * MAX_PAGES
        #: The count is PostgreSQL's estimate of the whole table.
        self.estimated = False
        #: More rows match than the count says (it stops at `limit`).
        self.capped = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        if not queryset.query.has_filters():
            estimate = estimated_rows(queryset)
            if estimate is not None and estimate > self.limit:
                self.estimated = True
                return estimate
        found = queryset.order_by()[: self.limit + 1].count()
        if found > self.limit:
            self.capped = True
            return self.limit
        return found

    @cached_property
    def num_pages(self) -> int:
        if self.count == 0 and not self.allow_empty_first_page:
            return 0
        hits = max(1, self.count - self.orphans)
        return min(ceil(hits / int(self.per_page)), MAX_PAGES)

    def count_note(self, noun: str) -> str:
        """A line for the list's heading when the count is not exact ("" when it is)."""
        pages = f"the newest {self.limit:,} are listed: search or filter to find older ones"
        if self.estimated:
            return f"About {self.count:,} {noun} (PostgreSQL's estimate); {pages}."
        if self.capped:
            return f"More than {self.limit:,} {noun} match; {pages}."
        return ""


def estimated_rows(queryset: QuerySet[Any]) -> int | None:
    """PostgreSQL's estimate of the rows in the queryset's table (None: no estimate, or
    not PostgreSQL). Never analyzed tables say -1 (PostgreSQL 14+) or 0."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] and row[0] > 0 else None


class LogChangeList(ChangeList):
    """A changelist sorted only by the columns an index serves (`sortable_by`), also
    when the URL's `o=` parameter names another one."""

    def get_ordering_field(self, field_name: Any) -> Any:
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)


def distinct_values(model: type[Model], column: str, using: str, limit: int) -> list[str]:
    """The column's distinct values in order, at most `limit`: one index probe per value
    (a "loose index scan", as a recursive query), where SELECT DISTINCT would read every
    row. Needs an index that starts with the column."""
    connection = connections[using]
    table = connection.ops.quote_name(model._meta.db_table)
    name = connection.ops.quote_name(getattr(model._meta.get_field(column), "column", column))
    sql = (
        f"WITH RECURSIVE found(value, n) AS ("
        f" SELECT MIN({name}), 1 FROM {table}"
        f" UNION ALL"
        f" SELECT (SELECT MIN({name}) FROM {table} WHERE {name} > found.value), found.n + 1"
        f" FROM found WHERE found.value IS NOT NULL AND found.n < %s"
        f") SELECT value FROM found WHERE value IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit])
        return [str(row[0]) for row in cursor.fetchall()]


class CategoryFilter(admin.SimpleListFilter):
    """Mailtrap categories in use, read with `distinct_values` (the category index)."""

    title = "category"
    parameter_name = "category"
    empty_label = "(no category)"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        using = model_admin.log_database()
        values = distinct_values(model_admin.model, "category", using, MAX_CATEGORIES)
        return [(value, value or self.empty_label) for value in values]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset if value is None else queryset.filter(category=value)
