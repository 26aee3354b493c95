"""Django settings for the test suite."""

import os
import socket
from importlib.util import find_spec

import django


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
    "tests.mail_log.apps.MailLogTestConfig",  # anymail.mail_log, receivers off but in its tests
    # The message log's admin (tests/mail_log_admin)
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",  # live_server serves the admin's CSS (browser screenshots)
]
MIDDLEWARE: list[str] = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
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
# Django 6.1 replaced EMAIL_BACKEND with MAILERS and deprecates the old setting (the two
# cannot be mixed): each Django gets its own. Tests change it with tests.conftest.use_backend().
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}
else:
    EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
DEFAULT_FROM_EMAIL = "from@example.com"
ANYMAIL: dict[str, object] = {}
# Queued sending: enqueued drains wait in the dummy backend until a test runs them.
_TASKS_MODULE = "django.tasks" if find_spec("django.tasks") else "django_tasks"
TASKS = {"default": {"BACKEND": f"{_TASKS_MODULE}.backends.dummy.DummyBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
