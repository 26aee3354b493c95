"""Misconfiguration is an AnymailConfigurationError when the backend is built (issue 14),
naming the setting and the bad value -- never the token -- instead of a late failure at
the first send (requests' ValueError, a 404 for /api/send/abc, a 401, a garbled text)."""

from __future__ import annotations

from typing import Any

import pytest

from anymail.backends.mailtrap import EmailBackend
from anymail.backends.test import EmailBackend as TestBackend
from anymail.checks import check_insecure_settings
from anymail.exceptions import AnymailConfigurationError, AnymailInvalidMailer
from anymail.message import AnymailMessage
from tests.support.mailtrap_server import (  # noqa: F401 (fixture)
    MailtrapServer,
    mailtrap_server_fixture,
)

TOKEN = "validation-token-3e9c51"


@pytest.fixture
def token_only(settings: Any) -> Any:
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": TOKEN}
    return settings


def construction_error(**kwargs: Any) -> AnymailConfigurationError:
    with pytest.raises(AnymailConfigurationError) as raised:
        EmailBackend(**kwargs)
    assert TOKEN not in str(raised.value)
    return raised.value


def message() -> AnymailMessage:
    return AnymailMessage("Subject", "Body", "from@example.com", ["to@example.com"])


# -- REQUESTS_TIMEOUT -------------------------------------------------------------------------


def test_timeout_word_names_the_setting_and_value(token_only: Any) -> None:
    token_only.ANYMAIL["REQUESTS_TIMEOUT"] = "soon"
    assert str(construction_error()) == (
        "REQUESTS_TIMEOUT='soon' is not a timeout: expected seconds > 0 (e.g. 30), "
        "a (connect, read) tuple of them, or None to wait forever"
    )


@pytest.mark.parametrize(
    "timeout",
    [0, -1, True, float("nan"), float("inf"), "30", (5,), (1, 2, 3), ("a", 2), (0, 5), {}],
    ids=repr,
)
def test_timeout_not_seconds_is_rejected(token_only: Any, timeout: Any) -> None:
    assert "REQUESTS_TIMEOUT=" in str(construction_error(requests_timeout=timeout))


@pytest.mark.parametrize(
    ("timeout", "expected"),
    [(5, 5), (2.5, 2.5), ((3, 10), (3, 10)), ((3, None), (3, None)), ([3, 10], (3, 10))],
    ids=repr,
)
def test_timeout_forms_requests_takes_are_kept(
    token_only: Any, timeout: Any, expected: Any
) -> None:
    assert EmailBackend(requests_timeout=timeout).timeout == expected


def test_timeout_none_means_wait_forever(token_only: Any) -> None:
    token_only.ANYMAIL["REQUESTS_TIMEOUT"] = None
    assert EmailBackend().timeout is None


def test_timeout_kwarg_is_named_as_given(token_only: Any) -> None:
    assert str(construction_error(timeout="soon")).startswith("timeout='soon' is not a timeout")


def test_valid_timeout_kwarg_wins_over_an_invalid_setting(token_only: Any) -> None:
    token_only.ANYMAIL["REQUESTS_TIMEOUT"] = "soon"
    assert EmailBackend(timeout=4).timeout == 4


def test_timeout_error_under_a_mailers_alias_is_an_invalid_mailer(token_only: Any) -> None:
    with pytest.raises(AnymailInvalidMailer) as raised:
        EmailBackend(alias="transactional", requests_timeout="soon")
    assert str(raised.value).startswith("MAILERS['transactional']: REQUESTS_TIMEOUT='soon'")


# -- MAILTRAP_SANDBOX_ID -----------------------------------------------------------------------


def test_sandbox_id_word_names_the_setting_and_value(token_only: Any) -> None:
    token_only.ANYMAIL["MAILTRAP_SANDBOX_ID"] = "abc"
    assert str(construction_error()) == (
        "MAILTRAP_SANDBOX_ID='abc' is not an Email Sandbox inbox id: expected its digits "
        "(int or str, as in https://mailtrap.io/inboxes/<id>/messages), or None to send "
        "through the Email API"
    )


@pytest.mark.parametrize(
    "sandbox_id",
    [
        "abc",
        "inbox 12",
        " 12",
        "https://mailtrap.io/inboxes/123/messages",
        "/",
        True,
        12.0,
        -3,
        [1],
    ],
    ids=repr,
)
def test_sandbox_id_not_an_inbox_id_is_rejected(token_only: Any, sandbox_id: Any) -> None:
    assert "MAILTRAP_SANDBOX_ID=" in str(construction_error(sandbox_id=sandbox_id))


@pytest.mark.parametrize("sandbox_id", [12345, "12345"], ids=repr)
def test_sandbox_id_digits_select_the_sandbox(token_only: Any, sandbox_id: Any) -> None:
    backend = EmailBackend(sandbox_id=sandbox_id)
    assert backend.use_sandbox is True
    assert backend.sandbox_id == sandbox_id


@pytest.mark.parametrize("falsy", [None, "", 0, False], ids=repr)
def test_sandbox_id_falsy_means_the_email_api(token_only: Any, falsy: Any) -> None:
    assert EmailBackend(sandbox_id=falsy).use_sandbox is False


def test_sandbox_id_error_under_a_mailers_alias_is_an_invalid_mailer(token_only: Any) -> None:
    with pytest.raises(AnymailInvalidMailer, match=r"^MAILERS\['sandbox'\]: MAILTRAP_SANDBOX_ID"):
        EmailBackend(alias="sandbox", sandbox_id="abc")


