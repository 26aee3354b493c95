"""Bounded parsing of received mail: depth, part count and size limits, and a safe fallback.

Anyone can mail an inbound address, so the parser must survive anything: a message
with a thousand nested multiparts makes the stdlib's parser raise RecursionError, and
a huge one costs memory and CPU (each line is checked against every open boundary, so
time grows with lines x depth). `parse_bounded` therefore stops

* at ``INBOUND_MAX_DEPTH`` levels of nested parts (a single-part message is 1 level),
* at ``INBOUND_MAX_PARTS`` parts (the message itself counts), and
* at ``INBOUND_MAX_BYTES`` bytes (it stops reading the chunks there),

and on any of these, or on any error the stdlib parser raises, it returns a
*fallback*: a message with the original headers and no body, plus the reason and
the raw bytes, so the caller can still hand the message on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesFeedParser, BytesParser
from typing import cast

from django.conf import settings

from .settings import get_anymail_setting

__all__ = [
    "DEFAULT_INBOUND_MAX_BYTES",
    "DEFAULT_INBOUND_MAX_DEPTH",
    "DEFAULT_INBOUND_MAX_LINES",
    "DEFAULT_INBOUND_MAX_PARTS",
    "HARD_MAX_DEPTH",
    "InboundLimits",
    "ParseOutcome",
    "parse_bounded",
]

DEFAULT_INBOUND_MAX_DEPTH = 20
DEFAULT_INBOUND_MAX_PARTS = 1000
DEFAULT_INBOUND_MAX_LINES = 1_000_000
DEFAULT_INBOUND_MAX_BYTES = 32 * 1024 * 1024
#: Deeper trees exhaust Python's recursion limit in the stdlib (walk, generator), so
#: INBOUND_MAX_DEPTH is never taken above this.
HARD_MAX_DEPTH = 100

_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True)
class InboundLimits:
    """How much of a received message is parsed. ``None`` means "no limit" (not for depth)."""

    max_depth: int = DEFAULT_INBOUND_MAX_DEPTH
    max_parts: int | None = DEFAULT_INBOUND_MAX_PARTS
    max_lines: int | None = DEFAULT_INBOUND_MAX_LINES
    max_bytes: int | None = DEFAULT_INBOUND_MAX_BYTES

    def __post_init__(self) -> None:
        depth = self.max_depth or DEFAULT_INBOUND_MAX_DEPTH
        object.__setattr__(self, "max_depth", max(1, min(int(depth), HARD_MAX_DEPTH)))

    @classmethod
    def from_settings(cls) -> InboundLimits:
        """The INBOUND_MAX_* settings (the defaults when Django is not configured)."""
        if not settings.configured:
            return cls()
        return cls(
            max_depth=get_anymail_setting("inbound_max_depth", default=DEFAULT_INBOUND_MAX_DEPTH),
            max_parts=get_anymail_setting("inbound_max_parts", default=DEFAULT_INBOUND_MAX_PARTS),
            max_lines=get_anymail_setting("inbound_max_lines", default=DEFAULT_INBOUND_MAX_LINES),
            max_bytes=get_anymail_setting("inbound_max_bytes", default=DEFAULT_INBOUND_MAX_BYTES),
        )


@dataclass
class ParseOutcome:
    """The parsed message; when it is a fallback, why, and the raw bytes (None if cut short)."""

    message: EmailMessage
    problem: str | None = None
    raw: bytes | None = None


class LimitExceeded(Exception):
    """Raised inside the parser when a message goes past INBOUND_MAX_DEPTH or _MAX_PARTS."""


class _BoundedFeedParser(BytesFeedParser):
    """A feed parser that refuses to open a part past the depth or part-count limit."""

    def __init__(self, factory: Callable[..., EmailMessage], limits: InboundLimits) -> None:
        super().__init__(_factory=factory, policy=policy.default)
        self._limits = limits
        self._parts = 0

    def _new_message(self) -> None:
        # Called by FeedParser for every part it opens; _msgstack holds the open ancestors.
        depth = len(self._msgstack) + 1  # type: ignore[attr-defined]
        if depth > self._limits.max_depth:
            raise LimitExceeded(
                f"its MIME parts are nested more than {self._limits.max_depth} levels deep"
                " (INBOUND_MAX_DEPTH)"
            )
        self._parts += 1
        if self._limits.max_parts is not None and self._parts > self._limits.max_parts:
            raise LimitExceeded(
                f"it has more than {self._limits.max_parts} MIME parts (INBOUND_MAX_PARTS)"
            )
        super()._new_message()  # type: ignore[misc]


def parse_bounded(
    factory: Callable[..., EmailMessage], chunks: Iterable[bytes], limits: InboundLimits
) -> ParseOutcome:
    """Parse a message arriving in chunks, within `limits`; never raises for bad content.

    Errors raised by `chunks` itself (e.g. a failed download) propagate. Past
    ``max_bytes`` no further chunk is read.
    """
    parser = _BoundedFeedParser(factory, limits)
    received: list[bytes] = []
    size = lines = 0
    problem: str | None = None
    truncated = False
    for chunk in chunks:
        if not chunk:
            continue
        size += len(chunk)
        if limits.max_bytes is not None and size > limits.max_bytes:
            problem = f"it is larger than {limits.max_bytes} bytes (INBOUND_MAX_BYTES)"
            received.append(chunk[: len(chunk) - (size - limits.max_bytes)])
            truncated = True
            break
        received.append(chunk)
        if problem is not None:
            continue  # not parsed any further, but read on: the raw bytes are wanted
        lines += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
        if limits.max_lines is not None and lines > limits.max_lines:
            problem = f"it has more than {limits.max_lines} lines (INBOUND_MAX_LINES)"
        else:
            problem = _feed(parser, chunk)
    if problem is None:
        try:
            return ParseOutcome(cast(EmailMessage, parser.close()))
        except Exception as err:  # the stdlib parser's own bugs, RecursionError, ...
            problem = _describe(err)
    raw = b"".join(received)
    return ParseOutcome(
        headers_only(factory, raw),
        f"The message was not parsed because {problem}; only its headers are available.",
        None if truncated else raw,
    )


def _feed(parser: _BoundedFeedParser, chunk: bytes) -> str | None:
    try:
        parser.feed(chunk)
    except Exception as err:
        return _describe(err)
    return None


def _describe(err: Exception) -> str:
    if isinstance(err, LimitExceeded):
        return str(err)
    return f"the parser failed on it ({type(err).__name__})"


def headers_only(factory: Callable[..., EmailMessage], raw: bytes) -> EmailMessage:
    """The message's header block parsed into a message without a body (never raises)."""
    end = _HEADER_END.search(raw)
    head = raw[: end.end()] if end else raw
    try:
        message = BytesParser(factory, policy=policy.default).parsebytes(head, headersonly=True)
    except Exception:  # the header block itself is beyond repair
        message = factory(policy=policy.default)
    message.set_payload("")
    return message
