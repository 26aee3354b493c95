"""One-line explanations of failed account-API calls, for people reading a terminal.

`MailtrapAPIError`'s text names the URL and, under it, the whole response body; a
command line wants one sentence saying what to do: the `STATUS_HINTS` line for the
answers a user can act on (401, 403, 404, 429), Mailtrap's own words for a refused
request (422), or what went wrong on the way (a connection error).
"""

from __future__ import annotations

from typing import Any

from .client import STATUS_HINTS, MailtrapAPIError


def error_words(body: Any) -> str:
    """Mailtrap's error texts, flattened (MAILTRAP_API.md §1.1): `errors` or `error` as a
    string, a list, or a dict of field -> messages."""
    if not isinstance(body, dict):
        return ""
    found = body.get("errors", body.get("error"))
    if isinstance(found, str):
        return found
    if isinstance(found, list):
        return "; ".join(str(item) for item in found)
    if isinstance(found, dict):
        parts = []
        for field, messages in found.items():
            texts = messages if isinstance(messages, list) else [messages]
            parts.append(f"{field} {', '.join(str(text) for text in texts)}")
        return "; ".join(parts)
    return ""


def response_body(error: MailtrapAPIError) -> Any:
    """The parsed JSON body of the error's response, or None."""
    try:
        return error.response.json() if error.response is not None else None
    except ValueError:
        return None


def explain(error: MailtrapAPIError) -> str:
    """What failed and what to do, in one line (never the token: no part of it holds one)."""
    status = error.status_code
    if status in STATUS_HINTS:
        return STATUS_HINTS[status]
    if status is not None:
        words = error_words(response_body(error))
        detail = f": {words}" if words else ""
        return f"Mailtrap refused the request (HTTP {status}){detail}."
    first_line = str(error.args[0]) if error.args else error.problem
    return f"{first_line}."
