"""Email Logs over HTTP: entries, events, status, filters, paging and the raw message URL.

Bodies are checked against Mailtrap's OpenAPI document with every documented property
required, and the entries must not carry undocumented ones.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from mailtrap_emulator import EmulatorServer
from mailtrap_emulator.email_logs import signed_raw_path

from .account_helpers import (
    EMAIL_SENDING,
    NOT_FOUND,
    PREFIXES,
    documented_properties,
    get,
    send_to,
)
from .helpers import message, send
from .openapi_schema import assert_matches_spec, load_spec

LIST_ITEM_PROPERTIES = set(
    load_spec(EMAIL_SENDING)["components"]["schemas"]["EmailLogsListResponse"]["properties"][
        "messages"
    ]["items"]["properties"]
)


@pytest.fixture(params=PREFIXES, ids=["current", "account-scoped"])
def prefix(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def list_page(server: EmulatorServer, prefix: str = "/api", params: Any = None) -> Any:
    response = get(server, f"{prefix}/email_logs", params=params)
    assert response.status_code == 200, response.text
    body = assert_matches_spec(response, EMAIL_SENDING, path="/api/email_logs", require_all=True)
    for entry in body["messages"]:
        assert set(entry) == LIST_ITEM_PROPERTIES
    return body


def detail(server: EmulatorServer, message_id: str, prefix: str = "/api") -> Any:
    response = get(server, f"{prefix}/email_logs/{message_id}")
    assert response.status_code == 200, response.text
    body = assert_matches_spec(
        response, EMAIL_SENDING, path="/api/email_logs/{sending_message_id}", require_all=True
    )
    assert set(body) == documented_properties(EMAIL_SENDING, "SendingMessage")
    return body


def recipients(body: Any) -> list[str]:
    return [entry["to"] for entry in body["messages"]]


# -- entries -------------------------------------------------------------------------------


def test_one_entry_per_recipient_newest_first(emulator: EmulatorServer, prefix: str) -> None:
    first = send_to(emulator, "ana@example.org", "bo@example.org", category="orders")
    (bulk,) = send_to(emulator, "cy@example.org", path="/bulk/api/send")
    send_to(emulator, "sandboxed@example.org", path="/api/send/250")  # no log entry
    body = list_page(emulator, prefix)
    assert [e["message_id"] for e in body["messages"]] == [bulk, first[1], first[0]]
    assert body["total_count"] == 3
    assert body["next_page_cursor"] is None
    newest, _, oldest = body["messages"]
    assert (newest["sending_stream"], newest["to"], newest["category"]) == (
        "bulk",
        "cy@example.org",
        None,
    )
    assert oldest == {
        "message_id": first[0],
        "status": "delivered",
        "subject": "Order 4711 confirmed",
        "from": "orders@shop.example",
        "to": "ana@example.org",
        "sent_at": oldest["sent_at"],
        "client_ip": None,
        "category": "orders",
        "custom_variables": {},
        "sending_stream": "transactional",
        "domain_id": 3,  # shop.example, after the two example domains
        "template_id": None,
        "template_variables": {},
        "opens_count": 0,
        "clicks_count": 0,
    }
    assert oldest["sent_at"] == emulator.message(first[0])["created_at"]  # type: ignore[index]


def test_template_sends_have_no_subject_and_keep_their_variables(emulator: EmulatorServer) -> None:
    body = message(
        subject=None,
        text=None,
        template_uuid="5e4e7b6c-34d1-4f3f-9a7e-3f6f0c8ad3a1",
        template_variables={"user_name": "Ana"},
        custom_variables={"order_id": "4711"},
    )
    (message_id,) = send(emulator, body)["message_ids"]
    entry = detail(emulator, message_id)
    assert entry["subject"] is None
    assert entry["template_variables"] == {"user_name": "Ana"}
    assert entry["custom_variables"] == {"order_id": "4711"}


def test_get_has_events_counts_and_status(emulator: EmulatorServer, prefix: str) -> None:
    (message_id,) = send_to(emulator, "ana@example.org")
    emulator.trigger_event(message_id, "open")
    emulator.trigger_event(message_id, "open")
    emulator.trigger_event(message_id, "click", url="https://shop.example/orders/4711")
    body = detail(emulator, message_id, prefix)
    assert (body["opens_count"], body["clicks_count"], body["status"]) == (2, 1, "delivered")
    assert [e["event_type"] for e in body["events"]] == ["delivery", "open", "open", "click"]
    assert body["events"][3]["details"] == {
        "click_url": "https://shop.example/orders/4711",
        "web_ip_address": "203.0.113.10",
    }
    assert body["events"][0]["details"] == {
        "sending_ip": "192.0.2.1",
        "recipient_mx": "mx.example.org",
        "email_service_provider": None,
    }
    for event in body["events"]:
        assert time.strptime(event["created_at"], "%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("event", "event_type", "details"),
    [
        ("open", "open", {"web_ip_address": "203.0.113.10"}),
        ("unsubscribe", "unsubscribe", {"web_ip_address": "203.0.113.10"}),
        ("spam", "spam", {"spam_feedback_type": "abuse"}),
        (
            "soft_bounce",
            "soft_bounce",
            {
                "sending_ip": "192.0.2.1",
                "recipient_mx": "mx.example.org",
                "email_service_provider": None,
                "email_service_provider_status": "4.7.1",
                "email_service_provider_response": "451 4.7.1 Try again later",
                "bounce_category": "greylisting",
            },
        ),
        ("bounce", "bounce", {"email_service_provider_status": "5.1.1"}),
        (
            "reject",
            "reject",
            {"reject_reason": "Recipient is on the suppression list (hard bounce)."},
        ),
        (
            "suspension",
            "suspension",
            {"reject_reason": "Your account has reached its daily sending limit."},
        ),
    ],
)
def test_event_types_and_details(
    emulator: EmulatorServer, event: str, event_type: str, details: dict[str, Any]
) -> None:
    (message_id,) = send_to(emulator, "ana@example.org")
    emulator.trigger_event(message_id, event)
    logged = detail(emulator, message_id)["events"][-1]
    assert logged["event_type"] == event_type
    assert details.items() <= logged["details"].items()


@pytest.mark.parametrize(
    ("events", "status"),
    [
        ((), "delivered"),
        (("open", "click"), "delivered"),
        (("soft_bounce",), "enqueued"),
        (("soft_bounce", "delivery"), "delivered"),
        (("bounce",), "not_delivered"),
        (("reject",), "not_delivered"),
        (("suspension",), "not_delivered"),
        (("unsubscribe",), "opted_out"),
        (("open", "spam"), "opted_out"),
        (("bounce", "spam"), "not_delivered"),
    ],
)
def test_status_follows_the_events(
    emulator: EmulatorServer, events: tuple[str, ...], status: str
) -> None:
    (message_id,) = send_to(emulator, "ana@example.org")
    for event in events:
        emulator.trigger_event(message_id, event)
    assert detail(emulator, message_id)["status"] == status
    assert list_page(emulator)["messages"][0]["status"] == status


def test_events_of_one_recipient_only(emulator: EmulatorServer) -> None:
    ana, bo = send_to(emulator, "ana@example.org", "bo@example.org")
    emulator.trigger_event(bo, "bounce")
    assert [e["event_type"] for e in detail(emulator, ana)["events"]] == ["delivery"]
    assert detail(emulator, bo)["status"] == "not_delivered"


@pytest.mark.parametrize(
    "message_id",
    ["6b0f5c53-8d1c-4d0e-9a57-2d0c0b8f7a11", "not-a-uuid", "1"],
)
def test_unknown_message_is_a_404(emulator: EmulatorServer, prefix: str, message_id: str) -> None:
    response = get(emulator, f"{prefix}/email_logs/{message_id}")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert_matches_spec(response, EMAIL_SENDING, path="/api/email_logs/{sending_message_id}")


def test_sandbox_messages_are_not_logged(emulator: EmulatorServer) -> None:
    (message_id,) = send_to(emulator, "ana@example.org", path="/api/send/250")
    assert get(emulator, f"/api/email_logs/{message_id}").status_code == 404
    assert list_page(emulator)["total_count"] == 0


# -- raw message URL -------------------------------------------------------------------------


def test_raw_message_url_serves_the_message_without_a_token(
    emulator: EmulatorServer, prefix: str
) -> None:
    (message_id,) = send_to(emulator, "ana@example.org")
    url = detail(emulator, message_id, prefix)["raw_message_url"]
    assert url.startswith(emulator.url + "/")
    raw = requests.get(url, timeout=10)
    assert raw.status_code == 200
    assert raw.headers["content-type"].startswith("message/rfc822")
    expected = requests.get(f"{emulator.url}/_emulator/messages/{message_id}/raw", timeout=10)
    assert raw.content == expected.content
    assert b"Subject: Order 4711 confirmed" in raw.content


def test_raw_message_url_refuses_a_second_credential(emulator: EmulatorServer) -> None:
    (message_id,) = send_to(emulator, "ana@example.org")
    url = detail(emulator, message_id)["raw_message_url"]
    response = requests.get(url, headers={"Authorization": "Bearer test-token"}, timeout=10)
    assert response.status_code == 400
    assert b"InvalidArgument" in response.content


def test_raw_message_url_must_be_signed_and_fresh(emulator: EmulatorServer) -> None:
    (message_id,) = send_to(emulator, "ana@example.org")
    url = detail(emulator, message_id)["raw_message_url"]
    tampered = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
    assert requests.get(tampered, timeout=10).status_code == 403
    unsigned = url.split("?")[0]
    assert requests.get(unsigned, timeout=10).status_code == 403
    (other_id,) = send_to(emulator, "bo@example.org")
    swapped = url.replace(message_id, other_id)  # a signature is for one message only
    assert requests.get(swapped, timeout=10).status_code == 403
    expired = emulator.url + signed_raw_path(message_id, issued_at=time.time() - 3601)
    response = requests.get(expired, timeout=10)
    assert response.status_code == 403
    assert b"expired" in response.content
    still_valid = emulator.url + signed_raw_path(message_id, issued_at=time.time() - 3500)
    assert requests.get(still_valid, timeout=10).status_code == 200
    assert urlsplit(url).query.startswith("X-Amz-Date=")


# -- filters ---------------------------------------------------------------------------------


@pytest.fixture
def logged(emulator: EmulatorServer) -> EmulatorServer:
    """ana (transactional, opened), Bo (bulk, bounced), cy (template: no subject)."""
    (ana,) = send_to(emulator, "ana@example.org", category="orders")
    (bo,) = send(
        emulator,
        message(
            **{"from": {"email": "news@brand.example"}},
            to=[{"email": "Bo@Example.net"}],
            subject="Newsletter: May",
            category="news",
        ),
        path="/bulk/api/send",
    )["message_ids"]
    send(
        emulator,
        message(
            to=[{"email": "cy@example.org"}],
            subject=None,
            text=None,
            template_uuid="5e4e7b6c-34d1-4f3f-9a7e-3f6f0c8ad3a1",
        ),
    )
    emulator.trigger_event(ana, "open")
    emulator.trigger_event(bo, "bounce")
    return emulator


def _filter(name: str, operator: str, value: Any = None) -> dict[str, Any]:
    params: dict[str, Any] = {f"filters[{name}][operator]": operator}
    if isinstance(value, list):
        params[f"filters[{name}][value][]"] = value
    elif value is not None:
        params[f"filters[{name}][value]"] = value
    return params


ALL = ["cy@example.org", "Bo@Example.net", "ana@example.org"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (_filter("to", "ci_equal", "bo@example.NET"), ["Bo@Example.net"]),
        (_filter("to", "ci_equal", ["ANA@example.org", "cy@example.org"]), [ALL[0], ALL[2]]),
        (_filter("to", "ci_not_equal", "bo@example.net"), [ALL[0], ALL[2]]),
        (_filter("to", "ci_contain", "EXAMPLE.ORG"), [ALL[0], ALL[2]]),
        (_filter("to", "ci_not_contain", "example.org"), ["Bo@Example.net"]),
        (_filter("from", "ci_equal", "NEWS@brand.example"), ["Bo@Example.net"]),
        (_filter("subject", "ci_contain", "newsletter"), ["Bo@Example.net"]),
        (_filter("subject", "ci_equal", "order 4711 CONFIRMED"), ["ana@example.org"]),
        (_filter("subject", "empty"), ["cy@example.org"]),
        (_filter("subject", "not_empty"), [ALL[1], ALL[2]]),
        (_filter("status", "equal", "not_delivered"), ["Bo@Example.net"]),
        (_filter("status", "not_equal", ["not_delivered", "opted_out"]), [ALL[0], ALL[2]]),
        (_filter("category", "equal", "orders"), ["ana@example.org"]),
        (_filter("category", "equal", "ORDERS"), []),  # equal is case-sensitive
        (_filter("category", "not_equal", "orders"), [ALL[0], ALL[1]]),
        (_filter("sending_stream", "equal", "bulk"), ["Bo@Example.net"]),
        (_filter("sending_stream", "not_equal", "bulk"), [ALL[0], ALL[2]]),
        (_filter("events", "include_event", "open"), ["ana@example.org"]),
        (_filter("events", "not_include_event", ["open", "bounce"]), ["cy@example.org"]),
        (_filter("opens_count", "greater_than", "0"), ["ana@example.org"]),
        (_filter("opens_count", "equal", "0"), [ALL[0], ALL[1]]),
        (_filter("clicks_count", "less_than", "1"), ALL),
        (_filter("domain_id", "equal", "4"), ["Bo@Example.net"]),  # brand.example
        (_filter("recipient_mx", "ci_equal", "mx.example.net"), ["Bo@Example.net"]),
        (_filter("email_service_provider_response", "ci_contain", "5.1.1"), ["Bo@Example.net"]),
        (_filter("sending_ip", "contain", "192.0.2"), ALL),
        (_filter("client_ip", "equal", "203.0.113.42"), []),
        # unknown filters, operators a field does not take, and bad values are ignored
        (_filter("planet", "equal", "mars"), ALL),
        (_filter("to", "equal", "nobody@example.org"), ALL),
        (_filter("opens_count", "greater_than", "many"), ALL),
        (_filter("to", "ci_equal"), ALL),
        ({"filters[sent_after]": "2000-01-01T00:00:00Z"}, ALL),
        ({"filters[sent_after]": "2999-01-01T00:00:00Z"}, []),
        ({"filters[sent_before]": "2000-01-01"}, []),
        ({"filters[sent_before]": "not a date"}, ALL),
        (
            {**_filter("to", "ci_contain", "example"), **_filter("status", "equal", "delivered")},
            [ALL[0], ALL[2]],
        ),
    ],
)
def test_filters(logged: EmulatorServer, params: dict[str, Any], expected: list[str]) -> None:
    body = list_page(logged, params=params)
    assert recipients(body) == expected
    assert body["total_count"] == len(expected)


def test_sent_after_and_before_bound_the_range(emulator: EmulatorServer, prefix: str) -> None:
    ids = [send_to(emulator, f"r{i}@example.org")[0] for i in range(3)]
    times = [detail(emulator, message_id)["sent_at"] for message_id in ids]
    middle = {"filters[sent_after]": times[1], "filters[sent_before]": times[1]}
    assert ids[1] in [e["message_id"] for e in list_page(emulator, prefix, middle)["messages"]]
    newer = list_page(emulator, prefix, {"filters[sent_after]": times[2]})
    assert all(e["sent_at"] >= times[2] for e in newer["messages"])
    older = list_page(emulator, prefix, {"filters[sent_before]": times[0]})
    assert all(e["sent_at"] <= times[0] for e in older["messages"])
    assert ids[0] in [e["message_id"] for e in older["messages"]]


# -- paging ----------------------------------------------------------------------------------


def _all_pages(server: EmulatorServer, prefix: str, params: dict[str, Any]) -> list[Any]:
    pages, query = [], dict(params)
    while True:
        page = list_page(server, prefix, query)
        pages.append(page)
        if page["next_page_cursor"] is None:
            return pages
        query = {**params, "search_after": page["next_page_cursor"]}


def test_pages_of_fifty_by_default(emulator: EmulatorServer, prefix: str) -> None:
    ids = send_to(emulator, *[f"r{i}@example.org" for i in range(60)])
    pages = _all_pages(emulator, prefix, {})
    assert [len(page["messages"]) for page in pages] == [50, 10]
    assert [page["total_count"] for page in pages] == [60, 60]
    assert pages[0]["next_page_cursor"] == pages[0]["messages"][-1]["message_id"]
    listed = [entry["message_id"] for page in pages for entry in page["messages"]]
    assert listed == list(reversed(ids))


def test_paging_a_filtered_list() -> None:
    with EmulatorServer(email_logs_page_size=2) as server:
        ids = send_to(server, *[f"r{i}@example.org" for i in range(5)], category="a")
        send_to(server, *[f"s{i}@example.org" for i in range(3)], category="b")
        for prefix in PREFIXES:
            pages = _all_pages(server, prefix, _filter("category", "equal", "a"))
            assert [len(page["messages"]) for page in pages] == [2, 2, 1]
            assert {page["total_count"] for page in pages} == {5}
            listed = [entry["message_id"] for page in pages for entry in page["messages"]]
            assert listed == list(reversed(ids))


def test_a_full_last_page_has_no_cursor() -> None:
    with EmulatorServer(email_logs_page_size=2) as server:
        send_to(server, "a@example.org", "b@example.org")
        assert list_page(server)["next_page_cursor"] is None


@pytest.mark.parametrize("cursor", ["not-a-uuid", "6b0f5c53-8d1c-4d0e-9a57-2d0c0b8f7a11"])
def test_a_cursor_that_names_no_entry_is_a_400(emulator: EmulatorServer, cursor: str) -> None:
    send_to(emulator, "ana@example.org")
    response = get(emulator, "/api/email_logs", params={"search_after": cursor})
    assert (response.status_code, response.json()) == (400, {"error": "Bad Request"})
    assert_matches_spec(response, EMAIL_SENDING, path="/api/email_logs")
