"""Send defaults (§7.3): global vs ESP defaults, and how each attribute combines with them."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from django.core.mail import EmailMessage

Send = Callable[..., dict[str, Any]]


@pytest.fixture
def defaults(anymail_settings: Any) -> Callable[..., None]:
    """Set global SEND_DEFAULTS (and optionally the test backend's TEST_SEND_DEFAULTS)."""

    def set_defaults(global_: dict[str, Any] | None = None, esp: dict[str, Any] | None = None):
        anymail: dict[str, Any] = {}
        if global_ is not None:
            anymail["SEND_DEFAULTS"] = global_
        if esp is not None:
            anymail["TEST_SEND_DEFAULTS"] = esp
        anymail_settings.ANYMAIL = anymail

    return set_defaults


def addr_specs(addresses: list[Any]) -> list[str]:
    return [address.addr_spec for address in addresses]


# -- last wins -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attr", "default", "value"),
    [
        ("template_id", "dflt-template", "msg-template"),
        ("track_clicks", True, False),
        ("track_opens", False, True),
    ],
)
def test_message_value_wins_over_default(
    defaults: Any, send_params: Send, new_message: Any, attr: str, default: Any, value: Any
) -> None:
    defaults({attr: default})
    assert send_params(new_message(**{attr: value}))[attr] == value


@pytest.mark.parametrize(
    ("attr", "default"),
    [("template_id", "dflt-template"), ("track_clicks", False), ("track_opens", True)],
)
def test_default_used_when_message_lacks_value(
    defaults: Any, send_params: Send, new_message: Any, attr: str, default: Any
) -> None:
    defaults({attr: default})
    assert send_params(new_message())[attr] == default


def test_default_envelope_sender(defaults: Any, send_params: Send, new_message: Any) -> None:
    defaults({"envelope_sender": "bounces@example.com"})
    assert send_params(new_message())["envelope_sender"] == "bounces@example.com"


def test_default_send_at(defaults: Any, send_params: Send, new_message: Any) -> None:
    when = datetime(2030, 1, 2, 3, 4, tzinfo=timezone.utc)
    defaults({"send_at": when})
    assert send_params(new_message())["send_at"] == when


def test_default_subject_not_hidden_by_djangos_empty_subject(
    defaults: Any, send_params: Send, new_message: Any
) -> None:
    defaults({"subject": "Default subject"})
    assert send_params(new_message(subject=""))["subject"] == "Default subject"


def test_message_subject_wins_over_default(
    defaults: Any, send_params: Send, new_message: Any
) -> None:
    defaults({"subject": "Default subject"})
    assert send_params(new_message(subject="Mine"))["subject"] == "Mine"


def test_default_body(defaults: Any, send_params: Send, new_message: Any) -> None:
    defaults({"body": "Default body"})
    assert send_params(new_message(body=""))["text_body"] == "Default body"


def test_default_from_email_when_message_has_none_set(defaults: Any, send_params: Send) -> None:
    defaults({"from_email": "Default <dflt@example.com>"})
    message = EmailMessage(to=["to@example.com"])
    del message.from_email  # a message object that does not define the attribute at all
    assert send_params(message)["from"].addr_spec == "dflt@example.com"


# -- list concatenation --------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["to", "cc", "bcc", "reply_to"])
def test_address_lists_concatenate_default_first(
    defaults: Any, send_params: Send, new_message: Any, field: str
) -> None:
    defaults({field: ["dflt@example.com"]})
    message = new_message(**{field: ["msg@example.com"]})
    assert addr_specs(send_params(message)[field]) == ["dflt@example.com", "msg@example.com"]


def test_tags_concatenate(defaults: Any, send_params: Send, new_message: Any) -> None:
    defaults({"tags": ["default-tag"]})
    assert send_params(new_message(tags=["msg-tag"]))["tags"] == ["default-tag", "msg-tag"]


