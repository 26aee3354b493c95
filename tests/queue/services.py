"""External services for the queue tests: skip with a reason when one is missing, unless
ANYMAIL_REQUIRE_SERVICES=1 (CI) -- then a missing service fails the test instead."""

from __future__ import annotations

import os
import socket
from typing import Any

import pytest
from django.conf import settings

REQUIRE_SERVICES = os.environ.get("ANYMAIL_REQUIRE_SERVICES") == "1"


def reachable(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def missing_service(reason: str) -> Any:
    """Skip (normally) or fail (ANYMAIL_REQUIRE_SERVICES=1) a test whose service is missing."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} -- and ANYMAIL_REQUIRE_SERVICES=1 forbids skipping", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def require_postgres() -> None:
    """The "postgres" database alias (tests/settings.py adds it when PostgreSQL answers)."""
    if "postgres" not in settings.DATABASES:
        port = getattr(settings, "POSTGRES_PORT", 5432)
        missing_service(f"PostgreSQL is not reachable at 127.0.0.1:{port} (or psycopg is missing)")


#: Marks for a test module that uses the "postgres" alias: pytest-django must not set
#: that database up when it is not configured, so the django_db mark is added only then.
def postgres_marks(transaction: bool = True) -> list[Any]:
    marks: list[Any] = [pytest.mark.usefixtures("require_postgres")]
    if "postgres" in settings.DATABASES:
        marks.append(
            pytest.mark.django_db(databases=["default", "postgres"], transaction=transaction)
        )
    return marks
