"""Synchronous sends through the emulator, over HTTP: each message logged once, with what
Mailtrap answered -- plain, concurrent, automatically batched and merge batch sends, and
the ones that failed (not accepted, unknown)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.dispatch import receiver
from django.test.utils import CaptureQueriesContext

from anymail.exceptions import AnymailAPIError, AnymailCancelSend, AnymailUnsupportedFeature
from anymail.mail_log.models import Recipient, SentMessage
from anymail.message import AnymailMessage
from anymail.signals import pre_send
from mailtrap_emulator import EmulatorServer

from .conftest import logged, only_logged, recipients_of, statement

pytestmark = pytest.mark.django_db

TEMPLATE = "5a1bd4ea-8f06-4a1d-a6c1-5b9a1f3a4c33"


def mailtrap_ids(message: AnymailMessage) -> dict[str, str]:
    return {email: one.message_id for email, one in message.anymail_status.recipients.items()}


def test_a_sent_message_is_logged_with_mailtrap_ids_per_recipient(
    backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    sent = message(
        to=["Ana Silva <Ana@Example.org>", "ben@example.org"],
        cc=["carla@example.org"],
        bcc=["audit@example.com"],
        tags=["password-reset"],
        metadata={"user": 42},
    )
    assert backend().send_messages([sent]) == 1

    row = only_logged()
    ids = mailtrap_ids(sent)
    assert uuid.UUID(str(row.id)).version == 7
    assert (row.status, row.stream, row.category, row.mailer) == (
        "sent",
        "transactional",
        "password-reset",
        "",
    )
    assert (row.subject, row.from_email, row.metadata) == (
        "Reset your password",
        "Shop <shop@example.com>",
        {"user": "42"},
    )
    assert row.accepted_at is not None and row.error == ""
    assert recipients_of(row) == [
        ("to", "ana@example.org", "sent", ids["Ana@Example.org"]),
        ("to", "ben@example.org", "sent", ids["ben@example.org"]),
        ("cc", "carla@example.org", "sent", ids["carla@example.org"]),
        ("bcc", "audit@example.com", "sent", ids["audit@example.com"]),
    ]
    assert row.recipients.get(email="ana@example.org").name == "Ana Silva"
    # privacy: no bodies unless MAIL_LOG_STORE_BODIES
    assert (row.text_body, row.html_body, row.attachments) == ("", "", [])


def test_bodies_and_attachment_names_only_with_the_setting(
    settings: Any, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    settings.ANYMAIL["MAIL_LOG_STORE_BODIES"] = True
    sent = message()
    sent.attach_alternative("<p>Follow the link</p>", "text/html")
    sent.attach("report.csv", "a,b\n1,2\n", "text/csv")
    backend().send_messages([sent])

    row = only_logged()
    assert (row.text_body, row.html_body) == (
        "Follow the link to reset your password.",
        "<p>Follow the link</p>",
    )
    assert row.attachments == [{"filename": "report.csv", "mimetype": "text/csv", "size": 8}]


def test_send_defaults_and_template_are_logged_as_sent(
    settings: Any, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    settings.ANYMAIL["SEND_DEFAULTS"] = {"tags": ["account"], "metadata": {"tenant": "eu1"}}
    backend().send_messages([message()])
    settings.ANYMAIL["SEND_DEFAULTS"] = {}  # Mailtrap takes no category with a template
    from_template = message(subject="", body="")
    from_template.template_id = TEMPLATE
    from_template.merge_global_data = {"name": "Ana"}
    backend().send_messages([from_template])

    plain, templated = logged()
    assert (plain.category, plain.metadata, plain.template_id) == ("account", {"tenant": "eu1"}, "")
    assert (templated.status, templated.category, templated.template_id) == ("sent", "", TEMPLATE)


def test_concurrent_sends_log_every_message(
    emulator: EmulatorServer, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    emulator.set_faults(latency_ms=20)  # slow calls: the engine goes parallel
    messages = [message(to=[f"user{n}@example.org"], subject=f"Order {n}") for n in range(12)]
    assert backend(send_concurrency=6).send_messages(messages) == 12

    rows = {row.subject: row for row in logged()}
    assert len(rows) == 12
    for n, sent in enumerate(messages):
        assert recipients_of(rows[f"Order {n}"]) == [
            ("to", f"user{n}@example.org", "sent", sent.anymail_status.message_id)
        ]


def test_automatic_batches_log_one_row_per_message(
    emulator: EmulatorServer, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    messages = [message(to=[f"user{n}@example.org"], subject=f"Order {n}") for n in range(5)]
    assert backend(batch_messages=True).send_messages(messages) == 5

    assert emulator.stats()["requests"] == {"POST /api/batch": 1}
    rows = logged()
    assert [row.subject for row in sorted(rows, key=lambda row: row.subject)] == [
        f"Order {n}" for n in range(5)
    ]
    assert {r.mailtrap_message_id for r in Recipient.objects.all()} == {
        sent.anymail_status.message_id for sent in messages
    }


@pytest.mark.parametrize("batch_limit", [500, 2], ids=["one call", "split over calls"])
def test_a_merge_batch_is_one_logged_message_per_to_recipient(
    batch_limit: int,
    monkeypatch: pytest.MonkeyPatch,
    backend: Callable[..., Any],
    message: Callable[..., AnymailMessage],
) -> None:
    monkeypatch.setattr("anymail.mailtrap.batch_calls.MAX_BATCH_REQUESTS", batch_limit)
    to = ["ana@example.org", "ben@example.org", "carla@example.org"]
    sent = message(to=to, subject="", body="", metadata={"campaign": "spring"})
    sent.template_id = TEMPLATE
    sent.merge_data = {email: {"name": email[:3]} for email in to}
    sent.merge_metadata = {"ben@example.org": {"coupon": "B-1"}}
    assert backend().send_messages([sent]) == 1

    rows = logged()
    ids = mailtrap_ids(sent)
    assert sorted(recipients_of(row)[0] for row in rows) == [
        ("to", email, "sent", ids[email]) for email in to
    ]
    by_email = {row.recipients.get().email: row for row in rows}
    assert by_email["ben@example.org"].metadata == {"campaign": "spring", "coupon": "B-1"}
    assert by_email["ana@example.org"].metadata == {"campaign": "spring"}


def test_streams(
    settings: Any,
    emulator: EmulatorServer,
    backend: Callable[..., Any],
    message: Callable[..., AnymailMessage],
) -> None:
    backend(api_url=emulator.api_url.replace("/api/", "/bulk/api/")).send_messages([message()])
    backend(sandbox_id=4242).send_messages([message(to=["box@example.org"])])

    assert [row.stream for row in logged()] == ["bulk", "sandbox"]
    assert [(r.email, r.status) for r in Recipient.objects.order_by("id")] == [
        ("ana@example.org", "sent"),
        ("box@example.org", "sent"),
    ]


def test_a_message_mailtrap_did_not_accept_is_logged_with_the_reason(
    emulator: EmulatorServer, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    emulator.set_faults("429:first=1:retry_after=0")
    messages = [message(subject="Password reset"), message(subject="Welcome", to=["b@x.org"])]
    with pytest.raises(AnymailAPIError):
        backend(send_concurrency=1).send_messages(messages)

    reset, welcome = logged()
    assert (reset.subject, reset.status, reset.accepted_at) == (
        "Password reset",
        "not_accepted",
        None,
    )
    assert "429" in reset.error and "Rate limit exceeded" in reset.error
    assert recipients_of(reset) == [("to", "ana@example.org", "not_accepted", None)]
    assert (welcome.status, welcome.error) == ("sent", "")


def test_a_message_of_unknown_outcome_is_logged_as_unknown(
    emulator: EmulatorServer, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    emulator.set_faults("drop_after_store:first=1")
    with pytest.raises(AnymailAPIError):
        backend().send_messages([message()])

    row = only_logged()
    assert (row.status, recipients_of(row)) == (
        "unknown",
        [("to", "ana@example.org", "unknown", None)],
    )
    assert "ConnectionError" in row.error


def test_an_unknown_outcome_settled_from_the_email_logs_is_logged_as_sent(
    settings: Any,
    emulator: EmulatorServer,
    backend: Callable[..., Any],
    message: Callable[..., AnymailMessage],
) -> None:
    settings.ANYMAIL["MAILTRAP_RESOLVE_UNKNOWN_OUTCOMES"] = True
    emulator.set_faults("drop_after_store:first=1")
    sent = message()
    assert backend().send_messages([sent]) == 1  # the engine found it in the Email Logs

    row = only_logged()
    assert recipients_of(row) == [("to", "ana@example.org", "sent", sent.anymail_status.message_id)]


def test_a_message_that_failed_validation_is_logged_from_its_fields(
    backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    invalid = message(tags=["one", "two"], to=["Ana <ana@example.org>"])  # Mailtrap: one tag
    with pytest.raises(AnymailUnsupportedFeature):
        backend().send_messages([invalid])

    row = only_logged()
    assert (row.status, row.subject, row.category) == ("not_accepted", "Reset your password", "one")
    assert "AnymailUnsupportedFeature" in row.error
    assert recipients_of(row) == [("to", "ana@example.org", "not_accepted", None)]


def test_cancelled_messages_and_other_backends_are_not_logged(
    settings: Any, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    @receiver(pre_send, weak=False)
    def cancel(sender: Any, message: Any, **kwargs: Any) -> None:
        if message.subject == "cancel me":
            raise AnymailCancelSend

    try:
        backend().send_messages([message(subject="cancel me"), message(subject="kept")])
    finally:
        pre_send.disconnect(cancel)
    from anymail.backends.test import EmailBackend as TestBackend

    TestBackend().send_messages([message(subject="test backend")])
    assert [row.subject for row in logged()] == ["kept"]


def test_nothing_is_logged_when_disabled(
    settings: Any, backend: Callable[..., Any], message: Callable[..., AnymailMessage]
) -> None:
    settings.ANYMAIL["MAIL_LOG_ENABLED"] = False
    backend().send_messages([message()])
    assert logged() == []


@pytest.mark.parametrize("count", [1, 40])
def test_one_insert_per_table_for_a_whole_send_run(
    count: int,
    settings: Any,
    backend: Callable[..., Any],
    message: Callable[..., AnymailMessage],
) -> None:
    messages = [message(to=[f"u{n}@example.org", f"v{n}@example.org"]) for n in range(count)]
    mailtrap = backend(send_concurrency=1)
    with CaptureQueriesContext(connection) as queries:
        assert mailtrap.send_messages(messages) == count
    statements = [statement(query["sql"]) for query in queries.captured_queries]
    # the savepoint (the test's transaction is open), 2 INSERTs (each one statement run
    # for all the rows; a single row is a plain INSERT), the look-up of kept events that
    # arrived before their message was logged, the savepoint's release
    assert statements == [
        "SAVEPOINT",
        f"{count} times" if count > 1 else "INSERT",  # INTO anymail_mail_log_sentmessage
        f"{2 * count} times",  # INSERT INTO anymail_mail_log_recipient
        "SELECT",
        "RELEASE",
    ]
    assert SentMessage.objects.count() == count
    assert Recipient.objects.count() == 2 * count


def test_a_logging_failure_is_logged_and_spoils_neither_send_nor_transaction(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    backend: Callable[..., Any],
    message: Callable[..., AnymailMessage],
) -> None:
    backend().send_messages([message(subject="first")])
    taken = str(only_logged().id)
    monkeypatch.setattr("anymail.mail_log.sends.id_stream", lambda count: iter([taken]))
    with transaction.atomic():
        with caplog.at_level(logging.ERROR, logger="anymail"):
            assert backend().send_messages([message(subject="second")]) == 1
        assert SentMessage.objects.count() == 1  # the caller's transaction still works
    assert "send_run_finished receiver" in caplog.text
    assert "IntegrityError" in caplog.text
