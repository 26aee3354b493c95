"""`manage.py mailtrap`: check a site's Mailtrap setup; manage webhooks; read the Email
Logs and the suppression list.

Exit status: 0 all well, 1 a problem found (or Mailtrap refused a call), 2 a usage or
configuration error. The API token is never printed; Mailtrap's failures become one line.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...exceptions import AnymailConfigurationError
from ...mailtrap.account_api import AccountAPI
from ...mailtrap.api_errors import explain
from ...mailtrap.client import MailtrapAPIError
from ..mailtrap_actions import PROBLEM_FOUND, Outcome, not_found, run_action
from ..mailtrap_parser import USAGE_ERROR, UsageParser, add_subcommands


class Command(BaseCommand):
    help = (
        "Mailtrap account tooling: check (is this site set up?), webhooks "
        "list|create|update|delete, logs, suppressions list|delete. Every subcommand "
        "takes --json. Exit status: 0 ok, 1 problem found, 2 usage or configuration error."
    )
    # A diagnosis tool: it must run even while the project fails its system checks.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.__class__ = UsageParser  # usage errors exit 2 under call_command too
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        add_subcommands(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        overrides = {"account_id": options["account_id"]} if options.get("account_id") else {}
        try:
            outcome = run_action(AccountAPI.from_settings(**overrides), options)
        except (AnymailConfigurationError, ValueError) as error:
            outcome = self.failed(str(error), USAGE_ERROR, "configuration")
        except MailtrapAPIError as error:
            message = (error.status_code == 404 and not_found(options)) or explain(error)
            outcome = self.failed(message, PROBLEM_FOUND, "api", error.status_code)
        if options.get("json"):
            self.stdout.write(json.dumps(outcome.data, indent=2, default=str))
        elif outcome.lines:
            self.stdout.write("\n".join(outcome.lines))
        if outcome.status:
            raise CommandError(outcome.failure, returncode=outcome.status)

    @staticmethod
    def failed(message: str, status: int, kind: str, status_code: int | None = None) -> Outcome:
        """An Outcome for a failure: nothing for text output (the error line says it)."""
        error = {"kind": kind, "message": message, "status_code": status_code}
        return Outcome({"error": error}, [], status, message)
