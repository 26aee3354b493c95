"""The `filters[...]` of `GET /api/email_logs` (the spec's `EmailLogsListFilters`).

A deep-object query: `filters[to][operator]=ci_equal&filters[to][value]=ana@example.org`,
array values as `filters[status][value][]=delivered&filters[status][value][]=enqueued`, and
the date range as `filters[sent_after]=<ISO 8601>` / `filters[sent_before]=...`. As the spec
says, unknown filters -- and here also operators a field does not take, and values that do
not parse -- are ignored. `ci_*` operators compare case-insensitively.

Filters apply to log entries (email_logs.log_entry) that also carry their `events`
(email_logs.log_event); a field with several values (e.g. `sending_ip` of several events)
matches `equal`/`contain` if any value does, and `not_*` if none does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

_KEY = re.compile(r"^filters\[(\w+)\](?:\[(operator|value)\](\[\])?)?$")

_CI_TEXT = frozenset({"ci_equal", "ci_not_equal", "ci_contain", "ci_not_contain"})
_TEXT = frozenset({"equal", "not_equal", "contain", "not_contain"})
_EQUALITY = frozenset({"equal", "not_equal"})
_COUNT = frozenset({"equal", "greater_than", "less_than"})


def _detail(name: str) -> Callable[[dict[str, Any]], list[Any]]:
    """Every value of one event detail (e.g. `recipient_mx`) over an entry's events."""
    return lambda entry: [e["details"][name] for e in entry["events"] if name in e["details"]]


def _field(name: str) -> Callable[[dict[str, Any]], list[Any]]:
    return lambda entry: [entry[name]]


#: Filter name -> (values of an entry, operators it takes, whether values are integers).
FIELDS: dict[str, tuple[Callable[[dict[str, Any]], list[Any]], frozenset[str], bool]] = {
    "to": (_field("to"), _CI_TEXT, False),
    "from": (_field("from"), _CI_TEXT, False),
    "subject": (_field("subject"), _CI_TEXT | {"empty", "not_empty"}, False),
    "status": (_field("status"), _EQUALITY, False),
    "events": (
        lambda entry: [e["event_type"] for e in entry["events"]],
        frozenset({"include_event", "not_include_event"}),
        False,
    ),
    "clicks_count": (_field("clicks_count"), _COUNT, True),
    "opens_count": (_field("opens_count"), _COUNT, True),
    "client_ip": (_field("client_ip"), _TEXT, False),
    "sending_ip": (_detail("sending_ip"), _TEXT, False),
    "email_service_provider_response": (
        _detail("email_service_provider_response"),
        _CI_TEXT,
        False,
    ),
    "email_service_provider": (_detail("email_service_provider"), _EQUALITY, False),
    "recipient_mx": (_detail("recipient_mx"), _CI_TEXT, False),
    "category": (_field("category"), _EQUALITY, False),
    "domain_id": (_field("domain_id"), _EQUALITY, True),
    "sending_stream": (_field("sending_stream"), _EQUALITY, False),
}


def parse_time(text: Any) -> datetime | None:
    """An ISO 8601 date or date-time as an aware UTC datetime (naive means UTC); None if
    it does not parse."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class Condition:
    """One `filters[field]` with its operator and value(s)."""

    field: str
    operator: str
    values: tuple[Any, ...]

    def matches(self, entry: dict[str, Any]) -> bool:
        found = FIELDS[self.field][0](entry)
        op = self.operator
        if op in ("empty", "not_empty"):
            empty = all(value in (None, "") for value in found)
            return empty if op == "empty" else not empty
        negated = op.startswith("not_") or op.startswith("ci_not_")
        positive = op.replace("not_", "")
        hit = any(_compare(positive, value, wanted) for value in found for wanted in self.values)
        return not hit if negated else hit


def _compare(operator: str, value: Any, wanted: Any) -> bool:
    if value is None:
        return False
    if operator == "ci_equal":
        return str(value).lower() == str(wanted).lower()
    if operator == "ci_contain":
        return str(wanted).lower() in str(value).lower()
    if operator == "contain":
        return str(wanted) in str(value)
    if operator == "greater_than":
        return bool(value > wanted)
    if operator == "less_than":
        return bool(value < wanted)
    return bool(value == wanted)  # equal, include_event


@dataclass(frozen=True)
class EmailLogFilters:
    """The date range and the field conditions of one list request."""

    sent_after: datetime | None
    sent_before: datetime | None
    conditions: tuple[Condition, ...]

    def matches(self, entry: dict[str, Any]) -> bool:
        """Whether a log entry (with its `events`) passes every filter."""
        if self.sent_after or self.sent_before:
            sent_at = parse_time(entry["sent_at"])
            if sent_at is None:
                return False
            if self.sent_after and sent_at < self.sent_after:
                return False
            if self.sent_before and sent_at > self.sent_before:
                return False
        return all(condition.matches(entry) for condition in self.conditions)


def _values(field: str, raw: list[str]) -> tuple[Any, ...] | None:
    """The filter's value(s), as integers for the integer fields; None if one is invalid."""
    if not FIELDS[field][2]:
        return tuple(raw)
    try:
        return tuple(int(value) for value in raw)
    except ValueError:
        return None


def parse_filters(items: Iterable[tuple[str, str]]) -> EmailLogFilters:
    """Read `filters[...]` from the query's (name, value) pairs; other names are ignored."""
    dates: dict[str, datetime | None] = {}
    operators: dict[str, str] = {}
    values: dict[str, list[str]] = {}
    for name, value in items:
        match = _KEY.match(name)
        if match is None:
            continue
        field, part, is_list = match.groups()
        if part is None:
            if field in ("sent_after", "sent_before"):
                dates[field] = parse_time(value)
        elif part == "operator":
            operators[field] = value
        elif is_list:
            values.setdefault(field, []).append(value)
        else:
            values[field] = [value]
    conditions = []
    for field, operator in operators.items():
        if field not in FIELDS or operator not in FIELDS[field][1]:
            continue
        needs_value = operator not in ("empty", "not_empty")
        parsed = _values(field, values.get(field, [])) if needs_value else ()
        if parsed is None or (needs_value and not parsed):
            continue
        conditions.append(Condition(field, operator, parsed))
    return EmailLogFilters(dates.get("sent_after"), dates.get("sent_before"), tuple(conditions))
