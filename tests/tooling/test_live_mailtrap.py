"""Opt-in: the tooling against real Mailtrap. Skipped unless the environment names an account:

* ANYMAIL_LIVE_MAILTRAP_TOKEN -- an API token (read-only calls: check, lists);
* ANYMAIL_LIVE_SANDBOX_ID -- also send one message to that sandbox and read it back
  (the message is deleted afterwards; nothing else in the sandbox is touched);
* ANYMAIL_LIVE_ACCOUNT_ID -- optional, as MAILTRAP_ACCOUNT_ID.

CI never sets them. Run: `pytest tests/tooling/test_live_mailtrap.py -m live -rs`.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.mail import EmailMessage

from anymail.backends.mailtrap import EmailBackend
from anymail.testing import MailtrapSandbox

from .conftest import Ran

LIVE_TOKEN = os.environ.get("ANYMAIL_LIVE_MAILTRAP_TOKEN", "")
LIVE_SANDBOX = os.environ.get("ANYMAIL_LIVE_SANDBOX_ID", "")
LIVE_ACCOUNT = os.environ.get("ANYMAIL_LIVE_ACCOUNT_ID", "")

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not LIVE_TOKEN, reason="set ANYMAIL_LIVE_MAILTRAP_TOKEN to run"),
]
needs_sandbox = pytest.mark.skipif(not LIVE_SANDBOX, reason="set ANYMAIL_LIVE_SANDBOX_ID to run")


@pytest.fixture
def live_settings(tooling_settings: Any) -> Any:
    """ANYMAIL aimed at real Mailtrap (the default hosts)."""
    tooling_settings.ANYMAIL = {"MAILTRAP_API_TOKEN": LIVE_TOKEN}
    if LIVE_ACCOUNT:
        tooling_settings.ANYMAIL["MAILTRAP_ACCOUNT_ID"] = LIVE_ACCOUNT
    if LIVE_SANDBOX:
        tooling_settings.ANYMAIL["MAILTRAP_SANDBOX_ID"] = LIVE_SANDBOX
    return tooling_settings


def test_check_reaches_the_account(live_settings: Any, mailtrap: Callable[..., Ran]) -> None:
    ran = mailtrap("check", "--json")
    report = json.loads(ran.out)
    assert "error" not in report, ran.err
    assert report["findings"][0] == {
        "topic": "token",
        "level": "ok",
        "message": "Mailtrap accepted the API token.",
        "fix": "",
    }
    assert LIVE_TOKEN not in ran.out + ran.err


@pytest.mark.parametrize(
    "args", [["webhooks", "list"], ["logs", "--since", "1d"], ["suppressions", "list"]]
)
def test_read_only_subcommands(
    live_settings: Any, mailtrap: Callable[..., Ran], args: list[str]
) -> None:
    ran = mailtrap(*args, "--json")
    assert ran.status == 0, ran.err
    assert LIVE_TOKEN not in ran.out + ran.err


@pytest.fixture
def sent_to_sandbox(live_settings: Any) -> Iterator[tuple[MailtrapSandbox, str]]:
    """One message sent to the live sandbox (unique subject); deleted afterwards."""
    sandbox = MailtrapSandbox.from_settings()
    subject = f"anymail live test {uuid.uuid4()}"
    message = EmailMessage(subject, "Live text", "anymail-test@example.com", ["to@example.com"])
    message.attach("note.txt", "attached", "text/plain")
    assert EmailBackend().send_messages([message]) == 1
    yield sandbox, subject
    for found in sandbox.find(subject=subject):
        sandbox.api.delete_message(found.id)


@needs_sandbox
def test_sandbox_helpers_read_a_sent_message(sent_to_sandbox: tuple[MailtrapSandbox, str]) -> None:
    sandbox, subject = sent_to_sandbox
    found = sandbox.wait_for(subject=subject, to="to@example.com", timeout=60, poll_interval=2)
    assert (found.text or "").strip() == "Live text"
    assert found.headers["subject"] == subject
    assert subject.encode() in found.raw
    assert [(a.filename, a.content) for a in found.attachments] == [("note.txt", b"attached")]
    assert "Score" in found.spam_report
    assert isinstance(found.html_analysis, dict)
