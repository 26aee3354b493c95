"""The API token stays out of Django's error reports and out of pickled send errors.

Each failure below is a real send to a local HTTP server (so `requests` and urllib3 run
for real, with their own frames and locals) with a known token. Django's HTML and text
reports -- the DEBUG page, and the admin error email (`is_email=True`, as
AdminEmailHandler renders it) with DEBUG on and off -- must not show the token, and must
still say what failed; the error must pickle without it.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import requests
from django.test import RequestFactory
from django.utils.html import escape
from django.views.debug import ExceptionReporter

from anymail.backends.mailtrap import EmailBackend
from anymail.exceptions import AnymailError, AnymailRecipientsRefused, AnymailRequestsAPIError
from anymail.mailtrap import batch_calls
from anymail.signals import post_send
from tests.conftest import warns_legacy_mail_api
from tests.support.mailtrap_server import (
    MailtrapServer,
    Received,
    Reply,
    free_port,
    mailtrap_answer,
)
from tests.support.sending import (  # noqa: F401 (fixtures)
    TOKEN,
    mailtrap_server_fixture,
    make_message,
    scale_backend_fixture,
)


class Failure:
    """A failed send: the error, and what a useful report of it must mention (the text
    report: the error's text; the HTML report also shows our frames' locals)."""

    def __init__(self, error: AnymailError, text: list[str], html: list[str] = ()) -> None:
        self.error = error
        self.text = text
        self.html = list(html)


def stored_connection(message: Any) -> Any:
    """The backend a message holds (Django 6.1 keeps it in _connection: reading the public
    EmailMessage.connection attribute warns there)."""
    return vars(message).get("_connection", vars(message).get("connection"))


def send_and_fail(backend: Any, messages: list[Any]) -> AnymailError:
    for message in messages:
        with warns_legacy_mail_api(match="connection attribute is deprecated"):
            message.connection = backend  # as EmailMessage.send() left it before Django 6.1
    with pytest.raises(AnymailError) as raised:
        backend.send_messages(messages)
    return raised.value


def http_status(status: int) -> Callable[..., Failure]:
    def scenario(server: MailtrapServer, backend: Callable[..., Any]) -> Failure:
        server.reply(Reply(status=status, json_body={"success": False, "errors": ["Nope"]}))
        error = send_and_fail(backend(retry_attempts=1), [make_message(0)])
        return Failure(error, [f"API response {status}", "Nope"], [server.api_url + "send"])

    return scenario


def connection_refused(server: MailtrapServer, backend: Callable[..., Any]) -> Failure:
    url = f"http://127.0.0.1:{free_port()}/api/"
    error = send_and_fail(backend(api_url=url, retry_attempts=1), [make_message(0)])
    return Failure(error, [f"Error posting to {url}send", "Connection refused"])


def connection_dropped(server: MailtrapServer, backend: Callable[..., Any]) -> Failure:
    server.reply(Reply(drop=True))
    error = send_and_fail(backend(retry_attempts=1), [make_message(0)])
    return Failure(error, [f"Error posting to {server.api_url}send", "ConnectionError"])


def serialization(server: MailtrapServer, backend: Callable[..., Any]) -> Failure:
    message = make_message(0, esp_extra={"price": Decimal("9.99")})
    error = send_and_fail(backend(), [message])
    return Failure(error, ["Don't know how to send this data", "Decimal"])


def recipients_refused(server: MailtrapServer, backend: Callable[..., Any]) -> Failure:
    def reject_all(sender: Any, message: Any, status: Any, **kwargs: Any) -> None:
        status.status = {"rejected"}

    post_send.connect(reject_all, weak=False, dispatch_uid="reject_all")
    try:
        error = send_and_fail(backend(), [make_message(0)])
    finally:
        post_send.disconnect(dispatch_uid="reject_all")
    assert isinstance(error, AnymailRecipientsRefused)
    return Failure(error, ["All message recipients were rejected or invalid"])


def merge_chunk_partly_failed(server: MailtrapServer, backend: Callable[..., Any]) -> Failure:
    def fail_second_call(request: Received) -> Reply | None:
        emails = [entry["to"][0]["email"] for entry in request.json()["requests"]]
        return Reply(status=500, json_body={"errors": ["Boom"]}) if "r2@x.com" in emails else None

    server.handler = fail_second_call
    to = [f"r{n}@x.com" for n in range(5)]
    message = make_message(0, to=to, merge_data={email: {"n": 1} for email in to})
    error = send_and_fail(backend(send_concurrency=1, retry_attempts=1), [message])
    text = ["API response 500", "Mailtrap accepted 3 of 5 recipients"]
    return Failure(error, text, [server.api_url + "batch"])


def auto_batch_entry_refused(server: MailtrapServer, backend: Callable[..., Any]) -> Failure:
    def refuse_second(request: Received) -> Reply:
        answer = mailtrap_answer(request)
        answer["responses"][1] = {"success": False, "errors": ["'to' is invalid"]}
        return Reply(json_body=answer)

    server.handler = refuse_second
    messages = [make_message(n) for n in range(2)]  # one batch call (at most 2 entries here)
    error = send_and_fail(backend(batch_messages=True), messages)
    return Failure(error, ["entry 2 of 2", "'to' is invalid"])


SCENARIOS = {
    "http-400": http_status(400),
    "http-500": http_status(500),
    "connection-refused": connection_refused,
    "connection-dropped": connection_dropped,
    "serialization": serialization,
    "recipients-refused": recipients_refused,
    "merge-chunk-partly-failed": merge_chunk_partly_failed,
    "auto-batch-entry-refused": auto_batch_entry_refused,
}


@pytest.fixture(params=list(SCENARIOS))
def failure(request, mailtrap_server, scale_backend, monkeypatch) -> Failure:
    monkeypatch.setattr(batch_calls, "MAX_BATCH_REQUESTS", 2)
    return SCENARIOS[request.param](mailtrap_server, scale_backend)


def reports(error: BaseException, is_email: bool) -> tuple[str, str]:
    request = RequestFactory().post("/orders/4711/confirm/")
    reporter = ExceptionReporter(
        request, type(error), error, error.__traceback__, is_email=is_email
    )
    return reporter.get_traceback_html(), reporter.get_traceback_text()


@pytest.mark.parametrize("debug", [True, False], ids=["DEBUG", "production"])
@pytest.mark.parametrize("is_email", [False, True], ids=["page", "admin-email"])
def test_error_reports_hide_the_token_and_say_what_failed(failure, settings, debug, is_email):
    settings.DEBUG = debug
    html, text = reports(failure.error, is_email)
    assert TOKEN not in html
    assert TOKEN not in text
    for mention in failure.text:
        assert mention in text
        assert escape(mention) in html
    for mention in failure.html:
        assert escape(mention) in html
    assert "send_and_fail" in html  # the traceback is still there, frame by frame


def test_reports_still_show_our_frames_locals_with_the_token_masked(mailtrap_server, settings):
    settings.DEBUG = True
    mailtrap_server.reply(Reply(status=400))
    backend = EmailBackend(api_token=TOKEN, api_url=mailtrap_server.api_url, retry_attempts=1)
    error = send_and_fail(backend, [make_message(0)])
    html, _text = reports(error, is_email=False)
    assert "post_to_esp" in html
    assert "&#x27;Api-Token&#x27;: &#x27;***&#x27;" in html  # the `params` local, masked


def test_requests_frames_keep_lines_but_lose_locals(mailtrap_server, scale_backend):
    url = f"http://127.0.0.1:{free_port()}/api/"
    error = send_and_fail(scale_backend(api_url=url, retry_attempts=1), [make_message(0)])
    cause = error.__cause__
    assert isinstance(cause, requests.ConnectionError)
    traceback = cause.__traceback__
    frames = []
    while traceback is not None:
        frames.append(traceback.tb_frame)
        traceback = traceback.tb_next
    assert any("requests" in frame.f_code.co_filename for frame in frames)
    assert all(frame.f_locals == {} for frame in frames)


def test_pickled_error_has_no_token_and_keeps_what_is_useful(failure):
    error = failure.error
    data = pickle.dumps(error)
    assert TOKEN.encode() not in data
    copy = pickle.loads(data)
    assert type(copy).__name__ == type(error).__name__
    assert str(copy) == str(error)
    assert copy.args == error.args
    assert (copy.status_code, copy.esp_name, copy.attempts) == (
        error.status_code,
        error.esp_name,
        error.attempts,
    )
    assert copy.backend is None and copy.payload is None
    for name in ("sent_messages", "unsent_messages", "unknown_messages"):
        assert [m.subject for m in getattr(copy, name)] == [m.subject for m in getattr(error, name)]
        assert all(stored_connection(m) is None for m in getattr(copy, name))
    if error.response is not None:
        assert copy.response.status_code == error.response.status_code
        assert copy.response.content == error.response.content
        assert "Api-Token" not in copy.response.request.headers
    if isinstance(error, requests.RequestException):
        assert isinstance(copy, requests.RequestException)
        assert isinstance(copy, AnymailRequestsAPIError)
        requests_type = type(error).__dict__.get("_requests_error_type")
        if requests_type is not None:  # connection errors: the requests type too
            assert isinstance(copy, requests_type)
    assert stored_connection(error.email_message) is not None  # the original is left as it was


def test_error_response_in_memory_has_the_token_masked(mailtrap_server, scale_backend):
    mailtrap_server.reply(Reply(status=400))
    error = send_and_fail(scale_backend(retry_attempts=1), [make_message(0)])
    assert error.response.request.headers["Api-Token"] == "***"
    assert error.request.headers["Api-Token"] == "***"
    assert mailtrap_server.requests[0].headers["Api-Token"] == TOKEN  # sent for real


def test_connection_error_cause_keeps_no_token(scale_backend):
    url = f"http://127.0.0.1:{free_port()}/api/"
    error = send_and_fail(scale_backend(api_url=url, retry_attempts=1), [make_message(0)])
    assert error.__cause__.request.headers["Api-Token"] == "***"
    assert error.__cause__.request.body is None
