"""Fuzz the inbound webhook view, with Mailtrap's API and the raw download served by `responses`.

Nothing leaves the machine: every request goes to the mock, which also checks that the
token-bearing GET only ever goes to the documented path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import requests
import responses
from django.test import Client
from hypothesis import strategies as st

from anymail.exceptions import AnymailAPIError, AnymailConfigurationError
from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent, inbound
from anymail.webhooks.auth_failures import reset_throttle
from tests.fuzz.checks import read_everything
from tests.fuzz.conftest import SEEDS, run_cases
from tests.fuzz.strategies import (
    HUGE_NUMBERS,
    content_types,
    json_values,
    messages,
    sometimes,
    webhook_bodies,
)
from tests.fuzz.test_fuzz_tracking import Credentials, credentials, post_case

CASES = 1500
URL = "/anymail/mailtrap/inbound/"
TOKEN = "fuzz-api-token"
DOCUMENTED_FETCH = re.compile(
    r"https://mailtrap\.io/api/inbound/inboxes/[0-9]{1,20}/messages/[A-Za-z0-9_-]{1,128}"
)
RAW_HOST = "https://raw.example.invalid/"
GOOD_MESSAGE = b"From: Ana <ana@example.org>\r\nSubject: Hi\r\n\r\nHello\r\n"

HOSTILE_IDS = ["..", ".", "a/b", "%2e%2e", "", "5/../../x", "?x", "#", "1 2", "\u0663", "-1"]
inbox_ids = st.one_of(
    st.integers(min_value=0, max_value=10**6),
    st.from_regex(r"[0-9]{1,12}", fullmatch=True),
    st.sampled_from(HOSTILE_IDS),
    st.sampled_from([1, "1", None]),  # Mailtrap's "test your integration" sample
    json_values,
)
message_ids = st.one_of(
    st.from_regex(r"[0-9]{15,19}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True),
    st.sampled_from(HOSTILE_IDS),
    json_values,
)
inbound_entries = st.fixed_dictionaries(
    {
        "event": st.one_of(
            st.sampled_from(["inbound.message_received", "inbound_message_received"]),
            st.sampled_from(["inbound.message_received", "inbound.other", "delivery", ""]),
            json_values,
        ),
        "inbox_id": inbox_ids,
        "message_id": message_ids,
    },
    optional={
        "timestamp": st.one_of(sometimes(st.integers(0, 2**45)), st.sampled_from(HUGE_NUMBERS)),
        "event_id": json_values,
        "from": json_values,
    },
)
#: Notifications as Mailtrap sends them (MAILTRAP_API.md §7.1).
valid_inbound_entries = st.fixed_dictionaries(
    {
        "event": st.just("inbound.message_received"),
        "inbox_id": st.integers(min_value=2, max_value=10**6)
        | st.from_regex(r"[0-9]{2,9}", fullmatch=True),
        "message_id": st.from_regex(r"[0-9]{15,19}", fullmatch=True),
        "timestamp": st.integers(min_value=0, max_value=2**45),
    },
    optional={"event_id": st.uuids().map(str), "from": st.text(max_size=30)},
)
#: How Mailtrap's API and the storage answer: mostly fine, sometimes failing.
MODES = ["ok", "ok", "ok", "ok", "api-404", "api-500", "invalid-json", "no-raw-url", "raw-403"]


class Mailtrap:
    """The mocked API and storage, answering per case; it records rule violations."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.mode = "ok"
        self.raw = GOOD_MESSAGE
        self.violations: list[str] = []
        mock.add_callback(responses.GET, re.compile(r"https://mailtrap\.io/.*"), self.api)
        mock.add_callback(responses.GET, re.compile(re.escape(RAW_HOST) + ".*"), self.storage)

    def api(self, request: Any) -> tuple[int, dict[str, str], str]:
        if not DOCUMENTED_FETCH.fullmatch(request.url):
            self.violations.append(f"token-bearing GET to {request.url}")
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.violations.append("fetch without the Bearer token")
        if self.mode == "api-404":
            return 404, {}, '{"error": "Not Found"}'
        if self.mode == "api-500":
            return 500, {}, "boom"
        if self.mode == "invalid-json":
            return 200, {}, "<html>maintenance</html>"
        message_id = request.url.rsplit("/", 1)[1]
        details: dict[str, Any] = {"id": message_id, "inbox_id": 250}
        if self.mode != "no-raw-url":
            details["raw_message_url"] = f"{RAW_HOST}{message_id}.eml?X-Amz-Signature=sig"
        return 200, {}, json.dumps(details)

    def storage(self, request: Any) -> tuple[int, dict[str, str], bytes]:
        if "Authorization" in request.headers:
            self.violations.append("credentials sent to the storage")
        if self.mode == "raw-403":
            return 403, {}, b"<Error>AccessDenied</Error>"
        return 200, {}, self.raw


