"""The emulator's web inbox in real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page

from anymail.mailtrap.inbound import is_inbound_sample
from mailtrap_emulator import EmulatorServer
from mailtrap_emulator.inbound_injection import DEFAULT_INBOX_ID
from tests.emulator.receiver import Receiver, run_receiver

PIXEL_PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
    )
).decode()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with run_receiver() as state:
        yield state


@pytest.fixture(scope="module")
def emulator(receiver: Receiver) -> Iterator[EmulatorServer]:
    with EmulatorServer(webhook_urls=[receiver.url + "/events"], webhook_backoff_ms=20) as server:
        yield server


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def send(emulator: EmulatorServer, path: str = "/api/send", **fields: Any) -> str:
    payload = {
        "from": {"email": "orders@shop.example", "name": "Example Shop"},
        "to": [{"email": "ana@example.org"}],
        "subject": "Order 4711 confirmed",
        "text": "Hi Ana",
        **fields,
    }
    response = requests.post(
        emulator.url + path, json=payload, headers={"Api-Token": "t"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()["message_ids"][0]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def messages(emulator: EmulatorServer) -> dict[str, str]:
    """A few messages to browse; returns their first message ids by name."""
    return {
        "welcome": send(
            emulator,
            to=[{"email": "bo@example.org"}],
            subject="Welcome Bo",
            category="welcome",
        ),
        "order": send(
            emulator,
            category="order",
            html=(
                '<p id="greeting">Hello <b>Ana</b></p><img id="logo" src="cid:logo">'
                "<script>document.body.setAttribute('data-script-ran', 'yes')</script>"
            ),
            attachments=[
                {"filename": "invoice.txt", "content": base64.b64encode(b"invoice").decode()},
                {
                    "filename": "logo.png",
                    "type": "image/png",
                    "content": PIXEL_PNG,
                    "disposition": "inline",
                    "content_id": "logo",
                },
            ],
        ),
        "captured": send(emulator, path="/api/send/42", subject="Captured in sandbox"),
    }


def subjects(page: Page) -> list[str]:
    return page.locator("#messages a.subject").all_inner_texts()


def test_list_shows_all_messages_newest_first(
    page: Page, messages: dict[str, str], emulator: EmulatorServer
) -> None:
    page.goto(emulator.url + "/")
    assert subjects(page) == ["Captured in sandbox", "Order 4711 confirmed", "Welcome Bo"]


def test_list_filters_by_recipient(
    page: Page, messages: dict[str, str], emulator: EmulatorServer
) -> None:
    page.goto(emulator.url + "/")
    page.fill("input[name=recipient]", "bo@example.org")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/?recipient=*")
    assert subjects(page) == ["Welcome Bo"]


def test_list_filters_by_category_and_stream(
    page: Page, messages: dict[str, str], emulator: EmulatorServer
) -> None:
    page.goto(emulator.url + "/?category=order")
    assert subjects(page) == ["Order 4711 confirmed"]
    page.goto(emulator.url + "/")
    page.select_option("select[name=stream]", "sandbox")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**stream=sandbox*")
    assert subjects(page) == ["Captured in sandbox"]


def open_order(page: Page, emulator: EmulatorServer) -> None:
    page.goto(emulator.url + "/")
    page.click("text=Order 4711 confirmed")
    page.wait_for_selector("h1#subject")


def test_message_view_shows_the_html_in_a_sandboxed_iframe(
    page: Page, messages: dict[str, str], emulator: EmulatorServer
) -> None:
    open_order(page, emulator)
    assert page.inner_text("h1#subject") == "Order 4711 confirmed"
    iframe = page.locator("iframe#html-body")
    assert iframe.get_attribute("sandbox") == ""
    frame = page.frame_locator("iframe#html-body")
    assert frame.locator("#greeting").inner_text() == "Hello Ana"
    assert frame.locator("body").get_attribute("data-script-ran") is None
    frame.locator("#logo").wait_for()
    width = frame.locator("#logo").evaluate("img => img.naturalWidth")
    assert width == 1  # the cid: image was resolved to the inline part


def test_html_body_url_carries_a_sandboxing_csp(
    messages: dict[str, str], emulator: EmulatorServer
) -> None:
    key = emulator.message(messages["order"])["id"]  # type: ignore[index]
    response = requests.get(f"{emulator.url}/messages/{key}/body.html", timeout=10)
    assert response.headers["Content-Security-Policy"].startswith("sandbox;")


def test_message_view_shows_text_attachments_and_payload(
    page: Page, messages: dict[str, str], emulator: EmulatorServer
) -> None:
    open_order(page, emulator)
    assert page.inner_text("#text-body").strip() == "Hi Ana"
    assert page.locator("#attachments a").all_inner_texts() == ["logo.png", "invoice.txt"]
    assert '"category": "order"' in page.inner_text("#payload")


def test_eml_download(
    page: Page, messages: dict[str, str], emulator: EmulatorServer, tmp_path: Path
) -> None:
    open_order(page, emulator)
    with page.expect_download() as download_info:
        page.click("#download-eml")
    download = download_info.value
    assert download.suggested_filename.endswith(".eml")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert b"Subject: Order 4711 confirmed" in target.read_bytes()


def test_bounce_button_adds_the_event_and_sends_the_webhook(
    page: Page, messages: dict[str, str], emulator: EmulatorServer, receiver: Receiver
) -> None:
    open_order(page, emulator)
    page.click('.recipient[data-email="ana@example.org"] button[value="bounce"]')
    page.wait_for_selector('#timeline tr.event-row[data-event="bounce"]')
    assert "bounce" in page.inner_text("#timeline")
    assert emulator.wait_for_webhooks(10)
    bounces = [e for e in receiver.all_events() if e["event"] == "bounce"]
    assert [(e["message_id"], e["email"]) for e in bounces] == [
        (messages["order"], "ana@example.org")
    ]


def test_inbound_upload_form_receives_an_eml(
    page: Page, emulator: EmulatorServer, tmp_path: Path
) -> None:
    eml = tmp_path / "question.eml"
    eml.write_bytes(b"From: Ana <ana@example.org>\r\nSubject: A question\r\n\r\nWhere is it?\r\n")
    page.goto(emulator.url + "/inbound")
    page.fill("input[name=inbox_id]", "250")
    page.set_input_files("input[name=file]", str(eml))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("h1#subject")
    assert page.inner_text("h1#subject") == "A question"
    assert "Where is it?" in page.inner_text("#text-body")


# -- paging, readable times, the inbound form's default inbox -----------------------------


def send_batch(server: EmulatorServer, count: int, category: str) -> None:
    """`count` messages in one call, subjects `<category> 0`, `<category> 1`, … as sent."""
    body = {
        "base": {"from": {"email": "news@shop.example"}, "text": "Hi", "category": category},
        "requests": [
            {"to": [{"email": "ana@example.org"}], "subject": f"{category} {n}"}
            for n in range(count)
        ],
    }
    response = requests.post(
        server.url + "/api/batch", json=body, headers={"Api-Token": "t"}, timeout=30
    )
    assert response.status_code == 200, response.text


def test_list_pages_with_previous_and_next_links_keeping_the_filters(page: Page) -> None:
    with EmulatorServer() as server:
        send_batch(server, 110, "news")
        send_batch(server, 5, "other")
        page.goto(server.url + "/")
        assert page.inner_text("#count") == "1-50 of 115 message(s)"
        page.goto(server.url + "/?category=news")
        assert page.inner_text("#count") == "1-50 of 110 message(s)"
        assert len(subjects(page)) == 50
        assert subjects(page)[0] == "news 109"
        assert page.locator("#pager-top .previous").count() == 0
        page.click("#pager-top .next")
        page.wait_for_url("**/?category=news&page=2")
        assert page.inner_text("#count") == "51-100 of 110 message(s)"
        assert "page 2 of 3" in page.inner_text("#pager-top")
        page.click("#pager-bottom .next")
        page.wait_for_url("**page=3")
        assert page.inner_text("#count") == "101-110 of 110 message(s)"
        assert subjects(page) == [f"news {n}" for n in reversed(range(10))]
        assert page.locator("#pager-bottom .next").count() == 0
        page.click("#pager-top .previous")
        page.wait_for_url("**/?category=news&page=2")
        assert subjects(page)[0] == "news 59"
        page.goto(server.url + "/?category=news&page=9")
        assert page.inner_text("#count") == "0 of 110 message(s)"


def test_event_times_are_readable_utc_with_the_raw_value_in_a_tooltip(
    page: Page, messages: dict[str, str], emulator: EmulatorServer
) -> None:
    stored = emulator.message(messages["welcome"])
    assert stored is not None
    raw = stored["events"][0]["timestamp"]  # the delivery event, in epoch seconds
    page.goto(f"{emulator.url}/messages/{stored['id']}")
    cell = page.locator('#timeline tr.event-row[data-event="delivery"] time.event-time')
    expected = datetime.fromtimestamp(raw, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    assert cell.inner_text() == expected
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", expected)
    assert cell.get_attribute("title") == f"{raw} (Unix time)"


def test_inbound_form_defaults_to_an_inbox_anymail_does_not_ignore(
    page: Page, emulator: EmulatorServer
) -> None:
    page.goto(emulator.url + "/inbound")
    default = page.input_value("input[name=inbox_id]")
    assert default == str(DEFAULT_INBOX_ID) != "1"
    assert not is_inbound_sample({"inbox_id": int(default)})
    help_text = page.inner_text("#upload-help")
    assert 'Inbox 1 is the id of Mailtrap\'s "test your integration" sample' in help_text
    assert page.is_visible("#no-inbound-webhook")  # this emulator has no inbound webhook


def upload(page: Page, server: EmulatorServer, eml: Path, inbox_id: str | None = None) -> str:
    """Upload through the form (keeping its inbox id unless given); the notice shown after."""
    page.goto(server.url + "/inbound")
    if inbox_id is not None:
        page.fill("input[name=inbox_id]", inbox_id)
    page.set_input_files("input[name=file]", str(eml))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#received")
    return page.inner_text("#received")


def test_an_upload_with_the_default_inbox_reaches_the_inbound_webhook(
    page: Page, tmp_path: Path
) -> None:
    eml = tmp_path / "question.eml"
    eml.write_bytes(b"From: Ana <ana@example.org>\r\nSubject: Where?\r\n\r\nWhere is it?\r\n")
    with (
        run_receiver() as inbound,
        EmulatorServer(
            inbound_webhook_urls=[inbound.url + "/inbound"], webhook_backoff_ms=20
        ) as server,
    ):
        page.goto(server.url + "/inbound")
        assert "one for every inbox" in page.inner_text("#upload-help")
        notice = upload(page, server, eml)
        assert notice == (
            f"Received into inbox {DEFAULT_INBOX_ID}: the inbound event was posted to 1 webhook(s)."
        )
        assert server.wait_for_webhooks(10)
    (event,) = inbound.all_events()
    assert event["inbox_id"] == DEFAULT_INBOX_ID
    assert not is_inbound_sample(event)  # Anymail will fetch it and fire its inbound signal


def test_an_upload_into_the_sample_inbox_says_anymail_ignores_it(
    page: Page, emulator: EmulatorServer, tmp_path: Path
) -> None:
    eml = tmp_path / "sample.eml"
    eml.write_bytes(b"From: Ana <ana@example.org>\r\nSubject: Sample\r\n\r\nHi\r\n")
    notice = upload(page, emulator, eml, inbox_id="1")
    assert notice.startswith("Received into inbox 1: no inbound webhook is configured")
    assert "Mailtrap's 'test your integration' sample, which Anymail acknowledges" in notice
