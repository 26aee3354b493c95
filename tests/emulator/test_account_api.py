"""The account API over HTTP: accounts, domains, suppressions; auth and the account check.

Every body is checked against Mailtrap's OpenAPI documents with every documented property
required (`require_all=True`), and the objects must not carry undocumented ones.
Email logs are in test_email_logs.py.
"""

from __future__ import annotations

import pytest

from mailtrap_emulator import EmulatorServer

from .account_helpers import (
    ACCOUNT_ID,
    ACCOUNT_MANAGEMENT,
    EMAIL_SENDING,
    FORBIDDEN,
    NOT_FOUND,
    PREFIXES,
    UNAUTHORIZED,
    call,
    documented_properties,
    get,
    schema_errors,
    send_to,
    spec_path,
)
from .helpers import message, post, send
from .openapi_schema import assert_matches_spec

UNKNOWN_UUID = "0190a000-0000-7000-8000-000000000000"
#: (method, path under a prefix) of every account-scoped endpoint.
ENDPOINTS = [
    ("GET", "/domains"),
    ("GET", "/domains/1"),
    ("GET", "/email_logs"),
    ("GET", f"/email_logs/{UNKNOWN_UUID}"),
    ("GET", "/suppressions"),
    ("DELETE", f"/suppressions/{UNKNOWN_UUID}"),
]


