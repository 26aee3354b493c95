"""Command line: `mailtrap-emulator [serve options]`, or `event` / `inbound` / `messages`."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

try:  # the `emulator` extra, up front: without it, one line saying how to install it
    import jinja2  # noqa: F401 - starlette imports it only to render the web inbox
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401

    from .config import EmulatorConfig
    from .faults import FaultSpecError, parse_rules
except ModuleNotFoundError as missing:
    if (missing.name or "").partition(".")[0] not in {"jinja2", "starlette", "uvicorn"}:
        raise
    print(
        f"mailtrap-emulator: {missing.name} is not installed; the emulator needs the"
        ' emulator extra: pip install "anymail-mailtrap[emulator]"',
        file=sys.stderr,
    )
    raise SystemExit(2) from None

# After the check above: these need the extra.
from .cli_commands import run_command
from .emulator import Emulator
from .inbound_injection import logger
from .message_filters import DEFAULT_LIMIT, MAX_LIMIT
from .server import MAX_PORT, ListenError, base_url, bind_socket, uvicorn_server

DEFAULT_PORT = 8025
DEFAULT_DB = "mailtrap-emulator.sqlite3"
DEFAULT_URL = os.environ.get("MAILTRAP_EMULATOR_URL", f"http://127.0.0.1:{DEFAULT_PORT}")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (`mailtrap-emulator: error: …`, exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer from `low` to `high`, said in one line otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low or (high is not None and value > high):
            upper = f" to {high}" if high is not None else " or more"
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from {low}{upper}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """All flags and subcommands."""
    parser = Parser(
        prog="mailtrap-emulator",
        description="Offline Mailtrap: sending, sandbox, webhooks and inbound APIs on one port.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="another host name for the control API and web inbox, e.g. a container name "
        "(repeatable; 127.0.0.1, localhost, [::1] and --host always work; * allows any)",
    )
    parser.add_argument(
        "--port", type=whole_number(0, MAX_PORT), default=DEFAULT_PORT, help="0 picks a free port"
    )
    parser.add_argument("--db", default=DEFAULT_DB, help="SQLite file, or :memory:")
    parser.add_argument(
        "--account-id",
        type=whole_number(1),
        default=EmulatorConfig.account_id,
        metavar="N",
        help="the emulated account's id, as in /api/accounts/{id}/... paths",
    )
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        help="accepted API token (repeatable; default: any non-empty token)",
    )
    parser.add_argument(
        "--sending-domain",
        action="append",
        default=[],
        help="verified sender domain (repeatable; default: all); others get 401",
    )
    parser.add_argument(
        "--webhook",
        action="append",
        default=[],
        metavar="URL",
        help="sending-events webhook target (repeatable)",
    )
    parser.add_argument(
        "--inbound-webhook",
        action="append",
        default=[],
        metavar="URL",
        help="inbound_receiving webhook target (repeatable)",
    )
    parser.add_argument("--webhook-format", choices=("json", "jsonlines"), default="json")
    parser.add_argument(
        "--signing-secret",
        help="secret for --webhook/--inbound-webhook "
        "signatures (default: random, printed at startup)",
    )
    parser.add_argument(
        "--webhook-attempts",
        type=int,
        default=5,
        metavar="N",
        help="delivery attempts per webhook post",
    )
    parser.add_argument(
        "--webhook-backoff-ms",
        type=int,
        default=200,
        metavar="MS",
        help="first retry delay; doubles per attempt, capped at 5 s",
    )
    parser.add_argument("--latency-ms", type=int, default=0, help="delay send/batch answers")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="repeatable; e.g. 429:p=0.1:retry_after=0-1, 500:p=0.01, 503:first=2, "
        "drop:every=5 (dropped before storing), drop_after_store:p=0.01 (stored, then dropped); "
        "on sends unless :on=account (the other API calls) or :on=all",
    )
    parser.add_argument(
        "--fault-seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of the faults' random choices (default 0: runs repeat)",
    )
    parser.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        help="uvicorn's (default: warning) and the emulator's own, e.g. each inbound message"
        " received (default: info)",
    )

    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    event = commands.add_parser("event", help="fire an event on a running emulator")
    event.add_argument("message", help="Mailtrap message id, or the emulator message number")
    event.add_argument("event", help="open, click, bounce, soft_bounce, spam, unsubscribe, ...")
    event.add_argument("--email", help="recipient (when the message has several)")
    event.add_argument(
        "--detail",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="event field such as url=..., response=..., bounce_category=...",
    )
    event.add_argument("--url", default=DEFAULT_URL, help="emulator URL")
    inbound = commands.add_parser("inbound", help="receive a raw .eml into an inbound inbox")
    inbound.add_argument("inbox_id", type=int)
    inbound.add_argument("file", help="path to the .eml, or - for stdin")
    inbound.add_argument("--url", default=DEFAULT_URL, help="emulator URL")
    messages = commands.add_parser("messages", help="list stored messages as JSON, newest first")
    messages.add_argument("--recipient")
    messages.add_argument("--category")
    messages.add_argument("--stream", choices=("transactional", "bulk", "sandbox"))
    size = messages.add_mutually_exclusive_group()
    size.add_argument(
        "--limit",
        type=whole_number(1, MAX_LIMIT),
        metavar="N",
        help=f"messages per answer (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})",
    )
    size.add_argument("--all", action="store_true", help="every message, however many")
    messages.add_argument(
        "--offset", type=whole_number(0), default=0, metavar="N", help="skip the newest N"
    )
    messages.add_argument("--url", default=DEFAULT_URL, help="emulator URL")
    return parser


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    """An EmulatorConfig from parsed serve options (fault specs are checked here)."""
    parse_rules(args.fault)
    config = EmulatorConfig(
        host=args.host,
        allowed_hosts=args.allowed_host,
        port=args.port,
        db_path=args.db,
        account_id=args.account_id,
        tokens=args.token,
        sending_domains=args.sending_domain,
        webhook_urls=args.webhook,
        inbound_webhook_urls=args.inbound_webhook,
        webhook_format=args.webhook_format,
        latency_ms=args.latency_ms,
        faults=args.fault,
        fault_seed=args.fault_seed,
        webhook_max_attempts=args.webhook_attempts,
        webhook_backoff_ms=args.webhook_backoff_ms,
    )
    if args.signing_secret:
        config.signing_secret = args.signing_secret
    return config


def serve(config: EmulatorConfig, log_level: str | None = None) -> None:
    """Run in the foreground until Ctrl+C / SIGTERM; ListenError if it cannot listen.

    `log_level` is uvicorn's (default warning) and the emulator's own (default info).
    """
    _log_to_stderr(log_level or "info")
    # uvicorn shuts down gracefully, then re-raises SIGINT/SIGTERM: turn both into a clean
    # exit. Installed before "listening" is printed, so a SIGTERM right after it is clean too.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    sock = bind_socket(config.host, config.port)
    url = base_url(sock)
    emulator = Emulator(config)
    emulator.start()
    try:
        # Built before "listening" is printed: building it reconfigures logging, and a
        # SIGTERM raising SystemExit inside logging's handler locks would fail the exit.
        server = uvicorn_server(emulator, log_level=log_level or "warning")
        print(f"Mailtrap emulator listening on {url}", flush=True)
        print(f"  MAILTRAP_API_URL: {url}/api/   web inbox: {url}/", flush=True)
        if config.webhook_urls or config.inbound_webhook_urls:
            print(f"  webhook signing secret: {config.signing_secret}", flush=True)
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        emulator.close()


def _exit_cleanly(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def _log_to_stderr(level: str) -> None:
    """The emulator's own log lines (uvicorn configures its loggers itself)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("mailtrap-emulator %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if level == "trace" else level.upper())


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command:
        return run_command(args)
    try:
        config = config_from_args(args)
    except FaultSpecError as error:
        parser.error(str(error))
    try:
        serve(config, args.log_level)
    except ListenError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
