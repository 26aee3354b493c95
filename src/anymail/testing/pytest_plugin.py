"""pytest fixture for tests that read a Mailtrap sandbox.

Enable it in your conftest.py (pytest-django, or Django settings configured otherwise):

    pytest_plugins = ["anymail.testing.pytest_plugin"]

`mailtrap_sandbox` is a `MailtrapSandbox` built from the ANYMAIL settings at the start of
the test (so a test may first point them at the emulator), emptied before the test runs.
"""

from __future__ import annotations

import pytest

from .sandbox import MailtrapSandbox


@pytest.fixture
def mailtrap_sandbox() -> MailtrapSandbox:
    """The configured sandbox (MAILTRAP_SANDBOX_ID), empty at the start of the test."""
    sandbox = MailtrapSandbox.from_settings()
    sandbox.clean()
    return sandbox
