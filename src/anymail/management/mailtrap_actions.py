"""What each `manage.py mailtrap` subcommand does: call `anymail.mailtrap`, shape the result.

Every action returns an `Outcome` -- the JSON for --json, the lines for people, and the
exit status -- and leaves printing to the command. Mailtrap errors propagate (the command
turns them into one line); problems the action itself finds set status 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

from ..exceptions import AnymailConfigurationError
from ..mailtrap.account_api import AccountAPI
from ..mailtrap.accounts import scope_account
from ..mailtrap.checkup import run_checkup
from ..mailtrap.email_logs import EmailLogs
from ..mailtrap.suppressions import Suppressions
from ..mailtrap.webhooks_api import WebhooksAPI, inbound_webhook, tracking_webhook
from . import mailtrap_text as text
from .site_facts import INBOUND_VIEW, TRACKING_VIEW, site_facts, view_path

PROBLEM_FOUND = 1


@dataclass
class Outcome:
    """A subcommand's result: `data` for --json, `lines` for text, the exit status."""

    data: Any
    lines: list[str] = field(default_factory=list)
    status: int = 0
    #: The one-line reason for a non-zero status.
    failure: str = ""


def run_action(api: AccountAPI, options: dict[str, Any]) -> Outcome:
    """Dispatch on the parsed subcommand. Each action checks its arguments before the
    first call, so a usage error is reported as one (status 2) whatever the token."""
    action = options["action"]
    if action == "check":
        return check(api)
    if action == "webhooks":
        return webhooks(api, options)
    if action == "logs":
        return logs(api, options)
    return suppressions(api, options)


def not_found(options: dict[str, Any]) -> str | None:
    """What a 404 means for the subcommand, when it names one thing by id."""
    action = options["action"]
    if action == "webhooks" and options["webhooks_action"] in ("update", "delete"):
        return (
            f"Mailtrap has no webhook {options['webhook_id']} (HTTP 404): "
            "see manage.py mailtrap webhooks list."
        )
    if action == "suppressions" and options["suppressions_action"] == "delete":
        return (
            f"Mailtrap has no suppression {options['suppression_id']} (HTTP 404): "
            "see manage.py mailtrap suppressions list."
        )
    return None


def check(api: AccountAPI) -> Outcome:
    report = run_checkup(api, site_facts())
    problems = len(report.problems)
    return Outcome(
        report.as_json(),
        text.checkup_lines(report, api.api_url),
        PROBLEM_FOUND if problems else 0,
        f"{problems} problem{'s' if problems > 1 else ''} found." if problems else "",
    )


# -- webhooks ----------------------------------------------------------------------------


def webhooks(api: AccountAPI, options: dict[str, Any]) -> Outcome:
    action = options["webhooks_action"]
    planned = new_webhook(options) if action == "create" else None
    changes = update_changes(options) if action == "update" else {}
    if action == "update" and not changes:
        raise UsageError(
            "Nothing to change: give --url, --events, --format, --inbox, --active or --paused."
        )
    scope_account(api)
    hooks = WebhooksAPI(api)
    if planned is not None:
        return create_webhook(hooks, planned)
    if action == "list":
        found = hooks.list()
        return Outcome({"webhooks": [h.as_json() for h in found]}, text.webhook_rows(found))
    if action == "delete":
        deleted = hooks.delete(options["webhook_id"])
        return Outcome(
            {"deleted": deleted.as_json()},
            [
                f"Deleted webhook {deleted.id} ({deleted.webhook_type}); Mailtrap no longer "
                "posts to its URL."
            ],
        )
    updated = hooks.update(options["webhook_id"], **changes)
    return Outcome(
        {"webhook": updated.as_json()},
        [f"Updated webhook {updated.id}.", "", *text.webhook_rows([updated])],
    )


class UsageError(AnymailConfigurationError):
    """Arguments that parse but do not make sense together (exit status 2)."""