class Reader:
    """A receiver that reads every property of every message, recording any exception."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.failures: list[BaseException] = []

    def __call__(self, sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
        self.events.append(event)
        try:
            read_everything(event.message)
        except BaseException as error:
            self.failures.append(error)


@pytest.fixture
def mailtrap() -> Iterator[Mailtrap]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield Mailtrap(mock)


@pytest.fixture
def reader() -> Iterator[Reader]:
    reader = Reader()
    inbound.connect(reader, weak=False, dispatch_uid="fuzz-inbound")
    try:
        yield reader
    finally:
        inbound.disconnect(dispatch_uid="fuzz-inbound")
        reset_throttle()


def is_documented_failure(error: BaseException, mode: str) -> bool:
    """The 500s that docs/webhooks.md §7 lists for the inbound view."""
    if isinstance(error, AnymailConfigurationError):  # a sending event at the inbound URL
        return True
    if type(error) is ValueError and str(error).startswith("Unknown Mailtrap inbound event"):
        return True
    return isinstance(error, (AnymailAPIError, requests.RequestException)) and mode != "ok"


def check_event(event: Any) -> None:
    assert isinstance(event, AnymailInboundEvent)
    assert event.event_type == "inbound"
    assert event.timestamp is None or isinstance(event.timestamp, datetime)
    inbox_id, _, message_id = event.event_id.partition("/")
    assert DOCUMENTED_FETCH.fullmatch(
        f"https://mailtrap.io/api/inbound/inboxes/{inbox_id}/messages/{message_id}"
    )
    assert isinstance(event.message, AnymailInboundMessage)


@pytest.mark.parametrize("seed_value", SEEDS)
def test_inbound_view(seed_value: int, mailtrap: Mailtrap, reader: Reader) -> None:
    client = Client()

    def check(case: tuple[Credentials, bytes, str, str, bytes]) -> None:
        creds, body, content_type, mailtrap.mode, mailtrap.raw = case
        mailtrap.mock.calls.reset()
        reader.events.clear()
        status, error = post_case(
            client, reader, URL, "MAILTRAP_INBOUND_SECRET", (creds, body, content_type)
        )
        assert mailtrap.violations == []
        assert reader.failures == []
        if not creds.authentic:
            assert status == 400 and error is None
            assert reader.events == [] and len(mailtrap.mock.calls) == 0
            return
        if error is not None:
            assert is_documented_failure(error, mailtrap.mode), repr(error)
            assert reader.events == []  # every message is fetched before any signal
            return
        assert status in (200, 400), status
        if status == 400:  # malformed: nothing fetched, nothing dispatched
            assert reader.events == [] and len(mailtrap.mock.calls) == 0
        for event in reader.events:
            check_event(event)

    raws = st.one_of(st.just(GOOD_MESSAGE), messages())
    cases = st.tuples(
        credentials,
        webhook_bodies(valid_inbound_entries, inbound_entries),
        content_types,
        st.sampled_from(MODES),
        raws,
    )
    run_cases(check, cases, seed_value, CASES)
