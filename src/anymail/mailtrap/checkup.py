"""`manage.py mailtrap check`: is this site's Mailtrap setup complete, and if not, the fix.

The checks run in order and each one's failure is a finding, not an exception: the
token (and the accounts it reaches), the sending domains and DEFAULT_FROM_EMAIL's, the
sandbox, and the webhooks posting to this site. A rejected token ends the checkup, since
every further call would be rejected too. What the site itself has configured (its
webhook paths, which secrets are set) comes in as `SiteFacts`, gathered by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .account_api import AccountAPI
from .accounts import FROM_SETTING, AccountScope, scope_account
from .api_errors import explain
from .client import MailtrapAPIError
from .domains import SendingDomain, address_domain, domain_for, sending_domains
from .sandbox_api import SandboxAPI
from .webhooks_api import INBOUND, TRACKING, Webhook, WebhooksAPI, display_url

OK = "ok"
NOTE = "note"
PROBLEM = "problem"


@dataclass(frozen=True)
class SiteFacts:
    """What this Django site has configured, as far as the checkup needs it."""

    default_from_email: str
    sandbox_id: str | None = None
    #: Paths of Anymail's webhook views in this site's URLconf (None: not included).
    tracking_path: str | None = None
    inbound_path: str | None = None
    #: How many signing secrets MAILTRAP_TRACKING_SECRET / _INBOUND_SECRET hold.
    tracking_secrets: int = 0
    inbound_secrets: int = 0


@dataclass(frozen=True)
class Finding:
    """One line of the report: what was found and, for a problem, how to fix it."""

    topic: str
    level: str
    message: str
    fix: str = ""

    def as_json(self) -> dict[str, str]:
        return {"topic": self.topic, "level": self.level, "message": self.message, "fix": self.fix}


@dataclass
class Checkup:
    """The findings, plus what was learnt on the way (for --json)."""

    findings: list[Finding] = field(default_factory=list)
    scope: AccountScope | None = None
    domains: list[SendingDomain] = field(default_factory=list)
    sandbox: dict[str, Any] | None = None
    webhooks: list[tuple[Webhook, str | None]] = field(default_factory=list)

    def add(self, topic: str, level: str, message: str, fix: str = "") -> None:
        self.findings.append(Finding(topic, level, message, fix))

    @property
    def problems(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.level == PROBLEM]

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": not self.problems,
            "problems": len(self.problems),
            "account": self.scope.as_json() if self.scope is not None else None,
            "domains": [domain.as_json() for domain in self.domains],
            "sandbox": self.sandbox,
            "webhooks": [dict(hook.as_json(), points_at=kind) for hook, kind in self.webhooks],
            "findings": [finding.as_json() for finding in self.findings],
        }


def run_checkup(api: AccountAPI, site: SiteFacts) -> Checkup:
    """Every check, in order; stops after a rejected token."""
    report = Checkup()
    if not _check_token(api, report):
        return report
    _check_domains(api, site, report)
    _check_sandbox(api, site, report)
    _check_webhooks(api, site, report)
    return report


def _check_token(api: AccountAPI, report: Checkup) -> bool:
    try:
        scope = report.scope = scope_account(api)
    except MailtrapAPIError as error:
        report.add("token", PROBLEM, explain(error), _token_fix(error))
        return False
    report.add("token", OK, "Mailtrap accepted the API token.")
    if not scope.listed:
        report.add("accounts", NOTE, "The token may not list its accounts (HTTP 403).")
    else:
        names = ", ".join(f"{a.name or '(no name)'} [{a.id}]" for a in scope.accounts)
        report.add("accounts", OK, f"The token reaches {len(scope.accounts)} account(s): {names}.")
    if scope.source == FROM_SETTING and scope.listed and not scope.configured_account_reached:
        report.add(
            "accounts",
            PROBLEM,
            f"MAILTRAP_ACCOUNT_ID={scope.account_id} is not an account this token reaches.",
            "Set MAILTRAP_ACCOUNT_ID to one of the ids above, or remove it.",
        )
    elif scope.account_id is None and len(scope.accounts) > 1:
        report.add(
            "accounts",
            NOTE,
            "Several accounts: calls use the token-scoped paths (Mailtrap picks the account).",
            "Set MAILTRAP_ACCOUNT_ID to choose one.",
        )
    return True


def _token_fix(error: MailtrapAPIError) -> str:
    if error.status_code == 401:
        return (
            "Copy an API token from Mailtrap (Settings > API Tokens) into "
            'ANYMAIL["MAILTRAP_API_TOKEN"].'
        )
    if error.status_code == 403:
        return "Give the token access to the account in Mailtrap's API Tokens settings."
    return "Check MAILTRAP_ACCOUNT_API_URL (or MAILTRAP_API_URL) and the network."


def _check_domains(api: AccountAPI, site: SiteFacts, report: Checkup) -> None:
    try:
        report.domains = domains = sending_domains(api)
    except MailtrapAPIError as error:
        report.add("domains", PROBLEM, f"Listing sending domains failed: {explain(error)}")
        return
    # Through the sandbox nothing is delivered: the sending domain matters later.
    level = NOTE if site.sandbox_id else PROBLEM
    for domain in domains:
        report.add("domains", OK if domain.ready else NOTE, f"{domain.name}: {domain.state}.")
    if not domains:
        report.add(
            "domains",
            level,
            "The account has no sending domain.",
            "Add your domain in Mailtrap (Sending Domains) and create the DNS records it lists.",
        )
    sender = site.default_from_email
    wanted = address_domain(sender)
    found = domain_for(domains, sender)
    if found is None:
        report.add(
            "sender",
            level,
            f"DEFAULT_FROM_EMAIL ({sender!r}) is not at one of the account's sending domains.",
            f"Add and verify {wanted} in Mailtrap (Sending Domains), or set DEFAULT_FROM_EMAIL "
            "to an address at a verified domain."
            if wanted
            else "Set DEFAULT_FROM_EMAIL to an address at a verified sending domain.",
        )
    elif not found.ready:
        report.add(
            "sender",
            level,
            f"DEFAULT_FROM_EMAIL's domain {found.name} is not ready to send: {found.state}.",
            "Create the DNS records Mailtrap lists for it (Sending Domains), then verify.",
        )
    else:
        report.add("sender", OK, f"DEFAULT_FROM_EMAIL's domain {found.name} is verified.")


def _check_sandbox(api: AccountAPI, site: SiteFacts, report: Checkup) -> None:
    if not site.sandbox_id:
        return
    try:
        info = SandboxAPI(api, site.sandbox_id).info()
    except MailtrapAPIError as error:
        fix = "Set MAILTRAP_SANDBOX_ID to the number in your sandbox's URL (Email Testing)."
        if error.status_code == 404:
            message = f"There is no sandbox {site.sandbox_id} (MAILTRAP_SANDBOX_ID)."
        else:
            message = f"Reading sandbox {site.sandbox_id} failed: {explain(error)}"
        report.add("sandbox", PROBLEM, message, fix)
        report.sandbox = {"id": site.sandbox_id, "exists": False}
        return
    name = info.get("name") or ""
    report.sandbox = {"id": site.sandbox_id, "exists": True, "name": name}
    report.add(
        "sandbox",
        OK,
        f"Sandbox {site.sandbox_id} ({name}) exists; mail is captured there, not delivered.",
    )


def _kind_of(hook: Webhook, site: SiteFacts) -> str | None:
    """Which of this site's webhook views the webhook posts to, if any."""
    path = hook.path.rstrip("/")
    for kind, own in (("tracking", site.tracking_path), ("inbound", site.inbound_path)):
        if own is not None and path == own.rstrip("/"):
            return kind
    return None


