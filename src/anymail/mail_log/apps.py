"""The optional `anymail.mail_log` app: the log's tables, and the receivers that fill them."""

from django.apps import AppConfig

from ..known_settings import register_settings
from .options import SETTING_NAMES
from .receivers import connect_receivers


class AnymailMailLogConfig(AppConfig):
    name = "anymail.mail_log"
    label = "anymail_mail_log"
    verbose_name = "Anymail message log"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        register_settings(*SETTING_NAMES)
        connect_receivers()
