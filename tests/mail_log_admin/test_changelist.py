"""The sent-message list: columns, search, filters, paging without a full count, and a
fixed number of queries per page (SQLite here; test_large_table.py on PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from anymail.mail_log import admin_pages
from anymail.mail_log.admin_pages import LogPaginator, distinct_values
from anymail.mail_log.models import SentMessage

from .conftest import MESSAGES_URL

pytestmark = pytest.mark.django_db


def rows(response: Any) -> list[SentMessage]:
    """The listed messages, in the list's order."""
    return list(response.context["cl"].result_list)


def subjects(response: Any) -> list[str]:
    return [message.subject for message in rows(response)]


def test_lists_newest_first_with_its_columns(
    admin_client: Client, make_message: Callable[..., SentMessage]
) -> None:
    make_message(subject="First", minutes=1)
    make_message(
        subject="Second",
        minutes=2,
        to=("ana@example.org", "bo@example.org"),
        cc=("cy@example.org",),
        category="orders",
        stream="bulk",
        status="bounced",
    )
    response = admin_client.get(MESSAGES_URL)
    assert response.status_code == 200
    assert subjects(response) == ["Second", "First"]
    html = response.content.decode()
    headers = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', html)
    assert headers == [
        "created",
        "accepted",
        "subject",
        "sender",
        "recipients",
        "status",
        "category",
        "stream",
    ]
    first_row = html[html.index('<tr><th class="field-created') :].split("</tr>")[0]
    assert '<td class="field-recipients">ana@example.org +2</td>' in first_row
    assert '<td class="field-status">Bounced</td>' in first_row
    assert '<td class="field-category">orders</td>' in first_row
    assert '<td class="field-stream">Bulk</td>' in first_row
    assert '<td class="field-sender">Shop &lt;shop@example.com&gt;</td>' in first_row
    assert "2026-11-30 09:02:00</a></th>" in first_row


def test_no_add_no_bulk_actions(admin_client: Client, make_message: Callable[..., Any]) -> None:
    make_message()
    response = admin_client.get(MESSAGES_URL)
    assert response.context["has_add_permission"] is False
    assert response.context["cl"].model_admin.get_actions(response.wsgi_request) == {}
    assert 'name="action"' not in response.content.decode()
    assert admin_client.get(MESSAGES_URL + "add/").status_code == 403


# -- search -----------------------------------------------------------------------------------


@pytest.fixture
def three(make_message: Callable[..., SentMessage]) -> dict[str, SentMessage]:
    return {
        "reset": make_message(subject="Reset your password", to=("ana@example.org",), minutes=1),
        "order": make_message(
            subject="Order 4711 confirmed",
            to=("bo@example.org",),
            cc=("Ana@Example.org",),
            minutes=2,
        ),
        "welcome": make_message(subject="Welcome Cy", to=("cy@example.org",), minutes=3),
    }


def search(client: Client, term: str) -> list[str]:
    response = client.get(MESSAGES_URL, {"q": term})
    assert response.status_code == 200
    return subjects(response)


@pytest.mark.parametrize("term", ["ana@example.org", "ANA@example.ORG", "Ana <ana@example.org>"])
def test_search_by_recipient_address_any_case_any_kind(
    admin_client: Client, three: dict[str, SentMessage], term: str
) -> None:
    assert search(admin_client, term) == ["Order 4711 confirmed", "Reset your password"]


def test_search_by_address_is_exact_not_a_substring(
    admin_client: Client, three: dict[str, SentMessage]
) -> None:
    assert search(admin_client, "@example.org") == []
    assert search(admin_client, "na@example.org") == []
    assert search(admin_client, "shop@example.com") == []  # the sender is not a recipient


def test_search_by_the_projects_message_id(
    admin_client: Client, three: dict[str, SentMessage]
) -> None:
    assert search(admin_client, str(three["order"].pk)) == ["Order 4711 confirmed"]
    assert search(admin_client, str(three["order"].pk).upper()) == ["Order 4711 confirmed"]


def test_search_by_mailtrap_message_id_of_any_recipient(
    admin_client: Client, three: dict[str, SentMessage]
) -> None:
    cc = three["order"].recipients.get(kind="cc")
    assert search(admin_client, str(cc.mailtrap_message_id)) == ["Order 4711 confirmed"]
    assert search(admin_client, " " + str(cc.mailtrap_message_id) + " ") == ["Order 4711 confirmed"]


def test_search_unknown_id_finds_nothing(
    admin_client: Client, three: dict[str, SentMessage]
) -> None:
    assert search(admin_client, "3f9c0a52-6b1e-11f1-9a4c-0a58a9feac02") == []


def test_search_by_subject_prefix_any_case(
    admin_client: Client, three: dict[str, SentMessage]
) -> None:
    assert search(admin_client, "order 47") == ["Order 4711 confirmed"]
    assert search(admin_client, "RESET") == ["Reset your password"]
    assert search(admin_client, "password") == []  # prefix, not substring
    assert search(admin_client, "  ") == [
        "Welcome Cy",
        "Order 4711 confirmed",
        "Reset your password",
    ]


def test_search_help_explains_the_rules(admin_client: Client, make_message: Any) -> None:
    make_message()
    html = admin_client.get(MESSAGES_URL).content.decode()
    assert "An email address finds messages to that recipient" in html
    assert "subjects that start with it" in html


# -- filters ----------------------------------------------------------------------------------


