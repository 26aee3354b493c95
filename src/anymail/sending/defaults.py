"""Send defaults: how a default value and a message's own value combine, per attribute."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from copy import deepcopy
from typing import Any

from django.utils.functional import Promise

from .._sentinel import UNSET
from ..utils import update_deep

#: Types whose values are used as they are (nothing lazy inside).
PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def force_non_lazy(value: Any) -> Any:
    """Resolve lazy translation strings, recursing into lists, tuples and dicts."""
    kind = type(value)
    if kind in PLAIN_TYPES:  # the common case, checked cheaply first
        return value
    # Exact lists and dicts (Django's to/cc/bcc, headers) before the slower ABC checks;
    # the result is what the generic branches below build for them.
    if kind is list:
        return [item if type(item) in PLAIN_TYPES else force_non_lazy(item) for item in value]
    if kind is dict:
        return {force_non_lazy(key): force_non_lazy(item) for key, item in value.items()}
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, Mapping):
        return {force_non_lazy(key): force_non_lazy(item) for key, item in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # namedtuple
        return type(value)(*(force_non_lazy(item) for item in value))
    if isinstance(value, (list, tuple)):
        return type(value)(force_non_lazy(item) for item in value)
    return value


def _last(default: Any, value: Any) -> Any:
    return default if value is UNSET else value


def _last_text(default: Any, value: Any) -> Any:
    # Django fills an unset subject/body with "": that must not hide a default.
    if value is UNSET or (value == "" and default is not UNSET):
        return default
    return value


def _concat(default: Any, value: Any) -> Any:
    if value is UNSET:
        return list(default) if default is not UNSET else UNSET
    if default is UNSET:
        return value
    return list(default) + list(value)


def _merge_dicts(default: Any, value: Any) -> Any:
    if value is UNSET:
        return dict(default) if default is not UNSET else UNSET
    if default is UNSET:
        return value
    return {**default, **value}


def _merge_per_recipient(default: Any, value: Any) -> Any:
    if value is UNSET:
        return deepcopy(default)
    if default is UNSET:
        return value
    merged = {key: dict(inner) for key, inner in default.items()}
    for key, inner in value.items():
        merged[key] = {**merged.get(key, {}), **inner}
    return merged


def _merge_deep(default: Any, value: Any) -> Any:
    if value is UNSET:
        return deepcopy(default)
    if default is UNSET:
        return value
    return update_deep(deepcopy(default), value)


def _no_default(default: Any, value: Any) -> Any:
    return value


Combiner = Callable[[Any, Any], Any]

COMBINERS: dict[str, Combiner] = {
    **dict.fromkeys(
        (
            "from_email",
            "envelope_sender",
            "send_at",
            "track_clicks",
            "track_opens",
            "template_id",
        ),
        _last,
    ),
    **dict.fromkeys(("subject", "body"), _last_text),
    **dict.fromkeys(
        ("to", "cc", "bcc", "reply_to", "alternatives", "attachments", "tags"), _concat
    ),
    **dict.fromkeys(("extra_headers", "metadata", "merge_global_data"), _merge_dicts),
    **dict.fromkeys(("merge_data", "merge_metadata"), _merge_per_recipient),
    "esp_extra": _merge_deep,
    "merge_headers": _no_default,
}


def combine(attr: str, default: Any, value: Any) -> Any:
    """The effective value of `attr`: None discards defaults and means "not sent" (UNSET)."""
    if value is None:
        return UNSET
    if default is None:
        default = UNSET
    result = COMBINERS[attr](default, value)
    return UNSET if result is None else result


def effective_send_defaults(
    global_defaults: Mapping[str, Any] | None, esp_defaults: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Global SEND_DEFAULTS updated key by key (whole values replaced) with the ESP's."""
    return {**(global_defaults or {}), **(esp_defaults or {})}
