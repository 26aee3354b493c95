"""Every setting name Anymail reads, in one place, so that a misspelt one can be reported.

Names are ANYMAIL keys: `ANYMAIL = {"<NAME>": ...}`, or `ANYMAIL_<NAME>` as a Django
setting. The system check anymail.W004 (checks.py) warns about any other name, and a
test scans src/ for every name read, so this list cannot fall behind the code.

An optional app adds its own names from its `AppConfig.ready()`:

    register_settings("MAIL_LOG_RETENTION_DAYS", "MAIL_LOG_CAPTURE_BODIES")
"""

from __future__ import annotations

#: Settings without an ESP prefix.
GLOBAL_SETTINGS = frozenset(
    {
        # Anymail's own (ANYMAIL_API.md §1.3)
        "DEBUG_API_REQUESTS",
        "IDNA_ENCODER",
        "IGNORE_RECIPIENT_STATUS",
        "IGNORE_UNSUPPORTED_FEATURES",
        "REQUESTS_TIMEOUT",
        "SEND_DEFAULTS",
        "WEBHOOK_SECRET",
        "WEBHOOK_AUTHORIZATION",  # renamed WEBHOOK_SECRET: anymail.E001 reports it
        # this project's
        "INBOUND_MAX_BYTES",
        "INBOUND_MAX_DEPTH",
        "INBOUND_MAX_LINES",
        "INBOUND_MAX_PARTS",
        "WEBHOOK_AUTH_FAILURE_LOG_INTERVAL",
    }
)

#: Read by every backend with its ESP's prefix (the test and console backends are ESPs
#: named "Test" and "Console").
PER_BACKEND_SETTINGS = frozenset({"IDNA_ENCODER", "SEND_DEFAULTS"})
BACKEND_PREFIXES = ("MAILTRAP", "TEST", "CONSOLE")

#: Mailtrap's settings, without the MAILTRAP_ prefix.
MAILTRAP_SETTINGS = frozenset(
    {
        "ACCOUNT_API_URL",
        "ACCOUNT_ID",
        "API_TOKEN",
        "API_URL",
        "BATCH_MESSAGES",
        "DOWNLOAD_CHUNK_SIZE",
        "DOWNLOAD_DEADLINE",
        "INBOUND_SECRET",
        "RATE_LIMIT",
        "RESOLVE_UNKNOWN_OUTCOMES",
        "RETRY_ATTEMPTS",
        "RETRY_BACKOFF",
        "RETRY_MAX_TIME",
        "RETRY_ON_SERVER_ERRORS",
        "SANDBOX_ID",
        "SEND_CONCURRENCY",
        "TRACKING_SECRET",
        "UNKNOWN_RECHECK_DELAY",
    }
)

#: Queued sending's options (anymail/queue/options.py), MAILTRAP_-prefixed. Known even
#: without the anymail.queue app: QueuedEmailBackend reads them before it reports the
#: missing app (anymail.E010).
QUEUE_SETTINGS = frozenset(
    {
        "QUEUE_ATTEMPTS",
        "QUEUE_BACKOFF",
        "QUEUE_BATCH_SIZE",
        "QUEUE_CACHE",
        "QUEUE_DATABASE",
        "QUEUE_DEADLINE",
        "QUEUE_LEASE",
        "QUEUE_MAX_BACKOFF",
        "QUEUE_NAME",
        "QUEUE_PRIORITY",
        "QUEUE_TASK_BACKEND",
        "QUEUE_UNKNOWN_OUTCOME",
    }
)

CORE_SETTINGS = frozenset(
    GLOBAL_SETTINGS
    | {f"{prefix}_{name}" for prefix in BACKEND_PREFIXES for name in PER_BACKEND_SETTINGS}
    | {f"MAILTRAP_{name}" for name in MAILTRAP_SETTINGS | QUEUE_SETTINGS}
)

_registered: set[str] = set()


def register_settings(*names: str) -> None:
    """Count an optional app's settings as known (call it from the app's ready())."""
    for name in names:
        if not isinstance(name, str) or name != name.upper() or name.startswith("ANYMAIL_"):
            raise ValueError(
                f"{name!r} is not an ANYMAIL key: expected upper case without ANYMAIL_, "
                "e.g. 'MAIL_LOG_RETENTION_DAYS'"
            )
    _registered.update(names)


def known_settings() -> frozenset[str]:
    """Every ANYMAIL key Anymail and the installed optional apps read."""
    return CORE_SETTINGS | _registered
