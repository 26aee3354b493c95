"""The tooling's pure parts: argument types, URL masking, domain states, secrets in reprs."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone

import pytest

from anymail.mailtrap.domains import SendingDomain, address_domain, domain_for
from anymail.mailtrap.webhooks_api import (
    EVENT_TYPES,
    CreatedWebhook,
    Webhook,
    WebhooksAPI,
    display_url,
)
from anymail.management.mailtrap_parser import event_types, since
from anymail.sending.secrets import Secret


@pytest.mark.parametrize(
    ("text", "age"),
    [("2d", timedelta(days=2)), ("12h", timedelta(hours=12)), ("30m", timedelta(minutes=30)),
     ("1w", timedelta(weeks=1)), ("45s", timedelta(seconds=45))],
)  # fmt: skip
def test_since_takes_an_age(text: str, age: timedelta) -> None:
    expected = datetime.now(timezone.utc) - age
    assert abs((since(text) - expected).total_seconds()) < 5


def test_since_takes_an_iso_date_in_utc_unless_it_says() -> None:
    assert since("2026-11-30") == datetime(2026, 11, 30, tzinfo=timezone.utc)
    assert since("2026-11-30T10:00:00+01:00") == datetime(2026, 11, 30, 9, tzinfo=timezone.utc)
    with pytest.raises(argparse.ArgumentTypeError, match="neither an age"):
        since("last week")


def test_event_types() -> None:
    assert event_types("all") == list(EVENT_TYPES)
    assert event_types(" bounce , click ") == ["bounce", "click"]
    with pytest.raises(argparse.ArgumentTypeError, match=r"unknown event type.*opened"):
        event_types("delivery,opened")
    with pytest.raises(argparse.ArgumentTypeError):
        event_types(",")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://a.example/hook/", "https://a.example/hook/"),
        ("https://user:secret@a.example/hook/", "https://user:***@a.example/hook/"),
        ("https://user:secret@a.example:8443/h?x=1", "https://user:***@a.example:8443/h?x=1"),
        ("http://u:p@[::1]:80/h", "http://u:***@[::1]:80/h"),
    ],
)
def test_display_url_masks_passwords(url: str, shown: str) -> None:
    assert display_url(url) == shown


def test_webhook_reprs_hide_credentials_and_secrets() -> None:
    hook = Webhook(id=3, url="https://u:pw-secret@a.example/h/", webhook_type="email_sending")
    created = CreatedWebhook(hook, Secret("signing-secret-abc"))
    assert "pw-secret" not in repr(hook) and "pw-secret" not in repr(created)
    assert "signing-secret-abc" not in repr(created)
    assert created.settings_line == '"MAILTRAP_TRACKING_SECRET": "signing-secret-abc",'


def test_webhooks_api_refuses_changes_mailtrap_cannot_make() -> None:
    with pytest.raises(ValueError, match="cannot change a webhook's sending_stream"):
        WebhooksAPI(api=None).update(1, sending_stream="bulk")  # type: ignore[arg-type]


def domain(**fields: object) -> SendingDomain:
    data = {"id": 1, "domain_name": "example.com", "dns_verified": True}
    data.update(fields)
    return SendingDomain.from_json(data)


def test_domain_states() -> None:
    assert domain(compliance_status="compliant").state == "verified"
    assert domain(compliance_status="demo").state == "verified (demo)"
    assert domain(compliance_status="under_review").state == (
        "DNS verified, compliance: under_review"
    )
    unverified = domain(
        dns_verified=False,
        compliance_status="unverified_dns",
        dns_records=[{"key": "spf", "status": "pass"}, {"key": "dkim1", "status": "missing"}],
    )
    assert unverified.state == "DNS not verified (dkim1)"
    assert not unverified.ready


def test_the_domain_of_a_sender() -> None:
    assert address_domain("App <App@Example.COM>") == "example.com"
    assert address_domain("webmaster@localhost") == "localhost"
    assert address_domain("not an address") is None
    domains = [domain(domain_name="example.com")]
    assert domain_for(domains, "a@EXAMPLE.com") is domains[0]
    assert domain_for(domains, "a@mail.example.com") is None
