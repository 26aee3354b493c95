"""Public helpers: the UNSET sentinel, addresses, attachments, settings and dict merging."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from ._sentinel import UNSET
from .addresses import EmailAddress, parse_address_list, parse_single_address
from .attachments import Attachment
from .settings import get_anymail_setting

DEFAULT_DOWNLOAD_CHUNK_SIZE = 65536

__all__ = [
    "DEFAULT_DOWNLOAD_CHUNK_SIZE",
    "UNSET",
    "Attachment",
    "EmailAddress",
    "get_anymail_setting",
    "parse_address_list",
    "parse_single_address",
    "update_deep",
]


def update_deep(
    dct: MutableMapping[str, Any], other: Mapping[str, Any]
) -> MutableMapping[str, Any]:
    """Merge `other` into `dct` recursively (nested dicts merged, other values replaced)."""
    for key, value in other.items():
        current = dct.get(key)
        if isinstance(current, MutableMapping) and isinstance(value, Mapping):
            update_deep(current, value)
        else:
            dct[key] = value
    return dct
