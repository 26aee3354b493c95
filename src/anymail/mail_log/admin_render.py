"""What the log's admin pages show beyond plain fields: links to Mailtrap, a recipient
summary per listed message, and each recipient's event timeline.

Everything is escaped (format_html); a click event's URL is shown as text, not a link:
following a tracked link (an unsubscribe link, say) from the admin would act for the
recipient.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from ..settings import SettingsReader
from .models import Recipient
from .status import Stream

if TYPE_CHECKING:
    from .models import MessageEvent, SentMessage

#: Where Mailtrap's web app shows one sent message. UNVERIFIED: Mailtrap documents its
#: Email Logs page (https://mailtrap.io/sending/email_logs) but not a per-message URL;
#: set ANYMAIL["MAIL_LOG_MAILTRAP_URL"] to the form your account uses, or None for no links.
DEFAULT_MAILTRAP_URL = "https://mailtrap.io/sending/email_logs/{message_id}"
PLACEHOLDER = "{message_id}"
#: Events shown per recipient (the newest; a note says when older ones exist).
MAX_EVENTS = 50
#: The attribute a listed SentMessage carries its recipient summary in.
SUMMARY = "_mail_log_recipients"

#: Event details worth showing, in this order, with their labels.
DETAIL_LABELS = {
    "reject_reason": "reason",
    "reason": "reason",
    "bounce_category": "bounce category",
    "response_code": "response code",
    "mta_response": "MTA response",
    "description": "description",
    "click_url": "URL",
    "user_agent": "user agent",
}


def mailtrap_url_template() -> str | None:
    """MAIL_LOG_MAILTRAP_URL, checked: an http(s) URL containing {message_id}, or None."""
    reader = SettingsReader("", {})
    value: Any = reader.get("mail_log_mailtrap_url", DEFAULT_MAILTRAP_URL)
    if value is None:
        return None
    valid = isinstance(value, str) and value.startswith(("https://", "http://"))
    if not valid or PLACEHOLDER not in value:
        expected = f"an http(s) URL containing {PLACEHOLDER}, or None (no links)"
        raise reader.error("mail_log_mailtrap_url", value, expected)
    return str(value)


def mailtrap_url(recipient: Recipient, template: str | None) -> str | None:
    """The recipient's copy in Mailtrap's web app: none before Mailtrap accepted it, and
    none for the sandbox (its messages live in an inbox, not in Email Logs)."""
    message_id = recipient.mailtrap_message_id
    if template is None or not message_id or recipient.message.stream == Stream.SANDBOX:
        return None
    return template.replace(PLACEHOLDER, quote(message_id, safe=""))


def mailtrap_link(recipient: Recipient) -> SafeString | str:
    url = mailtrap_url(recipient, mailtrap_url_template())
    if url is None:
        return ""
    return format_html(
        '<a class="mailtrap-link" href="{}" rel="noopener">Open in Mailtrap</a>', url
    )


def attach_recipient_summaries(messages: Iterable[SentMessage], using: str) -> None:
    """Give each listed message its recipient summary, in one query for the whole page
    (never one per row)."""
    page = list(messages)
    if not page:
        return
    counts = (
        Recipient.objects.using(using)
        .filter(message__in=[message.pk for message in page])
        .values("message_id")
        .annotate(count=Count("id"), first_to=Min("email", filter=Q(kind="to")), first=Min("email"))
        .order_by()
    )
    by_message = {row["message_id"]: row for row in counts}
    for message in page:
        row = by_message.get(message.pk)
        setattr(message, SUMMARY, summary_text(row) if row else "")


def summary_text(row: dict[str, Any]) -> str:
    """The first `to` address, and how many more: "ana@example.org +2"."""
    first = row["first_to"] or row["first"]
    more = row["count"] - 1
    return f"{first} +{more}" if more else str(first)


def recipient_summary(message: SentMessage) -> str:
    return str(getattr(message, SUMMARY, ""))


def timeline(events: Sequence[MessageEvent]) -> SafeString | str:
    """A recipient's events, oldest first: time, what happened, the details that say why.
    `events` are the newest MAX_EVENTS + 1, newest first (as prefetched)."""
    if not events:
        return "No events yet"
    shown = list(events[:MAX_EVENTS])[::-1]
    items = format_html_join(
        "",
        '<li><time datetime="{}">{}</time> <strong>{}</strong>{}</li>',
        ((e.timestamp.isoformat(), local_time(e.timestamp), label(e), details(e)) for e in shown),
    )
    older = (
        format_html("<li>(older events not shown: only the newest {})</li>", MAX_EVENTS)
        if len(events) > MAX_EVENTS
        else ""
    )
    return format_html('<ul class="mail-log-timeline">{}{}</ul>', older, items)


def local_time(moment: datetime) -> str:
    """A moment to the second, in the current time zone, named."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def short_time(moment: datetime) -> str:
    """A moment to the second, in the current time zone (for list columns)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def label(event: MessageEvent) -> str:
    """Anymail's type, and Mailtrap's name when it differs: "deferred (soft bounce)"."""
    text = event.event_type
    if event.esp_event_type and event.esp_event_type != event.event_type:
        text += f" ({event.esp_event_type})"
    if event.source != "webhook":
        text += f" [from {event.source}]"
    return text


def details(event: MessageEvent) -> SafeString | str:
    found = event.details if isinstance(event.details, dict) else {}
    parts = [(name, found[name]) for name in DETAIL_LABELS if found.get(name) not in (None, "")]
    if not parts:
        return ""
    pairs = format_html_join("; ", "{}: {}", ((DETAIL_LABELS[n], str(v)) for n, v in parts))
    return format_html(" &mdash; {}", pairs)
