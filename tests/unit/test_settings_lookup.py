"""get_anymail_setting: lookup order, presence over truthiness, and the exact error texts."""

from __future__ import annotations

from typing import Any

import pytest

from anymail.exceptions import AnymailConfigurationError, AnymailInvalidMailer
from anymail.utils import get_anymail_setting


@pytest.fixture(autouse=True)
def clean_settings(settings: Any) -> Any:
    settings.ANYMAIL = {}
    return settings


def test_kwargs_win_over_every_setting(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "from-dict"}
    settings.ANYMAIL_MAILTRAP_API_TOKEN = "from-prefixed"
    settings.MAILTRAP_API_TOKEN = "from-bare"
    kwargs = {"api_token": "from-kwargs"}
    value = get_anymail_setting("api_token", esp_name="Mailtrap", kwargs=kwargs, allow_bare=True)
    assert value == "from-kwargs"


def test_found_kwarg_is_popped() -> None:
    kwargs = {"api_token": "x", "other": 1}
    get_anymail_setting("api_token", esp_name="Mailtrap", kwargs=kwargs)
    assert kwargs == {"other": 1}


def test_kwarg_none_is_returned_for_ordinary_names(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_SANDBOX_ID": "from-dict"}
    kwargs = {"sandbox_id": None}
    assert get_anymail_setting("sandbox_id", esp_name="Mailtrap", kwargs=kwargs) is None


@pytest.mark.parametrize("name", ["username", "password"])
def test_kwarg_none_is_skipped_for_username_and_password(settings: Any, name: str) -> None:
    settings.ANYMAIL = {name.upper(): "from-dict"}
    kwargs: dict[str, Any] = {name: None}
    assert get_anymail_setting(name, kwargs=kwargs) == "from-dict"
    assert kwargs == {}


def test_anymail_dict_uses_esp_prefixed_upper_case_key(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "from-dict"}
    assert get_anymail_setting("api_token", esp_name="Mailtrap") == "from-dict"


def test_anymail_dict_wins_over_prefixed_setting(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "from-dict"}
    settings.ANYMAIL_MAILTRAP_API_TOKEN = "from-prefixed"
    assert get_anymail_setting("api_token", esp_name="Mailtrap") == "from-dict"


def test_prefixed_setting_used_when_not_in_anymail_dict(settings: Any) -> None:
    settings.ANYMAIL_MAILTRAP_API_TOKEN = "from-prefixed"
    assert get_anymail_setting("api_token", esp_name="Mailtrap") == "from-prefixed"


def test_prefixed_setting_wins_over_bare_setting(settings: Any) -> None:
    settings.ANYMAIL_MAILTRAP_API_TOKEN = "from-prefixed"
    settings.MAILTRAP_API_TOKEN = "from-bare"
    value = get_anymail_setting("api_token", esp_name="Mailtrap", allow_bare=True)
    assert value == "from-prefixed"


def test_bare_setting_used_with_allow_bare(settings: Any) -> None:
    settings.MAILTRAP_API_TOKEN = "from-bare"
    value = get_anymail_setting("api_token", esp_name="Mailtrap", allow_bare=True)
    assert value == "from-bare"


def test_bare_setting_ignored_without_allow_bare(settings: Any) -> None:
    settings.MAILTRAP_API_TOKEN = "from-bare"
    assert get_anymail_setting("api_token", esp_name="Mailtrap", default="dflt") == "dflt"


def test_non_esp_setting_uses_unprefixed_key(settings: Any) -> None:
    settings.ANYMAIL = {"IGNORE_RECIPIENT_STATUS": True}
    assert get_anymail_setting("ignore_recipient_status") is True


def test_non_esp_prefixed_setting(settings: Any) -> None:
    settings.ANYMAIL_IGNORE_RECIPIENT_STATUS = True
    assert get_anymail_setting("ignore_recipient_status") is True


def test_esp_name_with_spaces_becomes_underscores(settings: Any) -> None:
    settings.ANYMAIL = {"AMAZON_SES_REGION": "eu"}
    assert get_anymail_setting("region", esp_name="Amazon SES") == "eu"


@pytest.mark.parametrize("falsy", [None, "", False, 0])
def test_falsy_dict_value_is_a_hit(settings: Any, falsy: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_SANDBOX_ID": falsy}
    settings.ANYMAIL_MAILTRAP_SANDBOX_ID = "fallback"
    assert get_anymail_setting("sandbox_id", esp_name="Mailtrap", default="dflt") is falsy


def test_falsy_prefixed_setting_is_a_hit(settings: Any) -> None:
    settings.ANYMAIL_MAILTRAP_API_TOKEN = ""
    settings.MAILTRAP_API_TOKEN = "from-bare"
    assert get_anymail_setting("api_token", esp_name="Mailtrap", allow_bare=True) == ""


def test_falsy_kwarg_is_a_hit(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_API_URL": "from-dict"}
    kwargs = {"api_url": ""}
    assert get_anymail_setting("api_url", esp_name="Mailtrap", kwargs=kwargs) == ""


def test_default_returned_when_nothing_set() -> None:
    assert get_anymail_setting("api_url", esp_name="Mailtrap", default="dflt") == "dflt"


def test_default_none_is_returned() -> None:
    assert get_anymail_setting("api_url", esp_name="Mailtrap", default=None) is None


def test_missing_setting_error_text() -> None:
    with pytest.raises(AnymailConfigurationError) as excinfo:
        get_anymail_setting("sandbox_id", esp_name="Mailtrap", kwargs={})
    assert str(excinfo.value) == (
        "You must set ANYMAIL = {'MAILTRAP_SANDBOX_ID': ...} or ANYMAIL_MAILTRAP_SANDBOX_ID "
        "in your Django settings"
    )


def test_missing_setting_error_text_mentions_bare_setting_when_allowed() -> None:
    with pytest.raises(AnymailConfigurationError) as excinfo:
        get_anymail_setting("api_token", esp_name="Mailtrap", allow_bare=True)
    assert str(excinfo.value) == (
        "You must set ANYMAIL = {'MAILTRAP_API_TOKEN': ...} or ANYMAIL_MAILTRAP_API_TOKEN "
        "or MAILTRAP_API_TOKEN in your Django settings"
    )


def test_missing_non_esp_setting_error_text() -> None:
    with pytest.raises(AnymailConfigurationError) as excinfo:
        get_anymail_setting("webhook_secret")
    assert str(excinfo.value) == (
        "You must set ANYMAIL = {'WEBHOOK_SECRET': ...} or ANYMAIL_WEBHOOK_SECRET "
        "in your Django settings"
    )


def test_missing_setting_is_not_an_invalid_mailer_without_alias() -> None:
    with pytest.raises(AnymailConfigurationError) as excinfo:
        get_anymail_setting("api_token", esp_name="Mailtrap", kwargs={})
    assert not isinstance(excinfo.value, AnymailInvalidMailer)


def test_missing_setting_under_mailers_alias_raises_invalid_mailer() -> None:
    with pytest.raises(AnymailInvalidMailer) as excinfo:
        get_anymail_setting("api_token", esp_name="Mailtrap", kwargs={"alias": "transactional"})
    assert str(excinfo.value) == "MAILERS['transactional']: OPTIONS must define 'api_token'"


def test_invalid_mailer_is_also_a_configuration_error() -> None:
    with pytest.raises(AnymailConfigurationError):
        get_anymail_setting("api_token", esp_name="Mailtrap", kwargs={"alias": "default"})


def test_settings_changes_apply_immediately(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "first"}
    assert get_anymail_setting("api_token", esp_name="Mailtrap") == "first"
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "second"}
    assert get_anymail_setting("api_token", esp_name="Mailtrap") == "second"
