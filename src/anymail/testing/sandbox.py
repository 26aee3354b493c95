"""Read back what your tests sent to a Mailtrap sandbox -- at Mailtrap or in the emulator.

    sandbox = MailtrapSandbox.from_settings()      # MAILTRAP_API_TOKEN, MAILTRAP_SANDBOX_ID
    sandbox.clean()
    send_welcome_email(user)                       # your code, sending to the sandbox
    message = sandbox.wait_for(to=user.email, subject="Welcome")
    assert "https://example.com/activate/" in message.html

Messages arrive at the sandbox a moment after the send call returns, so `wait_for` polls
(every `poll_interval` seconds, for at most `timeout`). Bodies, headers, attachments and
reports are fetched on first use and kept.
"""

from __future__ import annotations

import email
import re
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import default as default_policy
from functools import cached_property
from typing import Any, cast

from ..mailtrap.account_api import AccountAPI
from ..mailtrap.accounts import scope_account
from ..mailtrap.client import ESP_NAME, MailtrapAPIError
from ..mailtrap.sandbox_api import SandboxAPI
from ..settings import get_anymail_setting

#: Messages a page of Mailtrap's sandbox message list holds.
PAGE_SIZE = 30
#: Pages of the newest messages `find` (and so each poll of `wait_for`) looks through.
SEARCH_PAGES = 3


class SandboxTimeout(AssertionError):
    """No matching message arrived in time (an AssertionError: a failed test, not a crash)."""


class CapturedAttachment:
    """An attachment (or inline part) of a captured message; `content` fetched on use."""

    def __init__(self, sandbox: SandboxAPI, data: dict[str, Any]) -> None:
        self._sandbox = sandbox
        self.data = data
        self.filename: str = str(data.get("filename") or "")
        self.content_type: str = str(data.get("content_type") or "")
        #: "attachment" or "inline"
        self.attachment_type: str = str(data.get("attachment_type") or "")
        self.content_id: str | None = data.get("content_id")
        self.size: int = int(data.get("attachment_size") or 0)

    def __repr__(self) -> str:
        return f"<CapturedAttachment {self.filename!r} {self.content_type}>"

    @cached_property
    def content(self) -> bytes:
        return self._sandbox.attachment_content(self.data)


class CapturedMessage:
    """One message in the sandbox: its summary now, everything else on first use."""

    def __init__(self, sandbox: SandboxAPI, data: dict[str, Any]) -> None:
        self._sandbox = sandbox
        #: The sandbox message object as Mailtrap answered it.
        self.data = data
        self.id: int = int(data.get("id") or 0)
        self.subject: str = str(data.get("subject") or "")
        self.from_email: str = str(data.get("from_email") or "")
        self.sent_at: str = str(data.get("sent_at") or "")

    def __repr__(self) -> str:
        return f"<CapturedMessage {self.id} to {self.to} {self.subject!r}>"

    @property
    def to(self) -> list[str]:
        """The To addresses (as Mailtrap lists them, comma-separated in `to_email`)."""
        listed = str(self.data.get("to_email") or "")
        return [address.strip() for address in listed.split(",") if address.strip()]

    @property
    def recipients(self) -> list[str]:
        """Every envelope recipient (To, Cc and Bcc), lower case."""
        smtp = self.data.get("smtp_information") or {}
        envelope = (smtp.get("data") or {}).get("rcpt_to_addrs") or []
        return [address.lower() for address in dict.fromkeys([*self.to, *envelope])]

    def _body(self, part: str) -> str | None:
        try:
            return self._sandbox.body(self.id, part).decode("utf-8", errors="replace")
        except MailtrapAPIError as error:
            if error.status_code in (404, 409):  # the message has no such part
                return None
            raise

    @cached_property
    def text(self) -> str | None:
        """The plain-text body, or None when the message has none."""
        return self._body("txt")

    @cached_property
    def html(self) -> str | None:
        """The HTML body as sent (Mailtrap's `htmlsource`), or None."""
        return self._body("htmlsource")

    @cached_property
    def raw(self) -> bytes:
        """The whole MIME message, as the sandbox received it."""
        return self._sandbox.body(self.id, "eml")

    @cached_property
    def headers(self) -> dict[str, str]:
        """Header name (lower case) -> value."""
        return self._sandbox.headers(self.id)

    @cached_property
    def attachments(self) -> list[CapturedAttachment]:
        return [CapturedAttachment(self._sandbox, a) for a in self._sandbox.attachments(self.id)]

    @cached_property
    def spam_report(self) -> dict[str, Any]:
        """SpamAssassin's verdict: `Score`, `Spam`, `Threshold`, `Details`."""
        return self._sandbox.spam_report(self.id)

    @cached_property
    def html_analysis(self) -> dict[str, Any]:
        """Mailtrap's HTML check: which email clients miss which parts (`errors`)."""
        return self._sandbox.html_analysis(self.id)

    def as_email_message(self) -> EmailMessage:
        """The raw source parsed by the standard library."""
        return cast(EmailMessage, email.message_from_bytes(self.raw, policy=default_policy))


