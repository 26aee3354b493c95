"""MailtrapClient keeps its credentials out of reprs and errors: the API token in headers, and
the pre-signed download URL of an inbound message (a credential while it is valid)."""

from __future__ import annotations

import pprint
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
import responses

from anymail.exceptions import AnymailConfigurationError
from anymail.mailtrap.client import GENERAL_API_URL, MailtrapAPIError, MailtrapClient
from tests.support.mailtrap_server import free_port

TOKEN = "client-secret-token-71c2"
SIGNATURE = "b7e1d0c9a8f6e5d4c3b2a1"


class Storage:
    """An S3-like GET server: answers `status` with `body` (quoting the signature on 403)."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b"From: a@example.com\r\nSubject: Hi\r\n\r\nHello\r\n"
        self.drop_after_headers = False
        storage = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(storage.status)
                self.send_header("Content-Length", str(len(storage.body)))
                self.end_headers()
                if storage.drop_after_headers:
                    self.wfile.write(storage.body[:3])
                    self.wfile.flush()
                    self.connection.close()
                    return
                self.wfile.write(storage.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        port = self.server.server_address[1]
        return (
            f"http://127.0.0.1:{port}/250/raw.eml?X-Amz-Credential=AKIAEXAMPLE%2F20260101"
            f"&X-Amz-Signature={SIGNATURE}"
        )


@pytest.fixture
def storage() -> Iterator[Storage]:
    running = Storage()
    yield running
    running.server.shutdown()
    running.server.server_close()


def download_error(client: MailtrapClient, url: str) -> MailtrapAPIError:
    with pytest.raises(MailtrapAPIError) as raised, client.download(url, 1024) as chunks:
        b"".join(chunks)
    return raised.value


def frames_below_the_test(error: BaseException) -> list[Any]:
    """The frames the error went through, from the client down (the test's own is left out)."""
    frames = []
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename != __file__:
            frames.append(traceback.tb_frame)
        traceback = traceback.tb_next
    return frames


def assert_clean(error: BaseException) -> None:
    """Neither the error nor the frames it was raised through show the signed URL."""
    shown = [str(error), repr(error), repr(getattr(error, "response", None))]
    response = getattr(error, "response", None)
    if response is not None:
        shown += [response.url, response.text]
    for frame in frames_below_the_test(error):
        shown += [pprint.pformat(value) for value in frame.f_locals.values()]
    assert not any(SIGNATURE in text for text in shown)
    # no chained requests error (whose text has the URL) in the report either
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_error_status_names_status_but_not_url(storage: Storage) -> None:
    storage.status = 403
    storage.body = f"<Error><SignatureProvided>{SIGNATURE}</SignatureProvided></Error>".encode()
    error = download_error(MailtrapClient(TOKEN), storage.url)
    assert error.problem == "HTTP 403"
    assert error.status_code == 403
    assert error.response.url.endswith("/250/raw.eml")  # where, without the query
    assert error.response.text == "<Error><SignatureProvided>***</SignatureProvided></Error>"
    assert_clean(error)


def test_connection_failure_names_its_kind_but_not_url() -> None:
    url = f"http://127.0.0.1:{free_port()}/raw.eml?X-Amz-Signature={SIGNATURE}"
    error = download_error(MailtrapClient(TOKEN), url)
    assert error.problem == "ConnectionError"
    assert error.response is None
    assert_clean(error)


def test_failure_while_reading_is_sanitized_too(storage: Storage) -> None:
    storage.body = b"x" * 100_000
    storage.drop_after_headers = True
    error = download_error(MailtrapClient(TOKEN), storage.url)
    assert error.problem == "ChunkedEncodingError"
    assert_clean(error)


def test_successful_download_streams_the_body(storage: Storage) -> None:
    with MailtrapClient(TOKEN).download(storage.url, 4) as chunks:
        assert b"".join(chunks) == storage.body


def test_send_headers_repr_masks_the_token() -> None:
    headers = MailtrapClient(TOKEN).send_headers()
    assert headers["Api-Token"] == TOKEN  # sent as it is
    params = {"url": "https://send.api.mailtrap.io/api/send", "headers": headers}
    for text in (repr(headers), str(headers), pprint.pformat(params), repr(params)):
        assert TOKEN not in text
        assert "'Api-Token': '***'" in text
    assert headers == {
        "Api-Token": TOKEN,
        "Content-Type": "application/json",
        "Accept": "application/json",
    }


@responses.activate
def test_general_api_connection_error_has_no_token_in_its_frames() -> None:
    responses.get(GENERAL_API_URL + "accounts", body=requests.ConnectionError("refused"))
    with pytest.raises(MailtrapAPIError) as raised:
        MailtrapClient(TOKEN).request_json("GET", "accounts")
    for frame in frames_below_the_test(raised.value):
        assert TOKEN not in pprint.pformat(frame.f_locals)


@pytest.mark.parametrize("token", [f"{TOKEN}\n", f" {TOKEN}", f"{TOKEN}\r\nX: y"])
def test_unsendable_token_is_a_configuration_error_that_does_not_quote_it(token: str) -> None:
    # requests would refuse the header -- and quote the token in its error
    with pytest.raises(AnymailConfigurationError) as raised:
        MailtrapClient(token)
    assert TOKEN not in str(raised.value)
