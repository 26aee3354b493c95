"""§0 module/name map and §1.1 app config."""

from __future__ import annotations

import importlib

import pytest

NAME_MAP = {
    "anymail": ["__version__", "VERSION"],
    "anymail.apps": ["AnymailBaseConfig"],
    "anymail.checks": [
        "check_deprecated_settings",
        "check_insecure_settings",
        "get_configured_email_backends",
    ],
    "anymail.exceptions": [
        "AnymailError",
        "AnymailAPIError",
        "AnymailRequestsAPIError",
        "AnymailRecipientsRefused",
        "AnymailInvalidAddress",
        "AnymailUnsupportedFeature",
        "AnymailSerializationError",
        "AnymailCancelSend",
        "AnymailWebhookValidationFailure",
        "AnymailConfigurationError",
        "AnymailInvalidMailer",
        "AnymailImproperlyInstalled",
        "AnymailWarning",
        "AnymailInsecureWebhookWarning",
        "AnymailDeprecationWarning",
        "AnymailNotSupportedWarning",
    ],
    "anymail.message": [
        "AnymailMessage",
        "AnymailMessageMixin",
        "AnymailStatus",
        "AnymailRecipientStatus",
        "ANYMAIL_STATUSES",
        "attach_inline_image",
        "attach_inline_image_file",
    ],
    "anymail.signals": [
        "pre_send",
        "post_send",
        "tracking",
        "inbound",
        "AnymailEvent",
        "AnymailTrackingEvent",
        "AnymailInboundEvent",
        "EventType",
        "RejectReason",
    ],
    "anymail.inbound": ["AnymailInboundMessage"],
    "anymail.utils": [
        "UNSET",
        "EmailAddress",
        "Attachment",
        "get_anymail_setting",
        "parse_address_list",
        "parse_single_address",
        "update_deep",
        "DEFAULT_DOWNLOAD_CHUNK_SIZE",
    ],
    "anymail.urls": ["app_name", "urlpatterns"],
    "anymail.backends.base": ["AnymailBaseBackend", "BasePayload"],
    "anymail.backends.base_requests": ["AnymailRequestsBackend", "RequestsPayload"],
    "anymail.backends.mailtrap": ["EmailBackend", "MailtrapPayload"],
    "anymail.backends.test": ["EmailBackend", "TestPayload"],
    "anymail.backends.console": ["EmailBackend"],
    "anymail.webhooks.base": [
        "AnymailCoreWebhookView",
        "AnymailBasicAuthMixin",
        "AnymailBaseWebhookView",
    ],
    "anymail.webhooks.mailtrap": [
        "MailtrapWebhookView",
        "MailtrapTrackingWebhookView",
        "MailtrapInboundWebhookView",
    ],
}


@pytest.mark.parametrize(
    ("module", "name"), [(m, n) for m, names in NAME_MAP.items() for n in names]
)
def test_module_provides_public_name(module: str, name: str) -> None:
    assert hasattr(importlib.import_module(module), name)


def test_version_is_a_string_and_VERSION_a_tuple_of_its_parts() -> None:
    import anymail

    assert isinstance(anymail.__version__, str)
    assert isinstance(anymail.VERSION, tuple)
    assert ".".join(str(part) for part in anymail.VERSION) == anymail.__version__


def test_default_download_chunk_size_is_65536() -> None:
    from anymail.utils import DEFAULT_DOWNLOAD_CHUNK_SIZE

    assert DEFAULT_DOWNLOAD_CHUNK_SIZE == 65536


def test_urls_app_name_is_anymail() -> None:
    from anymail import urls

    assert urls.app_name == "anymail"


@pytest.mark.parametrize(
    ("module", "esp_name"),
    [
        ("anymail.backends.mailtrap", "Mailtrap"),
        ("anymail.backends.test", "Test"),
        ("anymail.backends.console", "Console"),
    ],
)
def test_backend_esp_name(module: str, esp_name: str) -> None:
    assert importlib.import_module(module).EmailBackend.esp_name == esp_name


def test_backend_class_hierarchy() -> None:
    from django.core.mail.backends.console import EmailBackend as DjangoConsole

    from anymail.backends.base import AnymailBaseBackend
    from anymail.backends.base_requests import AnymailRequestsBackend
    from anymail.backends.console import EmailBackend as Console
    from anymail.backends.mailtrap import EmailBackend as Mailtrap
    from anymail.backends.test import EmailBackend as Test

    assert issubclass(Mailtrap, AnymailRequestsBackend)
    assert issubclass(AnymailRequestsBackend, AnymailBaseBackend)
    assert issubclass(Test, AnymailBaseBackend)
    assert issubclass(Console, Test)
    assert issubclass(Console, DjangoConsole)


def test_app_config_is_anymail_base_config() -> None:
    from django.apps import apps

    from anymail.apps import AnymailBaseConfig

    config = apps.get_app_config("anymail")
    assert isinstance(config, AnymailBaseConfig)
    assert config.name == "anymail"
    assert config.verbose_name == "Anymail"


def test_signals_are_plain_django_signals() -> None:
    from django.dispatch import Signal

    from anymail import signals

    for name in ("pre_send", "post_send", "tracking", "inbound"):
        assert type(getattr(signals, name)) is Signal
