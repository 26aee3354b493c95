"""The account API client's pure parts: URLs, paths, the Email Logs query, log claiming.

The HTTP side runs against the emulator: tests/e2e/test_unknown_outcomes.py.
"""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone

import pytest

from anymail.exceptions import AnymailConfigurationError
from anymail.mailtrap.account_api import AccountAPI, default_account_api_url
from anymail.mailtrap.email_logs import list_params
from anymail.mailtrap.unknown_outcomes import _claim, _logged_since

TOKEN = "account-api-token-8c1f"


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        (None, "https://mailtrap.io/api/"),
        ("https://send.api.mailtrap.io/api/", "https://mailtrap.io/api/"),
        ("https://bulk.api.mailtrap.io/api/", "https://mailtrap.io/api/"),
        ("http://127.0.0.1:8025/api", "http://127.0.0.1:8025/api/"),
    ],
)
def test_account_api_url_follows_api_url_only_away_from_mailtrap(
    api_url: str | None, expected: str
) -> None:
    assert default_account_api_url(api_url) == expected


def test_paths_are_token_scoped_unless_an_account_id_is_known() -> None:
    assert AccountAPI(TOKEN).path("email_logs", "a/b") == "email_logs/a%2Fb"
    scoped = AccountAPI(TOKEN, account_id=1001)
    assert scoped.path("webhooks", 7) == "accounts/1001/webhooks/7"


def test_account_id_must_be_digits() -> None:
    with pytest.raises(AnymailConfigurationError, match="MAILTRAP_ACCOUNT_ID='acme'"):
        AccountAPI(TOKEN, account_id="acme")


def test_the_token_stays_out_of_repr_and_pickles() -> None:
    api = AccountAPI(TOKEN, account_id=5)
    assert TOKEN not in repr(api)
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(api)


def test_list_params_write_deep_object_filters() -> None:
    after = datetime(2026, 11, 30, 12, 0, 0, 500, tzinfo=timezone(timedelta(hours=1)))
    params = list_params(sent_after=after, to=["a@example.com", "b@example.com"], subject="Hi")
    assert params == {
        "filters[sent_after]": "2026-11-30T11:00:00Z",
        "filters[to][operator]": "ci_equal",
        "filters[to][value][]": ["a@example.com", "b@example.com"],
        "filters[subject][operator]": "ci_equal",
        "filters[subject][value]": "Hi",
    }
    assert list_params(status="delivered") == {
        "filters[status][operator]": "equal",
        "filters[status][value]": "delivered",
    }
    with pytest.raises(TypeError, match="unknown email log filter 'recipient'"):
        list_params(recipient="a@example.com")


def entry(message_id: str, subject: str = "Hi") -> dict[str, str]:
    return {"message_id": message_id, "subject": subject, "to": "a@example.com"}


def test_claim_takes_the_oldest_unclaimed_entry_with_the_subject() -> None:
    logged = {"a@example.com": [entry("old", "Other"), entry("mid"), entry("new")]}
    claimed = {"mid"}
    assert _claim(["a@example.com"], "Hi", logged, claimed) == {"a@example.com": "new"}
    assert claimed == {"mid", "new"}
    assert _claim(["a@example.com"], "Hi", logged, claimed) is False  # nothing left


def test_claim_without_subject_matches_any_and_partial_finds_stay_unknown() -> None:
    logged = {"a@example.com": [entry("x", "Template subject")]}
    found = _claim(["a@example.com", "b@example.com"], None, logged, set())
    assert found is None  # one of two recipients found: cannot tell
    assert _claim([], None, logged, set()) is None


def test_log_time_window() -> None:
    since = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    assert _logged_since({"sent_at": "2026-11-30T12:00:01Z"}, since)
    assert not _logged_since({"sent_at": "2026-11-30T11:59:59Z"}, since)
    assert _logged_since({"sent_at": "yesterday-ish"}, since)  # unparsable: keep
