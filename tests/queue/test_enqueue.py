"""The caller's side: validate, store in the caller's transaction, enqueue a drain on commit."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.mail import send_mail
from django.db import transaction
from django.utils.module_loading import import_string

from anymail.exceptions import (
    AnymailCancelSend,
    AnymailConfigurationError,
    AnymailInvalidAddress,
    AnymailUnsupportedFeature,
)
from anymail.message import AnymailMessage
from anymail.queue.models import OutboxMessage
from anymail.signals import pre_send
from mailtrap_emulator import EmulatorServer
from tests.conftest import DEFAULT_ALIAS, default_mailer

from .conftest import QUEUED_BACKEND, enqueued, run_enqueued

pytestmark = pytest.mark.django_db


def test_the_import_path_users_configure_finds_the_class() -> None:
    from anymail.backends.mailtrap import EmailBackend, QueuedEmailBackend
    from anymail.backends.queued import QueuedEmailBackend as defined

    assert import_string(QUEUED_BACKEND) is defined is QueuedEmailBackend
    assert issubclass(QueuedEmailBackend, EmailBackend)
    with pytest.raises(ImportError, match="NoSuchBackend"):  # other names still fail
        import_string("anymail.backends.mailtrap.NoSuchBackend")


def test_send_stores_the_ready_body_and_says_queued(
    queue_settings: Any,
    message: Callable[..., AnymailMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    msg = message(cc=["cc@example.com"], metadata={"order": 12}, tags=["receipts"])
    with django_capture_on_commit_callbacks(execute=True):
        assert msg.send() == 1
    row = OutboxMessage.objects.get()
    assert msg.anymail_status.status == {"queued"}
    assert msg.anymail_status.message_id == str(row.id)
    assert set(msg.anymail_status.recipients) == {"to@example.com", "cc@example.com"}
    assert (row.status, row.attempts, row.mailer) == ("pending", 0, DEFAULT_ALIAS)
    assert row.backend == "anymail.backends.queued.QueuedEmailBackend"
    assert row.endpoint.endswith("/api/batch")
    assert row.recipient_list == ["to@example.com", "cc@example.com"]
    body = json.loads(row.body)
    assert body["subject"] == "Queued" and body["category"] == "receipts"
    assert body["custom_variables"] == {"order": "12", "anymail_id": str(row.id)}
    assert [result.args for result in enqueued()] == [[DEFAULT_ALIAS, row.backend]]


def test_attachments_are_stored_base64_encoded(
    queue_settings: Any, message: Callable[..., AnymailMessage]
) -> None:
    msg = message()
    msg.attach("data.bin", b"\x00\x01binary", "application/octet-stream")
    msg.send()
    body = json.loads(OutboxMessage.objects.get().body)
    assert body["attachments"][0]["content"] == "AAFiaW5hcnk="


def test_a_rolled_back_transaction_stores_and_sends_nothing(
    queue_settings: Any,
    message: Callable[..., AnymailMessage],
    emulator: EmulatorServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        assert message().send() == 1
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("the request failed")
    assert callbacks == []
    assert OutboxMessage.objects.count() == 0
    assert enqueued() == []
    run_enqueued()
    assert emulator.messages() == []


def test_many_separate_sends_enqueue_one_drain(
    queue_settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    for n in range(20):
        with django_capture_on_commit_callbacks(execute=True):
            send_mail(f"Message {n}", "Body", "from@example.com", [f"to{n}@example.com"])
    assert OutboxMessage.objects.count() == 20
    assert len(enqueued()) == 1


def test_bad_input_raises_at_once_and_stores_nothing(
    queue_settings: Any, message: Callable[..., AnymailMessage]
) -> None:
    good, bad = message(), message(tags=["one", "two"])  # Mailtrap takes one category
    with pytest.raises(AnymailUnsupportedFeature) as error:
        default_mailer().send_messages([good, bad])
    assert error.value.sent_messages == []
    assert error.value.unsent_messages == [good, bad]
    with pytest.raises(AnymailInvalidAddress):
        message(to=["not an address"]).send()
    assert OutboxMessage.objects.count() == 0
    assert enqueued() == []


def test_fail_silently_leaves_out_only_the_bad_message(
    queue_settings: Any, message: Callable[..., AnymailMessage]
) -> None:
    with pytest.warns(DeprecationWarning):  # Anymail deprecates fail_silently
        connection = default_mailer(fail_silently=True)
    sent = connection.send_messages([message(), message(tags=["a", "b"]), message()])
    assert sent == 2
    assert OutboxMessage.objects.count() == 2


def test_pre_send_runs_in_the_caller_and_may_cancel(
    queue_settings: Any, message: Callable[..., AnymailMessage]
) -> None:
    def receiver(sender: Any, message: Any, **kwargs: Any) -> None:
        if message.subject == "cancel me":
            raise AnymailCancelSend("no")
        message.subject = "changed by pre_send"

    pre_send.connect(receiver)
    try:
        sent = default_mailer().send_messages([message(subject="cancel me"), message()])
    finally:
        pre_send.disconnect(receiver)
    assert sent == 1
    assert json.loads(OutboxMessage.objects.get().body)["subject"] == "changed by pre_send"


def test_a_merge_batch_becomes_one_entry_per_recipient(
    queue_settings: Any, message: Callable[..., AnymailMessage]
) -> None:
    msg = message(
        to=["a@example.com", "b@example.com"],
        template_id="tmpl-1",
        merge_data={"a@example.com": {"name": "A"}, "b@example.com": {"name": "B"}},
        merge_global_data={"shop": "S"},
        subject="",
    )
    msg.send()
    rows = {row.recipient_list[0]: row for row in OutboxMessage.objects.all()}
    assert set(rows) == {"a@example.com", "b@example.com"}
    a = json.loads(rows["a@example.com"].body)
    assert a["to"] == [{"email": "a@example.com"}]
    assert a["template_variables"] == {"shop": "S", "name": "A"}
    assert a["custom_variables"] == {"anymail_id": str(rows["a@example.com"].id)}
    recipients = msg.anymail_status.recipients
    assert recipients["b@example.com"].message_id == str(rows["b@example.com"].id)
    assert msg.anymail_status.message_id == {str(row.id) for row in rows.values()}


def test_without_the_app_the_backend_says_how_to_fix_it(
    queue_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anymail.backends import queued

    monkeypatch.setattr(queued.apps, "is_installed", lambda name: name != "anymail.queue")
    with pytest.raises(AnymailConfigurationError, match=r'add "anymail\.queue" to INSTALLED_APPS'):
        default_mailer()


def test_queue_options_come_from_kwargs_and_settings(queue_settings: Any) -> None:
    queue_settings.ANYMAIL = {**queue_settings.ANYMAIL, "MAILTRAP_QUEUE_ATTEMPTS": 4}
    backend = default_mailer(queue_priority=7, queue_unknown_outcome="at_most_once")
    options = backend.queue_options  # type: ignore[attr-defined]
    assert (options.attempts, options.priority, options.at_most_once) == (4, 7, True)
    with pytest.raises(AnymailConfigurationError, match="MAILTRAP_QUEUE_UNKNOWN_OUTCOME"):
        default_mailer(queue_unknown_outcome="sometimes")
    with pytest.raises(AnymailConfigurationError, match="MAILTRAP_QUEUE_BATCH_SIZE"):
        default_mailer(queue_batch_size=501)