def target_url(url: str, view_name: str) -> str:
    """`url`, or -- when it has no path -- `url` plus this site's path of the view."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{url!r} is not an http(s) URL, e.g. https://www.example.com")
    if parts.path not in ("", "/"):
        return url
    path = view_path(view_name)
    if path is None:
        raise UsageError(
            "anymail.urls is not in this site's URLconf, so the webhook path is unknown: "
            "give the full URL of Anymail's webhook view"
        )
    return parts._replace(path=path).geturl()


@dataclass(frozen=True)
class NewWebhook:
    """A webhook to create, and what this site has for it."""

    body: dict[str, Any]
    #: This site's path of the view it is for (None: anymail.urls not included).
    own_path: str | None
    #: How many signing secrets the site's setting for it already holds.
    secrets_set: int


def new_webhook(options: dict[str, Any]) -> NewWebhook:
    """The `webhook` object `webhooks create` asks for (UsageError if it makes no sense)."""
    site = site_facts()
    if options["inbound"]:
        if not options["inbox"]:
            raise UsageError("--inbound needs --inbox <inbound inbox id>")
        body = inbound_webhook(
            target_url(options["inbound"], INBOUND_VIEW),
            inbox_id=options["inbox"],
            payload_format=options["format"],
            active=not options["paused"],
        )
        return NewWebhook(body, site.inbound_path, site.inbound_secrets)
    if options["inbox"]:
        raise UsageError("--inbox is for --inbound webhooks")
    body = tracking_webhook(
        target_url(options["tracking"], TRACKING_VIEW),
        sending_stream=options["stream"],
        event_types=options["events"],
        payload_format=options["format"],
        domain_id=options["domain_id"],
        active=not options["paused"],
    )
    return NewWebhook(body, site.tracking_path, site.tracking_secrets)


def create_webhook(hooks: WebhooksAPI, planned: NewWebhook) -> Outcome:
    created = hooks.create(planned.body)
    lines = text.created_lines(created, planned.secrets_set)
    path = urlsplit(planned.body["url"]).path
    if planned.own_path is not None and path.rstrip("/") != planned.own_path.rstrip("/"):
        lines.append(f"Note: this site's view is at {planned.own_path}, not at {path}.")
    data = {
        "webhook": created.webhook.as_json(),
        "signing_secret": created.signing_secret.value,
        "setting": created.webhook.secret_setting,
    }
    return Outcome(data, lines)


def update_changes(options: dict[str, Any]) -> dict[str, Any]:
    """The PATCH fields the options ask for."""
    changes: dict[str, Any] = {}
    if options["url"]:
        changes["url"] = options["url"]
    if options["events"]:
        changes["event_types"] = options["events"]
    if options["format"]:
        changes["payload_format"] = options["format"]
    if options["inbox"]:
        changes["inbound_inbox_id"] = options["inbox"]
    if options["active"]:
        changes["active"] = True
    elif options["paused"]:
        changes["active"] = False
    return changes


# -- email logs --------------------------------------------------------------------------


def _without_signed_url(message: dict[str, Any]) -> dict[str, Any]:
    """A log entry without its pre-signed `raw_message_url` (a credential while valid)."""
    return {k: v for k, v in message.items() if k != "raw_message_url"}


def logs(api: AccountAPI, options: dict[str, Any]) -> Outcome:
    message_id = options["message_id"]
    if message_id and (options["to"] or options["since"] or options["status"]):
        raise UsageError("give a MESSAGE_ID or list filters (--to, --since, --status)")
    scope_account(api)
    email_logs = EmailLogs(api)
    if message_id:
        found = email_logs.get(message_id)
        if found is None:
            failure = (
                f"Mailtrap's Email Logs have no message {message_id} (sandbox messages are "
                "not logged; a new one may take a moment)."
            )
            return Outcome({"message": None}, [], PROBLEM_FOUND, failure)
        message = _without_signed_url(found)
        return Outcome({"message": message}, text.log_lines(message))
    limit = options["limit"]
    search = email_logs.search(
        sent_after=options["since"], status=options["status"], to=options["to"]
    )
    found_list = [_without_signed_url(m) for m in islice(search, limit + 1)]
    truncated = len(found_list) > limit
    shown = found_list[:limit]
    return Outcome(
        {"messages": shown, "truncated": truncated},
        text.log_list_lines(shown, truncated),
    )


# -- suppressions ------------------------------------------------------------------------


def suppressions(api: AccountAPI, options: dict[str, Any]) -> Outcome:
    scope_account(api)
    entries = Suppressions(api)
    if options["suppressions_action"] == "delete":
        deleted = entries.delete(options["suppression_id"])
        email = deleted.get("email") or "?"
        return Outcome(
            {"deleted": deleted},
            [
                f"Deleted suppression {options['suppression_id']} ({email}): Mailtrap sends "
                "to the address again."
            ],
        )
    found = list(entries.list(email=options["email"], start_time=options["since"]))
    return Outcome({"suppressions": found}, text.suppression_lines(found))