@pytest.fixture
def mixed(make_message: Callable[..., SentMessage]) -> None:
    make_message(subject="a", status="delivered", category="welcome", minutes=1)
    make_message(subject="b", status="bounced", category="orders", stream="bulk", minutes=2)
    make_message(subject="c", status="bounced", category="", minutes=3)
    make_message(subject="d", status="opened", category="orders", minutes=60 * 24 * 400)


def filtered(client: Client, **params: str) -> list[str]:
    response = client.get(MESSAGES_URL, params)
    assert response.status_code == 200
    assert "?e=1" not in response.get("Location", "")
    return subjects(response)


def test_filter_by_status(admin_client: Client, mixed: None) -> None:
    assert filtered(admin_client, status__exact="bounced") == ["c", "b"]
    assert filtered(admin_client, status__exact="opened") == ["d"]


def test_filter_by_category_lists_the_categories_in_use(admin_client: Client, mixed: None) -> None:
    response = admin_client.get(MESSAGES_URL)
    (spec,) = [s for s in response.context["cl"].filter_specs if s.title == "category"]
    assert spec.lookup_choices == [
        ("", "(no category)"),
        ("orders", "orders"),
        ("welcome", "welcome"),
    ]
    assert filtered(admin_client, category="orders") == ["d", "b"]
    assert filtered(admin_client, category="") == ["c"]


def test_filter_by_stream(admin_client: Client, mixed: None) -> None:
    assert filtered(admin_client, stream__exact="bulk") == ["b"]


def test_filter_by_date(admin_client: Client, mixed: None) -> None:
    # DateFieldListFilter's parameters (its choices, e.g. "Past 7 days", set them)
    day = {
        "created_at__gte": "2026-11-30 00:00:00+00:00",
        "created_at__lt": "2026-12-01 00:00:00+00:00",
    }
    assert filtered(admin_client, **day) == ["c", "b", "a"]
    assert filtered(admin_client, created_at__gte="2027-01-01 00:00:00+00:00") == ["d"]
    # plain dates work too (as docs/message-log.md says), in TIME_ZONE; Django warns
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        assert filtered(
            admin_client, created_at__gte="2026-11-30", created_at__lt="2026-12-01"
        ) == ["c", "b", "a"]
    html = admin_client.get(MESSAGES_URL).content.decode()
    assert "Past 7 days" in html and "This month" in html


def test_filters_combine_with_search(admin_client: Client, mixed: None) -> None:
    assert filtered(admin_client, status__exact="bounced", q="b") == ["b"]


def test_distinct_values_walks_the_index_and_stops_at_the_limit(mixed: None) -> None:
    assert distinct_values(SentMessage, "category", "default", 100) == ["", "orders", "welcome"]
    assert distinct_values(SentMessage, "category", "default", 2) == ["", "orders"]
    assert distinct_values(SentMessage, "status", "default", 100) == [
        "bounced",
        "delivered",
        "opened",
    ]


# -- paging and sorting -----------------------------------------------------------------------


def test_count_stops_at_the_pages_offered(
    admin_client: Client, make_message: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin_pages, "MAX_PAGES", 2)
    for minute in range(5):
        make_message(subject=f"m{minute}", minutes=minute)
    admin = SentMessage.objects.all()
    paginator = LogPaginator(admin.order_by("-created_at"), 2)
    assert (paginator.count, paginator.num_pages, paginator.capped) == (4, 2, True)
    assert paginator.count_note("messages") == (
        "More than 4 messages match; the newest 4 are listed: search or filter to find older ones."
    )
    exact = LogPaginator(admin.filter(subject__in=["m1", "m2"]).order_by("-created_at"), 2)
    assert (exact.count, exact.num_pages, exact.count_note("messages")) == (2, 1, "")


def test_capped_list_says_so_and_refuses_pages_beyond(
    admin_client: Client, make_message: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin_pages, "MAX_PAGES", 2)
    monkeypatch.setattr("anymail.mail_log.admin.SentMessageAdmin.list_per_page", 2)
    for minute in range(5):
        make_message(subject=f"m{minute}", minutes=minute)
    response = admin_client.get(MESSAGES_URL)
    assert subjects(response) == ["m4", "m3"]
    assert "More than 4 messages match" in response.content.decode()
    assert subjects(admin_client.get(MESSAGES_URL, {"p": "2"})) == ["m2", "m1"]
    beyond = admin_client.get(MESSAGES_URL, {"p": "3"})
    assert beyond.status_code == 302 and beyond["Location"].endswith("?e=1")


def test_only_the_time_column_sorts(admin_client: Client, make_message: Any) -> None:
    make_message(subject="b", minutes=1)
    make_message(subject="a", minutes=2)
    make_message(subject="c", minutes=3)
    assert subjects(admin_client.get(MESSAGES_URL, {"o": "0"})) == ["b", "a", "c"]  # created_at
    assert subjects(admin_client.get(MESSAGES_URL, {"o": "2"})) == ["c", "a", "b"]  # subject: no
    html = admin_client.get(MESSAGES_URL).content.decode()
    assert re.findall(r'class="sortable[^"]*column-(\w+)', html) == ["created"]


def test_queries_per_page_do_not_grow_with_the_rows(
    admin_client: Client, make_message: Callable[..., Any]
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(MESSAGES_URL).status_code == 200
        return len(captured)

    make_message(cc=("bo@example.org",))
    few = queries()
    for minute in range(40):
        make_message(minutes=minute, to=("ana@example.org", f"x{minute}@example.org"))
    assert queries() == few
    # session, user, category choices, count, page, recipients of the page
    assert few <= 6
