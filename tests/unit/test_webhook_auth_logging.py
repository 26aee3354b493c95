"""Failed webhook authentication is logged without becoming an admin email per request (11.7)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import django
import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.utils.log import AdminEmailHandler, configure_logging

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.webhooks import auth_failures
from anymail.webhooks.mailtrap import MailtrapTrackingWebhookView
from tests.conftest import use_backend
from tests.unit.conftest import (
    MAILTRAP_INBOUND_URL,
    MAILTRAP_TRACKING_URL,
    WEBHOOK_BASIC_AUTH,
    basic_auth_header,
)

DELIVERY = {"event": "delivery", "message_id": "m-1", "timestamp": 1716070000}


@pytest.fixture(autouse=True)
def fresh_throttle() -> Iterator[None]:
    auth_failures.reset_throttle()
    yield
    auth_failures.reset_throttle()


@pytest.fixture
def django_default_logging(settings: Any) -> Iterator[None]:
    """Django's default LOGGING (mail_admins on the "django" logger), ADMINS, locmem mail."""
    # Django 6.0 takes plain addresses (and deprecates the (name, address) pairs of 5.2)
    admin = "admin@example.com"
    settings.ADMINS = [admin] if django.VERSION >= (6, 0) else [("Site admin", admin)]
    use_backend(settings, "django.core.mail.backends.locmem.EmailBackend")
    settings.DEBUG = False
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    handlers = logging.getLogger("django").handlers
    assert any(isinstance(handler, AdminEmailHandler) for handler in handlers)
    mail.outbox = []
    yield


def post_bad_auth(url: str = MAILTRAP_TRACKING_URL, remote: str = "203.0.113.9") -> Any:
    return Client(REMOTE_ADDR=remote).post(
        url,
        data={"events": [DELIVERY]},
        content_type="application/json",
        headers={"Authorization": basic_auth_header("webhook-user:wrong")},
    )


def test_200_failed_authentications_send_no_admin_email(
    webhook_settings: Any, django_default_logging: None, tracking_receiver: Any
) -> None:
    # Issue 11.7: with Django's default logging, every failure mailed ADMINS (200 mails).
    for _ in range(100):
        assert post_bad_auth(MAILTRAP_TRACKING_URL).status_code == 400
        assert post_bad_auth(MAILTRAP_INBOUND_URL).status_code == 400
    assert mail.outbox == []
    assert tracking_receiver.events == []


def test_bad_signatures_send_no_admin_email(settings: Any, django_default_logging: None) -> None:
    settings.ANYMAIL = {"MAILTRAP_TRACKING_SECRET": "signing-secret"}
    client = Client(headers={"Mailtrap-Signature": "0" * 64})
    for _ in range(50):
        response = client.post(MAILTRAP_TRACKING_URL, data={}, content_type="application/json")
        assert response.status_code == 400
    assert mail.outbox == []


def test_other_errors_still_reach_the_admins(
    settings: Any, django_default_logging: None, post_webhook: Any
) -> None:
    """Only the records Anymail has logged itself are dropped: a misconfiguration still mails."""
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_BASIC_AUTH}  # no API token for inbound
    client = Client(raise_request_exception=False)
    response = client.post(
        MAILTRAP_INBOUND_URL,
        data={"events": [{"event": "inbound.message_received", "inbox_id": 2}]},
        content_type="application/json",
        headers={"Authorization": basic_auth_header(WEBHOOK_BASIC_AUTH)},
    )
    assert response.status_code == 500
    assert len(mail.outbox) == 1


def security_records(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name == auth_failures.SECURITY_LOGGER and record.levelno == level
    ]


