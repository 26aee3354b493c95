"""What this Django site has configured for Mailtrap, read for `manage.py mailtrap`.

Webhook paths come from reversing anymail.urls' view names, so they include whatever
prefix the site mounted them under (and FORCE_SCRIPT_NAME); secrets are only counted.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from ..mailtrap.checkup import SiteFacts
from ..mailtrap.client import ESP_NAME
from ..mailtrap.signature import as_secret_list
from ..settings import get_anymail_setting

TRACKING_VIEW = "anymail:mailtrap_tracking_webhook"
INBOUND_VIEW = "anymail:mailtrap_inbound_webhook"


def view_path(name: str) -> str | None:
    """The path of a named view in the site's URLconf, or None if it is not there."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _secrets(name: str) -> int:
    value: Any = get_anymail_setting(name, esp_name=ESP_NAME, default=None)
    return len(as_secret_list(value))


def site_facts() -> SiteFacts:
    """This site's sender, sandbox, webhook paths and how many signing secrets it holds."""
    sandbox_id = get_anymail_setting("sandbox_id", esp_name=ESP_NAME, default=None)
    return SiteFacts(
        default_from_email=str(getattr(settings, "DEFAULT_FROM_EMAIL", "") or ""),
        sandbox_id=str(sandbox_id) if sandbox_id else None,
        tracking_path=view_path(TRACKING_VIEW),
        inbound_path=view_path(INBOUND_VIEW),
        tracking_secrets=_secrets("tracking_secret"),
        inbound_secrets=_secrets("inbound_secret"),
    )
