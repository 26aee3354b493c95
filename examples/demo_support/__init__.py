"""Helpers for examples/run_demo.py: the emulator process, the web server, messages, report."""


class DemoError(Exception):
    """Something the demo needs did not work; the text says what (shown to the user)."""
