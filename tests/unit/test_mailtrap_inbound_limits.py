"""Mailtrap inbound view on poison mail (11.2) and slow or huge downloads (11.6).

Downloads go to a local HTTP server (127.0.0.1) that sends its body as slowly as a test
needs; nothing leaves the machine.
"""

from __future__ import annotations

import functools
import http.server
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from anymail.exceptions import AnymailRequestsAPIError
from anymail.mailtrap.client import MailtrapAPIError, MailtrapClient
from anymail.mailtrap.download import DownloadDeadlineExceeded
from anymail.webhooks.mailtrap import MailtrapInboundWebhookView
from tests.unit.conftest import MAILTRAP_INBOUND_URL as URL

MESSAGE_URL = "https://mailtrap.io/api/inbound/inboxes/250/messages/"
RAW_URL = "https://bucket.s3.amazonaws.com/250/raw.eml?X-Amz-Signature=presigned-9f8e7d"
GOOD_MESSAGE = b"From: Bo <bo@example.org>\r\nSubject: Fine\r\n\r\nAll good.\r\n"


def poison_message(levels: int = 1000) -> bytes:
    raw = b"From: Ana <ana@example.org>\r\nSubject: Poison\r\n"
    for level in range(levels):
        raw += b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (level, level)
    return raw + b"Content-Type: text/plain\r\n\r\nx\r\n"


def entry(message_id: str) -> dict[str, Any]:
    return {
        "event": "inbound.message_received",
        "timestamp": 1791203456789,
        "inbox_id": 250,
        "message_id": message_id,
    }


@pytest.fixture
def post(webhook_settings: Any, post_webhook: Any) -> Any:
    return functools.partial(post_webhook, URL)


def mock_messages(mock: responses.RequestsMock, raws: dict[str, Any]) -> None:
    """Message details for each id; its raw_message_url serves raws[id] (bytes or a URL)."""
    for message_id, raw in raws.items():
        raw_url = raw if isinstance(raw, str) else f"{RAW_URL}&id={message_id}"
        details = {"id": message_id, "inbox_id": 250, "raw_message_url": raw_url}
        mock.get(MESSAGE_URL + message_id, json=details)
        if not isinstance(raw, str):
            mock.get(raw_url, body=raw)


# -- Poison messages: the event still comes, with the problem stated (11.2) ------------------


def test_poison_message_is_delivered_with_its_problem_and_the_others_too(
    post: Any, inbound_receiver: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Issue 11.2: RecursionError -> 500 for the whole POST; Mailtrap retried, then dropped it.
    poison = poison_message()
    with responses.RequestsMock() as mock, caplog.at_level(logging.WARNING, "anymail.inbound"):
        mock_messages(mock, {"1": poison, "2": GOOD_MESSAGE})
        response = post({"events": [entry("1"), entry("2")]})
    assert response.status_code == 200  # Mailtrap does not retry
    first, second = inbound_receiver.events
    assert first.event_id == "250/1"
    assert first.message.subject == "Poison"
    assert "INBOUND_MAX_DEPTH" in first.message.parse_problem
    assert first.message.raw_mime == poison
    assert first.message.text is None
    assert second.message.parse_problem is None
    assert second.message.text == "All good.\n"
    assert f"Mailtrap inbound message 250/1: {first.message.parse_problem}" in caplog.messages


def test_message_over_the_size_limit_is_delivered_without_its_body(
    post: Any, webhook_settings: Any, inbound_receiver: Any
) -> None:
    webhook_settings.ANYMAIL = {**webhook_settings.ANYMAIL, "INBOUND_MAX_BYTES": 4096}
    big = b"From: Ana <ana@example.org>\r\nSubject: Huge\r\n\r\n" + b"x" * 100_000
    with responses.RequestsMock() as mock:
        mock_messages(mock, {"1": big})
        assert post({"events": [entry("1")]}).status_code == 200
    event = inbound_receiver.only_event
    assert event.message.subject == "Huge"
    assert "larger than 4096 bytes (INBOUND_MAX_BYTES)" in event.message.parse_problem
    assert event.message.raw_mime is None
    assert event.esp_event["raw_message_url"].startswith(RAW_URL)  # to fetch it yourself


# -- The download deadline (11.6) ------------------------------------------------------------


class SlowHandler(http.server.BaseHTTPRequestHandler):
    """/drip: 20,000 bytes, one every 20 ms (keep-alive, like S3); /drip-unsized: the same
    without Content-Length, ended by closing the connection; /fast: a message at once."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "message/rfc822")
        if self.path.startswith("/fast"):
            self.send_header("Content-Length", str(len(GOOD_MESSAGE)))
            self.end_headers()
            self.wfile.write(GOOD_MESSAGE)
            return
        if self.path.startswith("/drip-unsized"):
            self.send_header("Connection", "close")
        else:
            self.send_header("Content-Length", "20000")
        self.end_headers()
        try:
            for _ in range(20_000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.02)
        except OSError:  # the client gave up
            pass

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@pytest.fixture
def slow_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("path", ["/drip", "/drip-unsized"])
def test_download_deadline_ends_a_slow_download(slow_server: str, path: str) -> None:
    # Issue 11.6: one byte at a time never trips the per-read timeout (5 s here).
    client = MailtrapClient("token", timeout=5)
    started = time.monotonic()
    with (
        pytest.raises(MailtrapAPIError) as failure,
        client.download(slow_server + path, 65536, deadline=0.5) as chunks,
    ):
        for _ in chunks:
            pass
    assert time.monotonic() - started < 3
    assert failure.value.problem.startswith("DownloadDeadlineExceeded")
    assert slow_server not in str(failure.value)


def test_inbound_view_answers_500_when_the_download_takes_too_long(
    post: Any, webhook_settings: Any, slow_server: str, inbound_receiver: Any
) -> None:
    webhook_settings.ANYMAIL = {
        **webhook_settings.ANYMAIL,
        "MAILTRAP_DOWNLOAD_DEADLINE": 0.5,
        "REQUESTS_TIMEOUT": 5,
    }
    started = time.monotonic()
    with responses.RequestsMock() as mock:
        mock.add_passthru("http://127.0.0.1")
        mock_messages(mock, {"1": slow_server + "/drip"})
        with pytest.raises(AnymailRequestsAPIError) as failure:
            post({"events": [entry("1")]})
    assert time.monotonic() - started < 3
    assert "DownloadDeadlineExceeded" in str(failure.value)
    assert "250/1" in str(failure.value)
    assert inbound_receiver.events == []


def test_fast_download_within_the_deadline_leaves_no_timer_running(slow_server: str) -> None:
    client = MailtrapClient("token", timeout=5)
    with client.download(slow_server + "/fast", 65536, deadline=30) as chunks:
        assert b"".join(chunks) == GOOD_MESSAGE
    timers = [t for t in threading.enumerate() if isinstance(t, threading.Timer) and t.is_alive()]
    time.sleep(0.05)  # a cancelled Timer thread ends at once
    assert not [t for t in timers if t.is_alive()]


def test_default_deadline_is_60_seconds(webhook_settings: Any) -> None:
    assert MailtrapInboundWebhookView().download_deadline == 60
    assert MailtrapInboundWebhookView(download_deadline=5).download_deadline == 5


def test_deadline_error_is_a_requests_timeout() -> None:
    # so callers that catch requests' timeouts catch it too
    assert issubclass(DownloadDeadlineExceeded, requests.Timeout)