def _check_webhooks(api: AccountAPI, site: SiteFacts, report: Checkup) -> None:
    if site.tracking_path is None and site.inbound_path is None:
        report.add(
            "webhooks",
            NOTE,
            "anymail.urls is not in this site's URLconf: Mailtrap's webhooks cannot reach it.",
            'Add path("anymail/", include("anymail.urls")) to your urls.py to receive events.',
        )
        return
    try:
        hooks = WebhooksAPI(api).list()
    except MailtrapAPIError as error:
        report.add("webhooks", PROBLEM, f"Listing webhooks failed: {explain(error)}")
        return
    report.webhooks = [(hook, _kind_of(hook, site)) for hook in hooks]
    for kind, webhook_type, own_path, secrets in (
        ("tracking", TRACKING, site.tracking_path, site.tracking_secrets),
        ("inbound", INBOUND, site.inbound_path, site.inbound_secrets),
    ):
        if own_path is None:
            continue
        here = [hook for hook, points_at in report.webhooks if points_at == kind]
        _check_kind(report, kind, webhook_type, own_path, secrets, here)


def _check_kind(
    report: Checkup,
    kind: str,
    webhook_type: str,
    own_path: str,
    secrets: int,
    hooks: list[Webhook],
) -> None:
    """The webhooks posting to one of this site's views (`kind`: tracking or inbound)."""
    setting = "MAILTRAP_TRACKING_SECRET" if kind == "tracking" else "MAILTRAP_INBOUND_SECRET"
    option = "--tracking" if kind == "tracking" else "--inbound"
    if not hooks:
        report.add(
            "webhooks",
            NOTE,
            f"No Mailtrap webhook posts to this site's {kind} URL (path {own_path}).",
            f"manage.py mailtrap webhooks create {option} https://<your host>{own_path}"
            + (" --inbox <inbox id>" if kind == "inbound" else ""),
        )
        return
    for hook in hooks:
        described = f"Webhook {hook.id} ({hook.webhook_type}) posts to {display_url(hook.url)}"
        if hook.webhook_type != webhook_type:
            report.add(
                "webhooks",
                PROBLEM,
                f"{described}, this site's {kind} URL, which expects {webhook_type} webhooks.",
                f"Delete it (manage.py mailtrap webhooks delete {hook.id}) and create one "
                f"with {option}.",
            )
        elif not hook.active:
            report.add(
                "webhooks",
                PROBLEM,
                f"{described} but is paused.",
                f"manage.py mailtrap webhooks update {hook.id} --active",
            )
        else:
            report.add("webhooks", OK, f"{described}.")
    signing = [hook for hook in hooks if hook.webhook_type == webhook_type]
    if not signing:
        return
    if secrets == 0:
        report.add(
            "webhooks",
            PROBLEM,
            f"{setting} is not set: this site does not check the signature of {kind} calls.",
            f"Set {setting} to the signing secret shown when the webhook was created; lost it? "
            f"Delete the webhook and create it again ({option}): a new secret is shown once.",
        )
    elif secrets < len(signing):
        report.add(
            "webhooks",
            PROBLEM,
            f"{len(signing)} webhooks post to the {kind} URL, but {setting} holds {secrets} "
            "secret(s): each webhook signs with its own.",
            f"Set {setting} to a list of every one of their signing secrets.",
        )
    else:
        report.add(
            "webhooks",
            OK,
            f"{setting} is set (Mailtrap never shows a secret again, "
            "so whether it matches shows only when a call arrives).",
        )
