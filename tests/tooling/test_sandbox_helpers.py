"""anymail.testing against the emulator's sandbox API: list, wait for, read and clean."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from anymail.backends.mailtrap import EmailBackend
from anymail.exceptions import AnymailConfigurationError
from anymail.message import AnymailMessage
from anymail.testing import CapturedMessage, MailtrapSandbox, SandboxTimeout
from mailtrap_emulator import EmulatorServer

from .conftest import SANDBOX_ID, TOKEN

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@pytest.fixture
def sandbox_settings(tooling_settings: Any) -> Any:
    """The Mailtrap backend sends to the emulator's sandbox SANDBOX_ID."""
    tooling_settings.ANYMAIL["MAILTRAP_SANDBOX_ID"] = SANDBOX_ID
    return tooling_settings


@pytest.fixture
def send(sandbox_settings: Any) -> Callable[..., AnymailMessage]:
    """Send one message to the sandbox (keyword arguments build the AnymailMessage)."""

    def send_one(**fields: Any) -> AnymailMessage:
        fields.setdefault("subject", "Welcome")
        fields.setdefault("body", "Hello in text")
        fields.setdefault("from_email", "App <app@example.com>")
        fields.setdefault("to", ["reader@example.com"])
        html = fields.pop("html", None)
        message = AnymailMessage(**fields)
        if html is not None:
            message.attach_alternative(html, "text/html")
        assert EmailBackend().send_messages([message]) == 1
        return message

    return send_one


@pytest.fixture
def sandbox(sandbox_settings: Any) -> MailtrapSandbox:
    return MailtrapSandbox.from_settings()


def test_wait_for_finds_a_message_by_recipient_and_subject(
    send: Callable[..., AnymailMessage], sandbox: MailtrapSandbox
) -> None:
    send(subject="Other", to=["reader@example.com"])
    send(subject="Welcome", to=["Reader@Example.com"], cc=["copy@example.com"])
    send(subject="Welcome", to=["someone@example.com"])
    found = sandbox.wait_for(to="reader@example.com", subject="Welcome", timeout=5)
    assert isinstance(found, CapturedMessage)
    assert found.subject == "Welcome"
    assert found.to == ["Reader@Example.com"]
    assert found.recipients == ["reader@example.com", "copy@example.com"]
    assert found.from_email == "app@example.com"
    assert sandbox.wait_for(to="copy@example.com", timeout=1).id == found.id


def test_subject_pattern_and_own_test(
    send: Callable[..., AnymailMessage], sandbox: MailtrapSandbox
) -> None:
    send(subject="Your code is 493817")
    send(subject="Your code is 111111", body="second")
    assert sandbox.wait_for(subject=re.compile(r"is 4\d+")).subject == "Your code is 493817"
    second = sandbox.wait_for(where=lambda m: (m.text or "").strip() == "second")
    assert second.subject == "Your code is 111111"


def test_bodies_headers_and_raw_source(
    send: Callable[..., AnymailMessage], sandbox: MailtrapSandbox
) -> None:
    send(
        body="Activate: https://example.com/activate/42",
        html="<p>Activate: <a href='https://example.com/activate/42'>here</a></p>",
        headers={"X-Campaign": "spring"},
    )
    found = sandbox.wait_for(to="reader@example.com")
    assert (found.text or "").strip() == "Activate: https://example.com/activate/42"
    html = "<p>Activate: <a href='https://example.com/activate/42'>here</a></p>"
    assert (found.html or "").strip() == html
    assert found.headers["x-campaign"] == "spring"
    assert found.headers["subject"] == "Welcome"
    assert b"Subject: Welcome" in found.raw
    parsed = found.as_email_message()
    assert parsed["X-Campaign"] == "spring"
    assert parsed.get_body(preferencelist=("plain",)) is not None


def test_a_message_without_html_has_none(
    send: Callable[..., AnymailMessage], sandbox: MailtrapSandbox
) -> None:
    send()
    found = sandbox.wait_for()
    assert found.html is None
    assert (found.text or "").strip() == "Hello in text"


def test_attachments_and_their_content(sandbox_settings: Any, sandbox: MailtrapSandbox) -> None:
    message = AnymailMessage("Report", "See attached", "app@example.com", ["reader@example.com"])
    message.attach("report.csv", "a,b\n1,2\n", "text/csv")
    cid = message.attach_inline_image(PNG, "logo.png")
    message.attach_alternative(f"<img src='cid:{cid}'>", "text/html")
    assert EmailBackend().send_messages([message]) == 1
    found = sandbox.wait_for()
    by_name = {a.filename: a for a in found.attachments}
    assert set(by_name) == {"report.csv", "logo.png"}
    assert by_name["report.csv"].content == b"a,b\n1,2\n"
    assert by_name["report.csv"].attachment_type == "attachment"
    assert by_name["logo.png"].content == PNG
    assert by_name["logo.png"].attachment_type == "inline"
    assert by_name["logo.png"].content_type == "image/png"
    assert by_name["logo.png"].content_id == cid