def test_attachments_concatenate(defaults: Any, send_params: Send, new_message: Any) -> None:
    defaults({"attachments": [("terms.txt", "Terms", "text/plain")]})
    message = new_message()
    message.attach("own.txt", "Own")
    names = [a.name for a in send_params(message)["attachments"]]
    assert names == ["terms.txt", "own.txt"]


def test_alternatives_concatenate(defaults: Any, send_params: Send, new_message: Any) -> None:
    defaults({"alternatives": [("<p>default</p>", "text/html")]})
    message = new_message()
    message.attach_alternative("<p>mine</p>", "text/html")
    params = send_params(message)
    assert params["html_body"] == "<p>default</p>"
    assert params["alternatives"] == [("<p>mine</p>", "text/html")]


# -- shallow dict merge --------------------------------------------------------------------------


@pytest.mark.parametrize("attr", ["metadata", "merge_global_data"])
def test_dicts_merge_shallowly_with_message_keys_winning(
    defaults: Any, send_params: Send, new_message: Any, attr: str
) -> None:
    defaults({attr: {"a": 1, "b": 1, "nested": {"x": 1}}})
    params = send_params(new_message(**{attr: {"b": 2, "nested": {"y": 2}}}))
    assert params[attr] == {"a": 1, "b": 2, "nested": {"y": 2}}


def test_extra_headers_merge(defaults: Any, send_params: Send, new_message: Any) -> None:
    defaults({"extra_headers": {"X-Default": "d", "X-Both": "d"}})
    params = send_params(new_message(headers={"X-Both": "m"}))
    assert dict(params["extra_headers"]) == {"X-Default": "d", "X-Both": "m"}


# -- per-recipient merge -------------------------------------------------------------------------


@pytest.mark.parametrize("attr", ["merge_data", "merge_metadata"])
def test_per_recipient_dicts_merge_inner_dicts(
    defaults: Any, send_params: Send, new_message: Any, attr: str
) -> None:
    defaults({attr: {"a@example.com": {"k": 1, "j": 1}, "b@example.com": {"k": 1}}})
    value = {"a@example.com": {"k": 2}, "c@example.com": {"k": 3}}
    assert send_params(new_message(**{attr: value}))[attr] == {
        "a@example.com": {"k": 2, "j": 1},
        "b@example.com": {"k": 1},
        "c@example.com": {"k": 3},
    }


# -- deep merge / no default ---------------------------------------------------------------------


def test_esp_extra_merges_deeply(defaults: Any, send_params: Send, new_message: Any) -> None:
    defaults({"esp_extra": {"options": {"a": 1, "deep": {"x": 1}}, "top": "d"}})
    params = send_params(new_message(esp_extra={"options": {"deep": {"y": 2}}, "top": "m"}))
    assert params["options"] == {"a": 1, "deep": {"x": 1, "y": 2}}
    assert params["top"] == "m"


def test_merge_headers_ignores_defaults(defaults: Any, send_params: Send, new_message: Any) -> None:
    defaults({"merge_headers": {"a@example.com": {"X-D": "d"}}})
    params = send_params(new_message(merge_headers={"b@example.com": {"X-M": "m"}}))
    assert params["merge_headers"] == {"b@example.com": {"X-M": "m"}}


def test_merge_headers_default_alone_is_not_used(
    defaults: Any, send_params: Send, new_message: Any
) -> None:
    defaults({"merge_headers": {"a@example.com": {"X-D": "d"}}})
    params = send_params(new_message())
    assert "merge_headers" not in params
    assert params["is_batch_send"] is False


# -- None discards -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attr", "default"),
    [
        ("tags", ["d"]),
        ("metadata", {"d": 1}),
        ("template_id", "d"),
        ("merge_data", {"a@example.com": {"d": 1}}),
        ("esp_extra", {"d": 1}),
    ],
)
def test_message_none_discards_default(
    defaults: Any, send_params: Send, new_message: Any, attr: str, default: Any
) -> None:
    defaults({attr: default})
    params = send_params(new_message(**{attr: None}))
    assert attr not in params
    assert "d" not in params


