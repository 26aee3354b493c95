"""System checks for queued sending (registered by the `anymail` app, so they run even
when `anymail.queue` itself is missing from INSTALLED_APPS)."""

from __future__ import annotations

import importlib.util
from typing import Any

from django.apps import apps
from django.core import checks

from ..checks import get_configured_email_backends

QUEUED_BACKENDS = frozenset(
    {"anymail.backends.mailtrap.QueuedEmailBackend", "anymail.backends.queued.QueuedEmailBackend"}
)


def check_queue_setup(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """anymail.E010: queued backend without the app; anymail.E011: no task framework."""
    if not QUEUED_BACKENDS & get_configured_email_backends():
        return []
    errors: list[checks.CheckMessage] = []
    if not apps.is_installed("anymail.queue"):
        errors.append(
            checks.Error(
                "QueuedEmailBackend is configured, but the 'anymail.queue' app that stores "
                "queued messages is not installed.",
                hint='Add "anymail.queue" to INSTALLED_APPS, then run `manage.py migrate`.',
                id="anymail.E010",
            )
        )
    if not any(_importable(name) for name in ("django.tasks", "django_tasks")):
        errors.append(
            checks.Error(
                "QueuedEmailBackend needs Django's task framework (Django >= 6.0), or the "
                "django-tasks backport on Django 5.2.",
                hint='pip install "django-tasks" (and a task backend, e.g. django-tasks-db).',
                id="anymail.E011",
            )
        )
    return errors


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:  # the parent package is missing
        return False
