"""Plain-text views of `manage.py mailtrap`'s results, for people at a terminal.

Nothing here holds a credential: webhook URLs are shown masked (`display_url`), the Email
Logs' pre-signed `raw_message_url` is never shown, and the only secret ever printed is a
new webhook's signing secret, once, inside the settings line to paste.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..mailtrap.checkup import PROBLEM, Checkup
from ..mailtrap.webhooks_api import EVENT_TYPES, CreatedWebhook, Webhook, display_url

LEVEL_LABELS = {"ok": "ok", "note": "note", PROBLEM: "PROBLEM"}


def table(rows: list[list[str]]) -> list[str]:
    """Rows as left-aligned columns (the first row is the heading)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def checkup_lines(report: Checkup, api_url: str) -> list[str]:
    lines = [f"Mailtrap check (account API {api_url})", ""]
    for finding in report.findings:
        label = LEVEL_LABELS.get(finding.level, finding.level)
        lines.append(f"  {label:<8} {finding.topic:<9} {finding.message}")
        if finding.fix and finding.level != "ok":
            lines.append(f"  {'':<8} {'':<9} fix: {finding.fix}")
    problems = len(report.problems)
    lines.append("")
    lines.append(
        f"{problems} problem{'s' if problems > 1 else ''} found."
        if problems
        else "No problems found: Mailtrap is set up."
    )
    return lines


def _events(hook: Webhook) -> str:
    if set(hook.event_types) >= set(EVENT_TYPES):
        return "all"
    return ", ".join(hook.event_types) or "-"


def webhook_rows(hooks: Iterable[Webhook]) -> list[str]:
    rows = [["ID", "TYPE", "STREAM/INBOX", "STATE", "FORMAT", "EVENTS", "URL"]]
    for hook in hooks:
        target = hook.sending_stream or (
            f"inbox {hook.inbound_inbox_id}" if hook.inbound_inbox_id else "-"
        )
        rows.append(
            [
                str(hook.id),
                hook.webhook_type,
                target,
                "active" if hook.active else "paused",
                hook.payload_format,
                _events(hook),
                display_url(hook.url),
            ]
        )
    return table(rows) if len(rows) > 1 else ["No webhooks."]


def created_lines(created: CreatedWebhook, secrets_already_set: int) -> list[str]:
    hook = created.webhook
    lines = webhook_rows([hook])
    lines[:0] = [f"Created webhook {hook.id}.", ""]
    setting = hook.secret_setting
    if created.signing_secret.value is None or setting is None:
        return [*lines, "", "Mailtrap returned no signing secret for it."]
    lines += [
        "",
        "Mailtrap shows this webhook's signing secret only now. Add this line to the",
        "ANYMAIL dict in your Django settings (or your secrets store):",
        "",
        f"    {created.settings_line}",
        "",
    ]
    if secrets_already_set:
        lines.append(
            f"{setting} is already set: to accept this webhook and the one(s) before, make "
            "it a list of all their secrets."
        )
    else:
        lines.append(f"Anymail then accepts only calls signed with it ({setting}).")
    return lines


def _cell(value: Any) -> str:
    return "-" if value in (None, "") else str(value)


def log_lines(message: dict[str, Any]) -> list[str]:
    lines = [
        f"Message {message.get('message_id')}: {message.get('status')}",
        f"  from      {_cell(message.get('from'))}",
        f"  to        {_cell(message.get('to'))}",
        f"  subject   {_cell(message.get('subject'))}",
        f"  sent at   {_cell(message.get('sent_at'))}",
        f"  stream    {_cell(message.get('sending_stream'))}"
        f"   category {_cell(message.get('category'))}",
        f"  opens     {message.get('opens_count', 0)}   clicks {message.get('clicks_count', 0)}",
        "",
    ]
    events = message.get("events") or []
    if not events:
        return [*lines, "No events yet."]
    rows = [["TIME", "EVENT", "DETAILS"]]
    for event in events:
        details = event.get("details") or {}
        text = ", ".join(f"{k}={v}" for k, v in details.items() if v not in (None, ""))
        rows.append([_cell(event.get("created_at")), _cell(event.get("event_type")), text])
    return [*lines, *table(rows)]


def records(items: list[dict[str, Any]], columns: dict[str, str]) -> list[str]:
    """API objects as a table: heading -> the field shown under it."""
    rows = [list(columns)]
    rows += [[_cell(item.get(field)) for field in columns.values()] for item in items]
    return table(rows)


LOG_COLUMNS = {
    "SENT AT": "sent_at",
    "STATUS": "status",
    "TO": "to",
    "SUBJECT": "subject",
    "MESSAGE ID": "message_id",
}
SUPPRESSION_COLUMNS = {
    "ID": "id",
    "TYPE": "type",
    "STREAM": "sending_stream",
    "EMAIL": "email",
    "SINCE": "created_at",
}


def log_list_lines(messages: list[dict[str, Any]], truncated: bool) -> list[str]:
    if not messages:
        return ["No messages found."]
    more = ["(more messages match: raise --limit to see them)"] if truncated else []
    return [*records(messages, LOG_COLUMNS), *more]


def suppression_lines(entries: list[dict[str, Any]]) -> list[str]:
    return records(entries, SUPPRESSION_COLUMNS) if entries else ["No suppressions."]
