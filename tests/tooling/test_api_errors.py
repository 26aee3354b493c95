"""Failed account-API calls become one line and an exit status, never a traceback; and the
account the calls address (setting, discovered, or token-scoped) when listing is refused.

Answers scripted per path (a 403 on one endpoint, other account lists, a missing sandbox)
come from a scripted server on 127.0.0.1 (stub_server.py); 429s, 5xx and dropped
connections on the account API are also tested against the emulator
(test_account_faults.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from anymail.mailtrap.account_api import AccountAPI
from anymail.mailtrap.accounts import TOKEN_SCOPED, scope_account
from anymail.mailtrap.api_errors import error_words

from .conftest import TOKEN, Ran
from .stub_server import Stub, stub_server

RATE_LIMITED = {"errors": "Rate limit exceeded"}


@pytest.fixture
def stub(tooling_settings: Any) -> Iterator[Stub]:
    """The scripted server, with ANYMAIL aimed at it."""
    with stub_server() as server:
        tooling_settings.ANYMAIL = {"MAILTRAP_API_TOKEN": TOKEN, "MAILTRAP_API_URL": server.api_url}
        server.answer("GET /api/accounts", 200, [{"id": 5, "name": "Stub", "access_levels": []}])
        yield server


def test_rate_limited_after_retries_is_one_line(stub: Stub, mailtrap: Callable[..., Ran]) -> None:
    stub.answer("GET /api/accounts/5/webhooks", 429, RATE_LIMITED, Retry_After="0")
    ran = mailtrap("webhooks", "list")
    assert ran.status == 1
    assert ran.err == (
        "Mailtrap rate-limited the call (HTTP 429) and retries did not get through: "
        "try again later."
    )
    assert stub.paths().count("GET /api/accounts/5/webhooks") == 4  # retried
    assert "Traceback" not in ran.out + ran.err


def test_rate_limited_json(stub: Stub, mailtrap: Callable[..., Ran]) -> None:
    stub.answer("GET /api/accounts/5/suppressions", 429, RATE_LIMITED, Retry_After="0")
    data = json.loads(mailtrap("suppressions", "list", "--json").out)
    assert data["error"]["status_code"] == 429
    assert data["error"]["kind"] == "api"


def test_no_permission_is_one_line(stub: Stub, mailtrap: Callable[..., Ran]) -> None:
    stub.answer("GET /api/accounts/5/email_logs", 403, {"errors": "Account access forbidden"})
    ran = mailtrap("logs", "--to", "a@example.com")
    assert ran.status == 1
    assert ran.err == (
        "The API token lacks permission for this (HTTP 403): give it access in Mailtrap's "
        "API Tokens settings."
    )


def test_the_token_is_sent_but_never_shown(stub: Stub, mailtrap: Callable[..., Ran]) -> None:
    stub.answer("GET /api/accounts", 401, {"error": "Incorrect API token"})
    ran = mailtrap("webhooks", "list")
    assert ran.status == 1
    assert stub.seen[0][2]["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in ran.out + ran.err
    assert ran.err == "Mailtrap did not accept the API token (HTTP 401): check MAILTRAP_API_TOKEN."


def test_an_unreachable_api_is_one_line(
    mailtrap: Callable[..., Ran], tooling_settings: Any
) -> None:
    with stub_server() as gone:
        url = gone.api_url
    tooling_settings.ANYMAIL["MAILTRAP_API_URL"] = url
    ran = mailtrap("webhooks", "list")
    assert ran.status == 1
    assert ran.err == f"Could not reach Mailtrap at {url}accounts (ConnectionError)."


def test_a_configuration_error_is_exit_2(
    mailtrap: Callable[..., Ran], tooling_settings: Any
) -> None:
    tooling_settings.ANYMAIL["MAILTRAP_API_TOKEN"] = " token-with-space "
    ran = mailtrap("webhooks", "list", "--json")
    assert ran.status == 2
    error = json.loads(ran.out)["error"]
    assert error["kind"] == "configuration" and error["status_code"] is None
    assert error["message"].startswith("MAILTRAP_API_TOKEN starts or ends with whitespace")
    assert "token-with-space" not in ran.out + ran.err
    ran = mailtrap("check", "--account-id", "0")
    assert ran.status == 2
    assert "not a positive whole number" in ran.err


def test_a_missing_sandbox_is_a_problem_in_check(
    stub: Stub, mailtrap: Callable[..., Ran], tooling_settings: Any
) -> None:
    tooling_settings.ANYMAIL["MAILTRAP_SANDBOX_ID"] = 404404
    stub.answer("GET /api/accounts/5/domains", 200, {"data": []})
    stub.answer("GET /api/accounts/5/webhooks", 200, {"data": []})
    ran = mailtrap("check")
    assert ran.status == 1
    assert "There is no sandbox 404404 (MAILTRAP_SANDBOX_ID)." in ran.out
    assert "fix: Set MAILTRAP_SANDBOX_ID to the number in your sandbox's URL" in ran.out


def test_accounts_the_token_may_not_list_mean_token_scoped_paths(
    stub: Stub, tooling_settings: Any
) -> None:
    stub.answer("GET /api/accounts", 403, {"errors": "Account access forbidden"})
    stub.answer("GET /api/webhooks", 200, {"data": []})
    api = AccountAPI.from_settings()
    scope = scope_account(api)
    assert (scope.account_id, scope.source, scope.listed) == (None, TOKEN_SCOPED, False)
    assert api.path("webhooks") == "webhooks"


def test_several_accounts_mean_token_scoped_paths_and_a_note(
    stub: Stub, mailtrap: Callable[..., Ran]
) -> None:
    accounts = [{"id": 5, "name": "A"}, {"id": 6, "name": "B"}]
    stub.answer("GET /api/accounts", 200, accounts)
    stub.answer("GET /api/domains", 200, {"data": []})
    stub.answer("GET /api/webhooks", 200, {"data": []})
    ran = mailtrap("check")
    assert "The token reaches 2 account(s): A [5], B [6]." in ran.out
    assert "Several accounts: calls use the token-scoped paths" in ran.out
    assert "fix: Set MAILTRAP_ACCOUNT_ID to choose one." in ran.out
    assert "GET /api/domains" in stub.paths()


def test_the_account_id_option_wins(stub: Stub, mailtrap: Callable[..., Ran]) -> None:
    stub.answer("GET /api/accounts/77/webhooks", 200, {"data": []})
    assert mailtrap("webhooks", "list", "--account-id", "77").status == 0
    assert stub.paths()[-1] == "GET /api/accounts/77/webhooks"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"errors": {"url": ["is invalid"], "base": ["x"]}}, "url is invalid; base x"),
        ({"errors": ["'subject' is required"]}, "'subject' is required"),
        ({"errors": "Rate limit exceeded"}, "Rate limit exceeded"),
        ({"error": "Not Found"}, "Not Found"),
        ("not an object", ""),
    ],
)
def test_error_words_flatten_every_shape(body: Any, words: str) -> None:
    assert error_words(body) == words
