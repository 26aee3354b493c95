"""The admin on a log of 1,000,000 messages (1,200,000 recipients) in PostgreSQL: each
page in under a second, a fixed number of queries, and no search that reads a whole
table (EXPLAIN).

The rows are made by PostgreSQL itself (INSERT ... SELECT FROM generate_series) once
for the module, then ANALYZEd as autovacuum would. Skipped without PostgreSQL at
127.0.0.1:5432, failed instead under ANYMAIL_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from anymail.mail_log.admin_pages import MAX_PAGES
from anymail.mail_log.admin_render import recipient_summary
from anymail.mail_log.models import MessageEvent, Recipient, SentMessage
from tests.queue.services import (  # noqa: F401 - require_postgres: a fixture
    missing_service,
    postgres_marks,
    require_postgres,
)

from .bulk_load import bulk_load
from .conftest import EVENTS_URL, MESSAGES_URL

#: Filling the tables takes seconds, but on a busy machine more than the default timeout.
pytestmark = [*postgres_marks(transaction=False), pytest.mark.timeout(600), pytest.mark.heavy]

PG = "postgres"
MESSAGES = 1_000_000
#: Every message has one `to` recipient (250,000 addresses: 4 messages each); every 5th
#: also a `cc` (50,000 addresses).
TO_ADDRESSES, CC_EVERY, CC_ADDRESSES = 250_000, 5, 50_000
#: The message the searches look for (the i of generate_series).
TARGET = 777_777
SECOND = 1.0  # the time each page must take at most
BIG_TABLES = {SentMessage._meta.db_table, Recipient._meta.db_table}


@dataclass(frozen=True)
class BigLog:
    target_id: str  # the project's id of message TARGET
    target_mailtrap_id: str  # Mailtrap's id of its `to` recipient
    target_email: str
    seconds_to_fill: float


def fill_sql() -> list[str]:
    """Statements that make the rows (status, category, stream and subject vary with i)."""
    message_table = SentMessage._meta.db_table
    recipient_table = Recipient._meta.db_table
    event_table = MessageEvent._meta.db_table
    statuses = (
        "ARRAY['delivered','delivered','opened','opened','clicked','sent','bounced',"
        "'deferred','delivered','complained']"
    )
    created = "(TIMESTAMPTZ '2026-09-01 00:00:00+00' + i * INTERVAL '7 seconds')"
    status = f"(CASE WHEN i % 1000 = 0 THEN 'rejected' ELSE ({statuses})[1 + i % 10] END)"
    return [
        f"""INSERT INTO {message_table} (id, created_at, status, status_at, accepted_at,
            stream, mailer, from_email, subject, category, template_id, metadata, error,
            text_body, html_body, attachments)
        SELECT md5('m' || i)::uuid, {created}, {status}, {created}, {created},
            CASE WHEN i % 5 = 0 THEN 'bulk' ELSE 'transactional' END, '',
            'Shop <shop@example.com>',
            CASE i % 4 WHEN 0 THEN 'Order ' || i || ' confirmed'
                WHEN 1 THEN 'Reset your password' WHEN 2 THEN 'Welcome to the shop'
                ELSE 'Your invoice ' || i END,
            (ARRAY['orders','password-reset','welcome','invoices','newsletter',''])[1 + i % 6],
            '', '{{}}', '', '', '', '[]'
        FROM generate_series(1, {MESSAGES}) AS i""",
        f"""INSERT INTO {recipient_table} (message_id, kind, email, name,
            mailtrap_message_id, status, status_at)
        SELECT md5('m' || i)::uuid, 'to', 'user' || (i % {TO_ADDRESSES}) || '@example.org', '',
            md5('r' || i)::uuid::text, {status}, {created}
        FROM generate_series(1, {MESSAGES}) AS i
        UNION ALL
        SELECT md5('m' || i)::uuid, 'cc', 'cc' || (i % {CC_ADDRESSES}) || '@example.org', '',
            md5('c' || i)::uuid::text, 'delivered', {created}
        FROM generate_series({CC_EVERY}, {MESSAGES}, {CC_EVERY}) AS i""",
        # the target's recipient has a history; some events matched no message
        f"""INSERT INTO {event_table} (recipient_id, event_key, event_type, esp_event_type,
            timestamp, received_at, mailtrap_message_id, email, details, source)
        SELECT r.id, 'e' || n, (ARRAY['delivered','opened','clicked'])[1 + n % 3], '',
            r.status_at + n * INTERVAL '1 minute', now(), r.mailtrap_message_id, r.email,
            '{{"click_url": "https://shop.example/o"}}', 'webhook'
        FROM {recipient_table} r, generate_series(1, 30) AS n
        WHERE r.message_id = md5('m{TARGET}')::uuid""",
        f"""INSERT INTO {event_table} (recipient_id, event_key, event_type, esp_event_type,
            timestamp, received_at, mailtrap_message_id, email, details, source)
        SELECT NULL, 'u' || n, 'delivered', 'delivery', now(), now() - n * INTERVAL '1 second',
            md5('u' || n)::uuid::text, 'someone@example.org', '{{}}', 'webhook'
        FROM generate_series(1, 5000) AS n""",
    ]


@pytest.fixture(scope="module")
def big_log(django_db_setup: None, django_db_blocker: Any) -> Iterator[BigLog]:
    if PG not in django_settings.DATABASES:
        port = getattr(django_settings, "POSTGRES_PORT", 5432)
        missing_service(f"PostgreSQL is not reachable at 127.0.0.1:{port} (or psycopg is missing)")
    tables = [model._meta.db_table for model in (SentMessage, Recipient, MessageEvent)]
    with django_db_blocker.unblock():
        started = time.monotonic()
        with bulk_load(PG, tables) as cursor:
            for statement in fill_sql():
                cursor.execute(statement)
        filled = time.monotonic() - started
        print(f"\n{MESSAGES:,} messages logged in PostgreSQL in {filled:.1f} s")
        with connections[PG].cursor() as cursor:
            ids = [f"m{TARGET}", f"r{TARGET}"]
            cursor.execute("SELECT md5(%s)::uuid::text, md5(%s)::uuid::text", ids)
            target_id, mailtrap_id = cursor.fetchone()
        yield BigLog(target_id, mailtrap_id, f"user{TARGET % TO_ADDRESSES}@example.org", filled)
        with connections[PG].cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)}")


@pytest.fixture
def log_in_postgres(settings: Any, big_log: BigLog) -> BigLog:
    settings.ANYMAIL = {"MAIL_LOG_DATABASE": PG}
    return big_log


@dataclass
class Visit:
    response: Any
    seconds: float
    log_queries: list[str]  # SQL run on the log's database
    other_queries: int  # the session's and the user's, on the default database


def visit(client: Client, url: str, **params: str) -> Visit:
    with (
        CaptureQueriesContext(connections[PG]) as log_queries,
        CaptureQueriesContext(connections["default"]) as other,
    ):
        started = time.monotonic()
        response = client.get(url, params)
        seconds = time.monotonic() - started
    assert response.status_code == 200, response
    return Visit(response, seconds, [q["sql"] for q in log_queries], len(other))


@dataclass(frozen=True)
class Scan:
    node: str  # "Seq Scan", "Index Scan", ...
    table: str
    rows_read: int  # rows the node looked at, over all its loops


def scans(sql: str) -> list[Scan]:
    """How the query (run by EXPLAIN ANALYZE) read the big tables."""
    with connections[PG].cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        (plan,) = cursor.fetchone()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found: list[Scan] = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("Relation Name") in BIG_TABLES:
            per_loop = (
                node.get("Actual Rows", 0)
                + node.get("Rows Removed by Filter", 0)
                + node.get("Rows Removed by Index Recheck", 0)
            )
            rows = int(per_loop * node.get("Actual Loops", 1))
            found.append(Scan(node["Node Type"], node["Relation Name"], rows))
        for child in node.get("Plans", ()):
            walk(child)

    walk(plan[0]["Plan"])
    return found


def no_seq_scans(page: Visit) -> None:
    """Every query of the page found its rows through an index."""
    for sql in page.log_queries:
        assert [scan for scan in scans(sql) if scan.node == "Seq Scan"] == [], sql


def listed(page: Visit) -> list[Any]:
    return list(page.response.context["cl"].result_list)


def check_fast(page: Visit, max_log_queries: int) -> None:
    assert page.seconds < SECOND, f"{page.seconds:.3f} s: {page.log_queries}"
    assert len(page.log_queries) <= max_log_queries, page.log_queries
    # the session and the user (and the content type, the first time a page needs it)
    assert page.other_queries <= 3
    # No query reads a large part of a table (a capped count may scan until it has
    # its 10,001 rows: a tenth of the table for a status one message in ten has).
    for sql in page.log_queries:
        assert all(scan.rows_read < MESSAGES // 5 for scan in scans(sql)), (sql, scans(sql))
    url = page.response.wsgi_request.get_full_path()
    print(f"{page.seconds * 1000:5.0f} ms, {len(page.log_queries)} log queries: {url}")


def test_rows_are_made_by_the_database(log_in_postgres: BigLog) -> None:
    # seconds (10-20 on an idle 2-core machine); a row-by-row fill would take many minutes
    assert log_in_postgres.seconds_to_fill < 150
    assert SentMessage.objects.using(PG).count() == MESSAGES
    assert Recipient.objects.using(PG).count() == MESSAGES + MESSAGES // CC_EVERY
    assert SentMessage.objects.using(PG).filter(pk=log_in_postgres.target_id).exists()


def test_changelist(admin_client: Client, log_in_postgres: BigLog) -> None:
    page = visit(admin_client, MESSAGES_URL)
    # category choices, the table's estimated size, the page, its recipients
    check_fast(page, 4)
    rows = listed(page)
    assert len(rows) == 100
    assert rows[0].subject == "Order 1000000 confirmed"  # the newest
    assert all(recipient_summary(row).startswith("user") for row in rows)
    paginator = page.response.context["cl"].paginator
    assert paginator.estimated and 900_000 < paginator.count < 1_100_000
    assert paginator.num_pages == MAX_PAGES
    assert "(PostgreSQL&#x27;s estimate)" in page.response.content.decode()
    assert not any('COUNT(*) FROM "anymail_mail_log_sentmessage"' in q for q in page.log_queries)


def test_last_page(admin_client: Client, log_in_postgres: BigLog) -> None:
    check_fast(visit(admin_client, MESSAGES_URL, p=str(MAX_PAGES)), 4)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status__exact": "bounced"}, "bounced"),
        ({"status__exact": "rejected"}, "rejected"),  # rare: 1,000 rows
        ({"category": "welcome"}, "welcome"),
        ({"stream__exact": "bulk"}, "bulk"),
        ({"created_at__gte": "2026-10-01 00:00:00+00:00"}, None),
    ],
)
def test_filtered_changelist(
    admin_client: Client, log_in_postgres: BigLog, params: dict[str, str], expected: str | None
) -> None:
    page = visit(admin_client, MESSAGES_URL, **params)
    check_fast(page, 4)  # category choices, capped count, page, recipients
    rows = listed(page)
    assert rows
    if expected:
        assert {getattr(row, next(iter(params)).split("__")[0]) for row in rows} == {expected}


def test_search_by_recipient(admin_client: Client, log_in_postgres: BigLog) -> None:
    page = visit(admin_client, MESSAGES_URL, q=log_in_postgres.target_email.upper())
    check_fast(page, 4)
    assert len(listed(page)) == 4  # the address's four messages
    assert log_in_postgres.target_id in {str(row.pk) for row in listed(page)}
    no_seq_scans(page)


@pytest.mark.parametrize("which", ["project id", "Mailtrap id"])
def test_search_by_message_id(admin_client: Client, log_in_postgres: BigLog, which: str) -> None:
    term = (
        log_in_postgres.target_id if which == "project id" else log_in_postgres.target_mailtrap_id
    )
    page = visit(admin_client, MESSAGES_URL, q=term)
    check_fast(page, 5)  # + the recipients' Mailtrap ids
    assert [str(row.pk) for row in listed(page)] == [log_in_postgres.target_id]
    no_seq_scans(page)


def test_search_by_subject_prefix(admin_client: Client, log_in_postgres: BigLog) -> None:
    page = visit(admin_client, MESSAGES_URL, q=f"order {TARGET - 1}")  # i % 4 == 0: an order
    check_fast(page, 4)
    assert [row.subject for row in listed(page)] == [f"Order {TARGET - 1} confirmed"]
    no_seq_scans(page)


def test_search_combined_with_a_filter(admin_client: Client, log_in_postgres: BigLog) -> None:
    page = visit(admin_client, MESSAGES_URL, q="user16@example.org", status__exact="bounced")
    check_fast(page, 4)
    assert len(listed(page)) == 4
    assert all(row.status == "bounced" for row in listed(page))


def test_detail_page(admin_client: Client, log_in_postgres: BigLog) -> None:
    page = visit(admin_client, f"{MESSAGES_URL}{log_in_postgres.target_id}/change/")
    check_fast(page, 3)  # the message, its recipients, their events
    html = page.response.content.decode()
    assert log_in_postgres.target_email in html
    assert html.count("<time datetime=") == 30
    assert f"email_logs/{log_in_postgres.target_mailtrap_id}" in html
    no_seq_scans(page)


def test_unmatched_events(admin_client: Client, log_in_postgres: BigLog) -> None:
    page = visit(admin_client, EVENTS_URL)
    check_fast(page, 2)
    assert len(listed(page)) == 100
    assert all(row.recipient_id is None for row in listed(page))
