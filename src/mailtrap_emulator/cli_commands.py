"""The `event`, `inbound` and `messages` commands: a running emulator's control API, from a shell.

Each prints the JSON answer on stdout, or one `mailtrap-emulator: error: …` line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .message_filters import MAX_LIMIT
from .server import control_request

#: The exit status of a Unix tool killed by SIGPIPE (128 + 13), as shells report it.
BROKEN_PIPE_STATUS = 141


class CommandError(Exception):
    """A problem on this side of the request (an unreadable file), said in one line."""


def run_command(args: argparse.Namespace) -> int:
    """Run one command; the process exit status."""
    try:
        answer = _answer(args)
    except CommandError as error:
        return _fail(str(error))
    except urllib.error.HTTPError as error:
        return _fail(f"HTTP {error.code}: {error.read().decode(errors='replace')}")
    except OSError as error:
        return _fail(f"cannot reach the emulator at {args.url}: {error}")
    return print_json(answer)


def print_json(answer: Any) -> int:
    """Write the answer to stdout; a reader that went away (`| head -1`) ends it quietly."""
    # Bytes, written until all are out: with PYTHONUNBUFFERED, stdout's text layer drops
    # the rest of a partial write to a pipe (the reader left mid-write) without an error.
    rest = memoryview((json.dumps(answer, indent=2) + "\n").encode())  # ASCII: JSON escapes
    try:
        sys.stdout.flush()
        while rest:
            rest = rest[sys.stdout.buffer.write(rest) or 0 :]
        sys.stdout.flush()
    except BrokenPipeError:
        # Nothing left to tell anyone: point stdout at /dev/null so that the interpreter's
        # final flush does not fail again, and exit as a tool killed by SIGPIPE would.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return BROKEN_PIPE_STATUS
    return 0


def _fail(message: str) -> int:
    print(f"mailtrap-emulator: error: {message}", file=sys.stderr)
    return 1


def _answer(args: argparse.Namespace) -> Any:
    if args.command == "event":
        body: dict[str, Any] = {"event": args.event}
        if args.email:
            body["email"] = args.email
        for item in args.detail:
            name, _, value = item.partition("=")
            body[name] = value
        path = f"/_emulator/messages/{quote(args.message, safe='')}/events"
        return control_request(args.url, path, body=body)
    if args.command == "inbound":
        return control_request(args.url, f"/_emulator/inbound/{args.inbox_id}", raw=_eml(args.file))
    return _messages(args)


def _eml(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(file).read_bytes()
    except OSError as error:
        raise CommandError(f"cannot read {file}: {error.strerror or error}") from error


def _messages(args: argparse.Namespace) -> dict[str, Any]:
    """One page (`--limit`, `--offset`), or with `--all` every page, merged."""
    filters = {"recipient": args.recipient, "category": args.category, "stream": args.stream}
    if not args.all:
        query = {**filters, "limit": args.limit, "offset": args.offset}
        page: dict[str, Any] = control_request(args.url, "/_emulator/messages", query=query)
        if page.get("next_offset") is not None:
            first, last = page["offset"] + 1, page["offset"] + len(page["messages"])
            print(
                f"mailtrap-emulator: messages {first}-{last} of {page['total']}; "
                f"--offset {page['next_offset']} for the next page, --all for all of them",
                file=sys.stderr,
            )
        return page
    # Newest first: messages arriving meanwhile push older ones to later offsets, so a
    # message may come twice (kept once) but none is missed.
    found: dict[int, dict[str, Any]] = {}
    offset: int | None = args.offset
    while offset is not None:
        query = {**filters, "limit": MAX_LIMIT, "offset": offset}
        page = control_request(args.url, "/_emulator/messages", query=query)
        for message in page["messages"]:
            found.setdefault(message["id"], message)
        offset = page["next_offset"]
    messages = sorted(found.values(), key=lambda message: -int(message["id"]))
    return {"messages": messages, "total": len(messages)}
