"""Fault injection: 429 with Retry-After, 5xx, dropped connections and latency."""

from __future__ import annotations

import time

import pytest
import requests

from mailtrap_emulator import EmulatorServer
from mailtrap_emulator.faults import FaultSpecError, parse_rule

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
        "injected": 0,
    }
    assert requests.delete(url, timeout=10).json()["faults"] == []
    assert statuses(emulator, 3) == [200, 200, 200]


def test_control_endpoint_rejects_unknown_fault_kinds(emulator: EmulatorServer) -> None:
    response = requests.post(
        f"{emulator.url}/_emulator/faults", json={"faults": ["404"]}, timeout=10
    )
    assert response.status_code == 400
    assert "429, a 5xx status or 'drop'" in response.json()["error"]


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
