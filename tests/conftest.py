"""Fixtures for the ESP-agnostic parts of Anymail, exercised through its test backend."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import django
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import override_settings
from django.utils import deprecation

TEST_BACKEND = "anymail.backends.test.EmailBackend"
CONSOLE_BACKEND = "anymail.backends.console.EmailBackend"

#: Django 6.1 replaced EMAIL_BACKEND with MAILERS (and deprecates the old setting): the test
#: settings use MAILERS there, EMAIL_BACKEND before.
USES_MAILERS = django.VERSION >= (6, 1)

#: For tests of Django 6.1's MAILERS setting; CI's Django 6.1 job runs them.
requires_mailers = pytest.mark.skipif(
    not USES_MAILERS, reason="MAILERS needs Django 6.1 (run in CI's Django 6.1 job)"
)

#: Every RemovedInDjango*Warning class of the installed Django.
DJANGO_DEPRECATIONS = tuple(
    getattr(deprecation, name)
    for name in sorted(dir(deprecation))
    if name.startswith("RemovedInDjango") and name.endswith("Warning")
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """CI runs the `heavy` tests in one of its jobs; the others set ANYMAIL_CI_LIGHT=1."""
    if not os.environ.get("ANYMAIL_CI_LIGHT"):
        return
    skip = pytest.mark.skip(reason="heavy: CI runs it in its Python 3.13 + Django 6.1 job")
    for item in items:
        if "heavy" in item.keywords:
            item.add_marker(skip)


def pytest_configure(config: pytest.Config) -> None:
    """Django's deprecation warnings (every RemovedInDjango*Warning of the installed Django)
    are errors: the suite uses each Django's current API, so deprecation noise cannot creep
    back. Tests of the legacy API on purpose assert their warnings (warns_legacy_mail_api).
    (Added here, not in pyproject.toml: the classes differ between Django versions.)"""
    for category in DJANGO_DEPRECATIONS:
        name = f"{category.__module__}.{category.__name__}"
        config.addinivalue_line("filterwarnings", f"error::{name}")


def use_backend(settings: Any, backend: str) -> None:
    """Make `backend` the default mailer: MAILERS["default"] on Django 6.1, else EMAIL_BACKEND.

    (pytest-django swaps the configured backend for Django's locmem one; this puts ours in.)
    """
    if USES_MAILERS:
        settings.MAILERS = {"default": {"BACKEND": backend}}
    else:
        settings.EMAIL_BACKEND = backend


def default_mailer(**options: Any) -> Any:
    """The default mailer built with extra `options`: what get_connection(**options) gave
    before Django 6.1; on 6.1, the MAILERS["default"] entry with `options` added to OPTIONS."""
    if not USES_MAILERS:
        return mail.get_connection(**options)
    mailers = django_settings.MAILERS
    entry = mailers["default"]
    with_options = {**entry, "OPTIONS": {**entry.get("OPTIONS", {}), **options}}
    with override_settings(MAILERS={**mailers, "default": with_options}):
        return mail.mailers["default"]  # type: ignore[attr-defined]


#: The alias of a backend built from the default mailer setting (queued rows record it):
#: "default" from MAILERS on Django 6.1, None from EMAIL_BACKEND.
DEFAULT_ALIAS = "default" if USES_MAILERS else None


@contextmanager
def warns_deprecated_since(version: tuple[int, int], match: str | None = None) -> Iterator[None]:
    """Around a deliberate use of an API that Django deprecated in `version`: asserts that
    Django warns about it from that version on (and lets it pass silently before)."""
    if version > django.VERSION:  # not deprecated yet
        yield
        return
    with pytest.warns(DJANGO_DEPRECATIONS, match=match):
        yield


def warns_legacy_mail_api(match: str | None = None) -> Any:
    """Around a deliberate use of Django's pre-6.1 mail API (EMAIL_BACKEND, get_connection(),
    fail_silently, EmailMessage.connection): asserts that Django 6.1 warns about it."""
    return warns_deprecated_since((6, 1), match)


def use_legacy_email_backend(settings: Any, backend: str) -> None:
    """EMAIL_BACKEND = `backend`, for a test of that pre-6.1 setting (on Django 6.1: without
    MAILERS, and the deprecation warning asserted)."""
    with warns_legacy_mail_api(match="EMAIL_BACKEND setting is deprecated"):
        settings.EMAIL_BACKEND = backend
    if USES_MAILERS:
        # After EMAIL_BACKEND: undone first, so restoring EMAIL_BACKEND finds MAILERS back
        # (reading EMAIL_BACKEND without MAILERS warns).
        del settings.MAILERS


@pytest.fixture
def anymail_settings(settings: Any) -> Any:
    """Settings with an empty ANYMAIL dict and the Anymail test backend as the default mailer."""
    settings.ANYMAIL = {}
    use_backend(settings, TEST_BACKEND)
    return settings


@pytest.fixture
def test_backend(anymail_settings: Any) -> Callable[..., Any]:
    """Factory: an Anymail test EmailBackend built from the current settings plus kwargs."""
    from anymail.backends.test import EmailBackend

    def make(**kwargs: Any) -> EmailBackend:
        return EmailBackend(**kwargs)

    return make


@pytest.fixture
def new_message() -> Callable[..., Any]:
    """Factory: an AnymailMessage with a sender, one recipient, a subject and a text body."""
    from anymail.message import AnymailMessage

    def make(**kwargs: Any) -> AnymailMessage:
        fields: dict[str, Any] = {
            "subject": "Subject",
            "body": "Body",
            "from_email": "from@example.com",
            "to": ["to@example.com"],
            **kwargs,
        }
        return AnymailMessage(**fields)

    return make


@pytest.fixture
def send_params(test_backend: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    """Send one message through a fresh test backend; returns its anymail_test_params."""

    def send(message: Any, **backend_kwargs: Any) -> dict[str, Any]:
        sent = test_backend(**backend_kwargs).send_messages([message])
        assert sent == 1
        params: dict[str, Any] = message.anymail_test_params
        return params

    return send


class SignalRecorder:
    """A receiver that remembers the keyword arguments of every call; may raise instead."""

    def __init__(self, raises: BaseException | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.raises = raises
        self.__qualname__ = type(self).__qualname__  # send_robust() logs it for errors

    def __call__(self, sender: Any, **kwargs: Any) -> None:
        self.calls.append({"sender": sender, **kwargs})
        if self.raises is not None:
            raise self.raises

    @property
    def events(self) -> list[Any]:
        """The `event` of each call (for the tracking and inbound signals)."""
        return [call["event"] for call in self.calls]

    @property
    def only_event(self) -> Any:
        """The single event received (fails the test if there were more or none)."""
        assert len(self.events) == 1, f"expected one event, got {len(self.events)}"
        return self.events[0]


@pytest.fixture
def connect_receiver() -> Iterator[Callable[..., SignalRecorder]]:
    """Factory: connect a SignalRecorder to a signal for the duration of the test."""
    connected: list[tuple[Any, SignalRecorder]] = []

    def connect(signal: Any, raises: BaseException | None = None) -> SignalRecorder:
        recorder = SignalRecorder(raises)
        signal.connect(recorder, weak=False)
        connected.append((signal, recorder))
        return recorder

    yield connect
    for signal, recorder in connected:
        signal.disconnect(recorder)
