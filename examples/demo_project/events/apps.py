from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "demo_project.events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the signal receivers)
