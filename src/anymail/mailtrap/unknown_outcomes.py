"""Settle "unknown outcome" sends by looking them up in Mailtrap's Email Logs.

A send whose answer never came (connection dropped after the request went out, read
timeout, 5xx) may or may not have been accepted, and Mailtrap's send API has no
idempotency key to ask with. Its Email Logs can tell: a message accepted by Mailtrap is
logged per recipient with its subject and time. So the unknown messages' recipients are
looked up together (one list call per `RECIPIENTS_PER_CALL`, under the list endpoint's
60 calls a minute) among the messages logged since the run started, and each message
claims, per recipient, the oldest entry with its subject that no other message of the run
has: the sent messages' own ids are claimed first.

* every recipient found -> sent (statuses from the log's message ids);
* no recipient found, also after a second look `recheck_delay` seconds later (Mailtrap may
  log with a short delay) -> not accepted: safe to send again;
* some found, or the lookup failed (e.g. the token may not read logs) -> still unknown.

Two identical messages (same recipient and subject) sent by *another* process in the
same seconds could be mistaken for each other; a run's own messages cannot.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import requests
from django.core.mail import EmailMessage

from ..addresses import parse_address_list
from ..exceptions import AnymailError
from ..sending.retry import RetryPolicy
from ..settings import SettingsReader
from .account_api import AccountAPI, default_account_api_url
from .email_logs import EmailLogs

logger = logging.getLogger("anymail.mailtrap")

#: Our clock vs Mailtrap's: look this far before the run started.
CLOCK_SKEW = timedelta(seconds=5)
#: Recipients looked up per message; larger messages stay unknown.
MAX_RECIPIENTS = 20
#: Recipients per list call (`filters[to][value][]`), to keep the query string short.
RECIPIENTS_PER_CALL = 50
#: The run's caller is waiting: one quick retry, then leave the outcome unknown.
LOOKUP_RETRY = RetryPolicy(attempts=2, backoff=0.2, max_time=5.0, on_server_errors=True)

#: Per message: recipient -> Mailtrap message id (sent), False (not accepted), None (unknown).
Found = dict[str, str] | bool | None


class UnknownOutcomes:
    """Looks up one run's unknown messages in the Email Logs (see the module docstring)."""

    def __init__(
        self,
        logs: EmailLogs,
        recheck_delay: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.logs = logs
        self.recheck_delay = recheck_delay
        self.sleep = sleep

    def resolve(
        self,
        unknown: Sequence[EmailMessage],
        sent: Iterable[EmailMessage],
        since: datetime,
        session: requests.Session | None = None,
    ) -> list[Found]:
        """One resolution per message of `unknown`, in order (on the backend's `session`
        when it has one open)."""
        claimed = {mid for message in sent for mid in _message_ids(message)}
        since = since.astimezone(timezone.utc) - CLOCK_SKEW
        found = self._look(unknown, since, claimed, session)
        missing = [i for i, result in enumerate(found) if result is False]
        if missing and self.recheck_delay > 0:
            self.sleep(self.recheck_delay)
            again = self._look([unknown[i] for i in missing], since, claimed, session)
            for i, result in zip(missing, again, strict=True):
                found[i] = result
        return found

    def _look(
        self,
        messages: Sequence[EmailMessage],
        since: datetime,
        claimed: set[str],
        session: requests.Session | None,
    ) -> list[Found]:
        wanted = [_lookup_recipients(message) for message in messages]
        emails = list(dict.fromkeys(email for group in wanted for email in group or ()))
        try:
            logged = self._logged(emails, since, session)
        except AnymailError as error:
            logger.warning("Could not look up sends of unknown outcome: %s", error)
            return [None] * len(messages)
        return [
            None if group is None else _claim(group, _subject(message), logged, claimed)
            for message, group in zip(messages, wanted, strict=True)
        ]

    def _logged(
        self, emails: list[str], since: datetime, session: requests.Session | None
    ) -> dict[str, list[dict[str, Any]]]:
        """Log entries since `since` per recipient, oldest first."""
        logged: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for start in range(0, len(emails), RECIPIENTS_PER_CALL):
            chunk = emails[start : start + RECIPIENTS_PER_CALL]
            for entry in self.logs.search(to=chunk, sent_after=since, session=session):
                if _logged_since(entry, since):
                    logged[str(entry.get("to") or "").lower()].append(entry)
        for entries in logged.values():
            entries.reverse()  # the log lists newest first
        return logged


def _claim(
    emails: list[str],
    subject: str | None,
    logged: dict[str, list[dict[str, Any]]],
    claimed: set[str],
) -> Found:
    """Claim, per recipient, the oldest unclaimed entry with the message's subject."""
    if not emails:
        return None
    ids: dict[str, str] = {}
    for email in emails:
        for entry in logged.get(email, ()):
            message_id = str(entry.get("message_id") or "")
            if message_id and message_id not in claimed and _same_subject(entry, subject):
                claimed.add(message_id)
                ids[email] = message_id
                break
    if not ids:
        return False
    return ids if len(ids) == len(emails) else None


def _subject(message: EmailMessage) -> str | None:
    return str(message.subject) if message.subject else None


def _same_subject(entry: dict[str, Any], subject: str | None) -> bool:
    """A message without a subject (a template's) matches any logged subject."""
    return subject is None or str(entry.get("subject") or "") == subject


def _lookup_recipients(message: EmailMessage) -> list[str] | None:
    """The addresses Mailtrap logs a message under -- its To (else Cc, Bcc), lowercased --
    or None when it cannot be looked up."""
    for field, addresses in (("to", message.to), ("cc", message.cc), ("bcc", message.bcc)):
        if addresses:
            try:
                parsed = parse_address_list(addresses, field=field)
            except AnymailError:
                return None
            emails = list(dict.fromkeys(address.addr_spec.lower() for address in parsed))
            return emails if len(emails) <= MAX_RECIPIENTS else None
    return None


def _logged_since(entry: dict[str, Any], since: datetime) -> bool:
    """Whether a log entry's `sent_at` is at or after `since` (unparsable: assume so)."""
    try:
        sent_at = datetime.fromisoformat(str(entry.get("sent_at", "")).replace("Z", "+00:00"))
    except ValueError:
        return True
    if sent_at.tzinfo is None:
        sent_at = sent_at.replace(tzinfo=timezone.utc)
    return sent_at >= since


def _message_ids(message: EmailMessage) -> set[str]:
    status = getattr(message, "anymail_status", None)
    recipients = getattr(status, "recipients", None) or {}
    return {str(s.message_id) for s in recipients.values() if s.message_id is not None}


@dataclass(frozen=True)
class LookupSettings:
    """MAILTRAP_RESOLVE_UNKNOWN_OUTCOMES (default on), MAILTRAP_UNKNOWN_RECHECK_DELAY and
    the account API to look in, read (and checked) while the backend reads its settings."""

    enabled: bool
    recheck_delay: float
    api_url: str
    account_id: Any

    @classmethod
    def read(cls, reader: SettingsReader, send_api_url: str, sandbox: bool) -> LookupSettings:
        enabled = reader.get("resolve_unknown_outcomes", True)
        if not isinstance(enabled, bool):
            raise reader.error("resolve_unknown_outcomes", enabled, "True or False")
        delay = reader.number("unknown_recheck_delay", 2.0, float, minimum=0, maximum=600)
        api_url = reader.text("account_api_url", default_account_api_url(send_api_url))
        account_id = reader.get("account_id", None) or None
        # The Email Logs do not cover sandboxes
        return cls(enabled and not sandbox, delay, api_url, account_id)

    def lookup(self, api_token: str, timeout: Any) -> UnknownOutcomes | None:
        """The backend's lookup; None when off."""
        if not self.enabled:
            return None
        api = AccountAPI(
            api_token,
            api_url=self.api_url,
            account_id=self.account_id,
            timeout=timeout,
            read_retry=LOOKUP_RETRY,
        )
        return UnknownOutcomes(EmailLogs(api), recheck_delay=self.recheck_delay)