def test_esp_none_discards_global_default(
    defaults: Any, send_params: Send, new_message: Any
) -> None:
    defaults(global_={"tags": ["global"]}, esp={"tags": None})
    assert send_params(new_message(tags=["msg"]))["tags"] == ["msg"]


# -- global vs ESP defaults ----------------------------------------------------------------------


def test_global_defaults_apply(defaults: Any, send_params: Send, new_message: Any) -> None:
    defaults(global_={"tags": ["global"]})
    assert send_params(new_message())["tags"] == ["global"]


def test_esp_defaults_apply(defaults: Any, send_params: Send, new_message: Any) -> None:
    defaults(esp={"tags": ["esp"]})
    assert send_params(new_message())["tags"] == ["esp"]


def test_esp_key_replaces_global_key_wholesale(
    defaults: Any, send_params: Send, new_message: Any
) -> None:
    defaults(
        global_={"esp_extra": {"g": 1}, "metadata": {"g": 1}},
        esp={"esp_extra": {"e": 1}},
    )
    params = send_params(new_message())
    assert "g" not in params
    assert params["e"] == 1
    assert params["metadata"] == {"g": 1}  # other global keys still apply


def test_send_defaults_kwarg_is_esp_level(
    defaults: Any, send_params: Send, new_message: Any
) -> None:
    defaults(global_={"metadata": {"g": 1}}, esp={"tags": ["from-setting"]})
    params = send_params(new_message(), send_defaults={"tags": ["from-kwarg"]})
    assert params["tags"] == ["from-kwarg"]
    assert params["metadata"] == {"g": 1}


def test_prefixed_esp_defaults_setting(
    anymail_settings: Any, send_params: Send, new_message: Any
) -> None:
    anymail_settings.ANYMAIL_TEST_SEND_DEFAULTS = {"tags": ["prefixed"]}
    assert send_params(new_message())["tags"] == ["prefixed"]


# -- settings never mutated ----------------------------------------------------------------------


def test_sending_never_mutates_default_settings(
    defaults: Any, anymail_settings: Any, send_params: Send, new_message: Any
) -> None:
    defaults(
        global_={
            "to": ["d@example.com"],
            "tags": ["g"],
            "metadata": {"g": 1},
            "merge_data": {"a@example.com": {"g": 1}},
            "esp_extra": {"nested": {"g": 1}},
            "extra_headers": {"X-G": "g"},
        },
        esp={"merge_metadata": {"a@example.com": {"e": 1}}},
    )
    before = copy.deepcopy(anymail_settings.ANYMAIL)
    for _ in range(2):
        params = send_params(
            new_message(
                to=["m@example.com"],
                tags=["m"],
                metadata={"m": 1},
                merge_data={"a@example.com": {"m": 1}},
                merge_metadata={"a@example.com": {"m": 1}},
                esp_extra={"nested": {"m": 1}},
                headers={"X-M": "m"},
            )
        )
        params["tags"].append("mutated-by-caller")
        params["metadata"]["mutated"] = True
        params["merge_data"]["a@example.com"]["mutated"] = True
        params["nested"]["mutated"] = True
    assert before == anymail_settings.ANYMAIL


def test_default_only_values_are_copies(
    defaults: Any, anymail_settings: Any, send_params: Send, new_message: Any
) -> None:
    defaults(global_={"tags": ["g"], "merge_data": {"a@example.com": {"g": 1}}})
    params = send_params(new_message())
    params["tags"].append("x")
    params["merge_data"]["a@example.com"]["x"] = 1
    assert anymail_settings.ANYMAIL["SEND_DEFAULTS"] == {
        "tags": ["g"],
        "merge_data": {"a@example.com": {"g": 1}},
    }


def test_default_merge_data_makes_a_batch_send(
    defaults: Any, send_params: Send, new_message: Any
) -> None:
    defaults({"merge_data": {}})
    assert send_params(new_message())["is_batch_send"] is True
