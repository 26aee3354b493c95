"""Storing rows in the caller: time-ordered ids, and the three insert paths (SQLite's
INSERT ... SELECT, PostgreSQL's COPY text, the generic executemany) storing the same."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any

import pytest
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from anymail.message import AnymailMessage
from anymail.queue.entries import Entry
from anymail.queue.ids import id_stream, new_ids, new_uuid
from anymail.queue.insert import copy_text, store
from anymail.queue.models import OutboxMessage
from tests.conftest import default_mailer

from .services import postgres_marks

#: Values COPY's text format and SQL literals must carry through unchanged.
AWKWARD_BODY = '{"text": "tab\\there \\\\ back\\nslash \\u00e9", "raw": "\t\r\n\\\\ \u00e9 \u2603"}'
AWKWARD_RECIPIENTS = ["a@example.com", 'back\\slash"q"@example.com', "b@example.com"]


def test_ids_are_version_7_uuids_in_increasing_order() -> None:
    ids = new_ids(10_000)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    parsed = [uuid.UUID(one) for one in ids]
    assert [str(one) for one in parsed] == ids
    assert {(one.version, one.variant) for one in parsed} == {(7, uuid.RFC_4122)}
    millis = int(ids[0].replace("-", "")[:12], 16)
    assert abs(millis / 1000 - datetime.now(dt_timezone.utc).timestamp()) < 60
    assert new_uuid().version == 7


def test_the_id_stream_goes_on_past_its_batch() -> None:
    stream = id_stream(2)
    taken = [next(stream) for _ in range(40)]
    assert len(set(taken)) == 40


def common_values(mailer: str | None = "billing", deadline: bool = True) -> dict[str, Any]:
    now = timezone.now().replace(microsecond=123456)
    return dict(
        status="pending",
        created_at=now,
        mailer=mailer,
        backend="anymail.backends.queued.QueuedEmailBackend",
        endpoint="http://127.0.0.1:9/api/batch",
        priority=-3,
        attempts=0,
        max_attempts=7,
        at_most_once=True,
        next_attempt_at=now,
        deadline=now + timedelta(hours=1) if deadline else None,
        last_error="",
    )


def store_and_read(using: str, common: dict[str, Any]) -> list[OutboxMessage]:
    entries = [
        Entry(key, body, recipients)
        for key, body, recipients in zip(
            new_ids(3),
            ["{}", AWKWARD_BODY, '{"x": 1}'],
            [["one@example.com"], AWKWARD_RECIPIENTS, ["two@example.com"]],
            strict=True,
        )
    ]
    with transaction.atomic(using=using):
        store(common, entries, using)
    rows = list(OutboxMessage.objects.using(using).order_by("id"))
    assert [str(row.id) for row in rows] == [entry.key for entry in entries]
    assert [row.body for row in rows] == [entry.body for entry in entries]
    assert [row.recipient_list for row in rows] == [entry.recipients for entry in entries]
    for row in rows:
        assert {name: getattr(row, name) for name in common} == common
    return rows


@pytest.mark.django_db
def test_sqlite_stores_every_value_as_given() -> None:
    assert connections["default"].vendor == "sqlite"
    store_and_read("default", common_values())
    OutboxMessage.objects.all().delete()
    store_and_read("default", common_values(mailer=None, deadline=False))


@pytest.mark.django_db
def test_the_generic_executemany_stores_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connections["default"], "vendor", "other")
    store_and_read("default", common_values())


@pytest.mark.django_db
def test_sqlite_splits_large_batches_within_its_parameter_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    features = type(connections["default"].features)  # a property on Django 6
    monkeypatch.setattr(features, "max_query_params", 30)
    entries = [Entry(key, "{}", ["to@example.com"]) for key in new_ids(25)]
    with transaction.atomic():
        store(common_values(), entries, "default")
    assert OutboxMessage.objects.count() == 25


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "\\N"),
        (True, "t"),
        (False, "f"),
        (-3, "-3"),
        ("a\tb\nc\rd\\e", "a\\tb\\nc\\rd\\\\e"),
        (
            datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt_timezone.utc),
            "2026-01-02T03:04:05.000006+00:00",
        ),
    ],
)
def test_copy_text_format(value: Any, text: str) -> None:
    assert copy_text(value) == text


def test_copy_text_refuses_what_it_cannot_format() -> None:
    with pytest.raises(TypeError, match="bytes"):
        copy_text(b"raw")


@pytest.mark.django_db
def test_a_failed_store_queues_nothing_and_says_so(
    queue_settings: Any, message: Callable[..., AnymailMessage], monkeypatch: pytest.MonkeyPatch
) -> None:
    from anymail.backends import queued

    def broken(*args: Any) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(queued, "store", broken)
    messages = [message(), message()]
    with pytest.raises(DatabaseError) as error:
        default_mailer().send_messages(messages)
    assert error.value.unsent_messages == messages  # type: ignore[attr-defined]
    assert [msg.anymail_status.status for msg in messages] == [None, None]


class TestPostgres:
    pytestmark = postgres_marks()

    def test_copy_stores_every_value_as_given(self) -> None:
        store_and_read("postgres", common_values())
        OutboxMessage.objects.using("postgres").all().delete()
        store_and_read("postgres", common_values(mailer=None, deadline=False))

    def test_without_copy_executemany_stores_the_same(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(connections["postgres"], "vendor", "other")
        store_and_read("postgres", common_values())
