"""The exception hierarchy and how errors describe themselves."""

from __future__ import annotations

import json
from typing import Any

import django
import pytest
import requests
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation

from anymail import exceptions as exc


def make_response(status: int, body: Any, reason: Any = "Bad Request") -> requests.Response:
    """A real requests.Response with a JSON (or raw str) body."""
    response = requests.Response()
    response.status_code = status
    response.reason = reason
    raw = body if isinstance(body, str) else json.dumps(body)
    response._content = raw.encode()
    return response


class FakeBackend:
    esp_name = "Mailtrap"


@pytest.mark.parametrize(
    ("cls", "bases"),
    [
        (exc.AnymailError, (Exception,)),
        (exc.AnymailAPIError, (exc.AnymailError,)),
        (exc.AnymailRequestsAPIError, (exc.AnymailAPIError, requests.HTTPError)),
        (exc.AnymailRecipientsRefused, (exc.AnymailError,)),
        (exc.AnymailInvalidAddress, (exc.AnymailError, ValueError)),
        (exc.AnymailUnsupportedFeature, (exc.AnymailError, ValueError)),
        (exc.AnymailSerializationError, (exc.AnymailError, TypeError)),
        (exc.AnymailCancelSend, (exc.AnymailError,)),
        (exc.AnymailWebhookValidationFailure, (exc.AnymailError, SuspiciousOperation)),
        (exc.AnymailConfigurationError, (ImproperlyConfigured,)),
        (exc.AnymailInvalidMailer, (exc.AnymailConfigurationError,)),
        (exc.AnymailImproperlyInstalled, (exc.AnymailConfigurationError, ImportError)),
        (exc.AnymailWarning, (Warning,)),
        (exc.AnymailInsecureWebhookWarning, (exc.AnymailWarning,)),
        (exc.AnymailDeprecationWarning, (exc.AnymailWarning, DeprecationWarning)),
        (exc.AnymailNotSupportedWarning, (exc.AnymailWarning,)),
    ],
)
def test_exception_bases(cls: type, bases: tuple[type, ...]) -> None:
    assert cls.__bases__[: len(bases)] == bases


def test_requests_api_error_is_a_requests_exception_and_oserror() -> None:
    error = exc.AnymailRequestsAPIError("boom")
    assert isinstance(error, requests.RequestException)
    assert isinstance(error, OSError)


def test_configuration_error_is_not_an_anymail_error() -> None:
    assert not issubclass(exc.AnymailConfigurationError, exc.AnymailError)


@pytest.mark.skipif(django.VERSION < (6, 1), reason="Django < 6.1 has no InvalidMailer")
def test_invalid_mailer_is_djangos_invalid_mailer() -> None:
    from django.core.mail import InvalidMailer  # type: ignore[attr-defined]

    assert issubclass(exc.AnymailInvalidMailer, InvalidMailer)


def test_error_stores_context_keywords() -> None:
    backend, message, payload = FakeBackend(), object(), object()
    error = exc.AnymailError(
        "text", backend=backend, email_message=message, payload=payload, status_code=418
    )
    assert error.backend is backend
    assert error.email_message is message
    assert error.payload is payload
    assert error.status_code == 418


def test_error_esp_name_defaults_to_backends() -> None:
    assert exc.AnymailError(backend=FakeBackend()).esp_name == "Mailtrap"


def test_error_esp_name_none_without_backend() -> None:
    assert exc.AnymailError("x").esp_name is None


def test_error_context_defaults_to_none() -> None:
    error = exc.AnymailError()
    assert (error.backend, error.email_message, error.payload, error.status_code) == (
        None,
        None,
        None,
        None,
    )
    assert error.response is None


def test_str_joins_positional_args_with_space() -> None:
    assert str(exc.AnymailError("one", "two", 3)) == "one two 3"


def test_str_adds_cause_as_type_and_message() -> None:
    try:
        try:
            raise ValueError("inner problem")
        except ValueError as inner:
            raise exc.AnymailAPIError("outer") from inner
    except exc.AnymailAPIError as error:
        assert str(error) == "outer\nValueError: inner problem"


def test_str_describes_json_response_pretty_printed() -> None:
    response = make_response(400, {"errors": ["Invalid API token"]})
    error = exc.AnymailRequestsAPIError("Failed", response=response, backend=FakeBackend())
    assert str(error) == (
        "Failed\nMailtrap API response 400 (Bad Request):\n"
        '{\n  "errors": [\n    "Invalid API token"\n  ]\n}'
    )


