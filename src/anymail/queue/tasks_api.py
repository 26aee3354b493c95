"""Django's task framework: `django.tasks` (Django >= 6.0) or the `django-tasks` backport.

Both have the same API; the newer one wins when both are installed.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from ..exceptions import AnymailImproperlyInstalled


def _framework() -> ModuleType:
    for name in ("django.tasks", "django_tasks"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise AnymailImproperlyInstalled(
        "django-tasks", install_extra="queue", feature="queued sending before Django 6.0"
    )


_tasks = _framework()

#: The `@task` decorator of the framework in use.
task: Any = _tasks.task
#: The configured task backends (`TASKS` setting), by alias.
task_backends: Any = _tasks.task_backends
#: "django.tasks" or "django_tasks".
FRAMEWORK: str = _tasks.__name__


def supports_defer(backend_alias: str) -> bool:
    """Whether the task backend honours `run_after` (ImmediateBackend does not)."""
    return bool(getattr(task_backends[backend_alias], "supports_defer", False))
