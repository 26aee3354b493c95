"""Stand-ins for the sandbox's spam report and HTML analysis.

Mailtrap runs SpamAssassin and an email-client support check; the emulator runs neither. It
answers with the same structures, filled by a few fixed, deterministic rules, so clients can
parse and display them -- not to judge real mail.
"""

from __future__ import annotations

import re
from typing import Any

from .mime import ParsedMessage

SPAM_THRESHOLD = 5.0

#: (rule name, CSS/HTML pattern, email clients that do not support it).
HTML_RULES: tuple[tuple[str, re.Pattern[str], dict[str, list[str]]], ...] = (
    (
        "style",
        re.compile(r"<style\b", re.IGNORECASE),
        {"desktop": ["Notes 6 / 7"], "mobile": ["Gmail"], "web": []},
    ),
    (
        "display",
        re.compile(r"\bdisplay\s*:", re.IGNORECASE),
        {"desktop": ["Outlook 2007-16", "Windows 10 Mail"], "mobile": ["BlackBerry"], "web": []},
    ),
    (
        "background-image",
        re.compile(r"\bbackground-image\s*:", re.IGNORECASE),
        {"desktop": ["Outlook 2007-16"], "mobile": [], "web": ["Yahoo! Mail"]},
    ),
)


def _rule(points: float, name: str, description: str) -> dict[str, Any]:
    return {"Pts": points, "RuleName": name, "Description": description}


def spam_report(parsed: ParsedMessage) -> dict[str, Any]:
    """The `report` object of `spam_report`: SpamAssassin-style score and rule details."""
    details: list[dict[str, Any]] = [
        _rule(-0.001, "NO_RELAYS", "Informational: message was not relayed via SMTP")
    ]
    if parsed.html:
        details.append(_rule(0.0, "HTML_MESSAGE", "BODY: HTML included in message"))
        if not parsed.text:
            details.append(
                _rule(0.1, "MIME_HTML_ONLY", "BODY: Message only has text/html MIME parts")
            )
    score = round(sum(d["Pts"] for d in details), 3)
    spam = score >= SPAM_THRESHOLD
    return {
        "ResponseCode": 2,
        "ResponseMessage": "Spam" if spam else "Not spam",
        "ResponseVersion": "1.2",
        "Score": score,
        "Spam": spam,
        "Threshold": SPAM_THRESHOLD,
        "Details": details,
    }


def html_analysis(html: str | None) -> dict[str, Any]:
    """The `report` object of `analyze`: one error per rule and HTML line that uses it."""
    errors: list[dict[str, Any]] = []
    for line_number, line in enumerate((html or "").splitlines(), start=1):
        for rule_name, pattern, clients in HTML_RULES:
            if pattern.search(line):
                errors.append(
                    {
                        "error_line": line_number,
                        "rule_name": rule_name,
                        "email_clients": {kind: list(names) for kind, names in clients.items()},
                    }
                )
    return {"status": "success", "errors": errors}
