"""A small Django project for the queue's real-worker tests and benchmarks.

Workers (`db_worker`, `run_redis_tasks`) and the enqueueing process run with these
settings in separate processes; everything comes from environment variables:

* ANYMAIL_QT_DB: "sqlite:/path/to/file.db" or "postgres:DBNAME" (127.0.0.1:5432)
* ANYMAIL_QT_TASKS: "db" (django-tasks-db) or "redis" (django-tasks-redis, Django >= 6)
* ANYMAIL_QT_API_URL: the emulator's API URL
* ANYMAIL_QT_LEASE: the queue lease in seconds; ANYMAIL_QT_PREFIX: Redis key prefix
* ANYMAIL_QT_CACHE: "file:/dir" or "redis" (the shared cache for drain flags)
"""

from __future__ import annotations

import os

SECRET_KEY = "queue-worker-tests-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["*"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
_PREFIX = os.environ.get("ANYMAIL_QT_PREFIX", "anymail-qt")
_TASKS = os.environ.get("ANYMAIL_QT_TASKS", "db")
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "anymail",
    "anymail.queue",
    "tests.queue.project",
    "django_tasks_redis" if _TASKS == "redis" else "django_tasks_db",
]

_kind, _, _where = os.environ.get("ANYMAIL_QT_DB", "sqlite:/tmp/anymail-qt.db").partition(":")
if _kind == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _where,
            "USER": "postgres",
            "HOST": "127.0.0.1",
            "PORT": 5432,
            "CONN_MAX_AGE": 60,  # a worker reuses its connection across tasks
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _where,
            # writers take the lock up front instead of failing to upgrade a read lock
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
        }
    }

_REDIS_URL = "redis://127.0.0.1:6379/0"
if _TASKS == "redis":
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_redis.RedisTaskBackend",
            "QUEUES": [],
            "OPTIONS": {
                "REDIS_URL": _REDIS_URL,
                "REDIS_KEY_PREFIX": _PREFIX,
                "REDIS_BLOCK_TIMEOUT": 200,
            },
        }
    }
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}

_cache_kind, _, _cache_dir = os.environ.get("ANYMAIL_QT_CACHE", "file:/tmp/anymail-qt").partition(
    ":"
)
if _cache_kind == "redis":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _REDIS_URL,
            "KEY_PREFIX": _PREFIX,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": _cache_dir,
        }
    }

EMAIL_BACKEND = "anymail.backends.mailtrap.QueuedEmailBackend"
ANYMAIL = {
    "MAILTRAP_API_TOKEN": "queue-worker-token",
    "MAILTRAP_API_URL": os.environ.get("ANYMAIL_QT_API_URL", "http://127.0.0.1:9/api/"),
    "MAILTRAP_QUEUE_LEASE": float(os.environ.get("ANYMAIL_QT_LEASE", "300")),
    "MAILTRAP_QUEUE_BACKOFF": 0.5,
    "MAILTRAP_RETRY_ATTEMPTS": 1,
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"anymail.queue": {"handlers": ["stderr"], "level": "WARNING"}},
}
