"""Inbound mail received by hand is logged and says where its webhook event went; the web
inbox's upload form does not default to Mailtrap's sample inbox."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from anymail.mailtrap.inbound import is_inbound_sample
from mailtrap_emulator import EmulatorServer
from mailtrap_emulator.inbound_injection import DEFAULT_INBOX_ID, SAMPLE_INBOX_ID

from .receiver import Receiver

EML = b"From: Ana <ana@example.org>\r\nSubject: A question\r\n\r\nWhere is it?\r\n"


def inject(emulator: EmulatorServer, inbox_id: int) -> requests.Response:
    return requests.post(
        f"{emulator.url}/_emulator/inbound/{inbox_id}",
        data=EML,
        headers={"Content-Type": "message/rfc822"},
        timeout=10,
    )


def emulator_records(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "mailtrap_emulator"]


def test_the_default_inbox_is_not_the_sample_anymail_ignores() -> None:
    assert DEFAULT_INBOX_ID != SAMPLE_INBOX_ID
    assert not is_inbound_sample({"inbox_id": DEFAULT_INBOX_ID})
    assert is_inbound_sample({"inbox_id": SAMPLE_INBOX_ID})  # the emulator's idea is Anymail's


def test_an_injection_with_a_webhook_is_logged_with_where_it_went(
    emulator: EmulatorServer, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mailtrap_emulator")
    emulator.add_webhook(receiver.url + "/inbound", webhook_type="inbound_receiving")
    message_id = inject(emulator, 250).json()["id"]
    assert emulator_records(caplog) == [
        (
            logging.INFO,
            f"inbound message {message_id} received into inbox 250 via control API;"
            " the inbound event was posted to 1 webhook(s)",
        )
    ]
    assert emulator.wait_for_webhooks(10)
    assert [event["inbox_id"] for event in receiver.all_events()] == [250]


def test_an_injection_nobody_hears_of_says_so(
    emulator: EmulatorServer, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mailtrap_emulator")
    emulator.add_webhook(
        receiver.url + "/inbound", webhook_type="inbound_receiving", inbound_inbox_id=7
    )
    record = emulator.receive_inbound(250, EML)
    assert emulator_records(caplog) == [
        (
            logging.INFO,
            f"inbound message {record['id']} received into inbox 250 via EmulatorServer;"
            " no inbound webhook is configured for inbox 250: nothing was posted",
        )
    ]


def test_an_injection_into_the_sample_inbox_is_a_warning(
    emulator: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mailtrap_emulator")
    inject(emulator, SAMPLE_INBOX_ID)
    ((level, text),) = emulator_records(caplog)
    assert level == logging.WARNING
    assert text.endswith(
        "; inbox 1 is Mailtrap's 'test your integration' sample, which Anymail acknowledges"
        " but ignores (no inbound signal): use another inbox id"
    )


def test_a_web_upload_is_logged_too(
    emulator: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mailtrap_emulator")
    response = requests.post(
        f"{emulator.url}/inbound",
        data={"inbox_id": "250"},
        files={"file": ("q.eml", EML, "message/rfc822")},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("?received=1")
    ((_level, text),) = emulator_records(caplog)
    assert " received into inbox 250 via web inbox; " in text


@pytest.mark.parametrize(
    ("inbox_id", "content"), [("250", b""), ("0", EML), ("x", EML)], ids=["empty", "0", "x"]
)
def test_a_bad_web_upload_is_refused_with_a_visible_error(
    emulator: EmulatorServer, inbox_id: str, content: bytes
) -> None:
    response = requests.post(
        f"{emulator.url}/inbound",
        data={"inbox_id": inbox_id},
        files={"file": ("q.eml", content, "message/rfc822")},
        timeout=10,
    )
    assert response.url.endswith("/inbound?error=1")
    assert 'id="upload-error"' in response.text
    assert emulator.emulator.store.list_inbound() == []  # type: ignore[union-attr]


def test_the_command_line_emulator_logs_injections_on_stderr(tmp_path: Path) -> None:
    eml = tmp_path / "in.eml"
    eml.write_bytes(EML)
    process = subprocess.Popen(
        [sys.executable, "-m", "mailtrap_emulator", "--port=0", "--db=:memory:"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().rsplit(" ", 1)[-1].strip()
        for inbox in ("250", "1"):
            done = subprocess.run(
                [sys.executable, "-m", "mailtrap_emulator", "inbound", inbox, str(eml)],
                env=dict(os.environ, MAILTRAP_EMULATOR_URL=url),
                capture_output=True,
                timeout=30,
                check=False,
            )
            assert done.returncode == 0, done.stderr
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=10)
    lines = err.splitlines()
    assert re.fullmatch(
        r"mailtrap-emulator INFO: inbound message \d+ received into inbox 250 via control API;"
        r" no inbound webhook is configured for inbox 250: nothing was posted",
        lines[0],
    ), lines
    assert lines[1].startswith("mailtrap-emulator WARNING: inbound message ")
    assert "'test your integration' sample" in lines[1]
