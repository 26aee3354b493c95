"""§1 settings and construction (every creation form), §1.2 lookup, §1.3 settings."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings

from anymail.exceptions import AnymailConfigurationError, AnymailInvalidMailer
from anymail.utils import get_anymail_setting
from tests.conftest import use_legacy_email_backend, warns_legacy_mail_api

from .conftest import MAILTRAP_BACKEND, mailers_only

FAIL_SILENTLY_TEXT = "Anymail will drop support for fail_silently after Django 6.2."
TOKEN_MISSING = (
    "You must set ANYMAIL = {'MAILTRAP_API_TOKEN': ...} or ANYMAIL_MAILTRAP_API_TOKEN "
    "or MAILTRAP_API_TOKEN in your Django settings"
)

# -- §1.2 get_anymail_setting -------------------------------------------------------------


def test_lookup_kwargs_first_and_popped(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "from-anymail"}
    kwargs = {"api_token": "from-kwargs", "other": 1}
    value = get_anymail_setting("api_token", esp_name="Mailtrap", kwargs=kwargs)
    assert value == "from-kwargs"
    assert kwargs == {"other": 1}


def test_lookup_anymail_dict_before_prefixed_and_bare(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "dict"}
    settings.ANYMAIL_MAILTRAP_API_TOKEN = "prefixed"
    settings.MAILTRAP_API_TOKEN = "bare"
    assert get_anymail_setting("api_token", esp_name="Mailtrap", allow_bare=True) == "dict"


def test_lookup_prefixed_before_bare(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.ANYMAIL_MAILTRAP_API_TOKEN = "prefixed"
    settings.MAILTRAP_API_TOKEN = "bare"
    assert get_anymail_setting("api_token", esp_name="Mailtrap", allow_bare=True) == "prefixed"


def test_lookup_bare_only_when_allowed(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.MAILTRAP_SANDBOX_ID = "bare"
    assert get_anymail_setting("sandbox_id", esp_name="Mailtrap", default=None) is None
    assert get_anymail_setting("sandbox_id", esp_name="Mailtrap", allow_bare=True) == "bare"


def test_lookup_presence_not_truthiness(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_SANDBOX_ID": ""}
    settings.ANYMAIL_MAILTRAP_SANDBOX_ID = "prefixed"
    assert get_anymail_setting("sandbox_id", esp_name="Mailtrap", default="d") == ""
    assert get_anymail_setting("x", kwargs={"x": False}, default=True) is False


def test_lookup_none_kwarg_is_returned_except_username_password(settings: Any) -> None:
    settings.ANYMAIL = {"USERNAME": "settings-user", "TIMEOUTISH": "settings"}
    assert get_anymail_setting("timeoutish", kwargs={"timeoutish": None}) is None
    assert get_anymail_setting("username", kwargs={"username": None}) == "settings-user"


def test_lookup_non_esp_setting_key(settings: Any) -> None:
    settings.ANYMAIL = {"IGNORE_RECIPIENT_STATUS": True}
    assert get_anymail_setting("ignore_recipient_status", default=False) is True


def test_lookup_esp_name_spaces_become_underscores(settings: Any) -> None:
    settings.ANYMAIL = {"AMAZON_SES_REGION": "x"}
    assert get_anymail_setting("region", esp_name="Amazon SES") == "x"


def test_lookup_default(settings: Any) -> None:
    settings.ANYMAIL = {}
    assert get_anymail_setting("api_url", esp_name="Mailtrap", default="d") == "d"


def test_lookup_missing_error_text_with_bare(settings: Any) -> None:
    settings.ANYMAIL = {}
    with pytest.raises(AnymailConfigurationError) as info:
        get_anymail_setting("api_token", esp_name="Mailtrap", allow_bare=True)
    assert str(info.value) == TOKEN_MISSING


def test_lookup_missing_error_text_without_bare(settings: Any) -> None:
    settings.ANYMAIL = {}
    with pytest.raises(AnymailConfigurationError) as info:
        get_anymail_setting("api_token", esp_name="Mailtrap")
    assert str(info.value) == (
        "You must set ANYMAIL = {'MAILTRAP_API_TOKEN': ...} or ANYMAIL_MAILTRAP_API_TOKEN "
        "in your Django settings"
    )


def test_lookup_missing_with_alias_raises_invalid_mailer(settings: Any) -> None:
    settings.ANYMAIL = {}
    with pytest.raises(AnymailInvalidMailer) as info:
        get_anymail_setting("api_token", esp_name="Mailtrap", kwargs={"alias": "default"})
    assert str(info.value) == "MAILERS['default']: OPTIONS must define 'api_token'"


# -- Mailtrap backend construction -------------------------------------------------------


def make_backend(**kwargs: Any) -> Any:
    from anymail.backends.mailtrap import EmailBackend

    return EmailBackend(**kwargs)


@pytest.mark.parametrize(
    "config",
    [
        {"ANYMAIL": {"MAILTRAP_API_TOKEN": "tok"}},
        {"ANYMAIL": {}, "ANYMAIL_MAILTRAP_API_TOKEN": "tok"},
        {"ANYMAIL": {}, "MAILTRAP_API_TOKEN": "tok"},
    ],
)
def test_backend_api_token_sources(config: dict[str, Any]) -> None:
    with override_settings(**config):
        assert make_backend().api_token == "tok"


def test_backend_api_token_kwarg(settings: Any) -> None:
    settings.ANYMAIL = {}
    assert make_backend(api_token="kw").api_token == "kw"


def test_backend_missing_token_error_text(settings: Any) -> None:
    settings.ANYMAIL = {}
    with pytest.raises(AnymailConfigurationError) as info:
        make_backend()
    assert str(info.value) == TOKEN_MISSING
    assert not isinstance(info.value, AnymailInvalidMailer)


def test_backend_settings_read_at_construction(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "first"}
    first = make_backend()
    with override_settings(ANYMAIL={"MAILTRAP_API_TOKEN": "second"}):
        assert make_backend().api_token == "second"
    assert first.api_token == "first"


def test_backend_class_default_urls() -> None:
    from anymail.backends.mailtrap import EmailBackend

    assert EmailBackend.DEFAULT_API_URL == "https://send.api.mailtrap.io/api/"
    assert EmailBackend.DEFAULT_SANDBOX_API_URL == "https://sandbox.api.mailtrap.io/api/"


def test_backend_production_defaults(mailtrap_settings: Any) -> None:
    backend = make_backend()
    assert backend.sandbox_id is None
    assert backend.use_sandbox is False
    assert backend.api_url == "https://send.api.mailtrap.io/api/"
    assert backend.timeout == 30
    assert backend.session is None


@pytest.mark.parametrize("falsy", ["", 0, None])
def test_backend_falsy_sandbox_id_is_production(mailtrap_settings: Any, falsy: Any) -> None:
    backend = make_backend(sandbox_id=falsy)
    assert backend.use_sandbox is False
    assert backend.api_url == "https://send.api.mailtrap.io/api/"


@pytest.mark.parametrize("sandbox_id", [12345, "12345"])
def test_backend_sandbox_mode(mailtrap_settings: Any, sandbox_id: Any) -> None:
    mailtrap_settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "t", "MAILTRAP_SANDBOX_ID": sandbox_id}
    backend = make_backend()
    assert backend.use_sandbox is True
    assert backend.sandbox_id == sandbox_id
    assert backend.api_url == "https://sandbox.api.mailtrap.io/api/"


def test_backend_api_url_slash_appended(mailtrap_settings: Any) -> None:
    assert make_backend(api_url="https://bulk.api.mailtrap.io/api").api_url == (
        "https://bulk.api.mailtrap.io/api/"
    )


def test_backend_api_url_used_as_is_in_sandbox_mode(mailtrap_settings: Any) -> None:
    backend = make_backend(api_url="https://example.test/api/", sandbox_id=7)
    assert backend.api_url == "https://example.test/api/"


def test_backend_api_url_from_settings(mailtrap_settings: Any) -> None:
    mailtrap_settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "t", "MAILTRAP_API_URL": "https://x/api"}
    assert make_backend().api_url == "https://x/api/"


def test_backend_requests_timeout_setting(mailtrap_settings: Any) -> None:
    mailtrap_settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "t", "REQUESTS_TIMEOUT": (3, 10)}
    assert make_backend().timeout == (3, 10)
    assert make_backend(requests_timeout=5).timeout == 5


def test_backend_timeout_kwarg_wins(mailtrap_settings: Any) -> None:
    mailtrap_settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "t", "REQUESTS_TIMEOUT": 3}
    assert make_backend(timeout=7, requests_timeout=5).timeout == 7
    assert make_backend(timeout=None).timeout is None


def test_backend_fail_silently_deprecation_warning(mailtrap_settings: Any) -> None:
    with pytest.warns(DeprecationWarning, match=FAIL_SILENTLY_TEXT.replace(".", r"\.")):
        backend = make_backend(fail_silently=True)
    assert backend.fail_silently is True


def test_backend_no_warning_without_fail_silently(mailtrap_settings: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        backend = make_backend()
    assert backend.fail_silently is False


def test_backend_alias_is_none_outside_mailers(mailtrap_settings: Any) -> None:
    assert make_backend().alias is None


def test_backend_idna_encoder_unresolvable(mailtrap_settings: Any) -> None:
    mailtrap_settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "t", "IDNA_ENCODER": "bogus"}
    with pytest.raises(AnymailConfigurationError) as info:
        make_backend()
    assert str(info.value) == "Cannot resolve IDNA_ENCODER='bogus'"


def test_backend_idna_encoder_bad_dotted_path(mailtrap_settings: Any) -> None:
    with pytest.raises(AnymailConfigurationError, match="Cannot resolve IDNA_ENCODER="):
        make_backend(idna_encoder="no.such.module.encode")


def test_ignore_unsupported_features_has_no_esp_prefixed_variant(
    mailtrap_settings: Any,
) -> None:
    mailtrap_settings.ANYMAIL = {
        "MAILTRAP_API_TOKEN": "t",
        "MAILTRAP_IGNORE_UNSUPPORTED_FEATURES": True,
    }
    assert not make_backend().ignore_unsupported_features
    mailtrap_settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "t", "IGNORE_UNSUPPORTED_FEATURES": True}
    assert make_backend().ignore_unsupported_features
    assert make_backend(ignore_unsupported_features=False).ignore_unsupported_features is False


def test_email_backend_setting_creates_backend(mailtrap_settings: Any) -> None:
    from anymail.backends.mailtrap import EmailBackend

    use_legacy_email_backend(mailtrap_settings, MAILTRAP_BACKEND)
    with warns_legacy_mail_api(match="get_connection"):
        connection = mail.get_connection()
    assert isinstance(connection, EmailBackend)
    assert connection.alias is None


def test_get_connection_with_backend_path_and_kwargs(settings: Any) -> None:
    settings.ANYMAIL = {}
    use_legacy_email_backend(settings, MAILTRAP_BACKEND)  # a path: not with MAILERS (6.1)
    with warns_legacy_mail_api(match="get_connection"):
        connection = mail.get_connection(MAILTRAP_BACKEND, api_token="kw", sandbox_id=3)
    assert connection.api_token == "kw"
    assert connection.use_sandbox is True


def test_get_connection_fail_silently_is_stored(mailtrap_settings: Any) -> None:
    use_legacy_email_backend(mailtrap_settings, MAILTRAP_BACKEND)
    with (
        warns_legacy_mail_api(match="get_connection"),
        pytest.warns(DeprecationWarning, match=FAIL_SILENTLY_TEXT.replace(".", r"\.")),
    ):
        connection = mail.get_connection(fail_silently=True)
    assert connection.fail_silently is True


# -- Django 6.1 MAILERS ------------------------------------------------------------------

MAILERS = {
    "default": {"BACKEND": MAILTRAP_BACKEND, "OPTIONS": {"api_token": "opt-token"}},
    "sandbox": {
        "BACKEND": MAILTRAP_BACKEND,
        "OPTIONS": {"api_token": "opt-token", "sandbox_id": 12345},
    },
}


@mailers_only
def test_mailers_builds_backend_with_alias_and_options(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.MAILERS = MAILERS
    backend = mail.mailers["sandbox"]
    assert backend.alias == "sandbox"
    assert backend.api_token == "opt-token"
    assert backend.use_sandbox is True
    assert backend.fail_silently is False


@mailers_only
def test_mailers_new_instance_on_every_access(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.MAILERS = MAILERS
    assert mail.mailers["default"] is not mail.mailers["default"]


@mailers_only
def test_mailers_unknown_option_raises_invalid_mailer(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.MAILERS = {
        "default": {"BACKEND": MAILTRAP_BACKEND, "OPTIONS": {"api_token": "t", "x": 1}}
    }
    from django.core.mail import InvalidMailer

    with pytest.raises(InvalidMailer) as info:
        mail.mailers["default"]
    assert "MAILERS['default']: Unknown options 'x'." in str(info.value)


@mailers_only
def test_mailers_missing_token_raises_anymail_invalid_mailer(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.MAILERS = {"default": {"BACKEND": MAILTRAP_BACKEND, "OPTIONS": {}}}
    with pytest.raises(AnymailInvalidMailer) as info:
        mail.mailers["default"]
    assert str(info.value) == "MAILERS['default']: OPTIONS must define 'api_token'"


@mailers_only
def test_mailers_token_from_anymail_settings(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "global"}
    settings.MAILERS = {"default": {"BACKEND": MAILTRAP_BACKEND}}
    assert mail.mailers["default"].api_token == "global"


@mailers_only
def test_mailers_bad_idna_encoder_raises_anymail_invalid_mailer(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.MAILERS = {
        "default": {
            "BACKEND": MAILTRAP_BACKEND,
            "OPTIONS": {"api_token": "t", "idna_encoder": "bogus"},
        }
    }
    with pytest.raises(AnymailInvalidMailer) as info:
        mail.mailers["default"]
    assert str(info.value) == "MAILERS['default']: Cannot resolve IDNA_ENCODER='bogus'"


@mailers_only
def test_mailers_get_connection_merges_kwargs(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.MAILERS = MAILERS
    with (
        warns_legacy_mail_api(match="get_connection"),
        pytest.warns(DeprecationWarning, match=FAIL_SILENTLY_TEXT.replace(".", r"\.")),
    ):
        connection = mail.get_connection(sandbox_id=99, fail_silently=True)
    assert connection.alias == "default"
    assert connection.api_token == "opt-token"
    assert connection.sandbox_id == 99
    assert connection.fail_silently is True


@mailers_only
def test_mailers_get_connection_with_path_raises_runtime_error(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.MAILERS = MAILERS
    with warns_legacy_mail_api(match="get_connection"), pytest.raises(RuntimeError):
        mail.get_connection(MAILTRAP_BACKEND)


@mailers_only
def test_mailers_test_backend(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}
    from anymail.backends.test import EmailBackend
    from anymail.message import AnymailMessage

    backend = mail.mailers["default"]
    assert isinstance(backend, EmailBackend)
    msg = AnymailMessage("s", "b", "from@example.com", ["to@example.com"], tags=["t"])
    assert backend.send_messages([msg]) == 1
    assert mail.outbox[-1].anymail_test_params["tags"] == ["t"]


@mailers_only
def test_unknown_kwargs_without_alias_warn_and_are_ignored(mailtrap_settings: Any) -> None:
    from django.utils.deprecation import RemovedInDjango2028Warning

    with pytest.warns(RemovedInDjango2028Warning, match="bogus"):
        backend = make_backend(bogus=1)
    assert not hasattr(backend, "bogus")


@mailers_only
def test_mailers_fail_silently_option_is_consumed(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.MAILERS = {
        "default": {
            "BACKEND": MAILTRAP_BACKEND,
            "OPTIONS": {"api_token": "t", "fail_silently": True},
        }
    }
    with pytest.warns(DeprecationWarning, match="drop support for fail_silently"):
        backend = mail.mailers["default"]
    assert backend.fail_silently is True


@mailers_only
def test_mailers_get_connection_ignores_unknown_kwargs(settings: Any) -> None:
    settings.ANYMAIL = {}
    settings.MAILERS = MAILERS
    with warns_legacy_mail_api(match="get_connection"):
        connection = mail.get_connection(username="u", password="p", bogus=1)
    assert connection.alias == "default"
    assert connection.api_token == "opt-token"


@mailers_only
def test_mailers_send_mail_through_mailtrap(settings: Any, mocked: Any) -> None:
    from .conftest import ok_send, sent_json

    settings.ANYMAIL = {}
    settings.MAILERS = MAILERS
    ok_send(mocked, ["id1"])
    assert mail.send_mail("Hi", "Body", "from@example.com", ["to@example.com"]) == 1
    assert sent_json(mocked)["subject"] == "Hi"
    assert mocked.calls[0].request.headers["Api-Token"] == "opt-token"


def test_send_mail_through_mailtrap_email_backend(mailtrap_settings: Any, mocked: Any) -> None:
    from .conftest import ok_send, sent_json

    use_legacy_email_backend(mailtrap_settings, MAILTRAP_BACKEND)
    ok_send(mocked, ["id1"])
    assert mail.send_mail("Hi", "Body", "from@example.com", ["to@example.com"]) == 1
    assert sent_json(mocked)["subject"] == "Hi"
