"""§3 anymail.exceptions: classes, bases, attributes, str() composition, exact texts."""

from __future__ import annotations

import django
import pytest
import requests
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation

from anymail import exceptions as exc


@pytest.mark.parametrize(
    ("name", "bases"),
    [
        ("AnymailError", ("Exception",)),
        ("AnymailAPIError", ("AnymailError",)),
        ("AnymailRecipientsRefused", ("AnymailError",)),
        ("AnymailInvalidAddress", ("AnymailError", "ValueError")),
        ("AnymailUnsupportedFeature", ("AnymailError", "ValueError")),
        ("AnymailSerializationError", ("AnymailError", "TypeError")),
        ("AnymailCancelSend", ("AnymailError",)),
        ("AnymailWarning", ("Warning",)),
        ("AnymailInsecureWebhookWarning", ("AnymailWarning",)),
        ("AnymailDeprecationWarning", ("AnymailWarning", "DeprecationWarning")),
        ("AnymailNotSupportedWarning", ("AnymailWarning",)),
    ],
)
def test_exception_direct_bases_in_order(name: str, bases: tuple[str, ...]) -> None:
    cls = getattr(exc, name)
    assert tuple(base.__name__ for base in cls.__bases__) == bases


def test_requests_api_error_bases() -> None:
    assert exc.AnymailRequestsAPIError.__bases__ == (exc.AnymailAPIError, requests.HTTPError)
    assert issubclass(exc.AnymailRequestsAPIError, requests.RequestException)
    assert issubclass(exc.AnymailRequestsAPIError, OSError)


def test_webhook_validation_failure_bases() -> None:
    assert exc.AnymailWebhookValidationFailure.__bases__ == (
        exc.AnymailError,
        SuspiciousOperation,
    )


def test_configuration_error_is_improperly_configured_not_anymail_error() -> None:
    assert exc.AnymailConfigurationError.__bases__ == (ImproperlyConfigured,)
    assert not issubclass(exc.AnymailConfigurationError, exc.AnymailError)


def test_invalid_mailer_bases() -> None:
    bases = exc.AnymailInvalidMailer.__bases__
    assert bases[0] is exc.AnymailConfigurationError
    assert bases[1].__name__ == "InvalidMailer"
    assert issubclass(bases[1], ImproperlyConfigured)
    if django.VERSION >= (6, 1):
        from django.core.mail import InvalidMailer

        assert bases[1] is InvalidMailer


def test_improperly_installed_bases() -> None:
    assert exc.AnymailImproperlyInstalled.__bases__ == (exc.AnymailConfigurationError, ImportError)


def test_recipients_refused_default_text() -> None:
    assert str(exc.AnymailRecipientsRefused()) == "All message recipients were rejected or invalid"


def test_recipients_refused_custom_text() -> None:
    assert str(exc.AnymailRecipientsRefused("nope")) == "nope"


def test_anymail_error_keyword_attributes_default_to_none() -> None:
    err = exc.AnymailError("x")
    for attr in ("backend", "email_message", "payload", "status_code", "response", "esp_name"):
        assert getattr(err, attr) is None


def test_anymail_error_keyword_attributes_are_stored() -> None:
    err = exc.AnymailError(
        "x", email_message="m", payload="p", status_code=None, response=None, esp_name="E"
    )
    assert err.email_message == "m"
    assert err.payload == "p"
    assert err.esp_name == "E"


def test_anymail_error_esp_name_defaults_to_backend_esp_name() -> None:
    class Backend:
        esp_name = "Mailtrap"

    err = exc.AnymailError("x", backend=Backend())
    assert err.esp_name == "Mailtrap"


def test_str_joins_positional_args_with_space() -> None:
    assert str(exc.AnymailError("one", 2, "three")) == "one 2 three"


def test_str_adds_cause_on_second_line() -> None:
    try:
        try:
            raise ValueError("inner problem")
        except ValueError as inner:
            raise exc.AnymailError("outer") from inner
    except exc.AnymailError as err:
        assert str(err) == "outer\nValueError: inner problem"


def _response(status: int, body: bytes, reason: str | bytes = "Bad Request") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.reason = reason  # type: ignore[assignment]
    response.encoding = "utf-8"
    return response


def test_str_adds_status_and_pretty_json_body() -> None:
    response = _response(400, b'{"errors": ["Invalid API token"], "success": false}')
    err = exc.AnymailRequestsAPIError("Failed", response=response, esp_name="Mailtrap")
    expected_body = '{\n  "errors": [\n    "Invalid API token"\n  ],\n  "success": false\n}'
    assert str(err) == f"Failed\nMailtrap API response 400 (Bad Request):\n{expected_body}"


def test_str_uses_repr_of_non_json_text() -> None:
    response = _response(502, b"<html>bad gateway</html>", reason="Bad Gateway")
    err = exc.AnymailRequestsAPIError(response=response)
    assert str(err) == "ESP API response 502 (Bad Gateway): '<html>bad gateway</html>'"


def test_str_decodes_bytes_reason() -> None:
    response = _response(500, b"oops", reason=b"Server Error")
    err = exc.AnymailRequestsAPIError(response=response, esp_name="Mailtrap")
    assert "Mailtrap API response 500 (Server Error): 'oops'" in str(err)


def test_str_none_reason_prints_none() -> None:
    response = _response(500, b"oops", reason=None)  # type: ignore[arg-type]
    err = exc.AnymailRequestsAPIError(response=response)
    assert "ESP API response 500 (None)" in str(err)


def test_requests_api_error_takes_status_code_from_response() -> None:
    response = _response(401, b"{}")
    err = exc.AnymailRequestsAPIError(response=response)
    assert err.status_code == 401
    assert err.response is response


def test_requests_api_error_is_a_requests_http_error_with_response() -> None:
    response = _response(401, b"{}")
    err = exc.AnymailRequestsAPIError(response=response)
    assert isinstance(err, requests.HTTPError)
    assert requests.HTTPError.__dict__  # sanity
    assert err.response is response


def test_serialization_error_default_text() -> None:
    assert str(exc.AnymailSerializationError()) == (
        "Don't know how to send this data to the ESP. "
        "Try converting it to a string or number first."
    )


def test_serialization_error_default_text_names_esp_and_appends_orig_err() -> None:
    orig = TypeError("Object of type 'Decimal' is not JSON serializable")
    err = exc.AnymailSerializationError(orig_err=orig, esp_name="Mailtrap")
    assert str(err) == (
        "Don't know how to send this data to Mailtrap. "
        "Try converting it to a string or number first.\n"
        "Object of type 'Decimal' is not JSON serializable"
    )


def test_invalid_mailer_prefixes_alias() -> None:
    err = exc.AnymailInvalidMailer("Something wrong", alias="default")
    assert str(err) == "MAILERS['default']: Something wrong"


def test_invalid_mailer_without_alias_has_no_prefix() -> None:
    assert str(exc.AnymailInvalidMailer("Something wrong")) == "Something wrong"


def test_improperly_installed_message_names_package_feature_and_pip_hint() -> None:
    err = exc.AnymailImproperlyInstalled("uts46", install_extra="uts46", feature="IDNA")
    text = str(err)
    assert "uts46" in text
    assert "IDNA" in text
    assert "pip install" in text
    assert "anymail-mailtrap[uts46]" in text


def test_improperly_installed_defaults() -> None:
    text = str(exc.AnymailImproperlyInstalled("somepkg"))
    assert "somepkg" in text
    assert "this ESP" in text
