"""Helpers for your integration tests: read what was sent to a Mailtrap sandbox.

`MailtrapSandbox` works the same against Mailtrap and against the emulator (point
MAILTRAP_API_URL at it); `anymail.testing.pytest_plugin` adds a `mailtrap_sandbox` fixture.
"""

from .sandbox import CapturedAttachment, CapturedMessage, MailtrapSandbox, SandboxTimeout

__all__ = ["CapturedAttachment", "CapturedMessage", "MailtrapSandbox", "SandboxTimeout"]
