"""A logged message's page: its fields, each recipient's status and event timeline, the
link to Mailtrap; read-only, deletable by superusers only; and the admins of unmatched
events and inbound messages."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from anymail.exceptions import AnymailConfigurationError
from anymail.mail_log.admin_render import MAX_EVENTS
from anymail.mail_log.models import InboundMessage, MessageEvent, Recipient, SentMessage

from .conftest import EVENTS_URL, INBOUND_URL, T0, delete_url, log_event, message_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def bounced(make_message: Callable[..., SentMessage]) -> SentMessage:
    """A message to two recipients: ana's copy delivered, opened and clicked, bo's bounced."""
    message = make_message(
        subject="Your order <4711>",
        to=("ana@example.org", "bo@example.org"),
        category="orders",
        metadata={"order": "4711"},
        status="bounced",
    )
    ana, bo = message.recipients.order_by("id")
    Recipient.objects.filter(pk=ana.pk).update(status="clicked")
    # stored out of order: the timeline sorts by time
    log_event(ana, "clicked", 9, esp_event_type="click", details={"click_url": "https://x.test/u"})
    log_event(ana, "delivered", 1, esp_event_type="delivery", details={"mta_response": "250 OK"})
    log_event(ana, "opened", 5, esp_event_type="open", source="reconcile")
    log_event(
        bo,
        "bounced",
        2,
        esp_event_type="bounce",
        details={"reason": "mailbox <full>", "bounce_category": "hard"},
    )
    return message


def page(client: Client, message: SentMessage) -> str:
    response = client.get(message_url(message))
    assert response.status_code == 200
    return response.content.decode()


def recipient_rows(html: str) -> list[str]:
    return re.findall(r'<tr class="form-row[^"]*"[^>]*>(.*?)</tr>', html, re.DOTALL)


def text(html: str) -> str:
    """The text a reader sees (tags dropped, entities decoded, spaces collapsed)."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).strip()


def test_shows_the_message_fields(admin_client: Client, bounced: SentMessage) -> None:
    html = page(admin_client, bounced)
    assert "Your order &lt;4711&gt;" in html  # escaped
    for label in ("Subject:", "From email:", "Status:", "Stream:", "Category:", "Metadata:"):
        assert label in text(html)
    assert str(bounced.pk) in html
    assert "&quot;order&quot;: &quot;4711&quot;" in html


def test_shows_each_recipients_status_and_mailtrap_link(
    admin_client: Client, bounced: SentMessage
) -> None:
    html = page(admin_client, bounced)
    ana_row, bo_row = recipient_rows(html)
    ana, bo = bounced.recipients.order_by("id")
    assert "ana@example.org" in ana_row and "Clicked" in text(ana_row)
    assert "bo@example.org" in bo_row and "Bounced" in text(bo_row)
    assert f'href="https://mailtrap.io/sending/email_logs/{ana.mailtrap_message_id}"' in ana_row
    assert f'href="https://mailtrap.io/sending/email_logs/{bo.mailtrap_message_id}"' in bo_row


def test_timeline_per_recipient_oldest_first_with_details(
    admin_client: Client, bounced: SentMessage
) -> None:
    ana_row, bo_row = recipient_rows(page(admin_client, bounced))
    assert re.findall(r"<strong>([^<]+)</strong>", ana_row) == [
        "delivered (delivery)",
        "opened (open) [from reconcile]",
        "clicked (click)",
    ]
    assert "2026-11-30 09:01:00 UTC" in ana_row
    assert "MTA response: 250 OK" in ana_row
    assert "URL: https://x.test/u" in ana_row
    assert 'href="https://x.test/u"' not in ana_row  # shown, never a link to follow
    assert text(bo_row).endswith(
        "2026-11-30 09:02:00 UTC bounced (bounce) — reason: mailbox <full>; bounce category: hard"
    )
    assert "mailbox &lt;full&gt;" in bo_row


def test_recipient_without_events(admin_client: Client, make_message: Any) -> None:
    (row,) = recipient_rows(page(admin_client, make_message()))
    assert "No events yet" in row


def test_only_the_newest_events_are_shown(admin_client: Client, make_message: Any) -> None:
    message = make_message()
    recipient = message.recipients.get()
    for minute in range(MAX_EVENTS + 5):
        log_event(recipient, "opened", minute)
    (row,) = recipient_rows(page(admin_client, message))
    times = re.findall(r"<time datetime=\"([^\"]+)\"", row)
    assert len(times) == MAX_EVENTS
    assert times[0] == T0.replace(minute=5).isoformat()  # oldest shown: the 6th
    assert f"only the newest {MAX_EVENTS}" in row


def test_queries_do_not_grow_with_recipients_or_events(
    admin_client: Client, make_message: Any
) -> None:
    def queries(message: SentMessage) -> int:
        with CaptureQueriesContext(connection) as captured:
            page(admin_client, message)
        return len(captured)

    small = make_message()
    big = make_message(to=tuple(f"r{n}@example.org" for n in range(20)))
    for recipient in big.recipients.all():
        for minute in range(3):
            log_event(recipient, "opened", minute)
    assert queries(big) == queries(small) <= 6


# -- the Mailtrap link ------------------------------------------------------------------------


def test_link_form_is_a_setting(admin_client: Client, settings: Any, make_message: Any) -> None:
    settings.ANYMAIL = {"MAIL_LOG_MAILTRAP_URL": "https://mailtrap.example/logs?id={message_id}"}
    message = make_message()
    mailtrap_id = message.recipients.get().mailtrap_message_id
    assert f'href="https://mailtrap.example/logs?id={mailtrap_id}"' in page(admin_client, message)


