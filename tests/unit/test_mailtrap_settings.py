"""Mailtrap backend construction: token lookup, sandbox mode, API URLs and timeouts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from anymail.backends.mailtrap import EmailBackend
from anymail.exceptions import AnymailConfigurationError

from .conftest import MAILTRAP_API_TOKEN

MISSING_TOKEN_TEXT = (
    "You must set ANYMAIL = {'MAILTRAP_API_TOKEN': ...} or ANYMAIL_MAILTRAP_API_TOKEN"
    " or MAILTRAP_API_TOKEN in your Django settings"
)


# -- api_token --------------------------------------------------------------------------------


def test_api_token_from_anymail_dict(settings):
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "from-anymail-dict"}
    assert EmailBackend().api_token == "from-anymail-dict"


def test_api_token_from_prefixed_setting(settings):
    settings.ANYMAIL = {}
    settings.ANYMAIL_MAILTRAP_API_TOKEN = "from-prefixed"
    assert EmailBackend().api_token == "from-prefixed"


def test_api_token_from_bare_setting(settings):
    settings.ANYMAIL = {}
    settings.MAILTRAP_API_TOKEN = "from-bare"
    assert EmailBackend().api_token == "from-bare"


def test_api_token_lookup_order_prefers_anymail_dict_then_prefixed(settings):
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "from-anymail-dict"}
    settings.ANYMAIL_MAILTRAP_API_TOKEN = "from-prefixed"
    settings.MAILTRAP_API_TOKEN = "from-bare"
    assert EmailBackend().api_token == "from-anymail-dict"
    settings.ANYMAIL = {}
    assert EmailBackend().api_token == "from-prefixed"


def test_api_token_kwarg_wins_over_settings(mailtrap_settings):
    assert EmailBackend(api_token="from-kwarg").api_token == "from-kwarg"


def test_api_token_empty_string_is_present_not_missing(settings):
    # Found (the bare setting is not consulted), and then refused at construction: an empty
    # token would only fail later, as a 401 at the first send.
    settings.ANYMAIL = {"MAILTRAP_API_TOKEN": ""}
    settings.MAILTRAP_API_TOKEN = "from-bare"
    with pytest.raises(AnymailConfigurationError, match="MAILTRAP_API_TOKEN"):
        EmailBackend()


def test_missing_api_token_raises_configuration_error_with_exact_text(settings):
    settings.ANYMAIL = {}
    with pytest.raises(AnymailConfigurationError) as excinfo:
        EmailBackend()
    assert str(excinfo.value) == MISSING_TOKEN_TEXT
    assert isinstance(excinfo.value, ImproperlyConfigured)


# -- sandbox_id and API URLs ------------------------------------------------------------------


def test_default_is_production_email_api(mailtrap_settings):
    backend = EmailBackend()
    assert backend.sandbox_id is None
    assert backend.use_sandbox is False
    assert backend.api_url == "https://send.api.mailtrap.io/api/"


def test_class_default_urls():
    assert EmailBackend.DEFAULT_API_URL == "https://send.api.mailtrap.io/api/"
    assert EmailBackend.DEFAULT_SANDBOX_API_URL == "https://sandbox.api.mailtrap.io/api/"


@pytest.mark.parametrize("sandbox_id", [12345, "12345"], ids=["int", "str"])
def test_truthy_sandbox_id_selects_sandbox(mailtrap_settings, sandbox_id):
    mailtrap_settings.ANYMAIL["MAILTRAP_SANDBOX_ID"] = sandbox_id
    backend = EmailBackend()
    assert backend.sandbox_id == sandbox_id
    assert backend.use_sandbox is True
    assert backend.api_url == "https://sandbox.api.mailtrap.io/api/"


@pytest.mark.parametrize("sandbox_id", ["", 0, None], ids=["empty-str", "zero", "none"])
def test_falsy_sandbox_id_means_production(mailtrap_settings, sandbox_id):
    mailtrap_settings.ANYMAIL["MAILTRAP_SANDBOX_ID"] = sandbox_id
    backend = EmailBackend()
    assert backend.use_sandbox is False
    assert backend.api_url == "https://send.api.mailtrap.io/api/"


def test_sandbox_id_from_prefixed_setting_and_kwarg(mailtrap_settings):
    mailtrap_settings.ANYMAIL_MAILTRAP_SANDBOX_ID = 111
    assert EmailBackend().sandbox_id == 111
    assert EmailBackend(sandbox_id="222").sandbox_id == "222"


def test_sandbox_id_has_no_bare_setting_fallback(mailtrap_settings):
    mailtrap_settings.MAILTRAP_SANDBOX_ID = 12345
    assert EmailBackend().use_sandbox is False


def test_api_url_setting_used_as_is_with_trailing_slash_added(mailtrap_settings):
    mailtrap_settings.ANYMAIL["MAILTRAP_API_URL"] = "https://bulk.api.mailtrap.io/api"
    assert EmailBackend().api_url == "https://bulk.api.mailtrap.io/api/"


def test_api_url_setting_keeps_existing_trailing_slash(mailtrap_settings):
    mailtrap_settings.ANYMAIL["MAILTRAP_API_URL"] = "https://bulk.api.mailtrap.io/api/"
    assert EmailBackend().api_url == "https://bulk.api.mailtrap.io/api/"


def test_api_url_setting_wins_in_sandbox_mode(mailtrap_settings):
    mailtrap_settings.ANYMAIL.update(
        MAILTRAP_SANDBOX_ID=12345, MAILTRAP_API_URL="https://sandbox.example.com/api"
    )
    backend = EmailBackend()
    assert backend.use_sandbox is True
    assert backend.api_url == "https://sandbox.example.com/api/"


def test_api_url_kwarg(mailtrap_settings):
    assert EmailBackend(api_url="http://127.0.0.1:9/api").api_url == "http://127.0.0.1:9/api/"


# -- endpoints --------------------------------------------------------------------------------


def test_send_posts_to_send_endpoint(mailtrap_api, mailtrap_send, new_message):
    mailtrap_send(new_message())
    assert mailtrap_api.last_request.url == "https://send.api.mailtrap.io/api/send"


def test_batch_posts_to_batch_endpoint(mailtrap_api, mailtrap_send, new_message):
    mailtrap_send(new_message(merge_data={}))
    assert mailtrap_api.last_request.url == "https://send.api.mailtrap.io/api/batch"


def test_sandbox_send_endpoint_includes_sandbox_id(mailtrap_api, mailtrap_send, new_message):
    mailtrap_api.reply({"success": True, "message_ids": ["sandbox-id"]})
    mailtrap_send(new_message(), sandbox_id=12345)
    assert mailtrap_api.last_request.url == "https://sandbox.api.mailtrap.io/api/send/12345"


def test_sandbox_batch_endpoint_includes_sandbox_id(mailtrap_api, mailtrap_send, new_message):
    mailtrap_api.reply({"success": True, "responses": [{"success": True, "message_ids": ["x"]}]})
    mailtrap_send(new_message(merge_data={}), sandbox_id="12345")
    assert mailtrap_api.last_request.url == "https://sandbox.api.mailtrap.io/api/batch/12345"


def test_sandbox_id_is_url_quoted(mailtrap_api, mailtrap_send, new_message):
    mailtrap_api.reply({"success": True, "message_ids": ["sandbox-id"]})
    mailtrap_send(new_message(), sandbox_id="12/3")
    assert mailtrap_api.last_request.url == "https://sandbox.api.mailtrap.io/api/send/12%2F3"


def test_custom_api_url_is_base_for_send(mailtrap_api, mailtrap_send, new_message):
    mailtrap_send(new_message(), api_url="https://bulk.api.mailtrap.io/api")
    assert mailtrap_api.last_request.url == "https://bulk.api.mailtrap.io/api/send"


def test_custom_api_url_is_base_for_batch(mailtrap_api, mailtrap_send, new_message):
    mailtrap_send(new_message(merge_data={}), api_url="https://bulk.api.mailtrap.io/api/")
    assert mailtrap_api.last_request.url == "https://bulk.api.mailtrap.io/api/batch"


def test_custom_api_url_with_sandbox_id(mailtrap_api, mailtrap_send, new_message):
    mailtrap_api.reply({"success": True, "message_ids": ["sandbox-id"]})
    mailtrap_send(new_message(), api_url="https://sandbox.example.com/api", sandbox_id=7)
    assert mailtrap_api.last_request.url == "https://sandbox.example.com/api/send/7"


# -- timeouts ---------------------------------------------------------------------------------


def sent_timeout(mailtrap_api):
    return mailtrap_api.last_request.req_kwargs["timeout"]


def test_default_timeout_is_30_seconds(mailtrap_api, mailtrap_send, new_message):
    mailtrap_send(new_message())
    assert sent_timeout(mailtrap_api) == 30


def test_requests_timeout_setting(mailtrap_api, mailtrap_send, new_message, settings):
    settings.ANYMAIL["REQUESTS_TIMEOUT"] = 5.5
    mailtrap_send(new_message())
    assert sent_timeout(mailtrap_api) == 5.5


def test_prefixed_requests_timeout_setting(mailtrap_api, mailtrap_send, new_message, settings):
    settings.ANYMAIL_REQUESTS_TIMEOUT = (3.05, 27)
    mailtrap_send(new_message())
    assert sent_timeout(mailtrap_api) == (3.05, 27)


def test_requests_timeout_kwarg(mailtrap_api, mailtrap_send, new_message):
    mailtrap_send(new_message(), requests_timeout=12)
    assert sent_timeout(mailtrap_api) == 12


def test_timeout_kwarg_wins_over_requests_timeout(mailtrap_api, mailtrap_send, new_message):
    mailtrap_send(new_message(), requests_timeout=12, timeout=4)
    assert sent_timeout(mailtrap_api) == 4


def test_timeout_none_means_no_timeout(mailtrap_api, mailtrap_send, new_message, settings):
    settings.ANYMAIL["REQUESTS_TIMEOUT"] = None
    mailtrap_send(new_message())
    assert sent_timeout(mailtrap_api) is None


def test_settings_are_read_at_construction(mailtrap_settings):
    backend = EmailBackend()
    mailtrap_settings.ANYMAIL = {"MAILTRAP_API_TOKEN": "changed-later"}
    assert backend.api_token == MAILTRAP_API_TOKEN
