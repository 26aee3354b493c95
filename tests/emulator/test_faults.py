"""Fault injection: 429 with Retry-After, 5xx, dropped connections and latency."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
import requests

from mailtrap_emulator import EmulatorServer
from mailtrap_emulator.__main__ import build_parser, config_from_args
from mailtrap_emulator.faults import Faults, FaultSpecError, parse_rule

from .account_helpers import call
from .helpers import message, post


def statuses(emulator: EmulatorServer, count: int, path: str = "/api/send") -> list[int]:
    return [post(emulator, path, message()).status_code for _ in range(count)]


def test_429_every_nth_request_with_retry_after(emulator: EmulatorServer) -> None:
    emulator.set_faults("429:every=2:retry_after=7")
    responses = [post(emulator, "/api/send", message()) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 429, 200, 429]
    assert responses[1].headers["Retry-After"] == "7"
    assert responses[1].json() == {"success": False, "errors": ["Rate limit exceeded"]}


def test_500_with_probability_one_fails_every_request(emulator: EmulatorServer) -> None:
    emulator.set_faults({"kind": "500", "probability": 1.0})
    response = post(emulator, "/api/batch", {"requests": []})
    assert response.status_code == 500
    assert response.json() == {"success": False, "errors": ["Internal server error"]}


def test_probability_zero_never_fails(emulator: EmulatorServer) -> None:
    emulator.set_faults("503:p=0")
    assert statuses(emulator, 3) == [200, 200, 200]


def test_first_n_requests_fail_then_succeed(emulator: EmulatorServer) -> None:
    emulator.set_faults("500:first=2")
    assert statuses(emulator, 3) == [500, 500, 200]


def test_gateway_errors_come_with_an_html_body(emulator: EmulatorServer) -> None:
    emulator.set_faults("503")
    response = post(emulator, "/api/send", message())
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")


def test_dropped_connection_is_a_requests_connection_error(emulator: EmulatorServer) -> None:
    emulator.set_faults("drop:first=1")
    with pytest.raises(requests.exceptions.ConnectionError, match="RemoteDisconnected"):
        post(emulator, "/api/send", message())
    assert post(emulator, "/api/send", message()).status_code == 200
    assert emulator.messages() and len(emulator.messages()) == 1


def test_dropped_connection_on_a_kept_alive_session(emulator: EmulatorServer) -> None:
    emulator.set_faults("drop:every=2")
    with requests.Session() as session:
        url = f"{emulator.url}/api/send"
        headers = {"Api-Token": "t"}
        assert session.post(url, json=message(), headers=headers, timeout=10).status_code == 200
        with pytest.raises(requests.exceptions.ConnectionError):
            session.post(url, json=message(), headers=headers, timeout=10)
        assert session.post(url, json=message(), headers=headers, timeout=10).status_code == 200


def test_latency_delays_send_answers(emulator: EmulatorServer) -> None:
    emulator.set_faults(latency_ms=150)
    started = time.monotonic()
    assert post(emulator, "/api/send", message()).status_code == 200
    assert time.monotonic() - started >= 0.15


def test_faults_apply_only_to_send_and_batch(emulator: EmulatorServer) -> None:
    emulator.set_faults("500")
    assert requests.get(f"{emulator.url}/_emulator/stats", timeout=10).status_code == 200
    assert requests.get(f"{emulator.url}/", timeout=10).status_code == 200
    assert call(emulator, "GET", "/api/accounts").status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/accounts", "/api/email_logs", "/api/accounts/1001/webhooks", "/api/domains"]
)
def test_account_rules_fail_the_other_api_calls_and_leave_sends_alone(
    emulator: EmulatorServer, path: str
) -> None:
    emulator.set_faults("429:retry_after=3:on=account")
    refused = call(emulator, "GET", path)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3"
    assert statuses(emulator, 2) == [200, 200]
    assert requests.get(f"{emulator.url}/_emulator/stats", timeout=10).status_code == 200


def test_account_rules_count_only_account_calls(emulator: EmulatorServer) -> None:
    emulator.set_faults("500:every=2:on=account")
    assert statuses(emulator, 3) == [200, 200, 200]  # sends are not counted
    answers = [call(emulator, "GET", "/api/accounts").status_code for _ in range(4)]
    assert answers == [200, 500, 200, 500]


def test_an_account_call_can_be_dropped(emulator: EmulatorServer) -> None:
    emulator.set_faults("drop:first=1:on=account")
    with pytest.raises(requests.exceptions.ConnectionError):
        call(emulator, "GET", "/api/email_logs")
    assert call(emulator, "GET", "/api/email_logs").status_code == 200


def test_rules_on_all_fail_sends_and_account_calls(emulator: EmulatorServer) -> None:
    emulator.set_faults("503:on=all")
    assert statuses(emulator, 1) == [503]
    assert call(emulator, "GET", "/api/accounts").status_code == 503


def test_account_calls_do_not_shift_the_seeded_send_schedule(emulator: EmulatorServer) -> None:
    emulator.set_faults("500:p=0.5", "429:p=0.5:on=account", seed=7)
    alone = statuses(emulator, 12)
    emulator.set_faults("500:p=0.5", "429:p=0.5:on=account", seed=7)
    mixed = []
    for _ in range(12):
        call(emulator, "GET", "/api/accounts")
        mixed += statuses(emulator, 1)
    assert mixed == alone and 500 in alone and 200 in alone


def test_probabilities_add_up_per_kind_of_request() -> None:
    faults = Faults(rules=["500:p=0.9", "429:p=0.9:on=account"])  # 0.9 each: accepted
    assert [rule.as_dict() for rule in faults.rules] == [
        {"kind": "500", "probability": 0.9},
        {"kind": "429", "probability": 0.9, "retry_after": 1, "on": "account"},
    ]
    with pytest.raises(FaultSpecError, match=r"add up to 1\.8"):
        Faults(rules=["500:p=0.9", "429:p=0.9:on=all"])
    with pytest.raises(FaultSpecError, match="on must be"):
        parse_rule("500:on=webhooks")


def test_sandbox_and_bulk_paths_get_faults_too(emulator: EmulatorServer) -> None:
    emulator.set_faults("429")
    assert statuses(emulator, 1, "/api/send/77") == [429]
    assert statuses(emulator, 1, "/bulk/api/batch") == [429]


def test_control_endpoint_sets_and_clears_faults(emulator: EmulatorServer) -> None:
    url = f"{emulator.url}/_emulator/faults"
    response = requests.post(
        url, json={"latency_ms": 5, "faults": ["429:every=3", {"kind": "drop", "p": 0.5}]}
    )
    assert response.json() == {
        "latency_ms": 5,
        "faults": [
            {"kind": "429", "every": 3, "retry_after": 1},
            {"kind": "drop", "probability": 0.5},
        ],
        "seed": 0,
        "injected": 0,
    }
    assert requests.delete(url, timeout=10).json()["faults"] == []
    assert statuses(emulator, 3) == [200, 200, 200]


def test_control_endpoint_rejects_unknown_fault_kinds(emulator: EmulatorServer) -> None:
    response = requests.post(
        f"{emulator.url}/_emulator/faults", json={"faults": ["404"]}, timeout=10
    )
    assert response.status_code == 400
    assert "429, a 5xx status, 'drop' or 'drop_after_store'" in response.json()["error"]


def test_fault_spec_options_must_be_known() -> None:
    with pytest.raises(FaultSpecError):
        parse_rule("429:sometimes=2")


def test_injected_faults_are_counted_in_stats(emulator: EmulatorServer) -> None:
    emulator.set_faults("500:first=2")
    statuses(emulator, 3)
    stats = emulator.stats()
    assert stats["faults_injected"] == 2
    assert stats["requests"]["POST /api/send"] == 3


def test_startup_faults_come_back_after_reset() -> None:
    with EmulatorServer(faults=["429"], latency_ms=1) as server:
        server.clear_faults()
        assert statuses(server, 1) == [200]
        server.reset()
        assert statuses(server, 1) == [429]


# -- drop_after_store: the message is stored, the answer never comes -------------------


def outcome(emulator: EmulatorServer, path: str = "/api/send", body: Any = None) -> int | str:
    """The status code, or "dropped" when the connection closed without an answer."""
    try:
        return post(emulator, path, message() if body is None else body).status_code
    except requests.exceptions.ConnectionError:
        return "dropped"


def test_drop_after_store_stores_the_message_then_drops_the_connection(
    emulator: EmulatorServer,
) -> None:
    emulator.set_faults("drop_after_store:first=1")
    with pytest.raises(requests.exceptions.ConnectionError, match="RemoteDisconnected"):
        post(emulator, "/api/send", message(subject="Lost answer"))
    (stored,) = emulator.messages()
    assert stored["subject"] == "Lost answer"
    assert stored["stream"] == "transactional"
    assert [r["email"] for r in stored["recipients"]] == ["ana@example.org"]
    assert [e["event"] for e in stored["events"]] == ["delivery"]  # as for a successful send
    assert post(emulator, "/api/send", message()).status_code == 200
    assert len(emulator.messages()) == 2
    assert emulator.stats()["faults_injected"] == 1


def test_drop_after_store_stores_what_a_successful_send_stores(
    emulator: EmulatorServer,
) -> None:
    body = message(cc=[{"email": "cc@example.org"}], category="orders")
    assert post(emulator, "/api/send", body).status_code == 200
    emulator.set_faults("drop_after_store")
    assert outcome(emulator, body=body) == "dropped"
    dropped, answered = emulator.messages()
    for field in ("payload", "stream", "category", "subject", "from"):
        assert dropped[field] == answered[field]
    assert [(r["kind"], r["email"]) for r in dropped["recipients"]] == [
        (r["kind"], r["email"]) for r in answered["recipients"]
    ]


def test_drop_after_store_sends_no_response_bytes_at_all(emulator: EmulatorServer) -> None:
    emulator.set_faults("drop_after_store")
    body = (
        b'{"from": {"email": "orders@shop.example"}, "to": [{"email": "ana@example.org"}], '
        b'"subject": "Raw", "text": "Hi"}'
    )
    host, port = emulator.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /api/send HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
            b"Api-Token: t\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
    assert received == b""  # a clean close (EOF), no status line
    assert [m["subject"] for m in emulator.messages()] == ["Raw"]


@pytest.mark.parametrize(
    ("path", "stream", "inbox"),
    [
        ("/api/send", "transactional", None),
        ("/bulk/api/send", "bulk", None),
        ("/api/send/77", "sandbox", 77),
    ],
)
def test_drop_after_store_on_every_send_path(
    emulator: EmulatorServer, path: str, stream: str, inbox: int | None
) -> None:
    emulator.set_faults("drop_after_store")
    assert outcome(emulator, path) == "dropped"
    (stored,) = emulator.messages()
    assert (stored["stream"], stored["sandbox_inbox_id"]) == (stream, inbox)


@pytest.mark.parametrize("path", ["/api/batch", "/bulk/api/batch", "/api/batch/77"])
def test_drop_after_store_on_batches_stores_every_valid_entry(
    emulator: EmulatorServer, path: str
) -> None:
    emulator.set_faults("drop_after_store")
    batch = {
        "base": {"from": {"email": "orders@shop.example"}, "text": "Hi"},
        "requests": [
            {"to": [{"email": "ana@example.org"}], "subject": "One"},
            {"to": [{"email": "ben@example.org"}], "subject": "Two"},
            {"to": [{"email": "not an address"}], "subject": "Invalid"},
        ],
    }
    assert outcome(emulator, path, batch) == "dropped"
    assert sorted(m["subject"] for m in emulator.messages()) == ["One", "Two"]


def test_drop_after_store_of_a_refused_request_stores_nothing(emulator: EmulatorServer) -> None:
    emulator.set_faults("drop_after_store")
    with pytest.raises(requests.exceptions.ConnectionError):
        post(emulator, "/api/send", message(), token=None)  # 401, answered before the body
    with pytest.raises(requests.exceptions.ConnectionError):
        post(emulator, "/api/send", message(subject=None))  # 400
    assert emulator.messages() == []


def test_drop_before_and_after_store_differ_only_in_storing(emulator: EmulatorServer) -> None:
    emulator.set_faults("drop:first=1", "drop_after_store:first=2")
    assert [outcome(emulator, body=message(subject=f"#{n}")) for n in range(3)] == [
        "dropped",  # drop wins: it is listed first
        "dropped",  # drop_after_store
        200,
    ]
    assert sorted(m["subject"] for m in emulator.messages()) == ["#1", "#2"]


def test_drop_after_store_every_nth_on_a_kept_alive_session(emulator: EmulatorServer) -> None:
    emulator.set_faults("drop_after_store:every=3")
    results: list[int | str] = []
    with requests.Session() as session:
        for _ in range(6):
            try:
                results.append(
                    session.post(
                        f"{emulator.url}/api/send",
                        json=message(),
                        headers={"Api-Token": "t"},
                        timeout=10,
                    ).status_code
                )
            except requests.exceptions.ConnectionError:
                results.append("dropped")
    assert results == [200, 200, "dropped", 200, 200, "dropped"]
    assert len(emulator.messages()) == 6


def test_drop_after_store_first_n(emulator: EmulatorServer) -> None:
    emulator.set_faults({"kind": "drop_after_store", "first": 2})
    assert [outcome(emulator) for _ in range(3)] == ["dropped", "dropped", 200]
    assert len(emulator.messages()) == 3


def test_drop_after_store_probability_repeats_with_the_seed(emulator: EmulatorServer) -> None:
    emulator.set_faults("drop_after_store:p=0.5", seed=11)
    first_run = [outcome(emulator) for _ in range(12)]
    emulator.set_faults("drop_after_store:p=0.5", seed=11)
    assert [outcome(emulator) for _ in range(12)] == first_run
    assert set(first_run) == {200, "dropped"}
    assert len(emulator.messages()) == 24  # dropped or not, every message was stored


# -- several rules at once, and random Retry-After --------------------------------------

MIX = ["429:p=0.1:retry_after=0-1", "drop:p=0.01", "drop_after_store:p=0.01"]


def test_probabilities_of_several_rules_are_disjoint_shares() -> None:
    faults = Faults(rules=MIX, seed=5)
    kinds = [getattr(faults.decide(), "kind", None) for _ in range(100_000)]
    shares = {kind: kinds.count(kind) / len(kinds) for kind in ("429", "drop", "drop_after_store")}
    assert shares["429"] == pytest.approx(0.10, abs=0.005)
    assert shares["drop"] == pytest.approx(0.01, abs=0.002)
    assert shares["drop_after_store"] == pytest.approx(0.01, abs=0.002)
    assert faults.injected == sum(kind is not None for kind in kinds)


def test_the_mix_over_http_matches_the_seeded_schedule(emulator: EmulatorServer) -> None:
    rules = ["429:p=0.3:retry_after=0-1", "drop:p=0.2", "drop_after_store:p=0.2"]
    reference = Faults(rules=rules, seed=9)
    expected = [getattr(reference.decide(), "kind", None) for _ in range(40)]
    assert {None, "429", "drop", "drop_after_store"} <= set(expected)
    emulator.set_faults(*rules, seed=9)
    seen: list[int | str] = []
    retry_afters: set[str] = set()
    for n in range(40):
        try:
            response = post(emulator, "/api/send", message(subject=f"#{n}"))
        except requests.exceptions.ConnectionError:
            seen.append("dropped")
            continue
        seen.append(response.status_code)
        if response.status_code == 429:
            retry_afters.add(response.headers["Retry-After"])
    outcome_of = {None: 200, "429": 429, "drop": "dropped", "drop_after_store": "dropped"}
    assert seen == [outcome_of[kind] for kind in expected]
    stored = {m["subject"] for m in emulator.messages()}
    assert stored == {
        f"#{n}" for n, kind in enumerate(expected) if kind in (None, "drop_after_store")
    }
    assert retry_afters == {"0", "1"}


def test_the_mix_is_expressible_in_every_way(emulator: EmulatorServer) -> None:
    as_json = [
        {"kind": "429", "probability": 0.1, "retry_after": "0-1"},
        {"kind": "drop", "probability": 0.01},
        {"kind": "drop_after_store", "probability": 0.01},
    ]
    args = build_parser().parse_args([f"--fault={spec}" for spec in MIX] + ["--fault-seed=4"])
    config = config_from_args(args)
    assert (config.faults, config.fault_seed) == (MIX, 4)
    assert [rule.as_dict() for rule in Faults(rules=config.faults).rules] == as_json
    response = requests.post(
        f"{emulator.url}/_emulator/faults", json={"faults": as_json, "seed": 4}, timeout=10
    )
    assert response.json()["faults"] == as_json
    assert response.json()["seed"] == 4
    assert requests.get(f"{emulator.url}/_emulator/faults", timeout=10).json() == response.json()


def test_random_retry_after_stays_within_its_range(emulator: EmulatorServer) -> None:
    emulator.set_faults("429:retry_after=2-5", seed=1)
    values = [int(post(emulator, "/api/send", message()).headers["Retry-After"]) for _ in range(30)]
    assert set(values) <= {2, 3, 4, 5}
    assert len(set(values)) > 1
    emulator.set_faults({"kind": "429", "retry_after": [0, 1]}, seed=1)
    values = [int(post(emulator, "/api/send", message()).headers["Retry-After"]) for _ in range(20)]
    assert set(values) == {0, 1}


def test_a_fixed_retry_after_stays_fixed() -> None:
    rule = parse_rule("429:retry_after=3")
    assert (rule.retry_after, rule.retry_after_max) == (3, None)
    assert rule.as_dict() == {"kind": "429", "every": 1, "retry_after": 3}
    assert parse_rule("429:retry_after=2-2").as_dict()["retry_after"] == 2


@pytest.mark.parametrize(
    "spec",
    [
        "429:retry_after=3-1",
        "429:retry_after=-1",
        "429:retry_after=a-b",
        "500:p=1.5",
        "drop:every=0",
    ],
)
def test_bad_fault_values_are_refused(spec: str) -> None:
    with pytest.raises(FaultSpecError):
        parse_rule(spec)


def test_probabilities_adding_up_to_more_than_one_are_refused(emulator: EmulatorServer) -> None:
    response = requests.post(
        f"{emulator.url}/_emulator/faults",
        json={"faults": ["429:p=0.6", "drop_after_store:p=0.5"]},
        timeout=10,
    )
    assert response.status_code == 400
    assert "more than 1" in response.json()["error"]
    with pytest.raises(FaultSpecError):
        emulator.set_faults("500:p=0.7", "drop:p=0.7")
    Faults(rules=["429:p=0.7", "drop:p=0.2", "drop_after_store:p=0.1"])  # exactly 1 is fine
