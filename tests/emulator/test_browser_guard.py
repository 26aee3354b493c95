"""The control API and the web inbox refuse cross-site requests and foreign Host names (real HTTP).

A page the developer visits must not be able to reset the emulator, inject faults or
inbound mail, or fire events (CSRF), and a DNS-rebinding page must not read it.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import requests

from mailtrap_emulator import EmulatorServer
from mailtrap_emulator.__main__ import build_parser, config_from_args
from mailtrap_emulator.server import control_request

from .helpers import message, send

RAW = b"From: Ana <ana@example.org>\r\nSubject: Hi\r\n\r\nHello\r\n"


def call(emulator: EmulatorServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, emulator.url + path, timeout=10, **kwargs)


def inbound_messages(emulator: EmulatorServer) -> list[Any]:
    assert emulator.emulator is not None
    return list(emulator.emulator.store.list_inbound())


def own_origin(emulator: EmulatorServer) -> str:
    return emulator.url  # http://127.0.0.1:<port>


# -- content type of state-changing control requests ------------------------------------------


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_control_post_needs_json(emulator: EmulatorServer, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    body = b'{"faults": ["500"]}'
    response = call(emulator, "POST", "/_emulator/faults", data=body, headers=headers)
    assert response.status_code == 415
    assert response.json() == {"error": "Content-Type must be application/json"}
    assert call(emulator, "GET", "/_emulator/faults").json()["faults"] == []  # unchanged


def test_control_post_with_json_works(emulator: EmulatorServer) -> None:
    response = call(emulator, "POST", "/_emulator/faults", json={"faults": ["500:first=1"]})
    assert response.status_code == 200
    reset = call(emulator, "POST", "/_emulator/reset", headers={"Content-Type": "application/json"})
    assert reset.json() == {"success": True}  # an empty body is fine


def test_text_plain_reset_is_refused(emulator: EmulatorServer) -> None:
    send(emulator, message())
    response = call(
        emulator, "POST", "/_emulator/reset", data="{}", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert len(emulator.messages()) == 1


def test_raw_inbound_needs_the_message_type(emulator: EmulatorServer) -> None:
    form = call(emulator, "POST", "/_emulator/inbound/250", data=RAW)
    assert form.status_code == 415
    assert "message/rfc822" in form.json()["error"]
    raw = call(
        emulator,
        "POST",
        "/_emulator/inbound/250",
        data=RAW,
        headers={"Content-Type": "message/rfc822"},
    )
    assert raw.status_code == 200
    assert raw.json()["subject"] == "Hi"


# -- Host (DNS rebinding) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/_emulator/messages", "/_emulator/health", "/", "/inbound", "/messages/1"]
)
def test_foreign_host_is_refused(emulator: EmulatorServer, path: str) -> None:
    send(emulator, message(subject="Private"))
    port = emulator.url.rsplit(":", 1)[1]
    response = call(emulator, "GET", path, headers={"Host": f"attacker.example:{port}"})
    assert response.status_code == 403
    assert "Private" not in response.text
    assert "is not this emulator" in response.text


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
def test_loopback_names_work_on_any_port(emulator: EmulatorServer, host: str) -> None:
    for port in ("", ":8025", ":9999"):
        response = call(emulator, "GET", "/_emulator/health", headers={"Host": host + port})
        assert response.status_code == 200, (host, port)


def test_missing_or_malformed_host_is_refused(emulator: EmulatorServer) -> None:
    for host in ("", "127.0.0.1:80/x", "user@127.0.0.1"):
        response = call(emulator, "GET", "/_emulator/health", headers={"Host": host})
        assert response.status_code in (400, 403), host


def test_mailtrap_api_paths_accept_any_host(emulator: EmulatorServer) -> None:
    bulk = send(emulator, message(), headers={"Host": "bulk.api.mailtrap.io"})
    assert bulk["success"] is True
    received = emulator.receive_inbound(250, RAW)
    details = call(
        emulator,
        "GET",
        f"/api/inbound/inboxes/250/messages/{received['id']}",
        headers={"Api-Token": "t", "Host": "mailtrap-emulator:8025"},
    ).json()
    raw_path = details["raw_message_url"].split("8025", 1)[1]
    download = call(emulator, "GET", raw_path, headers={"Host": "mailtrap-emulator:8025"})
    assert download.status_code == 200
    assert download.content == RAW


def test_allowed_hosts_are_configurable() -> None:
    with EmulatorServer(allowed_hosts=["mailtrap-emulator"]) as server:
        ok = call(server, "GET", "/_emulator/health", headers={"Host": "mailtrap-emulator:8025"})
        other = call(server, "GET", "/_emulator/health", headers={"Host": "other:8025"})
    assert (ok.status_code, other.status_code) == (200, 403)
    with EmulatorServer(allowed_hosts=["*"]) as server:
        anything = call(server, "GET", "/_emulator/health", headers={"Host": "other:8025"})
    assert anything.status_code == 200


def test_cli_takes_allowed_hosts() -> None:
    args = build_parser().parse_args(["--allowed-host", "emulator", "--allowed-host", "box"])
    assert config_from_args(args).allowed_hosts == ["emulator", "box"]


# -- Origin, Referer, Sec-Fetch-Site (CSRF) -----------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    ["http://attacker.example", "null", "http://localhost:1", "https://127.0.0.1"],
)
def test_foreign_origin_is_refused_on_control_posts(emulator: EmulatorServer, origin: str) -> None:
    send(emulator, message())
    response = call(emulator, "POST", "/_emulator/reset", json={}, headers={"Origin": origin})
    assert response.status_code == 403
    assert response.json() == {"error": "cross-origin requests are refused"}
    assert len(emulator.messages()) == 1


def test_own_origin_is_accepted(emulator: EmulatorServer) -> None:
    headers = {"Origin": own_origin(emulator)}
    assert call(emulator, "POST", "/_emulator/reset", json={}, headers=headers).ok
    localhost = emulator.url.replace("127.0.0.1", "localhost")
    as_localhost = {"Origin": localhost, "Host": localhost.split("//")[1]}
    assert call(emulator, "POST", "/_emulator/reset", json={}, headers=as_localhost).ok


def test_foreign_origin_is_refused_on_control_reads_and_the_api(emulator: EmulatorServer) -> None:
    foreign = {"Origin": "http://attacker.example"}
    assert call(emulator, "GET", "/_emulator/messages", headers=foreign).status_code == 403
    api = call(
        emulator,
        "POST",
        "/api/send",
        json=message(),
        headers={**foreign, "Api-Token": "t"},
    )
    assert api.status_code == 403
    assert emulator.messages() == []


def event_form(emulator: EmulatorServer) -> tuple[str, dict[str, str]]:
    (message_id,) = send(emulator, message())["message_ids"]
    key = emulator.message(message_id)["id"]  # type: ignore[index]
    return f"/messages/{key}/events", {"event": "open", "recipient": "ana@example.org"}


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://attacker.example"},
        {"Origin": "null"},
        {"Referer": "http://attacker.example/page.html"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_cross_site_inbox_form_posts_are_refused(
    emulator: EmulatorServer, headers: dict[str, str]
) -> None:
    path, form = event_form(emulator)
    response = call(emulator, "POST", path, data=form, headers=headers, allow_redirects=False)
    assert response.status_code == 403
    assert "open" not in [event["event"] for event in emulator.messages()[0]["events"]]
    upload = call(
        emulator,
        "POST",
        "/inbound",
        data={"inbox_id": "250"},
        files={"file": ("q.eml", RAW)},
        headers=headers,
        allow_redirects=False,
    )
    assert upload.status_code == 403
    assert inbound_messages(emulator) == []


def test_same_origin_inbox_form_posts_work(emulator: EmulatorServer) -> None:
    path, form = event_form(emulator)
    headers = {
        "Origin": own_origin(emulator),
        "Referer": emulator.url + "/messages/1",
        "Sec-Fetch-Site": "same-origin",
    }
    response = call(emulator, "POST", path, data=form, headers=headers, allow_redirects=False)
    assert response.status_code == 303
    assert "open" in [event["event"] for event in emulator.messages()[0]["events"]]


def test_tools_without_origin_still_work(emulator: EmulatorServer) -> None:
    """curl, requests, the CLI and the Python helpers send no Origin."""
    path, form = event_form(emulator)
    assert call(emulator, "POST", path, data=form, allow_redirects=False).status_code == 303
    assert control_request(emulator.url, "/_emulator/health") == {"status": "ok"}
    received = control_request(emulator.url, "/_emulator/inbound/250", raw=RAW)
    assert received["subject"] == "Hi"
    (message_id,) = send(emulator, message())["message_ids"]
    fired = control_request(
        emulator.url, f"/_emulator/messages/{message_id}/events", body={"event": "click"}
    )
    assert fired["event"]["event"] == "click"


def test_cli_commands_work() -> None:
    with EmulatorServer() as server:
        result = subprocess.run(
            [sys.executable, "-m", "mailtrap_emulator", "messages", f"--url={server.url}"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    assert '"messages": []' in result.stdout
