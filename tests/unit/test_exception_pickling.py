"""Every exception this package raises pickles and unpickles (Celery, multiprocessing, queues).

Including the connection errors, whose class combines AnymailRequestsAPIError with the
`requests` exception type (one class per type, rebuilt on unpickling).
"""

from __future__ import annotations

import copy
import importlib
import inspect
import multiprocessing
import pickle
import pkgutil
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
import requests
from requests import exceptions as requests_exceptions

import anymail
from anymail import exceptions as exc
from anymail.exceptions import requests_error_class
from anymail.mailtrap.client import MailtrapAPIError
from anymail.message import AnymailMessage, AnymailRecipientStatus, AnymailStatus


def response(status: int = 400, body: bytes = b'{"errors": ["Nope"]}') -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer.reason = "Bad Request"
    answer.url = "https://send.api.mailtrap.io/api/send"
    answer._content = body
    answer.encoding = "utf-8"
    request = requests.PreparedRequest()
    request.prepare(method="POST", url=answer.url, headers={"Api-Token": "secret-1"}, data="{}")
    answer.request = request
    return answer


#: Every requests exception a session call may raise (the connection-error classes).
REQUESTS_TYPES = [
    requests_exceptions.ConnectionError,
    requests_exceptions.ConnectTimeout,
    requests_exceptions.ReadTimeout,
    requests_exceptions.Timeout,
    requests_exceptions.SSLError,
    requests_exceptions.ProxyError,
    requests_exceptions.ChunkedEncodingError,
    requests_exceptions.ContentDecodingError,
    requests_exceptions.TooManyRedirects,
    requests_exceptions.InvalidURL,
    requests_exceptions.InvalidHeader,
    requests_exceptions.MissingSchema,
    requests_exceptions.InvalidSchema,
    requests_exceptions.RetryError,
    requests_exceptions.StreamConsumedError,
    requests_exceptions.UnrewindableBodyError,
    requests_exceptions.RequestException,
]


def examples() -> list[BaseException]:
    transport = []
    for requests_type in REQUESTS_TYPES:
        error = requests_error_class(requests_type)(
            "Error posting to https://send.api.mailtrap.io/api/send:", esp_name="Mailtrap"
        )
        error.__cause__ = requests_type("refused")
        error.attempts = 3
        transport.append(error)
    return [
        exc.AnymailError("text", 2, status_code=None, esp_name="Mailtrap"),
        exc.AnymailAPIError("API failed", esp_name="Mailtrap"),
        exc.AnymailRequestsAPIError("Failed", response=response(), esp_name="Mailtrap"),
        exc.AnymailRecipientsRefused(),
        exc.AnymailRecipientsRefused("nope", email_message="m"),
        exc.AnymailInvalidAddress("Invalid email address 'x'"),
        exc.AnymailUnsupportedFeature("Mailtrap does not support multiple tags"),
        exc.AnymailSerializationError(orig_err=TypeError("Decimal"), esp_name="Mailtrap"),
        exc.AnymailCancelSend(),
        exc.AnymailWebhookValidationFailure("Mailtrap webhook called without signature"),
        exc.AnymailWebhookPayloadError("entry 1: missing 'event'"),
        exc.AnymailConfigurationError("You must set MAILTRAP_API_TOKEN"),
        exc.AnymailInvalidMailer("Something wrong", alias="default"),
        exc.AnymailImproperlyInstalled("uts46", install_extra="uts46", feature="IDNA"),
        MailtrapAPIError("GET x: HTTP 403", problem="HTTP 403", response=response(403)),
        exc.AnymailWarning("w"),
        exc.AnymailInsecureWebhookWarning("w"),
        exc.AnymailDeprecationWarning("w"),
        exc.AnymailNotSupportedWarning("w"),
        *transport,
    ]


def comparable(error: BaseException) -> dict[str, Any]:
    """What must survive the round trip (the token holders excepted)."""
    attributes = {
        name: value
        for name, value in vars(error).items()
        if name not in ("backend", "payload", "response", "request", "_cause_description")
    }
    answer = getattr(error, "response", None)
    return {
        "type": type(error).__name__,
        "mro": [cls.__name__ for cls in type(error).__mro__],
        "args": error.args,
        "str": str(error),
        "attributes": attributes,
        "response": None
        if answer is None
        else (answer.status_code, answer.reason, answer.url, answer.content),
    }


@pytest.mark.parametrize("error", examples(), ids=lambda error: repr(error)[:60])
@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_round_trip(error: BaseException, protocol: int) -> None:
    data = pickle.dumps(error, protocol=protocol)
    assert b"secret-1" not in data
    copied = pickle.loads(data)
    assert comparable(copied) == comparable(error)
    assert comparable(pickle.loads(pickle.dumps(copied))) == comparable(error)  # and again


