"""System checks: the queued backend needs the anymail.queue app and a task framework."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import checks

from anymail.queue import checks as queue_checks
from tests.conftest import use_backend

from .conftest import QUEUED_BACKEND


@pytest.mark.django_db  # Django 6.1 runs database checks too
def test_no_error_when_set_up(settings: Any) -> None:
    use_backend(settings, QUEUED_BACKEND)
    assert queue_checks.check_queue_setup() == []
    assert [m for m in checks.run_checks() if m.id and m.id.startswith("anymail.E01")] == []


@pytest.mark.django_db
def test_missing_app_is_an_error_naming_the_fix(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_backend(settings, QUEUED_BACKEND)
    monkeypatch.setattr(queue_checks.apps, "is_installed", lambda name: False)
    (error,) = queue_checks.check_queue_setup()
    assert error.id == "anymail.E010"
    assert '"anymail.queue" to INSTALLED_APPS' in error.hint
    # registered by the anymail app, so it runs even without anymail.queue installed
    assert "anymail.E010" in {message.id for message in checks.run_checks()}


def test_missing_task_framework_is_an_error(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    use_backend(settings, "anymail.backends.queued.QueuedEmailBackend")
    monkeypatch.setattr(queue_checks, "_importable", lambda name: False)
    assert [error.id for error in queue_checks.check_queue_setup()] == ["anymail.E011"]


def test_other_backends_are_not_checked(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    use_backend(settings, "anymail.backends.mailtrap.EmailBackend")
    monkeypatch.setattr(queue_checks.apps, "is_installed", lambda name: False)
    assert queue_checks.check_queue_setup() == []
