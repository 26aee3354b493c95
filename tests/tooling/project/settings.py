"""A tiny Django project for running `manage.py mailtrap` as a real subprocess.

Everything Mailtrap-related comes from the environment the test gives the process:
TOOLING_API_URL (the emulator's), TOOLING_API_TOKEN, TOOLING_FROM_EMAIL, and optionally
TOOLING_SANDBOX_ID, TOOLING_ACCOUNT_ID, TOOLING_TRACKING_SECRET.
"""

from __future__ import annotations

import os

SECRET_KEY = "tooling-tests-only-not-secret"
DEBUG = False
USE_TZ = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.contenttypes", "anymail"]
ROOT_URLCONF = "tests.tooling.project.urls"
DATABASES: dict[str, dict[str, str]] = {}
DEFAULT_FROM_EMAIL = os.environ.get("TOOLING_FROM_EMAIL", "app@example.com")

ANYMAIL: dict[str, object] = {
    "MAILTRAP_API_TOKEN": os.environ.get("TOOLING_API_TOKEN", ""),
    "MAILTRAP_API_URL": os.environ["TOOLING_API_URL"],
}
for setting, variable in (
    ("MAILTRAP_SANDBOX_ID", "TOOLING_SANDBOX_ID"),
    ("MAILTRAP_ACCOUNT_ID", "TOOLING_ACCOUNT_ID"),
    ("MAILTRAP_TRACKING_SECRET", "TOOLING_TRACKING_SECRET"),
):
    if os.environ.get(variable):
        ANYMAIL[setting] = os.environ[variable]
