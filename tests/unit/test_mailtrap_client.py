"""MailtrapClient: the one place that knows Mailtrap's hosts, headers and error meanings."""

from __future__ import annotations

import pickle

import pytest
import requests
import responses

from anymail.mailtrap.client import (
    GENERAL_API_URL,
    SANDBOX_API_URL,
    SEND_API_URL,
    MailtrapAPIError,
    MailtrapClient,
)
from anymail.sending.http_caller import HttpCaller
from anymail.sending.http_session import USER_AGENT
from anymail.sending.retry import RetryPolicy

TOKEN = "client-test-token-5f1e"
ACCOUNTS_URL = GENERAL_API_URL + "accounts"


def test_hosts_follow_the_sandbox_setting() -> None:
    assert MailtrapClient(TOKEN).send_api_url == SEND_API_URL
    sandbox = MailtrapClient(TOKEN, sandbox_id=42)
    assert sandbox.send_api_url == SANDBOX_API_URL
    assert sandbox.send_endpoint("batch") == "batch/42"
    assert MailtrapClient(TOKEN, send_api_url="http://127.0.0.1:9/api").send_api_url == (
        "http://127.0.0.1:9/api/"
    )


def test_send_headers_carry_the_token() -> None:
    assert MailtrapClient(TOKEN).send_headers()["Api-Token"] == TOKEN


def test_token_never_in_repr_nor_pickles() -> None:
    client = MailtrapClient(TOKEN)
    assert TOKEN not in repr(client)
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(client)


@responses.activate
def test_general_api_uses_bearer_and_user_agent() -> None:
    responses.get(ACCOUNTS_URL, json=[{"id": 1, "name": "Acme"}])
    assert MailtrapClient(TOKEN).request_json("GET", "accounts") == [{"id": 1, "name": "Acme"}]
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["User-Agent"] == USER_AGENT


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (401, "check MAILTRAP_API_TOKEN"),
        (403, "lacks permission"),
        (404, "no such resource"),
        (500, "HTTP 500"),
    ],
)
@responses.activate
def test_failures_become_one_line_explanations(status: int, hint: str) -> None:
    responses.get(ACCOUNTS_URL, status=status, json={"errors": "nope"})
    with pytest.raises(MailtrapAPIError) as failure:
        MailtrapClient(TOKEN).request_json("GET", "accounts")
    assert hint in str(failure.value)
    assert failure.value.problem == f"HTTP {status}"
    assert TOKEN not in str(failure.value)


@responses.activate
def test_429_is_retried_with_the_callers_policy() -> None:
    responses.get(ACCOUNTS_URL, status=429, headers={"Retry-After": "0"})
    responses.get(ACCOUNTS_URL, json={"ok": True})
    caller = HttpCaller("Mailtrap", RetryPolicy(attempts=3, backoff=0))
    assert MailtrapClient(TOKEN, caller=caller).request_json("GET", "accounts") == {"ok": True}
    assert len(responses.calls) == 2


@responses.activate
def test_connection_errors_and_bad_json_are_explained() -> None:
    responses.get(ACCOUNTS_URL, body=requests.ConnectionError("refused"))
    with pytest.raises(MailtrapAPIError, match="Could not reach Mailtrap"):
        MailtrapClient(TOKEN).request_json("GET", "accounts")
    responses.replace(responses.GET, ACCOUNTS_URL, body="<html>")
    with pytest.raises(MailtrapAPIError, match="invalid JSON"):
        MailtrapClient(TOKEN).request_json("GET", "accounts")


@responses.activate
def test_empty_answer_is_none() -> None:
    responses.delete(GENERAL_API_URL + "accounts/1/webhooks/2", status=204)
    assert MailtrapClient(TOKEN).request_json("DELETE", "accounts/1/webhooks/2") is None