def test_spam_report_and_html_analysis(
    send: Callable[..., AnymailMessage], sandbox: MailtrapSandbox
) -> None:
    send(html="<p style='display:flex'>Hi</p>")
    found = sandbox.wait_for()
    assert {"Score", "Spam", "Threshold", "Details"} <= set(found.spam_report)
    assert isinstance(found.spam_report["Spam"], bool)
    assert "errors" in found.html_analysis


def test_wait_for_waits_for_a_late_message(
    send: Callable[..., AnymailMessage], sandbox: MailtrapSandbox
) -> None:
    later = threading.Timer(0.6, lambda: send(subject="Late"))
    later.start()
    try:
        started = time.monotonic()
        found = sandbox.wait_for(subject="Late", timeout=10, poll_interval=0.1)
        assert time.monotonic() - started >= 0.5
        assert found.subject == "Late"
    finally:
        later.join()


def test_wait_for_times_out_as_a_failed_assertion(
    send: Callable[..., AnymailMessage], sandbox: MailtrapSandbox
) -> None:
    send(subject="Something else")
    started = time.monotonic()
    with pytest.raises(SandboxTimeout) as raised:
        sandbox.wait_for(to="nobody@example.com", timeout=0.5, poll_interval=0.1)
    assert time.monotonic() - started < 3
    assert isinstance(raised.value, AssertionError)
    assert str(raised.value) == (
        f"No message matching to='nobody@example.com' arrived in sandbox {SANDBOX_ID} "
        "within 0.5 s; newest: 'Something else' to reader@example.com"
    )


def test_messages_list_and_fetch(
    send: Callable[..., AnymailMessage], sandbox: MailtrapSandbox
) -> None:
    send(subject="One")
    send(subject="Two")
    listed = sandbox.messages()
    assert [m.subject for m in listed] == ["Two", "One"]  # newest first
    assert sandbox.message(listed[1].id).subject == "One"
    assert [m.subject for m in sandbox.messages(search="Two")] == ["Two"]


def test_clean_empties_only_this_sandbox(
    send: Callable[..., AnymailMessage],
    sandbox: MailtrapSandbox,
    sandbox_settings: Any,
    emulator: EmulatorServer,
) -> None:
    send()
    sandbox_settings.ANYMAIL["MAILTRAP_SANDBOX_ID"] = SANDBOX_ID + 1
    send(subject="Elsewhere")
    sandbox.clean()
    assert sandbox.messages() == []
    other = MailtrapSandbox.from_settings()
    assert [m.subject for m in other.messages()] == ["Elsewhere"]


def test_settings_can_be_overridden(emulator: EmulatorServer, settings: Any) -> None:
    settings.ANYMAIL = {}
    sandbox = MailtrapSandbox.from_settings(
        api_token=TOKEN, account_api_url=emulator.api_url, sandbox_id="12"
    )
    assert sandbox.sandbox_id == "12"
    assert sandbox.messages() == []
    assert TOKEN not in repr(sandbox)


@pytest.mark.parametrize(
    ("sandbox_id", "message"),
    [
        (None, "MAILTRAP_SANDBOX_ID"),
        ("inbox-7", "MAILTRAP_SANDBOX_ID='inbox-7' is not a sandbox id"),
    ],
)
def test_a_sandbox_id_is_required(tooling_settings: Any, sandbox_id: Any, message: str) -> None:
    if sandbox_id is not None:
        tooling_settings.ANYMAIL["MAILTRAP_SANDBOX_ID"] = sandbox_id
    with pytest.raises(AnymailConfigurationError, match=re.escape(message)):
        MailtrapSandbox.from_settings()


# -- the pytest fixture ----------------------------------------------------------------


@pytest.fixture
def earlier_message(send: Callable[..., AnymailMessage]) -> Iterator[None]:
    """A message left in the sandbox before the test's own fixture runs."""
    send(subject="Left over")
    yield


def test_the_fixture_gives_an_empty_sandbox(
    sandbox_settings: Any,
    earlier_message: None,
    mailtrap_sandbox: MailtrapSandbox,
    send: Callable[..., AnymailMessage],
) -> None:
    assert mailtrap_sandbox.sandbox_id == str(SANDBOX_ID)
    assert mailtrap_sandbox.messages() == []
    send(subject="Mine")
    assert mailtrap_sandbox.wait_for(subject="Mine").subject == "Mine"
