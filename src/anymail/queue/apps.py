"""The optional `anymail.queue` app: the outbox table, its migrations and system checks."""

from django.apps import AppConfig
from django.core import checks as django_checks

from .checks import check_queue_setup


class AnymailQueueConfig(AppConfig):
    name = "anymail.queue"
    label = "anymail_queue"
    verbose_name = "Anymail queued sending"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        django_checks.register(check_queue_setup)  # a set: registering twice is harmless
