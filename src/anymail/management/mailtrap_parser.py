"""The arguments of `manage.py mailtrap`: subcommands, their options, and usage errors.

Usage errors exit with status 2, also under `call_command` (where Django's parser would
raise a CommandError with status 1), so scripts can tell them from problems found.
"""

from __future__ import annotations

import argparse
import re
from datetime import datetime, timedelta, timezone
from typing import Any, NoReturn

from django.core.management.base import CommandError, CommandParser

from ..mailtrap.webhooks_api import EVENT_TYPES, PAYLOAD_FORMATS, SENDING_STREAMS

USAGE_ERROR = 2
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class UsageParser(CommandParser):
    """Django's CommandParser whose errors carry exit status 2 under call_command."""

    def error(self, message: str) -> NoReturn:
        if self.called_from_command_line:
            super().error(message)  # argparse: usage on stderr, exit status 2
        raise CommandError(f"Error: {message}", returncode=USAGE_ERROR)


def since(value: str) -> datetime:
    """`2d`, `12h`, `30m`, `1w` (ago), or an ISO 8601 date or time (UTC unless it says)."""
    match = _DURATION.match(value)
    if match:
        amount = int(match.group(1)) * _SECONDS[match.group(2)]
        return datetime.now(timezone.utc) - timedelta(seconds=amount)
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is neither an age like 2d, 12h, 30m nor an ISO date like 2026-11-30"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def event_types(value: str) -> list[str]:
    """`all` or a comma-separated list of Mailtrap event types."""
    if value.strip() == "all":
        return list(EVENT_TYPES)
    chosen = [item.strip() for item in value.split(",") if item.strip()]
    unknown = [item for item in chosen if item not in EVENT_TYPES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown event type(s) {', '.join(unknown) or '(none)'}: "
            f"choose from {', '.join(EVENT_TYPES)}, or 'all'"
        )
    return chosen


def positive_int(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return int(value)


def _common() -> argparse.ArgumentParser:
    """Options every subcommand takes (after the subcommand's name)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json", action="store_true", help="Print JSON for scripts instead of text."
    )
    common.add_argument(
        "--account-id",
        type=positive_int,
        default=None,
        help="Mailtrap account id (default: MAILTRAP_ACCOUNT_ID, else the token's only "
        "account, else token-scoped calls).",
    )
    return common


def add_subcommands(parser: CommandParser) -> None:
    """Every subcommand of `manage.py mailtrap`."""
    common = _common()
    actions = parser.add_subparsers(
        dest="action", metavar="SUBCOMMAND", required=True, parser_class=UsageParser
    )

    def add(subparsers: Any, name: str, text: str, leaf: bool = True) -> argparse.ArgumentParser:
        """A subcommand; the options every command takes go on the last word only."""
        parsed: argparse.ArgumentParser = subparsers.add_parser(
            name, help=text, description=text, parents=[common] if leaf else []
        )
        return parsed

    add(
        actions,
        "check",
        "Check the token, accounts, sending domains, sandbox and this site's webhooks; "
        "exit status 1 when something needs fixing.",
    )
    _add_webhooks(actions, add)
    logs = add(
        actions,
        "logs",
        "One sent message's status and events (logs MESSAGE_ID), or a list of sent "
        "messages (logs --to ADDRESS --since 2d), from Mailtrap's Email Logs.",
    )
    logs.add_argument("message_id", nargs="?", help="Mailtrap message id (from anymail_status).")
    logs.add_argument("--to", help="List messages sent to this address.")
    logs.add_argument("--since", type=since, help="List messages sent since: 2d, 12h, a date.")
    logs.add_argument("--status", choices=["delivered", "not_delivered", "enqueued", "opted_out"])
    logs.add_argument("--limit", type=positive_int, default=50, help="At most this many (50).")
    suppressions = add(
        actions, "suppressions", "The addresses Mailtrap will not send to.", leaf=False
    )
    which = suppressions.add_subparsers(
        dest="suppressions_action", metavar="ACTION", required=True, parser_class=UsageParser
    )
    listing = add(which, "list", "List suppressed addresses.")
    listing.add_argument("--email", help="Only this address.")
    listing.add_argument("--since", type=since, help="Suppressed since: 2d, 12h, a date.")
    deleting = add(which, "delete", "Delete a suppression: mail reaches the address again.")
    deleting.add_argument("suppression_id", help="The entry's id (from suppressions list).")


def _add_webhooks(actions: Any, add: Any) -> None:
    webhooks = add(
        actions, "webhooks", "List, create, update or delete Mailtrap webhooks.", leaf=False
    )
    which = webhooks.add_subparsers(
        dest="webhooks_action", metavar="ACTION", required=True, parser_class=UsageParser
    )
    add(which, "list", "List the account's webhooks.")
    create = add(
        which,
        "create",
        "Create a webhook and print its signing secret (shown once) with the settings "
        "line to paste. A URL without a path gets this site's anymail.urls path.",
    )
    target = create.add_mutually_exclusive_group(required=True)
    target.add_argument("--tracking", metavar="URL", help="Sending events (delivery, bounce...).")
    target.add_argument("--inbound", metavar="URL", help="Inbound mail (needs --inbox).")
    create.add_argument("--inbox", type=positive_int, help="Inbound inbox id (--inbound).")
    create.add_argument(
        "--stream",
        choices=SENDING_STREAMS,
        default="transactional",
        help="--tracking: the sending stream whose events are posted (transactional).",
    )
    create.add_argument(
        "--events", type=event_types, default=list(EVENT_TYPES), help="Comma-separated or all."
    )
    create.add_argument(
        "--format", choices=PAYLOAD_FORMATS, default="json", dest="format", help="(json)"
    )
    create.add_argument("--domain-id", type=positive_int, help="Only this sending domain's mail.")
    create.add_argument("--paused", action="store_true", help="Create it inactive.")
    update = add(which, "update", "Change a webhook's URL, events, format, inbox or state.")
    update.add_argument("webhook_id", type=positive_int, help="From webhooks list.")
    update.add_argument("--url", help="The new URL (taken as given).")
    update.add_argument("--events", type=event_types, help="Comma-separated or all.")
    update.add_argument("--format", choices=PAYLOAD_FORMATS, dest="format")
    update.add_argument("--inbox", type=positive_int, help="Inbound inbox id.")
    state = update.add_mutually_exclusive_group()
    state.add_argument("--active", action="store_true", default=None, help="Resume it.")
    state.add_argument("--paused", action="store_true", default=None, help="Pause it.")
    delete = add(which, "delete", "Delete a webhook.")
    delete.add_argument("webhook_id", type=positive_int, help="From webhooks list.")
