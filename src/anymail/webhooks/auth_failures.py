"""Logging failed webhook authentication without an admin email per request.

A failed basic-auth or signature check raises `AnymailWebhookValidationFailure`, a
`SuspiciousOperation`, which Django answers with 400 (the contract). Django also logs
every such exception at ERROR on ``django.security.<class name>``, and its default
LOGGING mails every ERROR under ``django`` to ADMINS: 200 bad requests, 200 emails --
possibly through this very Mailtrap account, spending the rate limit real mail needs.

So Anymail logs failed authentication itself, on the ``anymail.webhooks.security``
logger (outside ``django.*``, so Django's default handlers never mail it):

* at WARNING for the first failure, then at most once per
  ``WEBHOOK_AUTH_FAILURE_LOG_INTERVAL`` seconds (default 60; 0 logs every failure)
  per webhook, saying how many failures were not logged individually in between;
* at DEBUG for every failure;

and it drops Django's own ERROR record for an exception it has logged (a filter on
``django.security.AnymailWebhookValidationFailure`` that matches only those). The
same goes for any other SuspiciousOperation met while authenticating, such as
Django's RequestDataTooBig when a signature check reads an oversized body.
"""

from __future__ import annotations

import logging
import threading
import time

from django.http import HttpRequest

__all__ = ["SECURITY_LOGGER", "log_authentication_failure", "reset_throttle"]

SECURITY_LOGGER = "anymail.webhooks.security"
DEFAULT_LOG_INTERVAL = 60.0

logger = logging.getLogger(SECURITY_LOGGER)

#: Set on an exception once logged here; Django's record of it is then dropped.
_LOGGED = "_anymail_auth_failure_logged"


class _Throttle:
    """Per key: admit one record per interval and count the rest."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._skipped: dict[str, int] = {}

    def admit(self, key: str, interval: float, now: float) -> int | None:
        """None to stay quiet; else how many failures were skipped since the last record."""
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < interval:
                self._skipped[key] = self._skipped.get(key, 0) + 1
                return None
            self._last[key] = now
            return self._skipped.pop(key, 0)

    def reset(self) -> None:
        with self._lock:
            self._last.clear()
            self._skipped.clear()


_throttle = _Throttle()


class _LoggedByAnymail(logging.Filter):
    """Drops Django's record of a validation failure that Anymail has already logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not getattr(error, _LOGGED, False)


_DJANGO_RECORD_FILTER = _LoggedByAnymail()


def log_authentication_failure(
    esp_name: str, request: HttpRequest, error: Exception, interval: float = DEFAULT_LOG_INTERVAL
) -> None:
    """Log a failed webhook authentication (throttled, see the module docstring)."""
    setattr(error, _LOGGED, True)
    django_logger = logging.getLogger(f"django.security.{type(error).__name__}")
    if _DJANGO_RECORD_FILTER not in django_logger.filters:
        django_logger.addFilter(_DJANGO_RECORD_FILTER)

    source = request.META.get("REMOTE_ADDR") or "an unknown address"
    extra = {"status_code": 400, "request": request}
    logger.debug("Rejected %s webhook call from %s: %s", esp_name, source, error, extra=extra)
    skipped = _throttle.admit(esp_name, float(interval or 0), time.monotonic())
    if skipped is None:
        return
    more = (
        f" ({skipped} more failed since the last of these warnings, not logged individually)"
        if skipped
        else ""
    )
    logger.warning(
        "Rejected %s webhook call from %s: %s%s", esp_name, source, error, more, extra=extra
    )


def reset_throttle() -> None:
    """Forget earlier failures (for tests): the next one logs a WARNING again."""
    _throttle.reset()
