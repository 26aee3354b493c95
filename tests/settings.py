"""Django settings for the test suite."""

import os
import socket
from importlib.util import find_spec


def _reachable(port: int) -> bool:
    """A service on 127.0.0.1:port (the queue tests' PostgreSQL, Redis)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


SECRET_KEY = "tests-only-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "anymail",
    "anymail.queue",
]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "tests.urls"
STATIC_URL = "/static/"  # the live_server fixture's static-files handler needs one
DATABASES: dict[str, dict[str, object]] = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
}
#: The queue tests' PostgreSQL (tests/queue); absent when nothing listens on 5432.
POSTGRES_PORT = int(os.environ.get("ANYMAIL_TEST_POSTGRES_PORT", "5432"))
if _reachable(POSTGRES_PORT) and find_spec("psycopg") is not None:
    DATABASES["postgres"] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "anymail_queue",
        "USER": os.environ.get("ANYMAIL_TEST_POSTGRES_USER", "postgres"),
        "HOST": "127.0.0.1",
        "PORT": POSTGRES_PORT,
        "TEST": {"NAME": f"test_anymail_queue_{os.getpid()}"},
    }
EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
DEFAULT_FROM_EMAIL = "from@example.com"
ANYMAIL: dict[str, object] = {}
# Queued sending: enqueued drains wait in the dummy backend until a test runs them.
_TASKS_MODULE = "django.tasks" if find_spec("django.tasks") else "django_tasks"
TASKS = {"default": {"BACKEND": f"{_TASKS_MODULE}.backends.dummy.DummyBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