@pytest.fixture(params=PREFIXES, ids=["current", "account-scoped"])
def prefix(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# -- accounts ---------------------------------------------------------------------------


def test_accounts_lists_the_emulators_one_account(emulator: EmulatorServer) -> None:
    response = get(emulator, "/api/accounts")
    assert response.status_code == 200
    body = assert_matches_spec(response, ACCOUNT_MANAGEMENT, require_all=True)
    assert body == [{"id": ACCOUNT_ID, "name": "Emulator", "access_levels": [1000]}]


def test_the_account_id_is_configurable() -> None:
    with EmulatorServer(account_id=4242) as server:
        assert get(server, "/api/accounts").json()[0]["id"] == 4242
        assert get(server, "/api/accounts/4242/domains").status_code == 200
        assert get(server, f"/api/accounts/{ACCOUNT_ID}/domains").status_code == 403


# -- authentication and the account check -------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("GET", ""), *ENDPOINTS])
def test_no_token_is_a_401(emulator: EmulatorServer, method: str, path: str) -> None:
    for full_path in [f"/api{path or '/accounts'}"] + ([f"{PREFIXES[1]}{path}"] if path else []):
        response = call(emulator, method, full_path, token=None)
        assert response.status_code == 401, full_path
        assert response.json() == UNAUTHORIZED
        name = ACCOUNT_MANAGEMENT if not path else EMAIL_SENDING
        assert_matches_spec(response, name, path=spec_path(full_path), require_all=True)


def test_a_token_not_configured_is_a_401() -> None:
    with EmulatorServer(tokens=["good-token"]) as server:
        assert get(server, "/api/domains", token="bad-token").json() == UNAUTHORIZED
        assert get(server, "/api/domains", token="good-token").status_code == 200
        assert get(server, "/api/accounts", token="bad-token").status_code == 401


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_another_account_id_is_forbidden(emulator: EmulatorServer, method: str, path: str) -> None:
    response = call(emulator, method, f"/api/accounts/{ACCOUNT_ID + 1}{path}")
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert schema_errors(EMAIL_SENDING, "Forbidden", response.json()) == []
    # ... but the token is checked first
    unauthenticated = call(emulator, method, f"/api/accounts/{ACCOUNT_ID + 1}{path}", token=None)
    assert unauthenticated.status_code == 401


def test_a_non_numeric_account_id_is_not_found(emulator: EmulatorServer) -> None:
    response = get(emulator, "/api/accounts/me/domains")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# -- domains --------------------------------------------------------------------------------


def _domains(server: EmulatorServer, prefix: str = "/api") -> list[tuple[int, str, bool]]:
    response = get(server, f"{prefix}/domains")
    assert response.status_code == 200
    body = assert_matches_spec(response, EMAIL_SENDING, path="/api/domains", require_all=True)
    for domain in body["data"]:
        assert set(domain) == documented_properties(EMAIL_SENDING, "Domain")
    return [(d["id"], d["domain_name"], d["dns_verified"]) for d in body["data"]]


def test_by_default_an_example_domain_in_each_state(emulator: EmulatorServer, prefix: str) -> None:
    assert _domains(emulator, prefix) == [
        (1, "emulator-verified.example", True),
        (2, "emulator-unverified.example", False),
    ]


def test_verification_fields_follow_the_state(emulator: EmulatorServer) -> None:
    verified, unverified = get(emulator, "/api/domains").json()["data"]
    assert verified["compliance_status"] == "compliant"
    assert verified["dns_verified_at"].endswith("Z")
    assert {record["status"] for record in verified["dns_records"]} == {"pass"}
    assert unverified["compliance_status"] == "unverified_dns"
    assert unverified["dns_verified_at"] is None
    assert {record["status"] for record in unverified["dns_records"]} == {"missing"}
    spf = next(r for r in unverified["dns_records"] if r["key"] == "spf")
    assert (spf["domain"], spf["name"], spf["type"]) == ("emulator-unverified.example", "", "TXT")


def test_get_one_domain(emulator: EmulatorServer, prefix: str) -> None:
    listed = get(emulator, "/api/domains").json()["data"]
    for domain in listed:
        response = get(emulator, f"{prefix}/domains/{domain['id']}")
        assert response.status_code == 200
        body = assert_matches_spec(
            response, EMAIL_SENDING, path="/api/domains/{domain_id}", require_all=True
        )
        assert body == domain  # the Domain itself, not wrapped in "data"


def test_unknown_domain_is_a_404(emulator: EmulatorServer, prefix: str) -> None:
    response = get(emulator, f"{prefix}/domains/99")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert_matches_spec(response, EMAIL_SENDING, path="/api/domains/{domain_id}")


def test_sender_domains_are_listed_as_verified(emulator: EmulatorServer) -> None:
    send_to(emulator, "ana@example.org")  # from orders@shop.example
    send(emulator, message(**{"from": {"email": "news@Brand.example"}}), path="/bulk/api/send")
    send(emulator, message(), path="/api/send/250")  # sandbox: no sending domain
    assert _domains(emulator)[2:] == [(3, "shop.example", True), (4, "brand.example", True)]


def test_sending_from_the_unverified_example_still_works(emulator: EmulatorServer) -> None:
    body = message(**{"from": {"email": "x@emulator-unverified.example"}})
    assert post(emulator, "/api/send", body).status_code == 200
    assert _domains(emulator) == [
        (1, "emulator-verified.example", True),
        (2, "emulator-unverified.example", False),
    ]


def test_configured_sending_domains_replace_the_verified_example() -> None:
    with EmulatorServer(sending_domains=["shop.example", "Brand.example"]) as server:
        assert _domains(server) == [
            (2, "emulator-unverified.example", False),
            (3, "shop.example", True),
            (4, "brand.example", True),
        ]
        # sending still follows sending_domains alone
        unverified = message(**{"from": {"email": "x@emulator-unverified.example"}})
        assert post(server, "/api/send", unverified).status_code == 401


def test_example_domains_can_be_left_out() -> None:
    with EmulatorServer(example_domains=False) as server:
        assert _domains(server) == []
        send_to(server, "ana@example.org")
        assert _domains(server) == [(3, "shop.example", True)]


# -- suppressions ---------------------------------------------------------------------------


def _suppressions(server: EmulatorServer, prefix: str = "/api", **params: str) -> list[dict]:
    response = get(server, f"{prefix}/suppressions", params=params)
    assert response.status_code == 200, response.text
    body = assert_matches_spec(response, EMAIL_SENDING, path="/api/suppressions", require_all=True)
    for entry in body:
        assert set(entry) == documented_properties(EMAIL_SENDING, "Suppression")
    return list(body)


def test_bounces_complaints_and_unsubscribes_suppress(
    emulator: EmulatorServer, prefix: str
) -> None:
    ids = send_to(emulator, "a@example.org", "b@example.org", "c@example.org", "d@example.org")
    emulator.trigger_event(ids[0], "bounce")
    emulator.trigger_event(ids[1], "spam")
    emulator.trigger_event(ids[2], "unsubscribe")
    emulator.trigger_event(ids[3], "soft_bounce")
    emulator.trigger_event(ids[3], "open")
    found = _suppressions(emulator, prefix)
    assert [(s["email"], s["type"]) for s in found] == [
        ("a@example.org", "hard bounce"),
        ("b@example.org", "spam complaint"),
        ("c@example.org", "unsubscription"),
    ]
    bounce = found[0]
    assert bounce["sending_stream"] == "transactional"
    assert bounce["domain_name"] == "shop.example"
    assert bounce["message_bounce_category"] == "invalid_recipient"
    assert bounce["message_esp_response"].startswith("550 5.1.1")
    assert bounce["message_sender_email"] == "orders@shop.example"
    assert bounce["message_subject"] == "Order 4711 confirmed"
    assert bounce["message_recipient_mx_name"] == "mx.example.org"


def test_bulk_stream_suppression_and_no_duplicates(emulator: EmulatorServer) -> None:
    (message_id,) = send_to(emulator, "a@example.org", path="/bulk/api/send")
    emulator.trigger_event(message_id, "bounce")
    emulator.trigger_event(message_id, "bounce")
    assert [(s["email"], s["sending_stream"]) for s in _suppressions(emulator)] == [
        ("a@example.org", "bulk")
    ]


def test_sandbox_events_suppress_nothing(emulator: EmulatorServer) -> None:
    (message_id,) = send_to(emulator, "a@example.org", path="/api/send/250")
    emulator.trigger_event(message_id, "bounce")
    assert _suppressions(emulator) == []


def test_filter_by_email_ignores_case(emulator: EmulatorServer) -> None:
    ids = send_to(emulator, "Ana@Example.org", "bo@example.org")
    for message_id in ids:
        emulator.trigger_event(message_id, "bounce")
    assert [s["email"] for s in _suppressions(emulator, email="ana@EXAMPLE.org")] == [
        "Ana@Example.org"
    ]
    assert _suppressions(emulator, email="nobody@example.org") == []


def test_time_range_and_last_id_paging(emulator: EmulatorServer) -> None:
    assert emulator.emulator is not None
    first = emulator.emulator.add_suppression("one@example.org")
    second = emulator.emulator.add_suppression("two@example.org")
    third = emulator.emulator.add_suppression("three@example.org")
    emails = [s["email"] for s in _suppressions(emulator)]
    assert emails == ["one@example.org", "two@example.org", "three@example.org"]
    after_first = _suppressions(emulator, last_id=first["id"])
    assert [s["id"] for s in after_first] == [second["id"], third["id"]]
    assert _suppressions(emulator, last_id=third["id"]) == []
    assert len(_suppressions(emulator, start_time="2000-01-01T00:00:00Z")) == 3
    assert _suppressions(emulator, end_time="2000-01-01T00:00:00Z") == []
    exact = _suppressions(emulator, start_time=second["created_at"], end_time=second["created_at"])
    assert second["id"] in [s["id"] for s in exact]
    assert {s["created_at"] for s in exact} == {second["created_at"]}


def test_a_time_that_does_not_parse_is_a_400(emulator: EmulatorServer) -> None:
    response = get(emulator, "/api/suppressions", params={"start_time": "yesterday"})
    assert (response.status_code, response.json()) == (400, {"error": "Bad Request"})
    assert_matches_spec(response, EMAIL_SENDING, path="/api/suppressions")


def test_delete_answers_the_deleted_suppression(emulator: EmulatorServer, prefix: str) -> None:
    assert emulator.emulator is not None
    entry = emulator.emulator.add_suppression("gone@example.org", sending_stream="bulk")
    response = call(emulator, "DELETE", f"{prefix}/suppressions/{entry['id']}")
    assert response.status_code == 200
    body = assert_matches_spec(
        response, EMAIL_SENDING, path="/api/suppressions/{suppression_id}", require_all=True
    )
    assert body == entry
    assert _suppressions(emulator) == []
    again = call(emulator, "DELETE", f"{prefix}/suppressions/{entry['id']}")
    assert (again.status_code, again.json()) == (404, NOT_FOUND)
    assert_matches_spec(again, EMAIL_SENDING, path="/api/suppressions/{suppression_id}")


def test_add_through_the_control_api(emulator: EmulatorServer) -> None:
    response = post(
        emulator,
        "/_emulator/suppressions",
        {"email": "x@example.org", "type": "unsubscription", "sending_stream": "transactional"},
        token=None,
    )
    assert response.status_code == 200
    added = response.json()["suppression"]
    assert (added["type"], added["sending_stream"], added["domain_name"]) == (
        "unsubscription",
        "transactional",
        None,
    )
    assert _suppressions(emulator) == [added]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "not-an-address"},
        {"email": "x@example.org", "type": "whim"},
        {"email": "x@example.org", "sending_stream": "sandbox"},
        ["x@example.org"],
    ],
)
def test_control_api_refuses_invalid_suppressions(emulator: EmulatorServer, body: object) -> None:
    response = post(emulator, "/_emulator/suppressions", body, token=None)
    assert response.status_code == 400
    assert "error" in response.json()
    assert _suppressions(emulator) == []


def test_python_api_defaults_to_a_manual_import_for_any_stream(emulator: EmulatorServer) -> None:
    assert emulator.emulator is not None
    entry = emulator.emulator.add_suppression("x@example.org", domain_name="shop.example")
    assert (entry["type"], entry["sending_stream"], entry["domain_name"]) == (
        "manual import",
        "any",
        "shop.example",
    )
    assert emulator.emulator.add_suppression("X@example.org", domain_name="shop.example") == entry
    with pytest.raises(ValueError, match="type"):
        emulator.emulator.add_suppression("x@example.org", type="whim")


def test_reset_forgets_suppressions(emulator: EmulatorServer) -> None:
    assert emulator.emulator is not None
    emulator.emulator.add_suppression("x@example.org")
    emulator.reset()
    assert _suppressions(emulator) == []


def test_suppressed_addresses_still_get_mail(emulator: EmulatorServer) -> None:
    assert emulator.emulator is not None
    emulator.emulator.add_suppression("ana@example.org")
    (message_id,) = send_to(emulator, "ana@example.org")
    events = emulator.message(message_id)["events"]  # type: ignore[index]
    assert [event["event"] for event in events] == ["delivery"]
