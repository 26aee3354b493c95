"""Mailtrap payload for Anymail features: tags, metadata, templates, esp_extra, unsupported."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from django.core.mail import EmailMessage

from anymail.exceptions import AnymailUnsupportedFeature
from tests.conftest import use_backend

from .conftest import MAILTRAP_BACKEND

# -- tags -> category ---------------------------------------------------------------------


def test_single_tag_is_category(mailtrap_send, new_message):
    assert mailtrap_send(new_message(tags=["receipt"]))["category"] == "receipt"


def test_multiple_tags_are_unsupported(mailtrap_api, mailtrap_backend, new_message):
    with pytest.raises(AnymailUnsupportedFeature) as excinfo:
        mailtrap_backend().send_messages([new_message(tags=["one", "two"])])
    assert str(excinfo.value) == "Mailtrap does not support multiple tags"
    assert mailtrap_api.calls == []


def test_multiple_tags_ignored_uses_first(mailtrap_send, new_message):
    data = mailtrap_send(new_message(tags=["one", "two"]), ignore_unsupported_features=True)
    assert data["category"] == "one"


def test_ignore_unsupported_features_setting(mailtrap_send, new_message, mailtrap_settings):
    mailtrap_settings.ANYMAIL["IGNORE_UNSUPPORTED_FEATURES"] = True
    assert mailtrap_send(new_message(tags=["one", "two"]))["category"] == "one"


def test_empty_tags_omit_category(mailtrap_send, new_message):
    assert "category" not in mailtrap_send(new_message(tags=[]))


# -- metadata -> custom_variables ---------------------------------------------------------


def test_metadata_is_custom_variables_as_strings(mailtrap_send, new_message):
    message = new_message(metadata={"user_id": 6, "vip": True, "ref": "abc", 7: 1.5})
    data = mailtrap_send(message)
    assert data["custom_variables"] == {"user_id": "6", "vip": "True", "ref": "abc", "7": "1.5"}


def test_empty_metadata_emits_empty_custom_variables(mailtrap_send, new_message):
    assert mailtrap_send(new_message(metadata={}))["custom_variables"] == {}


def test_no_metadata_omits_custom_variables(mailtrap_send, new_message):
    assert "custom_variables" not in mailtrap_send(new_message())


# -- templates ----------------------------------------------------------------------------


def test_template_id_is_template_uuid(mailtrap_send, new_message):
    message = new_message(template_id="11111111-abcd-1234-0000-0123456789ab")
    assert mailtrap_send(message)["template_uuid"] == "11111111-abcd-1234-0000-0123456789ab"


def test_merge_global_data_is_template_variables(mailtrap_send, new_message):
    message = new_message(merge_global_data={"ship_date": "May 15", "items": [{"n": 1}]})
    data = mailtrap_send(message)
    assert data["template_variables"] == {"ship_date": "May 15", "items": [{"n": 1}]}


def test_empty_merge_global_data_emits_empty_template_variables(mailtrap_send, new_message):
    assert mailtrap_send(new_message(merge_global_data={}))["template_variables"] == {}


def test_merge_global_data_alone_is_not_a_batch(mailtrap_api, mailtrap_send, new_message):
    message = new_message(to=["a@example.com", "b@example.com"], merge_global_data={"x": "1"})
    data = mailtrap_send(message)
    assert mailtrap_api.last_request.url.endswith("/api/send")
    assert "requests" not in data
    assert data["to"] == [{"email": "a@example.com"}, {"email": "b@example.com"}]


def test_template_without_subject_or_body_sends_no_content_keys(mailtrap_send):
    message = EmailMessage(from_email="from@example.com", to=["to@example.com"])
    message.template_id = "tmpl-uuid"
    data = mailtrap_send(message)
    assert data == {
        "from": {"email": "from@example.com"},
        "to": [{"email": "to@example.com"}],
        "template_uuid": "tmpl-uuid",
    }


def test_seed_page_template_example(mailtrap_api, mailtrap_settings):
    use_backend(mailtrap_settings, MAILTRAP_BACKEND)
    # Verbatim from the Mailtrap docs page ("Batch sending/merge and ESP templates")
    message = EmailMessage(
        from_email="from@example.com",
        to=["alice@example.com", "Bob <bob@example.com>"],
        # omit subject and body (or set to None) to use template content
    )
    message.template_id = "11111111-abcd-1234-0000-0123456789ab"  # Template UUID
    message.merge_data = {
        "alice@example.com": {"name": "Alice", "order_no": "12345"},
        "bob@example.com": {"name": "Bob", "order_no": "54321"},
    }
    message.merge_global_data = {
        "ship_date": "May 15",
    }
    message.send()

    assert mailtrap_api.last_request.url == "https://send.api.mailtrap.io/api/batch"
    assert mailtrap_api.last_json == {
        "base": {
            "from": {"email": "from@example.com"},
            "template_uuid": "11111111-abcd-1234-0000-0123456789ab",
            "template_variables": {"ship_date": "May 15"},
        },
        "requests": [
            {
                "to": [{"email": "alice@example.com"}],
                "template_variables": {"ship_date": "May 15", "name": "Alice", "order_no": "12345"},
            },
            {
                "to": [{"email": "bob@example.com", "name": "Bob"}],
                "template_variables": {"ship_date": "May 15", "name": "Bob", "order_no": "54321"},
            },
        ],
    }
    assert message.anymail_status.status == {"queued"}
    assert message.anymail_status.recipients["alice@example.com"].message_id == "id-0-0"
    assert message.anymail_status.recipients["bob@example.com"].message_id == "id-1-0"


# -- unsupported features -----------------------------------------------------------------

UNSUPPORTED = [
    ("send_at", {"send_at": datetime(2030, 1, 1, tzinfo=timezone.utc)}),
    ("send_at", {"send_at": 1893456000}),
    ("track_clicks", {"track_clicks": True}),
    ("track_clicks", {"track_clicks": False}),
    ("track_opens", {"track_opens": True}),
    ("track_opens", {"track_opens": False}),
    ("envelope_sender", {"envelope_sender": "bounces@example.com"}),
]


@pytest.mark.parametrize(
    ("feature", "attrs"),
    UNSUPPORTED,
    ids=[f"{f}={v!r}" for f, a in UNSUPPORTED for v in a.values()],
)
def test_unsupported_feature_raises(mailtrap_api, mailtrap_backend, new_message, feature, attrs):
    with pytest.raises(AnymailUnsupportedFeature) as excinfo:
        mailtrap_backend().send_messages([new_message(**attrs)])
    assert str(excinfo.value) == f"Mailtrap does not support {feature}"
    assert mailtrap_api.calls == []


@pytest.mark.parametrize(
    ("feature", "attrs"),
    UNSUPPORTED,
    ids=[f"{f}={v!r}" for f, a in UNSUPPORTED for v in a.values()],
)
def test_unsupported_feature_ignored_is_dropped(mailtrap_send, new_message, feature, attrs):
    data = mailtrap_send(new_message(**attrs), ignore_unsupported_features=True)
    assert set(data) == {"from", "to", "subject", "text"}


def test_from_header_makes_from_email_the_unsupported_envelope_sender(
    mailtrap_api, mailtrap_backend, new_message
):
    message = new_message(headers={"From": "Visible <visible@example.com>"})
    with pytest.raises(AnymailUnsupportedFeature, match="does not support envelope_sender"):
        mailtrap_backend().send_messages([message])


def test_none_tracking_values_are_not_unsupported(mailtrap_send, new_message):
    data = mailtrap_send(new_message(track_clicks=None, track_opens=None, send_at=None))
    assert set(data) == {"from", "to", "subject", "text"}


# -- esp_extra ----------------------------------------------------------------------------


def test_esp_extra_adds_new_fields(mailtrap_send, new_message):
    data = mailtrap_send(new_message(esp_extra={"future_mailtrap_feature": "value"}))
    assert data["future_mailtrap_feature"] == "value"


def test_esp_extra_wins_on_conflicts(mailtrap_send, new_message):
    message = new_message(tags=["tag"], esp_extra={"category": "override", "subject": "New"})
    data = mailtrap_send(message)
    assert data["category"] == "override"
    assert data["subject"] == "New"


def test_esp_extra_is_deep_merged(mailtrap_send, new_message):
    message = new_message(
        metadata={"a": "1", "b": "2"},
        esp_extra={"custom_variables": {"b": "override", "c": "3"}, "from": {"name": "Name"}},
    )
    data = mailtrap_send(message)
    assert data["custom_variables"] == {"a": "1", "b": "override", "c": "3"}
    assert data["from"] == {"email": "from@example.com", "name": "Name"}


def test_esp_extra_from_global_send_defaults(mailtrap_send, new_message, mailtrap_settings):
    mailtrap_settings.ANYMAIL["SEND_DEFAULTS"] = {"esp_extra": {"category": "from-defaults"}}
    assert mailtrap_send(new_message())["category"] == "from-defaults"


def test_esp_extra_from_mailtrap_send_defaults(mailtrap_send, new_message, mailtrap_settings):
    mailtrap_settings.ANYMAIL["MAILTRAP_SEND_DEFAULTS"] = {"esp_extra": {"category": "esp"}}
    assert mailtrap_send(new_message())["category"] == "esp"


def test_mailtrap_send_defaults_esp_extra_replaces_global_one(
    mailtrap_send, new_message, mailtrap_settings
):
    mailtrap_settings.ANYMAIL["SEND_DEFAULTS"] = {"esp_extra": {"global_only": "x"}}
    mailtrap_settings.ANYMAIL["MAILTRAP_SEND_DEFAULTS"] = {"esp_extra": {"category": "esp"}}
    data = mailtrap_send(new_message())
    assert data["category"] == "esp"
    assert "global_only" not in data


def test_message_esp_extra_deep_merges_over_default_esp_extra(
    mailtrap_send, new_message, mailtrap_settings
):
    mailtrap_settings.ANYMAIL["SEND_DEFAULTS"] = {
        "esp_extra": {"nested": {"keep": "default", "change": "default"}}
    }
    message = new_message(esp_extra={"nested": {"change": "message"}})
    data = mailtrap_send(message)
    assert data["nested"] == {"keep": "default", "change": "message"}


def test_send_defaults_do_not_mutate_settings(mailtrap_send, new_message, mailtrap_settings):
    defaults = {"esp_extra": {"nested": {"a": "1"}}, "metadata": {"m": "1"}}
    mailtrap_settings.ANYMAIL["SEND_DEFAULTS"] = defaults
    mailtrap_send(new_message(esp_extra={"nested": {"b": "2"}}, metadata={"n": "2"}))
    assert defaults == {"esp_extra": {"nested": {"a": "1"}}, "metadata": {"m": "1"}}


def test_send_defaults_kwarg(mailtrap_send, new_message):
    data = mailtrap_send(new_message(), send_defaults={"tags": ["from-kwarg"]})
    assert data["category"] == "from-kwarg"


def test_esp_extra_is_not_mutated_by_send(mailtrap_send, new_message):
    extra = {"custom_variables": {"x": "1"}}
    mailtrap_send(new_message(metadata={"y": "2"}, esp_extra=extra))
    assert extra == {"custom_variables": {"x": "1"}}
