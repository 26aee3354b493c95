"""Fuzz the tracking webhook view: authentication, hostile bodies, the answers and the events."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from django.test import Client, override_settings
from hypothesis import strategies as st

from anymail.exceptions import AnymailConfigurationError
from anymail.signals import AnymailTrackingEvent, tracking
from anymail.webhooks.auth_failures import reset_throttle
from tests.fuzz.conftest import SEEDS, run_cases
from tests.fuzz.strategies import (
    content_types,
    tracking_events,
    valid_tracking_events,
    webhook_bodies,
)

CASES = 2300
URL = "/anymail/mailtrap/tracking/"
BASIC = "fuzz-user:fuzz-pass"
SIGNING_SECRET = "fuzz-signing-secret"


@dataclass
class Credentials:
    """What the request carries: right, wrong, garbled or missing, for each method."""

    basic: str  # "right" | "wrong" | "garbled" | "missing"
    signature: str
    use_basic: bool  # WEBHOOK_SECRET configured
    use_signature: bool  # MAILTRAP_*_SECRET configured

    @property
    def authentic(self) -> bool:
        basic_ok = not self.use_basic or self.basic == "right"
        signature_ok = not self.use_signature or self.signature == "right"
        return basic_ok and signature_ok

    def settings(self, secret_name: str) -> dict[str, Any]:
        anymail: dict[str, Any] = {"MAILTRAP_API_TOKEN": "fuzz-api-token"}
        if self.use_basic:
            anymail["WEBHOOK_SECRET"] = BASIC
        if self.use_signature:
            anymail[secret_name] = SIGNING_SECRET
        return anymail

    def headers(self, body: bytes) -> dict[str, str]:
        headers = {}
        if self.basic != "missing":
            value = {"right": BASIC, "wrong": "fuzz-user:nope", "garbled": "x"}[self.basic]
            encoded = base64.b64encode(value.encode()).decode()
            headers["Authorization"] = "Basic " + encoded if self.basic != "garbled" else "Basic !!"
        if self.signature != "missing":
            key = SIGNING_SECRET if self.signature == "right" else "other-secret"
            digest = hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
            headers["Mailtrap-Signature"] = digest if self.signature != "garbled" else "zz"
        return headers


kinds = st.sampled_from(["right", "wrong", "garbled", "missing"])
configured = st.sampled_from([(True, False), (False, True), (True, True)])
credentials = st.one_of(
    configured.map(lambda config: Credentials("right", "right", *config)),
    st.builds(lambda b, s, config: Credentials(b, s, *config), kinds, kinds, configured),
)  # about 60% authentic


class Recorder:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def __call__(self, sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
        self.events.append(event)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    tracking.connect(recorder, weak=False, dispatch_uid="fuzz-tracking")
    try:
        yield recorder
    finally:
        tracking.disconnect(dispatch_uid="fuzz-tracking")
        reset_throttle()


def check_event(event: Any) -> None:
    """Every dispatched event has the documented field types (issue 11.4)."""
    assert isinstance(event, AnymailTrackingEvent)
    assert isinstance(event.event_type, str)
    assert isinstance(event.timestamp, datetime) and event.timestamp.tzinfo is not None
    assert isinstance(event.message_id, str) and event.message_id
    for field in ("event_id", "recipient", "mta_response", "click_url", "user_agent"):
        assert getattr(event, field) is None or isinstance(getattr(event, field), str), field
    assert isinstance(event.tags, list) and all(isinstance(tag, str) for tag in event.tags)
    assert isinstance(event.metadata, dict)
    assert isinstance(event.esp_event, dict)


def has_inbound_event(body: bytes) -> bool:
    return b'"inbound' in body


def post_case(
    client: Client, recorder: Recorder, url: str, secret_name: str, case: tuple[Any, ...]
) -> tuple[int | None, BaseException | None]:
    creds, body, content_type = case
    recorder.events.clear()
    with override_settings(ANYMAIL=creds.settings(secret_name)):
        try:
            response = client.post(
                url, data=body, content_type=content_type, headers=creds.headers(body)
            )
        except Exception as error:  # a 5xx: the test client re-raises the view's exception
            return None, error
    return response.status_code, None


@pytest.mark.parametrize("seed_value", SEEDS)
def test_tracking_view(seed_value: int, recorder: Recorder) -> None:
    client = Client()

    def check(case: tuple[Credentials, bytes, str]) -> None:
        creds, body, _ = case
        status, error = post_case(client, recorder, URL, "MAILTRAP_TRACKING_SECRET", case)
        if not creds.authentic:
            assert status == 400 and error is None
            assert recorder.events == []
            return
        if error is not None:
            # documented 500: inbound events posted to the tracking URL (misdirected webhook)
            assert isinstance(error, AnymailConfigurationError), repr(error)
            assert has_inbound_event(body)
            assert recorder.events == []
            return
        assert status in (200, 400), status
        if status == 400:
            assert recorder.events == []
        for event in recorder.events:
            check_event(event)

    bodies = webhook_bodies(valid_tracking_events, tracking_events)
    cases = st.tuples(credentials, bodies, content_types)
    run_cases(check, cases, seed_value, CASES)
