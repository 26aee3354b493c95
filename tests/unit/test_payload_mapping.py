"""Generic EmailMessage mapping (§7.4), observed through the test backend's params."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils.timezone import override as override_timezone
from django.utils.translation import gettext_lazy

from anymail.backends.test import TestPayload
from anymail.exceptions import AnymailInvalidAddress, AnymailUnsupportedFeature

Send = Callable[..., dict[str, Any]]


def addr_specs(addresses: list[Any]) -> list[str]:
    return [address.addr_spec for address in addresses]


# -- walk order ----------------------------------------------------------------------------------


class HookOrderPayload(TestPayload):
    """Records the name of every hook, in the order the walk calls them."""

    def __getattribute__(self, name: str) -> Any:
        attr = object.__getattribute__(self, name)
        is_hook = name.startswith(("set_", "add_")) and name != "set_recipients"
        if is_hook and callable(attr):
            object.__getattribute__(self, "__dict__").setdefault("hooks", []).append(name)
        return attr


def test_hooks_follow_documented_processing_order(
    test_backend: Callable[..., Any], new_message: Any
) -> None:
    message = new_message(
        cc=["cc@example.com"],
        bcc=["bcc@example.com"],
        reply_to=["r@example.com"],
        headers={"X-H": "1"},
        envelope_sender="bounce@example.com",
        metadata={"m": 1},
        send_at=0,
        tags=["t"],
        track_clicks=True,
        track_opens=True,
        template_id="tpl",
        merge_data={},
        merge_global_data={},
        merge_headers={},
        merge_metadata={},
        esp_extra={},
    )
    message.attach_alternative("<p>hi</p>", "text/html")
    message.attach("a.txt", "a")
    backend = test_backend(payload_class=HookOrderPayload)
    payload = backend.build_message_payload(message, backend.send_defaults)
    hooks = [h for h in payload.hooks if h != "add_recipient"]
    assert hooks == [
        "set_from_email_list",
        "set_from_email",
        "set_subject",
        "set_reply_to",
        "set_extra_headers",
        "set_text_body",
        "set_html_body",
        "add_attachment",
        "set_envelope_sender",
        "set_metadata",
        "set_send_at",
        "set_tags",
        "set_track_clicks",
        "set_track_opens",
        "set_template_id",
        "set_merge_data",
        "set_merge_global_data",
        "set_merge_headers",
        "set_merge_metadata",
        "set_esp_extra",
    ]


# -- addresses -----------------------------------------------------------------------------------


def test_each_recipient_item_may_hold_several_addresses(
    send_params: Send, new_message: Any
) -> None:
    params = send_params(new_message(to=["a@example.com, B <b@example.com>", "c@example.com"]))
    assert addr_specs(params["to"]) == ["a@example.com", "b@example.com", "c@example.com"]


def test_invalid_recipient_names_the_field(send_params: Send, new_message: Any) -> None:
    with pytest.raises(AnymailInvalidAddress, match=r"^Invalid email address 'nope' in `cc`"):
        send_params(new_message(cc=["nope"]))


def test_empty_from_email_is_invalid(send_params: Send, new_message: Any) -> None:
    message = new_message()
    message.from_email = ""  # (the constructor would replace "" with DEFAULT_FROM_EMAIL)
    with pytest.raises(AnymailInvalidAddress) as excinfo:
        send_params(message)
    assert str(excinfo.value) == "Invalid email address '' in `from_email` parsed from ''"


def test_multiple_from_emails_unsupported(send_params: Send, new_message: Any) -> None:
    with pytest.raises(AnymailUnsupportedFeature) as excinfo:
        send_params(new_message(from_email="a@example.com, b@example.com"))
    assert str(excinfo.value) == "Test does not support multiple from emails"


def test_multiple_from_emails_ignored_uses_first(send_params: Send, new_message: Any) -> None:
    message = new_message(from_email="a@example.com, b@example.com")
    params = send_params(message, ignore_unsupported_features=True)
    assert params["from"].addr_spec == "a@example.com"


def test_from_email_none_after_construction_sends_no_sender(
    send_params: Send, new_message: Any
) -> None:
    message = new_message()
    message.from_email = None
    assert "from" not in send_params(message)


def test_envelope_sender_with_several_addresses_is_invalid(
    send_params: Send, new_message: Any
) -> None:
    with pytest.raises(AnymailInvalidAddress) as excinfo:
        send_params(new_message(envelope_sender="a@example.com, b@example.com"))
    assert str(excinfo.value) == (
        "Only one email address is allowed; found 2 in 'a@example.com, b@example.com' "
        "in `envelope_sender`."
    )


def test_envelope_sender_is_addr_spec(send_params: Send, new_message: Any) -> None:
    params = send_params(new_message(envelope_sender="Bounces <bounce@example.com>"))
    assert params["envelope_sender"] == "bounce@example.com"


def test_bare_string_reply_to_is_type_error(send_params: Send, new_message: Any) -> None:
    message = new_message()
    message.reply_to = "r@example.com"
    with pytest.raises(TypeError) as excinfo:
        send_params(message)
    assert str(excinfo.value) == '"reply_to" attribute must be a list or other iterable'


def test_lazy_string_reply_to_is_type_error(send_params: Send, new_message: Any) -> None:
    message = new_message()
    message.reply_to = gettext_lazy("r@example.com")
    with pytest.raises(TypeError, match='"reply_to" attribute must be a list'):
        send_params(message)


@pytest.mark.parametrize("field", ["to", "cc", "bcc"])
def test_bare_string_recipients_is_type_error(
    send_params: Send, new_message: Any, field: str
) -> None:
    message = new_message()
    setattr(message, field, "r@example.com")
    with pytest.raises(TypeError):
        send_params(message)


def test_bare_string_cc_checked_by_anymail_when_django_does_not(
    test_backend: Callable[..., Any], new_message: Any
) -> None:
    message = new_message()
    message.cc = "cc@example.com"
    backend = test_backend()
    with pytest.raises(TypeError) as excinfo:
        backend.build_message_payload(message, backend.send_defaults)
    assert str(excinfo.value) == '"cc" attribute must be a list or other iterable'


# -- headers -------------------------------------------------------------------------------------


def test_reply_to_header_replaces_reply_to(send_params: Send, new_message: Any) -> None:
    message = new_message(
        reply_to=["ignored@example.com"], headers={"reply-to": "a@example.com, b@example.com"}
    )
    params = send_params(message)
    assert addr_specs(params["reply_to"]) == ["a@example.com", "b@example.com"]
    assert "extra_headers" not in params


def test_from_header_becomes_sender_and_from_email_the_envelope_sender(
    send_params: Send, new_message: Any
) -> None:
    message = new_message(
        from_email="envelope@example.com", headers={"From": "Vis <v@example.com>"}
    )
    params = send_params(message)
    assert params["from"].address == "Vis <v@example.com>"
    assert params["envelope_sender"] == "envelope@example.com"
    assert "extra_headers" not in params


def test_to_header_is_unsupported(send_params: Send, new_message: Any) -> None:
    with pytest.raises(AnymailUnsupportedFeature) as excinfo:
        send_params(new_message(headers={"To": "spoof@example.com"}))
    assert str(excinfo.value) == "Test does not support spoofing `To` header"


def test_to_header_ignored_is_dropped(send_params: Send, new_message: Any) -> None:
    message = new_message(headers={"to": "spoof@example.com", "X-Keep": "1"})
    params = send_params(message, ignore_unsupported_features=True)
    assert dict(params["extra_headers"]) == {"X-Keep": "1"}
    assert addr_specs(params["to"]) == ["to@example.com"]


def test_extra_headers_lookup_is_case_insensitive(send_params: Send, new_message: Any) -> None:
    params = send_params(new_message(headers={"X-Custom": "yes"}))
    assert params["extra_headers"]["x-custom"] == "yes"


def test_extra_headers_absent_when_empty(send_params: Send, new_message: Any) -> None:
    assert "extra_headers" not in send_params(new_message())


def test_header_values_pass_through_unchanged(send_params: Send, new_message: Any) -> None:
    assert send_params(new_message(headers={"X-Num": 42}))["extra_headers"]["X-Num"] == 42


# -- bodies and alternatives ---------------------------------------------------------------------


def test_plain_body_is_text_body(send_params: Send, new_message: Any) -> None:
    params = send_params(new_message(body="Hello"))
    assert params["text_body"] == "Hello"
    assert "html_body" not in params


def test_html_content_subtype_is_html_body(send_params: Send, new_message: Any) -> None:
    message = new_message(body="<p>Hi</p>")
    message.content_subtype = "html"
    params = send_params(message)
    assert params["html_body"] == "<p>Hi</p>"
    assert "text_body" not in params


def test_other_content_subtype_is_text_alternative(send_params: Send, new_message: Any) -> None:
    message = new_message(body="BEGIN:VCALENDAR")
    message.content_subtype = "calendar"
    assert send_params(message)["alternatives"] == [("BEGIN:VCALENDAR", "text/calendar")]


def test_first_html_alternative_is_html_body(send_params: Send, new_message: Any) -> None:
    message = new_message()
    message.attach_alternative("<p>1</p>", "text/html")
    message.attach_alternative("<p>2</p>", "text/html")
    params = send_params(message)
    assert params["html_body"] == "<p>1</p>"
    assert params["alternatives"] == [("<p>2</p>", "text/html")]


def test_plain_alternative_is_text_body_when_body_empty(
    send_params: Send, new_message: Any
) -> None:
    message = new_message(body="")
    message.attach_alternative("alt text", "text/plain")
    params = send_params(message)
    assert params["text_body"] == "alt text"
    assert "alternatives" not in params


def test_plain_alternative_kept_as_alternative_when_body_present(
    send_params: Send, new_message: Any
) -> None:
    message = new_message(body="body text")
    message.attach_alternative("alt text", "text/plain")
    params = send_params(message)
    assert params["text_body"] == "body text"
    assert params["alternatives"] == [("alt text", "text/plain")]


def test_html_alternative_after_html_body_is_alternative(
    send_params: Send, new_message: Any
) -> None:
    message = new_message(body="<p>body</p>")
    message.content_subtype = "html"
    message.attach_alternative("<p>alt</p>", "text/html")
    assert send_params(message)["alternatives"] == [("<p>alt</p>", "text/html")]


def test_non_text_alternative_is_unsupported(send_params: Send, new_message: Any) -> None:
    message = new_message()
    message.attach_alternative("{}", "application/json")
    with pytest.raises(AnymailUnsupportedFeature) as excinfo:
        send_params(message)
    assert str(excinfo.value) == (
        "Test does not support alternative part with type 'application/json'"
    )


def test_non_text_alternative_ignored_is_dropped(send_params: Send, new_message: Any) -> None:
    message = new_message()
    message.attach_alternative("{}", "application/json")
    assert "alternatives" not in send_params(message, ignore_unsupported_features=True)


def test_amp_alternative_is_recorded_by_test_backend(send_params: Send, new_message: Any) -> None:
    message = new_message()
    message.attach_alternative("<amp>", "text/x-amp-html")
    assert send_params(message)["alternatives"] == [("<amp>", "text/x-amp-html")]


# -- batch detection -----------------------------------------------------------------------------


@pytest.mark.parametrize("attr", ["merge_data", "merge_metadata", "merge_headers"])
def test_empty_merge_attribute_makes_batch(send_params: Send, new_message: Any, attr: str) -> None:
    assert send_params(new_message(**{attr: {}}))["is_batch_send"] is True


def test_merge_global_data_alone_is_not_batch(send_params: Send, new_message: Any) -> None:
    assert send_params(new_message(merge_global_data={"a": 1}))["is_batch_send"] is False


def test_plain_message_is_not_batch(send_params: Send, new_message: Any) -> None:
    assert send_params(new_message())["is_batch_send"] is False


# -- lazy strings and conversions ----------------------------------------------------------------


def test_lazy_strings_become_str(send_params: Send, new_message: Any) -> None:
    message = new_message(
        subject=gettext_lazy("Lazy subject"),
        body=gettext_lazy("Lazy body"),
        to=[gettext_lazy("lazy@example.com")],
        tags=[gettext_lazy("lazy-tag")],
        metadata={"k": gettext_lazy("lazy value")},
        merge_data={"lazy@example.com": {"k": gettext_lazy("lazy merge")}},
        headers={"X-Lazy": gettext_lazy("lazy header")},
    )
    params = send_params(message)
    values = [
        params["subject"],
        params["text_body"],
        params["tags"][0],
        params["metadata"]["k"],
        params["merge_data"]["lazy@example.com"]["k"],
        params["extra_headers"]["X-Lazy"],
    ]
    assert all(type(value) is str for value in values)
    assert addr_specs(params["to"]) == ["lazy@example.com"]


def test_naive_send_at_uses_current_timezone(send_params: Send, new_message: Any) -> None:
    with override_timezone("America/New_York"):
        params = send_params(new_message(send_at=datetime(2030, 1, 1, 12, 0)))
    assert params["send_at"] == datetime(2030, 1, 1, 12, 0, tzinfo=ZoneInfo("America/New_York"))


def test_date_send_at_is_midnight_current_timezone(send_params: Send, new_message: Any) -> None:
    with override_timezone("Europe/Paris"):
        params = send_params(new_message(send_at=date(2030, 6, 1)))
    assert params["send_at"] == datetime(2030, 6, 1, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.mark.parametrize("epoch", [1700000000, 1700000000.5])
def test_epoch_send_at_is_utc(send_params: Send, new_message: Any, epoch: float) -> None:
    params = send_params(new_message(send_at=epoch))
    assert params["send_at"] == datetime.fromtimestamp(epoch, tz=timezone.utc)
    assert params["send_at"].utcoffset().total_seconds() == 0


def test_aware_send_at_kept(send_params: Send, new_message: Any) -> None:
    when = datetime(2030, 1, 1, 12, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert send_params(new_message(send_at=when))["send_at"] == when


def test_esp_extra_top_level_keys_merge_into_params(send_params: Send, new_message: Any) -> None:
    params = send_params(new_message(esp_extra={"custom": {"a": 1}, "other": 2}))
    assert (params["custom"], params["other"]) == ({"a": 1}, 2)
