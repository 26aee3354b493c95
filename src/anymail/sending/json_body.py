"""JSON request bodies that never hold attachment content twice.

Attachment content enters a payload as a `Base64Content` placeholder (a reference to the
raw bytes). `encode_json` serializes everything else with the standard `json` encoder and
keeps the placeholders as separate parts, so a body is known by its parts and exact size
before a single base64 character exists. Small bodies are joined into the plain JSON `str`
that has always been sent; large ones are sent from a `JSONStream`, a file-like object
with a known length that base64-encodes the content chunk by chunk while `requests`
reads it. Both produce the same bytes.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from base64 import b64encode
from collections.abc import Iterable, Sequence
from typing import Any

#: Bodies at least this large (in bytes) are streamed instead of built as one str.
#: 128 KiB is glibc's initial mmap threshold: a buffer that large is mapped for itself and,
#: once freed, makes glibc raise the threshold, after which such buffers -- a body and its
#: encoded copy per call, in every sending thread -- are carved from the threads' heaps and
#: the freed space stays with the process. Streamed in pieces below it, memory stays flat
#: however many messages a run sends (see benchmarks/README.md, the memory rows).
STREAM_THRESHOLD = 128 * 1024

#: The largest piece a stream produces at once (base64 text, or a slice of JSON text).
_PIECE = 64 * 1024

# Raw bytes encoded per step while streaming (3/4 of a piece, so chunks join cleanly).
_RAW_CHUNK = _PIECE // 4 * 3

_MARKER_TOKEN = f"@@anymail-b64-{uuid.uuid4().hex}-"
_MARKER_RE = re.compile(re.escape(_MARKER_TOKEN) + r"(\d+)@@")


class Base64Content:
    """Attachment bytes that serialize as their base64 text, encoded only when sent."""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    @property
    def size(self) -> int:
        """Length of the base64 text."""
        return 4 * ((len(self.raw) + 2) // 3)

    def text(self) -> str:
        return b64encode(self.raw).decode("ascii")

    def chunks(self) -> Iterable[bytes]:
        """The base64 text in pieces, without ever encoding all of it at once."""
        view = memoryview(self.raw)
        for start in range(0, len(view), _RAW_CHUNK):
            yield b64encode(view[start : start + _RAW_CHUNK])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Base64Content):
            return self.raw == other.raw
        if isinstance(other, str):  # lets tests compare payload data with expected base64
            return self.text() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Base64Content<{len(self.raw)} bytes>"


Part = str | Base64Content


class JSONParts:
    """Serialized JSON as ASCII text pieces and base64 placeholders, with its byte size."""

    __slots__ = ("parts", "size")

    def __init__(self, parts: Sequence[Part]) -> None:
        self.parts = list(parts)
        self.size = sum(len(part) if isinstance(part, str) else part.size for part in parts)

    def text(self) -> str:
        """The whole document as one str (base64 content inlined)."""
        if len(self.parts) == 1 and isinstance(self.parts[0], str):
            return self.parts[0]
        return "".join(part if isinstance(part, str) else part.text() for part in self.parts)

    def body(self, stream_threshold: int | None = None) -> str | JSONStream:
        """A request body: a plain str when small, a `JSONStream` when large."""
        if self.size >= (STREAM_THRESHOLD if stream_threshold is None else stream_threshold):
            return JSONStream(self)
        return self.text()

    @classmethod
    def of_text(cls, text: str) -> JSONParts:
        """A document with no base64 content (the common case: no attachments)."""
        document = cls.__new__(cls)
        document.parts = [text]
        document.size = len(text)
        return document

    @classmethod
    def concat(cls, *pieces: str | JSONParts) -> JSONParts:
        """The pieces one after the other (str pieces are JSON text, written as is)."""
        parts: list[Part] = []
        for piece in pieces:
            if isinstance(piece, str):
                parts.append(piece)
            else:
                parts.extend(piece.parts)
        return cls(_merge_text(parts))

    @classmethod
    def join(cls, prefix: str, items: Sequence[JSONParts], suffix: str) -> JSONParts:
        """`prefix + ", ".join(items) + suffix` -- how json.dumps writes a list of them."""
        parts: list[Part] = [prefix]
        for index, item in enumerate(items):
            if index:
                parts.append(", ")
            parts.extend(item.parts)
        parts.append(suffix)
        return cls(_merge_text(parts))


def _merge_text(parts: list[Part]) -> list[Part]:
    """Coalesce adjacent str parts (fewer, larger pieces are cheaper to send)."""
    merged: list[Part] = []
    texts: list[str] = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
            continue
        if texts:
            merged.append("".join(texts))
            texts = []
        merged.append(part)
    if texts:
        merged.append("".join(texts))
    return merged


class _Placeholders(threading.local):
    """The `Base64Content`s met by the encode running in this thread."""

    contents: list[Base64Content] | None = None


_placeholders = _Placeholders()


def _placeholder(value: Any) -> str:
    contents = _placeholders.contents
    if isinstance(value, Base64Content) and contents is not None:
        contents.append(value)
        return f"{_MARKER_TOKEN}{len(contents) - 1}@@"
    raise TypeError(f"Object of type '{type(value).__name__}' is not JSON serializable")


# What json.dumps(data, default=...) builds on every call, built once (it holds no state).
_ENCODER = json.JSONEncoder(default=_placeholder)


def encode_json(data: Any) -> JSONParts:
    """Serialize like `json.dumps(data)`, keeping `Base64Content` values as parts.

    Raises TypeError (like json.dumps) for values JSON cannot represent.
    """
    contents: list[Base64Content] = []
    outer = _placeholders.contents
    _placeholders.contents = contents
    try:
        text = _ENCODER.encode(data)
    finally:
        _placeholders.contents = outer
    if not contents:
        return JSONParts.of_text(text)
    pieces = _MARKER_RE.split(text)
    parts: list[Part] = []
    for index, piece in enumerate(pieces):
        if index % 2:
            parts.append(contents[int(piece)])
        elif piece:
            parts.append(piece)
    return JSONParts(parts)


class JSONStream:
    """A file-like request body with a known length, produced part by part.

    `requests` sends `Content-Length: len(stream)` and reads it in blocks; nothing larger
    than one block plus one piece (at most 64 KiB) is held at a time. `restart()` rewinds
    it for a retry.
    """

    def __init__(self, document: JSONParts) -> None:
        self.document = document
        self.restart()

    def restart(self) -> None:
        """Rewind to the start (a retried request sends the body again)."""
        self._chunks = iter(self._generate())
        self._buffer = b""
        self._offset = 0
        self._position = 0

    def _generate(self) -> Iterable[bytes]:
        for part in self.document.parts:
            if isinstance(part, str):
                for start in range(0, len(part), _PIECE):
                    yield part[start : start + _PIECE].encode("ascii")
            else:
                yield from part.chunks()

    def __len__(self) -> int:
        return self.document.size

    def tell(self) -> int:
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        """Up to `size` bytes (all remaining bytes if size < 0); b"" at the end."""
        wanted = -1 if size is None or size < 0 else size
        pieces: list[bytes] = []
        while wanted:
            if self._offset >= len(self._buffer):
                chunk = next(self._chunks, None)
                if chunk is None:
                    break
                self._buffer, self._offset = chunk, 0
            end = len(self._buffer) if wanted < 0 else min(len(self._buffer), self._offset + wanted)
            pieces.append(self._buffer[self._offset : end])
            if wanted > 0:
                wanted -= end - self._offset
            self._offset = end
        data = pieces[0] if len(pieces) == 1 else b"".join(pieces)
        self._position += len(data)
        return data

    def __repr__(self) -> str:
        return f"<JSONStream {self.document.size} bytes>"
