"""docs/configuration.md is the reference of every setting: none missing, none stale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

known_settings = pytest.importorskip(
    "anymail.known_settings", reason="anymail.known_settings (the setting-name list) is absent"
)

PAGE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
#: The first cell of a settings table row: | `MAILTRAP_API_TOKEN` | ...
TABLE_ROW_SETTING = re.compile(r"^\| `([A-Z][A-Z0-9_]+)` \|", re.MULTILINE)


def test_every_setting_is_documented() -> None:
    text = PAGE.read_text(encoding="utf-8")
    undocumented = {
        name
        for name in known_settings.CORE_SETTINGS - {"WEBHOOK_AUTHORIZATION"}  # renamed: E001
        if f"`{name}`" not in text
    }
    assert not undocumented, f"settings missing from docs/configuration.md: {undocumented}"


def test_every_documented_setting_exists() -> None:
    documented = set(TABLE_ROW_SETTING.findall(PAGE.read_text(encoding="utf-8")))
    assert "MAILTRAP_API_TOKEN" in documented
    stale = documented - known_settings.CORE_SETTINGS
    assert not stale, f"docs/configuration.md documents settings Anymail does not read: {stale}"
