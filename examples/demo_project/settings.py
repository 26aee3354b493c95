"""Settings for the demo project: Anymail's Mailtrap backend and webhooks, configured from env.

examples/run_demo.py sets the environment: DEMO_DATA_DIR (where the SQLite database lives),
MAILTRAP_API_URL (the emulator), DEMO_TRACKING_SECRET and DEMO_INBOUND_SECRET (the signing
secrets Mailtrap returned when the webhooks were created).
"""

import os
import tempfile
from importlib.util import find_spec
from pathlib import Path

import django

SECRET_KEY = "demo-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "UTC"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "anymail",
    "demo_project.events",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Anymail's webhook views are exempt from login (and CSRF):
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
]
ROOT_URLCONF = "demo_project.urls"

DATA_DIR = Path(os.environ.get("DEMO_DATA_DIR") or tempfile.gettempdir())
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "anymail-demo.sqlite3",
        # the queued step's worker process writes too: wait for the lock, don't fail
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
    }
}

# The sandbox sends of the demo use a second backend instance with `sandbox_id` (see
# examples/demo_support/mail.py); on Django 6.1 a MAILERS entry would do the same.
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": "anymail.backends.mailtrap.EmailBackend"}}
else:
    EMAIL_BACKEND = "anymail.backends.mailtrap.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("MAILTRAP_DEMO_FROM") or "Demo Shop <shop@demo.example>"

# Queued sending (the demo's queued step): the outbox app and django-tasks-db's worker.
if find_spec("django_tasks_db"):
    INSTALLED_APPS += ["anymail.queue", "django_tasks_db"]
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    if django.VERSION >= (6, 1):
        MAILERS["queued"] = {"BACKEND": "anymail.backends.mailtrap.QueuedEmailBackend"}

ANYMAIL = {
    "MAILTRAP_API_TOKEN": os.environ.get("MAILTRAP_API_TOKEN") or "demo-token",
    "WEBHOOK_SECRET": os.environ.get("DEMO_WEBHOOK_SECRET") or "demo-user:demo-password",
}
if os.environ.get("MAILTRAP_API_URL"):
    ANYMAIL["MAILTRAP_API_URL"] = os.environ["MAILTRAP_API_URL"]
if os.environ.get("DEMO_TRACKING_SECRET"):
    ANYMAIL["MAILTRAP_TRACKING_SECRET"] = os.environ["DEMO_TRACKING_SECRET"]
if os.environ.get("DEMO_INBOUND_SECRET"):
    ANYMAIL["MAILTRAP_INBOUND_SECRET"] = os.environ["DEMO_INBOUND_SECRET"]
