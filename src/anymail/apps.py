"""Django app config: registers Anymail's system checks."""

from django.apps import AppConfig
from django.core import checks


class AnymailBaseConfig(AppConfig):
    name = "anymail"
    verbose_name = "Anymail"

    def ready(self) -> None:
        from .checks import (
            check_deprecated_settings,
            check_insecure_settings,
            check_unknown_settings,
        )
        from .queue.checks import check_queue_setup

        checks.register(check_deprecated_settings)
        checks.register(check_insecure_settings)
        checks.register(check_unknown_settings)
        checks.register(check_queue_setup)