def test_valid_settings_send_over_http(token_only: Any, mailtrap_server: MailtrapServer) -> None:
    backend = EmailBackend(api_url=mailtrap_server.api_url, sandbox_id="12345", timeout=(3, 10))
    assert backend.send_messages([message()]) == 1
    assert [request.path for request in mailtrap_server.requests] == ["/api/send/12345"]


def test_bad_sandbox_id_fails_before_any_request(
    token_only: Any, mailtrap_server: MailtrapServer
) -> None:
    construction_error(api_url=mailtrap_server.api_url, sandbox_id="abc")
    assert mailtrap_server.requests == []


# -- MAILTRAP_API_TOKEN ------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["", "   ", "\n"], ids=repr)
def test_empty_token_is_a_configuration_error(settings: Any, token: str) -> None:
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": token}
    assert str(construction_error()) == (
        "MAILTRAP_API_TOKEN is empty: set it to an API token from Mailtrap's API Tokens page."
    )


@pytest.mark.parametrize(("token", "kind"), [(None, "NoneType"), (12345, "int"), (b"t", "bytes")])
def test_token_that_is_not_a_string_is_a_configuration_error(
    settings: Any, token: Any, kind: str
) -> None:
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": token}
    assert str(construction_error()) == f"MAILTRAP_API_TOKEN must be a string, not {kind}."


@pytest.mark.parametrize("token", [f"{TOKEN} ", f" {TOKEN}", f"{TOKEN}\n", f"{TOKEN}\r\nX: y"])
def test_token_with_surrounding_whitespace_is_rejected_without_quoting_it(
    settings: Any, token: str
) -> None:
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": token}
    assert "MAILTRAP_API_TOKEN starts or ends with whitespace" in str(construction_error())


def test_empty_token_under_a_mailers_alias_is_an_invalid_mailer(settings: Any) -> None:
    settings.ANYMAIL = {}
    with pytest.raises(AnymailInvalidMailer, match=r"^MAILERS\['default'\]: MAILTRAP_API_TOKEN"):
        EmailBackend(alias="default", api_token="")


# -- MAILTRAP_RATE_LIMIT, concurrency and the other numbers ---------------------------------------


def test_rate_limit_error_says_what_a_rate_limit_looks_like(token_only: Any) -> None:
    token_only.ANYMAIL["MAILTRAP_RATE_LIMIT"] = "lots"
    assert str(construction_error()).startswith(
        "MAILTRAP_RATE_LIMIT='lots' is not a rate limit: expected e.g. \"150/10s\""
    )


@pytest.mark.parametrize("limit", ["0/10s", "150/0s", "150/10 fortnights", (150,), 150], ids=repr)
def test_rate_limit_malformed_or_zero_is_rejected(token_only: Any, limit: Any) -> None:
    assert "is not a rate limit" in str(construction_error(rate_limit=limit))


@pytest.mark.parametrize("concurrency", [0, -2, 2.5, True, "many", float("nan")], ids=repr)
def test_send_concurrency_must_be_a_whole_number_from_one(
    token_only: Any, concurrency: Any
) -> None:
    text = str(construction_error(send_concurrency=concurrency))
    assert text == (
        f"MAILTRAP_SEND_CONCURRENCY={concurrency!r} is not valid: expected a whole number >= 1"
    )


@pytest.mark.parametrize(("given", "expected"), [(8, 8), ("8", 8), (8.0, 8)], ids=repr)
def test_send_concurrency_whole_numbers_are_read(
    token_only: Any, given: Any, expected: int
) -> None:
    assert EmailBackend(send_concurrency=given).send_concurrency == expected


@pytest.mark.parametrize("backoff", [float("nan"), float("inf"), -1], ids=repr)
def test_retry_backoff_must_be_a_finite_number(token_only: Any, backoff: float) -> None:
    assert "MAILTRAP_RETRY_BACKOFF=" in str(construction_error(retry_backoff=backoff))


# -- MAILTRAP_API_URL --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["send.api.mailtrap.io/api", 8080, "https://"], ids=repr)
def test_api_url_without_scheme_and_host_is_rejected(token_only: Any, url: Any) -> None:
    assert str(construction_error(api_url=url)).startswith(f"MAILTRAP_API_URL={url!r} is not a URL")


# -- ANYMAIL itself ----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "kind"), [("oops", "str"), ([], "list"), (("a", 1), "tuple")])
def test_anymail_not_a_dict_says_so_showing_the_type(settings: Any, value: Any, kind: str) -> None:
    settings.ANYMAIL = value
    settings.ANYMAIL_MAILTRAP_API_TOKEN = TOKEN
    assert str(construction_error()).startswith(f"ANYMAIL must be a dict, not {kind}")


def test_anymail_not_a_dict_breaks_every_backend(settings: Any) -> None:
    settings.ANYMAIL = "oops"
    with pytest.raises(AnymailConfigurationError, match="ANYMAIL must be a dict, not str"):
        TestBackend()


def test_anymail_none_is_no_anymail_settings(settings: Any) -> None:
    settings.ANYMAIL = None
    settings.ANYMAIL_MAILTRAP_API_TOKEN = TOKEN
    assert EmailBackend().api_token == TOKEN


def test_anymail_not_a_dict_does_not_crash_the_insecure_settings_check(settings: Any) -> None:
    settings.ANYMAIL = "oops"
    assert check_insecure_settings() == []
