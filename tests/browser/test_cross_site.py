"""A page on another site, opened in real Chromium, cannot drive the emulator (CSRF).

The "attacker" page is served from http://localhost:<port> -- another site than the
emulator's http://127.0.0.1:<port> -- and tries what a malicious page could: `no-cors`
fetches (text/plain and form bodies need no CORS preflight) and form posts.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser

from mailtrap_emulator import EmulatorServer

ATTACKER_PAGE = b"""<!doctype html>
<html><body>
<form id="event" method="post">
  <input name="event" value="open"><input name="recipient" value="ana@example.org">
</form>
</body></html>"""


@pytest.fixture(scope="module")
def attacker() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(ATTACKER_PAGE)))
            self.end_headers()
            self.wfile.write(ATTACKER_PAGE)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


def sent_message(emulator: EmulatorServer) -> int:
    response = requests.post(
        emulator.url + "/api/send",
        json={
            "from": {"email": "orders@shop.example"},
            "to": [{"email": "ana@example.org"}],
            "subject": "Order 4711 confirmed",
            "text": "Hi Ana",
        },
        headers={"Api-Token": "t"},
        timeout=10,
    )
    message_id = response.json()["message_ids"][0]
    return int(emulator.message(message_id)["id"])  # type: ignore[index]


NO_CORS_ATTACKS = """async (base) => {
  const post = (path, body, type) => fetch(base + path, {
    method: "POST", mode: "no-cors", body,
    headers: type ? {"Content-Type": type} : {},
  }).catch(() => null);
  await post("/_emulator/faults", '{"faults": ["500"]}', "text/plain");
  await post("/_emulator/reset", "{}", "text/plain");
  await post("/_emulator/inbound/250", "From: x@y.z\\r\\nSubject: Injected\\r\\n\\r\\nHi", "");
  const form = new FormData();
  form.append("inbox_id", "250");
  form.append("file", new Blob(["Subject: Injected upload\\r\\n\\r\\nHi"]), "x.eml");
  await fetch(base + "/inbound", {method: "POST", mode: "no-cors", body: form}).catch(() => 0);
}"""


def test_another_site_cannot_change_the_emulator(
    browser: Browser, attacker: str, emulator: EmulatorServer
) -> None:
    key = sent_message(emulator)
    page = browser.new_context().new_page()
    page.goto(attacker)
    page.evaluate(NO_CORS_ATTACKS, emulator.url)
    action = f"{emulator.url}/messages/{key}/events"
    page.eval_on_selector("#event", "(form, action) => { form.action = action; }", action)
    with page.expect_navigation() as navigation:
        page.eval_on_selector("#event", "form => form.submit()")
    assert navigation.value is not None and navigation.value.status == 403
    page.context.close()

    assert emulator.emulator is not None
    assert emulator.emulator.faults.as_dict()["faults"] == []  # no fault injected
    assert len(emulator.messages()) == 1  # not reset
    assert emulator.emulator.store.list_inbound() == []  # no mail injected
    assert [event["event"] for event in emulator.messages()[0]["events"]] == ["delivery"]


def test_the_inbox_own_pages_still_work(browser: Browser, emulator: EmulatorServer) -> None:
    key = sent_message(emulator)
    page = browser.new_context().new_page()
    page.goto(f"{emulator.url}/messages/{key}")
    page.click('.recipient[data-email="ana@example.org"] button[value="open"]')
    page.wait_for_selector('#timeline tr.event-row[data-event="open"]')
    page.context.close()
    assert [event["event"] for event in emulator.messages()[0]["events"]] == ["delivery", "open"]
