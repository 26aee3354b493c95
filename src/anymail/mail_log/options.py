"""The message log's settings (ANYMAIL keys, or ANYMAIL_<NAME> Django settings).

Read at each use (a send run, a webhook call): a dictionary lookup or two, and tests
and `override_settings` see their changes at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..settings import SettingsReader

#: Events for messages the log does not have: stored (and matched if their message is
#: logged later, e.g. by a send still in progress) or dropped.
KEEP, IGNORE = "keep", "ignore"

#: Every setting this app reads (registered with anymail.known_settings).
SETTING_NAMES = (
    "MAIL_LOG_ENABLED",
    "MAIL_LOG_STORE_BODIES",
    "MAIL_LOG_UNKNOWN_EVENTS",
    "MAIL_LOG_INBOUND",
    "MAIL_LOG_DATABASE",
)


@dataclass(frozen=True)
class LogOptions:
    """What the log records and where (see docs/message-log.md, "Settings")."""

    enabled: bool = True
    store_bodies: bool = False
    unknown_events: str = KEEP
    inbound: bool = False
    database: str | None = None


def read_options() -> LogOptions:
    """The current settings, checked (a wrong value raises AnymailConfigurationError)."""
    reader = SettingsReader("", {})
    return LogOptions(
        enabled=_flag(reader, "mail_log_enabled", True),
        store_bodies=_flag(reader, "mail_log_store_bodies", False),
        unknown_events=reader.choice("mail_log_unknown_events", KEEP, (KEEP, IGNORE)),
        inbound=_flag(reader, "mail_log_inbound", False),
        database=_optional_text(reader, "mail_log_database"),
    )


def _flag(reader: SettingsReader, name: str, default: bool) -> bool:
    value: Any = reader.get(name, default)
    if not isinstance(value, bool):
        raise reader.error(name, value, "True or False")
    return value


def _optional_text(reader: SettingsReader, name: str) -> str | None:
    value: Any = reader.get(name, None)
    if value is not None and (not isinstance(value, str) or not value):
        raise reader.error(name, value, "a database alias or None")
    return value
