"""The app itself: what ready() connects and registers, the settings' checks, the status
order, and the queryset helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps

from anymail.exceptions import AnymailConfigurationError
from anymail.known_settings import known_settings
from anymail.mail_log.apps import AnymailMailLogConfig
from anymail.mail_log.models import SentMessage
from anymail.mail_log.options import SETTING_NAMES, LogOptions, read_options
from anymail.mail_log.receivers import CONNECTIONS, disconnect_receivers
from anymail.mail_log.status import RANK, Status, higher, highest
from anymail.message import AnymailMessage


def connected(signal: Any, uid: str) -> bool:
    return any(key[0] == uid for key, *_rest in signal.receivers)


def test_ready_connects_the_receivers_and_registers_the_settings() -> None:
    disconnect_receivers()  # (the `mail_log` fixture connected them)
    assert not any(connected(signal, uid) for signal, _receiver, uid in CONNECTIONS)
    config = apps.get_app_config("anymail_mail_log")
    AnymailMailLogConfig.ready(config)
    assert all(connected(signal, uid) for signal, _receiver, uid in CONNECTIONS)
    assert set(SETTING_NAMES) <= known_settings()
    assert (config.name, config.label) == ("anymail.mail_log", "anymail_mail_log")


def test_default_options(settings: Any) -> None:
    settings.ANYMAIL = {}
    assert read_options() == LogOptions(
        enabled=True, store_bodies=False, unknown_events="keep", inbound=False, database=None
    )


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("MAIL_LOG_ENABLED", "yes", "True or False"),
        ("MAIL_LOG_STORE_BODIES", 1, "True or False"),
        ("MAIL_LOG_UNKNOWN_EVENTS", "drop", "'keep' or 'ignore'"),
        ("MAIL_LOG_DATABASE", "", "a database alias or None"),
    ],
)
def test_wrong_settings_are_named(settings: Any, name: str, value: Any, expected: str) -> None:
    settings.ANYMAIL = {name: value}
    with pytest.raises(AnymailConfigurationError, match=f"{name}=.*expected {expected}"):
        read_options()


def test_the_status_order() -> None:
    assert list(RANK) == [
        "queued",
        "not_accepted",
        "unknown",
        "sent",
        "deferred",
        "delivered",
        "opened",
        "clicked",
        "unsubscribed",
        "complained",
        "rejected",
        "bounced",
    ]
    assert higher(Status.SENT, Status.DELIVERED) and not higher(Status.BOUNCED, Status.DELIVERED)
    assert not higher(Status.OPENED, Status.DELIVERED) and not higher(Status.OPENED, Status.OPENED)
    assert not higher(Status.SENT, None)
    assert highest(["delivered", "bounced", "opened"]) == "bounced"


@pytest.mark.django_db
def test_lookups_by_recipient_and_mailtrap_id(
    backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    to_ana = message(to=["Ana@Example.org"], subject="to ana")
    backend().send_messages([to_ana, message(to=["ben@example.org"], subject="to ben")])
    assert [one.subject for one in SentMessage.objects.sent_to("ANA@example.org")] == ["to ana"]
    mailtrap_id = to_ana.anymail_status.message_id
    assert [one.subject for one in SentMessage.objects.with_mailtrap_id(mailtrap_id)] == ["to ana"]
    assert str(SentMessage.objects.get(subject="to ben")) == "to ben (sent)"
