"""Mailtrap's webhook signature: HMAC-SHA256 of the raw body, hex, in Mailtrap-Signature."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from django.views.decorators.debug import sensitive_variables

SIGNATURE_HEADER = "Mailtrap-Signature"


def as_secret_list(value: Any) -> list[bytes]:
    """A secret, or a list of them for rotation; empty values count as unset (open point 11.6)."""
    if value is None:
        return []
    values: Sequence[Any] = value if isinstance(value, (list, tuple)) else [value]
    return [item if isinstance(item, bytes) else str(item).encode() for item in values if item]


@sensitive_variables()  # error reports must not show secrets or digests
def signature_matches(body: bytes, signature: str, secrets: Sequence[bytes]) -> bool:
    """True when `signature` is the body's HMAC under any of `secrets` (constant time)."""
    matched = False
    for secret in secrets:  # no early exit: timing reveals nothing
        expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
        matched |= hmac.compare_digest(expected.encode(), signature.encode())
    return matched
