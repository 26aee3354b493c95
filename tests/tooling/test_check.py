"""`manage.py mailtrap check` against the emulator: each finding, its fix, the exit status."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mailtrap_emulator import EmulatorServer

from .conftest import TOKEN, Ran

TRACKING = "/anymail/mailtrap/tracking/"
INBOUND = "/anymail/mailtrap/inbound/"


def lines_with(output: str, word: str) -> list[str]:
    return [line for line in output.splitlines() if word in line]


def test_a_complete_setup_has_no_problems(
    mailtrap: Callable[..., Ran], emulator: EmulatorServer, tooling_settings: Any
) -> None:
    tooling_settings.ANYMAIL["MAILTRAP_TRACKING_SECRET"] = "tracking-secret-1"
    emulator.add_webhook(f"https://www.example.com{TRACKING}", sending_stream="transactional")
    ran = mailtrap("check")
    assert ran.status == 0, ran.out
    assert "Mailtrap accepted the API token." in ran.out
    assert "The token reaches 1 account(s): Emulator [1001]." in ran.out
    assert "DEFAULT_FROM_EMAIL's domain emulator-verified.example is verified." in ran.out
    assert f"posts to https://www.example.com{TRACKING}" in ran.out
    assert "MAILTRAP_TRACKING_SECRET is set" in ran.out
    assert "PROBLEM" not in ran.out
    assert ran.out.rstrip().endswith("No problems found: Mailtrap is set up.")


def test_domains_are_listed_with_their_verification_state(mailtrap: Callable[..., Ran]) -> None:
    out = mailtrap("check").out
    assert "emulator-verified.example: verified." in out
    assert "emulator-unverified.example: DNS not verified (verification, spf, dkim1" in out


def test_a_sender_at_an_unverified_domain_is_a_problem_with_its_fix(
    mailtrap: Callable[..., Ran], tooling_settings: Any
) -> None:
    tooling_settings.DEFAULT_FROM_EMAIL = "app@emulator-unverified.example"
    ran = mailtrap("check")
    assert ran.status == 1
    (problem,) = lines_with(ran.out, "PROBLEM")
    assert "emulator-unverified.example is not ready to send: DNS not verified" in problem
    assert "fix: Create the DNS records Mailtrap lists" in ran.out
    assert "1 problem found." in ran.out
    assert ran.err == "1 problem found."


def test_a_sender_at_a_domain_the_account_lacks_is_a_problem(
    mailtrap: Callable[..., Ran], tooling_settings: Any
) -> None:
    tooling_settings.DEFAULT_FROM_EMAIL = "webmaster@localhost"
    ran = mailtrap("check")
    assert ran.status == 1
    assert "DEFAULT_FROM_EMAIL ('webmaster@localhost') is not at one of the account's" in ran.out
    assert "fix: Add and verify localhost in Mailtrap (Sending Domains)" in ran.out


def test_in_sandbox_mode_the_sending_domain_is_only_a_note(
    mailtrap: Callable[..., Ran], tooling_settings: Any
) -> None:
    tooling_settings.DEFAULT_FROM_EMAIL = "webmaster@localhost"
    tooling_settings.ANYMAIL["MAILTRAP_SANDBOX_ID"] = 77
    ran = mailtrap("check")
    assert ran.status == 0, ran.out
    assert lines_with(ran.out, "webmaster@localhost")[0].lstrip().startswith("note")
    assert "Sandbox 77 (Sandbox 77) exists; mail is captured there, not delivered." in ran.out


def test_a_rejected_token_is_one_line_and_ends_the_check(
    mailtrap: Callable[..., Ran], tooling_settings: Any
) -> None:
    tooling_settings.ANYMAIL["MAILTRAP_API_TOKEN"] = "wrong-token-5a1c"
    ran = mailtrap("check")
    assert ran.status == 1
    (problem,) = lines_with(ran.out, "PROBLEM")
    assert problem.split(None, 2)[2] == (
        "Mailtrap did not accept the API token (HTTP 401): check MAILTRAP_API_TOKEN."
    )
    assert "domains" not in ran.out and "webhooks" not in ran.out
    assert "wrong-token-5a1c" not in ran.out + ran.err
    assert "Traceback" not in ran.out + ran.err


def test_an_account_id_the_token_does_not_reach_is_a_problem(
    mailtrap: Callable[..., Ran], tooling_settings: Any
) -> None:
    tooling_settings.ANYMAIL["MAILTRAP_ACCOUNT_ID"] = "999"
    ran = mailtrap("check")
    assert ran.status == 1
    assert "MAILTRAP_ACCOUNT_ID=999 is not an account this token reaches." in ran.out
    # the account-scoped calls are refused with 403, explained in one line
    assert "Listing sending domains failed: The API token lacks permission" in ran.out


def test_a_webhook_without_its_secret_configured_is_a_problem(
    mailtrap: Callable[..., Ran], emulator: EmulatorServer
) -> None:
    emulator.add_webhook(f"https://www.example.com{TRACKING}", sending_stream="transactional")
    ran = mailtrap("check")
    assert ran.status == 1
    (problem,) = lines_with(ran.out, "PROBLEM")
    assert "MAILTRAP_TRACKING_SECRET is not set" in problem
    assert "Delete the webhook and create it again (--tracking)" in ran.out


def test_webhooks_elsewhere_are_not_this_sites(
    mailtrap: Callable[..., Ran], emulator: EmulatorServer
) -> None:
    emulator.add_webhook("https://other.example.com/events/", sending_stream="transactional")
    ran = mailtrap("check")
    assert ran.status == 0
    assert f"No Mailtrap webhook posts to this site's tracking URL (path {TRACKING})." in ran.out
    assert f"fix: manage.py mailtrap webhooks create --tracking https://<your host>{TRACKING}" in (
        ran.out
    )


def test_a_paused_webhook_is_a_problem(
    mailtrap: Callable[..., Ran], emulator: EmulatorServer, tooling_settings: Any
) -> None:
    tooling_settings.ANYMAIL["MAILTRAP_TRACKING_SECRET"] = "s1"
    hook = emulator.add_webhook(f"https://a.example{TRACKING}", sending_stream="bulk")
    mailtrap("webhooks", "update", str(hook["id"]), "--paused")
    ran = mailtrap("check")
    assert ran.status == 1
    assert f"Webhook {hook['id']} (email_sending) posts to" in ran.out
    assert "but is paused." in ran.out
    assert f"fix: manage.py mailtrap webhooks update {hook['id']} --active" in ran.out


def test_a_sending_webhook_posting_to_the_inbound_view_is_a_problem(
    mailtrap: Callable[..., Ran], emulator: EmulatorServer
) -> None:
    emulator.add_webhook(f"https://a.example{INBOUND}", sending_stream="transactional")
    ran = mailtrap("check")
    assert ran.status == 1
    assert "this site's inbound URL, which expects inbound_receiving webhooks." in ran.out


def test_each_webhook_needs_its_own_secret(
    mailtrap: Callable[..., Ran], emulator: EmulatorServer, tooling_settings: Any
) -> None:
    tooling_settings.ANYMAIL["MAILTRAP_INBOUND_SECRET"] = "only-one"
    emulator.add_webhook(f"https://a.example{INBOUND}", webhook_type="inbound_receiving")
    emulator.add_webhook(f"https://b.example{INBOUND}", webhook_type="inbound_receiving")
    ran = mailtrap("check")
    assert ran.status == 1
    assert "2 webhooks post to the inbound URL, but MAILTRAP_INBOUND_SECRET holds 1" in ran.out
    tooling_settings.ANYMAIL["MAILTRAP_INBOUND_SECRET"] = ["first", "second"]
    assert mailtrap("check").status == 0


def test_credentials_in_a_webhook_url_are_masked(
    mailtrap: Callable[..., Ran], emulator: EmulatorServer
) -> None:
    emulator.add_webhook(
        f"https://hook:pa55-w0rd@a.example{TRACKING}", sending_stream="transactional"
    )
    ran = mailtrap("check", "--json")
    assert "pa55-w0rd" not in ran.out
    assert f"https://hook:***@a.example{TRACKING}" in ran.out


def test_without_anymail_urls_webhooks_cannot_reach_the_site(
    mailtrap: Callable[..., Ran], tooling_settings: Any
) -> None:
    tooling_settings.ROOT_URLCONF = "tests.tooling.no_anymail_urls"
    ran = mailtrap("check")
    assert ran.status == 0
    assert "anymail.urls is not in this site's URLconf" in ran.out


def test_json_report_shape(
    mailtrap: Callable[..., Ran], emulator: EmulatorServer, tooling_settings: Any
) -> None:
    tooling_settings.DEFAULT_FROM_EMAIL = "app@emulator-unverified.example"
    hook = emulator.add_webhook(f"https://a.example{TRACKING}", sending_stream="transactional")
    ran = mailtrap("check", "--json")
    assert ran.status == 1
    report = json.loads(ran.out)
    assert set(report) == {
        "ok",
        "problems",
        "account",
        "domains",
        "sandbox",
        "webhooks",
        "findings",
    }
    assert report["ok"] is False
    assert report["problems"] == 2  # unverified sender domain, tracking secret not set
    assert report["account"] == {
        "account_id": 1001,
        "source": "discovered",
        "accounts": [{"id": 1001, "name": "Emulator", "access_levels": [1000]}],
        "accounts_listed": True,
    }
    assert {d["name"]: d["ready"] for d in report["domains"]} == {
        "emulator-verified.example": True,
        "emulator-unverified.example": False,
    }
    assert report["sandbox"] is None
    (webhook,) = report["webhooks"]
    assert webhook["id"] == hook["id"] and webhook["points_at"] == "tracking"
    assert "signing_secret" not in webhook
    assert all(set(f) == {"topic", "level", "message", "fix"} for f in report["findings"])
    assert {f["level"] for f in report["findings"]} == {"ok", "note", "problem"}
    assert TOKEN not in ran.out


def test_json_sandbox_that_exists(mailtrap: Callable[..., Ran], tooling_settings: Any) -> None:
    tooling_settings.ANYMAIL["MAILTRAP_SANDBOX_ID"] = "31"
    report = json.loads(mailtrap("check", "--json").out)
    assert report["sandbox"] == {"id": "31", "exists": True, "name": "Sandbox 31"}