def test_first_failure_is_a_warning_on_the_anymail_security_logger(
    webhook_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        post_bad_auth()
    [warning] = security_records(caplog, logging.WARNING)
    assert warning.getMessage() == (
        "Rejected Mailtrap webhook call from 203.0.113.9: "
        "Missing or invalid basic auth in Anymail Mailtrap webhook"
    )
    assert warning.status_code == 400  # type: ignore[attr-defined]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_burst_gives_one_warning_and_a_debug_record_each(
    webhook_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger=auth_failures.SECURITY_LOGGER):
        for _ in range(200):
            post_bad_auth()
    assert len(security_records(caplog, logging.WARNING)) == 1
    assert len(security_records(caplog, logging.DEBUG)) == 200


def test_the_next_warning_counts_the_failures_in_between(
    webhook_settings: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(auth_failures.time, "monotonic", lambda: now[0])
    with caplog.at_level(logging.WARNING, logger=auth_failures.SECURITY_LOGGER):
        for _ in range(5):
            post_bad_auth()
        now[0] += 60
        post_bad_auth()
    first, second = security_records(caplog, logging.WARNING)
    assert "more failed" not in first.getMessage()
    assert second.getMessage().endswith(
        " (4 more failed since the last of these warnings, not logged individually)"
    )


def test_interval_setting_zero_logs_every_failure(
    webhook_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    webhook_settings.ANYMAIL = {
        **webhook_settings.ANYMAIL,
        "WEBHOOK_AUTH_FAILURE_LOG_INTERVAL": 0,
    }
    with caplog.at_level(logging.WARNING, logger=auth_failures.SECURITY_LOGGER):
        for _ in range(3):
            post_bad_auth()
    assert len(security_records(caplog, logging.WARNING)) == 3


def test_both_mailtrap_views_share_one_throttle(
    webhook_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Keyed by ESP name: one warning a minute for all of Mailtrap's webhooks."""
    with caplog.at_level(logging.WARNING, logger=auth_failures.SECURITY_LOGGER):
        post_bad_auth(MAILTRAP_TRACKING_URL)
        post_bad_auth(MAILTRAP_INBOUND_URL)
    assert len(security_records(caplog, logging.WARNING)) == 1


def test_the_exception_still_propagates_to_django(webhook_settings: Any) -> None:
    """The contract: the view raises AnymailWebhookValidationFailure; Django answers 400."""
    request = RequestFactory().post(MAILTRAP_TRACKING_URL, data=b"{}", content_type="x/y")
    with pytest.raises(AnymailWebhookValidationFailure):
        MailtrapTrackingWebhookView.as_view()(request)


def test_failures_can_be_routed_to_the_admins_explicitly(
    webhook_settings: Any, django_default_logging: None
) -> None:
    """docs/security.md: an AdminEmailHandler at WARNING on the logger -- one mail a minute."""
    handler = AdminEmailHandler()
    handler.setLevel(logging.WARNING)
    security_logger = logging.getLogger(auth_failures.SECURITY_LOGGER)
    security_logger.addHandler(handler)
    try:
        for _ in range(20):
            post_bad_auth()
    finally:
        security_logger.removeHandler(handler)
    assert len(mail.outbox) == 1
    assert "Rejected Mailtrap webhook call" in mail.outbox[0].subject
    assert "webhook-pass" not in mail.outbox[0].body


def test_bodies_over_djangos_size_limit_send_no_admin_email(
    settings: Any, django_default_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    """Checking a signature reads the body: Django's RequestDataTooBig must not mail either."""
    settings.ANYMAIL = {"MAILTRAP_TRACKING_SECRET": "signing-secret"}
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client(headers={"Mailtrap-Signature": "0" * 64})
    with caplog.at_level(logging.WARNING, logger=auth_failures.SECURITY_LOGGER):
        for _ in range(20):
            response = client.post(
                MAILTRAP_TRACKING_URL, data=b"x" * 5000, content_type="application/json"
            )
            assert response.status_code == 400
    assert mail.outbox == []
    [warning] = security_records(caplog, logging.WARNING)
    assert "DATA_UPLOAD_MAX_MEMORY_SIZE" in warning.getMessage()