def test_connection_error_unpickles_as_both_kinds() -> None:
    error = requests_error_class(requests.ReadTimeout)("Error posting to x:")
    copied = pickle.loads(pickle.dumps(error))
    assert type(copied) is type(error)
    assert isinstance(copied, exc.AnymailRequestsAPIError)
    assert isinstance(copied, requests.ReadTimeout)
    assert isinstance(copied, requests.Timeout)


def test_one_class_per_requests_type() -> None:
    assert requests_error_class(requests.ConnectionError) is requests_error_class(
        requests.ConnectionError
    )
    assert requests_error_class(requests.ConnectionError) is not requests_error_class(
        requests.ReadTimeout
    )
    assert requests_error_class(exc.AnymailRequestsAPIError) is exc.AnymailRequestsAPIError


def test_local_requests_subclass_unpickles_as_its_importable_base() -> None:
    class Flaky(requests.ConnectionError):
        pass

    copied = pickle.loads(pickle.dumps(requests_error_class(Flaky)("Error posting to x:")))
    assert isinstance(copied, requests.ConnectionError)
    assert isinstance(copied, exc.AnymailRequestsAPIError)
    assert str(copied) == "Error posting to x:"


def test_cause_text_survives_though_the_cause_does_not() -> None:
    error = requests_error_class(requests.ConnectionError)("Error posting to x:")
    error.__cause__ = requests.ConnectionError("Connection refused")
    copied = pickle.loads(pickle.dumps(error))
    assert copied.__cause__ is None
    assert str(copied) == "Error posting to x:\nConnectionError: Connection refused"


def test_pickled_response_keeps_the_answer_but_not_the_request_headers() -> None:
    error = exc.AnymailRequestsAPIError(response=response(), esp_name="Mailtrap")
    copied = pickle.loads(pickle.dumps(error))
    assert copied.response.json() == {"errors": ["Nope"]}
    assert copied.response.request.method == "POST"
    assert dict(copied.response.request.headers) == {}
    assert copied.request is copied.response.request
    assert error.response.request.headers["Api-Token"] == "secret-1"  # the original: as it was


def test_message_lists_keep_their_statuses() -> None:
    message = AnymailMessage("Hi", "Body", "from@example.com", ["ana@example.org"])
    message.anymail_status = AnymailStatus()
    message.anymail_status.set_recipient_status(
        {"ana@example.org": AnymailRecipientStatus("id-1", "queued")}
    )
    error = exc.AnymailAPIError("one failed")
    error.sent_messages = [message]
    copied = pickle.loads(pickle.dumps(error)).sent_messages[0]
    assert copied.anymail_status.status == {"queued"}
    assert copied.anymail_status.message_id == "id-1"


def test_copy_and_deepcopy_work() -> None:
    error = requests_error_class(requests.ConnectionError)("Error posting to x:")
    assert str(copy.copy(error)) == str(error)
    assert type(copy.deepcopy(error)) is type(error)


def raise_in_child(kind: str) -> None:
    if kind == "connection":
        raise requests_error_class(requests.ConnectionError)("Error posting to x:")
    raise exc.AnymailImproperlyInstalled("uts46", install_extra="uts46", feature="IDNA")


@pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(),
    reason="needs the forkserver start method",
)
def test_errors_cross_process_boundaries() -> None:
    # forkserver, not fork: forking this multi-threaded test process may deadlock (3.12 warns)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver")) as pool:
        with pytest.raises(requests.ConnectionError) as connection:
            pool.submit(raise_in_child, "connection").result()
        with pytest.raises(exc.AnymailImproperlyInstalled) as installed:
            pool.submit(raise_in_child, "installed").result()
    assert isinstance(connection.value, exc.AnymailRequestsAPIError)
    assert "The uts46 package is required to use IDNA" in str(installed.value)


def anymail_exception_classes() -> set[type[BaseException]]:
    found: set[type[BaseException]] = set()
    for module_info in pkgutil.walk_packages(anymail.__path__, "anymail."):
        if ".migrations" in module_info.name or ".management" in module_info.name:
            continue
        module = importlib.import_module(module_info.name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(value, BaseException)
                and value.__module__.startswith("anymail")
                and not value.__name__.startswith("_")
                and "_requests_error_type" not in value.__dict__
            ):
                found.add(value)
    return found


def test_every_exception_class_of_the_package_pickles() -> None:
    covered = {type(error) for error in examples()}
    for cls in anymail_exception_classes() - covered:
        try:
            error = cls("text")
        except TypeError:  # pragma: no cover - a new class: add an example above
            pytest.fail(f"{cls.__module__}.{cls.__qualname__}: add an example to examples()")
        assert comparable(pickle.loads(pickle.dumps(error))) == comparable(error), cls