def test_links_can_be_turned_off(admin_client: Client, settings: Any, make_message: Any) -> None:
    settings.ANYMAIL = {"MAIL_LOG_MAILTRAP_URL": None}
    assert "Open in Mailtrap" not in page(admin_client, make_message())


@pytest.mark.parametrize("value", ["mailtrap.io/{message_id}", "https://mailtrap.io/logs", 42])
def test_a_wrong_link_setting_is_a_configuration_error(
    admin_client: Client, settings: Any, make_message: Any, value: Any
) -> None:
    settings.ANYMAIL = {"MAIL_LOG_MAILTRAP_URL": value}
    message = make_message()
    with pytest.raises(AnymailConfigurationError, match=r"MAIL_LOG_MAILTRAP_URL=.* containing"):
        admin_client.get(message_url(message))


def test_no_link_without_a_mailtrap_id_or_for_the_sandbox(
    admin_client: Client, make_message: Any
) -> None:
    assert "Open in Mailtrap" not in page(admin_client, make_message(accepted=False))
    assert "Open in Mailtrap" not in page(admin_client, make_message(stream="sandbox"))


# -- stored content ---------------------------------------------------------------------------


def test_bodies_only_when_stored(admin_client: Client, make_message: Any) -> None:
    assert "Stored content" not in page(admin_client, make_message())
    stored = make_message(
        text_body="Hi Ana", html_body="<p>Hi <b>Ana</b></p>", attachments=[{"filename": "a.pdf"}]
    )
    html = page(admin_client, stored)
    assert "Stored content" in html
    assert "Hi Ana" in html
    assert "&lt;p&gt;Hi &lt;b&gt;Ana&lt;/b&gt;&lt;/p&gt;" in html  # source, not rendered
    assert "a.pdf" in html


# -- read-only; delete -------------------------------------------------------------------------


def test_read_only(admin_client: Client, bounced: SentMessage) -> None:
    html = page(admin_client, bounced)
    assert 'name="_save"' not in html
    assert "<input" not in html.split('id="sentmessage_form"')[1].split("</form>")[0].replace(
        '<input type="hidden"', ""
    )
    response = admin_client.post(message_url(bounced), {"subject": "changed"})
    assert response.status_code == 403
    bounced.refresh_from_db()
    assert bounced.subject == "Your order <4711>"


def test_superuser_deletes_one_message_with_its_rows(
    admin_client: Client, bounced: SentMessage
) -> None:
    confirm = admin_client.get(delete_url(bounced))
    assert confirm.status_code == 200
    assert dict(confirm.context["model_count"]) == {
        "sent messages": 1,
        "recipients": 2,
        "message events": 4,
    }
    assert admin_client.post(delete_url(bounced), {"post": "yes"}).status_code == 302
    assert not SentMessage.objects.exists()
    assert not Recipient.objects.exists()
    assert not MessageEvent.objects.exists()


@pytest.fixture
def staff_client(client: Client, django_user_model: Any) -> Client:
    """Support staff: may view the log, nothing more."""
    user = django_user_model.objects.create_user("support", password="x", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    client.force_login(user)
    return client


def test_staff_with_view_permission_view_but_cannot_delete(
    staff_client: Client, bounced: SentMessage
) -> None:
    html = page(staff_client, bounced)
    assert "bo@example.org" in html
    assert "deletelink" not in html
    assert staff_client.get(delete_url(bounced)).status_code == 403
    assert staff_client.post(delete_url(bounced), {"post": "yes"}).status_code == 403
    assert SentMessage.objects.filter(pk=bounced.pk).exists()


def test_staff_without_permission_see_nothing(
    client: Client, django_user_model: Any, bounced: SentMessage
) -> None:
    user = django_user_model.objects.create_user("intern", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(message_url(bounced)).status_code == 403


# -- unmatched events, inbound messages ----------------------------------------------------------


def test_unmatched_events_list(admin_client: Client, bounced: SentMessage) -> None:
    project_id = uuid.uuid4()
    log_event(None, "delivered", 1, mailtrap_message_id="0c7f0000-0000-0000-0000-000000000001")
    log_event(None, "bounced", 2, anymail_id=project_id, email="zed@example.org")
    response = admin_client.get(EVENTS_URL)
    assert response.status_code == 200
    listed = [event.event_type for event in response.context["cl"].result_list]
    assert listed == ["bounced", "delivered"]  # matched events are on their message's page
    assert "Tracking events not matched to a logged message" in response.content.decode()

    def search(term: str, **params: str) -> list[str]:
        found = admin_client.get(EVENTS_URL, {"q": term, **params}).context["cl"].result_list
        return [event.event_type for event in found]

    assert search("0C7F0000-0000-0000-0000-000000000001") == ["delivered"]
    assert search(str(project_id)) == ["bounced"]
    assert search("zed@example.org") == []
    assert search("", event_type="bounced") == ["bounced"]
    assert admin_client.get(EVENTS_URL + "add/").status_code == 403


def test_inbound_list_and_search(admin_client: Client) -> None:
    for n, sender in enumerate(["ana@example.org", "bo@example.org"]):
        InboundMessage.objects.create(
            event_key=f"250/{n}",
            received_at=T0,
            inbox="250",
            from_email=sender,
            to="support@shop.example",
            subject=f"Question {n}",
        )
    response = admin_client.get(INBOUND_URL, {"q": "bo@"})
    assert [one.subject for one in response.context["cl"].result_list] == ["Question 1"]
    assert admin_client.get(INBOUND_URL + "add/").status_code == 403