def _matches(
    message: CapturedMessage,
    to: str | None,
    subject: str | re.Pattern[str] | None,
    where: Callable[[CapturedMessage], bool] | None,
) -> bool:
    if to is not None and to.lower() not in message.recipients:
        return False
    if isinstance(subject, str) and message.subject != subject:
        return False
    if isinstance(subject, re.Pattern) and not subject.search(message.subject):
        return False
    return where is None or where(message)


class MailtrapSandbox:
    """A Mailtrap sandbox seen from a test: list, wait for, read and clean its messages."""

    def __init__(self, api: AccountAPI, sandbox_id: int | str) -> None:
        self.api = SandboxAPI(api, sandbox_id)

    @classmethod
    def from_settings(cls, **overrides: Any) -> MailtrapSandbox:
        """From the ANYMAIL settings (MAILTRAP_API_TOKEN, MAILTRAP_SANDBOX_ID, and the API
        URLs: MAILTRAP_API_URL pointing at the emulator is followed), or keyword overrides
        (`sandbox_id=`, `api_token=`, `account_api_url=`, `account_id=`). The account is
        chosen as `manage.py mailtrap` chooses it (anymail.mailtrap.accounts): one call."""
        options = dict(overrides)
        sandbox_id = get_anymail_setting("sandbox_id", esp_name=ESP_NAME, kwargs=options)
        api = AccountAPI.from_settings(**options)
        sandbox = cls(api, sandbox_id)  # a bad id fails here, before any call
        scope_account(api)
        return sandbox

    @property
    def sandbox_id(self) -> str:
        return self.api.sandbox_id

    def __repr__(self) -> str:
        return f"<MailtrapSandbox {self.sandbox_id}>"

    def messages(self, *, search: str | None = None, page: int = 1) -> list[CapturedMessage]:
        """One page (30) of messages, newest first; `search` narrows them as Mailtrap's
        inbox search does (subject and To addresses)."""
        found = self.api.messages(search=search, page=page)
        return [CapturedMessage(self.api, item) for item in found]

    def message(self, message_id: int | str) -> CapturedMessage:
        return CapturedMessage(self.api, self.api.message(message_id))

    def find(
        self,
        *,
        to: str | None = None,
        subject: str | re.Pattern[str] | None = None,
        where: Callable[[CapturedMessage], bool] | None = None,
    ) -> list[CapturedMessage]:
        """The newest messages (up to SEARCH_PAGES pages) matching all that is given:
        `to` (any envelope recipient, case-insensitive), `subject` (equal, or a pattern
        found in it), `where` (your own test)."""
        matched = []
        for page in range(1, SEARCH_PAGES + 1):
            found = self.messages(page=page)
            matched += [m for m in found if _matches(m, to, subject, where)]
            if len(found) < PAGE_SIZE:
                break
        return matched

    def wait_for(
        self,
        *,
        to: str | None = None,
        subject: str | re.Pattern[str] | None = None,
        where: Callable[[CapturedMessage], bool] | None = None,
        timeout: float = 10.0,
        poll_interval: float = 0.5,
    ) -> CapturedMessage:
        """The newest message matching (see `find`), waiting up to `timeout` seconds for
        it; SandboxTimeout (an AssertionError) names what arrived instead."""
        deadline = time.monotonic() + timeout
        while True:
            matched = self.find(to=to, subject=subject, where=where)
            if matched:
                return matched[0]
            if time.monotonic() + poll_interval > deadline:
                break
            time.sleep(poll_interval)
        seen = [f"{m.subject!r} to {', '.join(m.recipients)}" for m in self.messages()[:5]]
        wanted = ", ".join(
            f"{name}={value!r}"
            for name, value in (("to", to), ("subject", subject), ("where", where))
            if value is not None
        )
        raise SandboxTimeout(
            f"No message matching {wanted or 'anything'} arrived in sandbox {self.sandbox_id} "
            f"within {timeout:g} s; newest: {'; '.join(seen) or 'none'}"
        )

    def clean(self) -> None:
        """Delete every message in the sandbox."""
        self.api.clean()