def test_str_describes_non_json_response_with_repr_of_text() -> None:
    response = make_response(502, "<html>gateway</html>", reason="Bad Gateway")
    error = exc.AnymailRequestsAPIError(response=response, backend=FakeBackend())
    assert str(error) == "Mailtrap API response 502 (Bad Gateway): '<html>gateway</html>'"


def test_str_decodes_bytes_reason() -> None:
    response = make_response(400, {}, reason=b"Bad Request")
    error = exc.AnymailRequestsAPIError(response=response, backend=FakeBackend())
    assert "Mailtrap API response 400 (Bad Request)" in str(error)


def test_str_shows_none_reason() -> None:
    response = make_response(400, {}, reason=None)
    error = exc.AnymailRequestsAPIError(response=response, backend=FakeBackend())
    assert "Mailtrap API response 400 (None)" in str(error)


def test_str_uses_generic_esp_name_without_one() -> None:
    error = exc.AnymailRequestsAPIError(response=make_response(500, {}))
    assert str(error).startswith("ESP API response 500")


def test_str_without_status_code_has_no_response_part() -> None:
    assert str(exc.AnymailAPIError("just text", backend=FakeBackend())) == "just text"


def test_str_composes_args_cause_and_response_in_order() -> None:
    response = make_response(500, {"x": 1}, reason="Server Error")
    try:
        try:
            raise KeyError("k")
        except KeyError as inner:
            raise exc.AnymailRequestsAPIError(
                "text", response=response, backend=FakeBackend()
            ) from inner
    except exc.AnymailRequestsAPIError as error:
        lines = str(error).split("\n")
    assert lines[:3] == ["text", "KeyError: 'k'", "Mailtrap API response 500 (Server Error):"]


def test_requests_api_error_takes_status_code_from_response() -> None:
    error = exc.AnymailRequestsAPIError(response=make_response(429, {}))
    assert error.status_code == 429


def test_requests_api_error_keeps_response() -> None:
    response = make_response(400, {})
    assert exc.AnymailRequestsAPIError(response=response).response is response


def test_recipients_refused_default_text() -> None:
    assert str(exc.AnymailRecipientsRefused()) == "All message recipients were rejected or invalid"


def test_recipients_refused_custom_text() -> None:
    assert str(exc.AnymailRecipientsRefused("nobody home")) == "nobody home"


def test_serialization_error_default_text_names_esp() -> None:
    error = exc.AnymailSerializationError(backend=FakeBackend())
    assert str(error) == (
        "Don't know how to send this data to Mailtrap. "
        "Try converting it to a string or number first."
    )


def test_serialization_error_default_text_without_esp() -> None:
    assert str(exc.AnymailSerializationError()) == (
        "Don't know how to send this data to the ESP. "
        "Try converting it to a string or number first."
    )


def test_serialization_error_appends_original_error() -> None:
    orig = TypeError("Object of type 'Decimal' is not JSON serializable")
    error = exc.AnymailSerializationError(orig_err=orig, esp_name="Mailtrap")
    assert str(error) == (
        "Don't know how to send this data to Mailtrap. "
        "Try converting it to a string or number first.\n"
        "Object of type 'Decimal' is not JSON serializable"
    )


def test_serialization_error_custom_message() -> None:
    assert str(exc.AnymailSerializationError("Custom")) == "Custom"


def test_invalid_mailer_prefixes_alias() -> None:
    error = exc.AnymailInvalidMailer("OPTIONS must define 'api_token'", alias="bulk")
    assert str(error) == "MAILERS['bulk']: OPTIONS must define 'api_token'"


def test_invalid_mailer_without_alias_has_no_prefix() -> None:
    assert str(exc.AnymailInvalidMailer("Broken")) == "Broken"


def test_invalid_mailer_keeps_alias() -> None:
    assert exc.AnymailInvalidMailer("x", alias="bulk").alias == "bulk"


def test_improperly_installed_names_package_feature_and_pip_hint() -> None:
    error = exc.AnymailImproperlyInstalled("uts46", install_extra="uts46", feature="IDNA")
    text = str(error)
    assert "uts46" in text
    assert "IDNA" in text
    assert 'pip install "anymail-mailtrap[uts46]"' in text


def test_improperly_installed_is_caught_as_import_error() -> None:
    with pytest.raises(ImportError):
        raise exc.AnymailImproperlyInstalled("somepackage")


def test_improperly_installed_defaults_to_mailtrap_extra() -> None:
    text = str(exc.AnymailImproperlyInstalled("somepackage"))
    assert "anymail-mailtrap[mailtrap]" in text
    assert "this ESP" in text
