"""Set up the demo Django project (examples/demo_project) in this process."""

from __future__ import annotations

import os


def setup_django(environ: dict[str, str], *, migrate: bool) -> None:
    """Export the project's settings via the environment, set Django up, create the DB."""
    os.environ.update(environ)
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo_project.settings"
    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
        call_command("migrate", verbosity=0, interactive=False)


def close_database_connections() -> None:
    """Close this thread's connections (before the database file is removed)."""
    from django.db import connections

    connections.close_all()


def bypass_proxies_for_localhost() -> None:
    """Everything the offline demo talks to is on 127.0.0.1: never send that to a proxy."""
    for name in ("NO_PROXY", "no_proxy"):
        hosts = [host for host in os.environ.get(name, "").split(",") if host]
        os.environ[name] = ",".join([*hosts, "127.0.0.1", "localhost"])
