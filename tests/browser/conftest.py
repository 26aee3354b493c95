"""Fixtures of the browser tests."""

from tests.browser.chromium import browser  # noqa: F401 - the one Chromium fixture
