"""The `mailtrap_sandbox` fixture as a user enables it: `pytest_plugins` in their conftest.py,
in a pytest run of its own (pytest-django, the tooling test project's settings)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mailtrap_emulator import EmulatorServer

from .conftest import REPO, SANDBOX_ID, TOKEN

CONFTEST = 'pytest_plugins = ["anymail.testing.pytest_plugin"]\n'
USER_TEST = """
from django.core.mail import EmailMessage, get_connection


def test_welcome_mail(mailtrap_sandbox):
    assert mailtrap_sandbox.messages() == []  # cleaned for this test
    connection = get_connection("anymail.backends.mailtrap.EmailBackend")
    EmailMessage("Welcome", "Hi!", "app@example.com", ["new@example.com"],
                 connection=connection).send()
    message = mailtrap_sandbox.wait_for(to="new@example.com", timeout=10)
    assert message.subject == "Welcome"
    assert message.text.strip() == "Hi!"
"""


def test_users_enable_the_fixture_with_pytest_plugins(
    tmp_path: Path, emulator: EmulatorServer
) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_user.py").write_text(USER_TEST)
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "TOOLING_", "MAILTRAP_", "PYTEST_"))
    }
    environment.update(
        PYTHONPATH=str(REPO),
        DJANGO_SETTINGS_MODULE="tests.tooling.project.settings",
        TOOLING_API_URL=emulator.api_url,
        TOOLING_API_TOKEN=TOKEN,
        TOOLING_SANDBOX_ID=str(SANDBOX_ID),
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", tmp_path],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
