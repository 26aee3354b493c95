"""The message log's admin in real headless Chromium (Debian's, driven by Playwright),
against a live Django server: log in, list, search, filter, open a message.

Screenshots of the pages are kept in test-artifacts/mail-log-admin/ (CI keeps that
folder; it is git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from anymail.mail_log.models import Recipient, SentMessage
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS

from .conftest import MESSAGES_URL, log_event, log_message

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "mail-log-admin"
PASSWORD = "browser-test-password"

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads committed rows


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium, for the module. Playwright's sync API keeps an event loop in this thread
    meanwhile, and Django refuses database calls next to a running loop: the tests' (and
    pytest-django's) calls are plain synchronous ones, so they are allowed until it closes."""
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, live_server: Any, django_user_model: Any) -> Iterator[Page]:
    """A browser page logged in to the admin as a superuser (through the login form)."""
    django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/?next={MESSAGES_URL}")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{MESSAGES_URL}")
    yield page
    context.close()


@pytest.fixture
def logged(browser: Browser) -> SentMessage:
    """A few logged messages; returns bo's bounced order confirmation."""
    log_message(subject="Welcome Ana", to=("ana@example.org",), status="delivered", minutes=1)
    log_message(subject="Reset your password", to=("cy@example.org",), minutes=2)
    log_message(
        subject="Spring sale", to=("ana@example.org",), stream="bulk", status="opened", minutes=3
    )
    order = log_message(
        subject="Order 4711 confirmed",
        to=("bo@example.org",),
        cc=("ana@example.org",),
        category="orders",
        status="bounced",
        minutes=4,
    )
    bo, ana = order.recipients.order_by("id")
    Recipient.objects.filter(pk=bo.pk).update(status="bounced")
    Recipient.objects.filter(pk=ana.pk).update(status="delivered")
    log_event(bo, "deferred", 5, esp_event_type="soft bounce", details={"reason": "greylisted"})
    log_event(bo, "bounced", 65, esp_event_type="bounce", details={"reason": "mailbox full"})
    log_event(ana, "delivered", 5, esp_event_type="delivery", details={"mta_response": "250 OK"})
    return order


def listed_subjects(page: Page) -> list[str]:
    return page.locator("#result_list tbody td.field-subject").all_inner_texts()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshot: {path}")
    return path


def test_list_search_filter_and_detail(page: Page, logged: SentMessage) -> None:
    page.reload()
    assert listed_subjects(page) == [
        "Order 4711 confirmed",
        "Spring sale",
        "Reset your password",
        "Welcome Ana",
    ]
    assert page.locator("#result_list tbody tr").first.locator(
        "td.field-recipients"
    ).inner_text() == ("bo@example.org +1")
    screenshot(page, "changelist")

    page.fill("#searchbar", "ana@example.org")
    page.press("#searchbar", "Enter")
    page.wait_for_url("**q=ana%40example.org*")
    assert listed_subjects(page) == ["Order 4711 confirmed", "Spring sale", "Welcome Ana"]

    page.locator("#changelist-filter").get_by_role("link", name="Bounced", exact=True).click()
    page.wait_for_url("**status__exact=bounced*")
    assert listed_subjects(page) == ["Order 4711 confirmed"]
    screenshot(page, "changelist-search-and-filter")

    page.locator("#result_list").get_by_role("link", name="Order 4711 confirmed").click()
    page.wait_for_url(re.compile(rf"/{logged.pk}/change/"))
    rows = page.locator("#recipients-group tbody tr.form-row")
    assert rows.count() == 2
    bo_row, ana_row = rows.nth(0), rows.nth(1)
    assert bo_row.locator("td.field-status").inner_text() == "Bounced"
    assert ana_row.locator("td.field-status").inner_text() == "Delivered"
    assert bo_row.locator("ul.mail-log-timeline li").all_inner_texts() == [
        "2026-11-30 09:05:00 UTC deferred (soft bounce) — reason: greylisted",
        "2026-11-30 10:05:00 UTC bounced (bounce) — reason: mailbox full",
    ]
    link = bo_row.get_by_role("link", name="Open in Mailtrap")
    bo = logged.recipients.get(email="bo@example.org")
    expected = f"https://mailtrap.io/sending/email_logs/{bo.mailtrap_message_id}"
    assert link.get_attribute("href") == expected
    assert page.locator("input[name=_save]").count() == 0  # read-only
    screenshot(page, "detail")
