"""`make demo`: send, track and receive email with Anymail's Mailtrap backend.

Without MAILTRAP_API_TOKEN everything runs offline, on 127.0.0.1: the Mailtrap emulator
(a subprocess) and the demo Django project (examples/demo_project, on a threaded WSGI server
in this process). The demo registers the project's webhooks with the emulator, sends a few
messages through `anymail.backends.mailtrap.EmailBackend`, makes the emulator report an open,
a click and an inbound email, and prints what the project's webhooks stored.

With MAILTRAP_API_TOKEN set it sends through real Mailtrap instead, and skips the webhooks
(Mailtrap would need a public URL to call). Environment for that:

  MAILTRAP_API_TOKEN          your Mailtrap API token
  MAILTRAP_DEMO_FROM          a sender on a domain verified in Mailtrap
  MAILTRAP_DEMO_TO            recipient address(es), comma-separated
  MAILTRAP_SANDBOX_ID         optional: also send one message to this Email Sandbox inbox
  MAILTRAP_DEMO_TEMPLATE_ID   optional: also send a template batch with this template UUID

Exits 0 on success; otherwise prints what failed and exits 1. Either way it stops everything
it started and removes its temporary files.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from demo_support import DemoError
from demo_support.django_project import (
    bypass_proxies_for_localhost,
    close_database_connections,
    setup_django,
)
from demo_support.emulator import EmulatorProcess
from demo_support.queued import run_queued_step
from demo_support.report import show, show_events, show_sent
from demo_support.web import DemoWebServer

OFFLINE_TOKEN = "demo-token"  # the demo project's token when MAILTRAP_API_TOKEN is unset
WEBHOOK_CREDENTIALS = "demo-user:demo-password"  # basic auth, in the webhook URLs
SANDBOX_ID = 4242
INBOUND_INBOX_ID = 3141
INBOUND_ADDRESS = "support@inbound.demo.example"
WEBHOOK_TIMEOUT = 20  # seconds to wait for the emulator's webhook posts
TRACKING_EVENTS = ["delivery", "open", "click", "bounce", "soft_bounce", "spam_complaint"]
TRACKING_EVENTS += ["unsubscribe", "suspension", "reject"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--keep-running",
        action="store_true",
        help="offline: wait for Enter before stopping, to look around the web inbox",
    )
    args = parser.parse_args(argv)
    # A SIGTERM unwinds like an error, so everything started is still stopped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    started = time.monotonic()
    try:
        if os.environ.get("MAILTRAP_API_TOKEN"):
            run_live()
        else:
            run_offline(keep_running=args.keep_running)
    except DemoError as error:
        print(f"\nDemo failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted; everything the demo started is stopped.", file=sys.stderr)
        return 130
    except Exception as error:
        from anymail.exceptions import AnymailError

        if not isinstance(error, AnymailError):
            traceback.print_exc()
        print(f"\nDemo failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(f"Done in {time.monotonic() - started:.1f} s.")
    return 0


def run_offline(keep_running: bool) -> None:
    """The whole round trip against the emulator; everything started is stopped on exit."""
    with ExitStack() as cleanup:
        bypass_proxies_for_localhost()
        data_dir = Path(tempfile.mkdtemp(prefix="anymail-demo-"))
        cleanup.callback(shutil.rmtree, data_dir, ignore_errors=True)
        emulator = EmulatorProcess.start(OFFLINE_TOKEN, data_dir / "emulator.log")
        cleanup.callback(emulator.stop)
        web = DemoWebServer()  # bound now, serving once Django is set up
        cleanup.callback(web.stop)

        show("Anymail + Mailtrap demo, offline (no MAILTRAP_API_TOKEN): the bundled emulator")
        show(f"  Mailtrap emulator    {emulator.url}  (pid {emulator.pid})")
        show(f"  demo Django project  {web.url}  (SQLite database in {data_dir})")

        # What you would click together in Mailtrap's Settings -> Webhooks:
        webhooks = web.url.replace("://", f"://{WEBHOOK_CREDENTIALS}@") + "/anymail/mailtrap/"
        tracking = emulator.create_webhook(
            url=webhooks + "tracking/",
            webhook_type="email_sending",
            sending_stream="transactional",
            event_types=TRACKING_EVENTS,
            payload_format="jsonlines",
        )
        inbound = emulator.create_webhook(
            url=webhooks + "inbound/",
            webhook_type="inbound_receiving",
            inbound_inbox_id=INBOUND_INBOX_ID,
            payload_format="json",
        )
        show("  webhooks             tracking (JSON Lines) and inbound (JSON), basic auth +")
        show("                       signatures checked with the secrets Mailtrap returned")
        show()

        setup_django(
            {
                "DEMO_DATA_DIR": str(data_dir),
                "MAILTRAP_API_URL": emulator.api_url,
                "DEMO_WEBHOOK_SECRET": WEBHOOK_CREDENTIALS,
                "DEMO_TRACKING_SECRET": tracking["signing_secret"],
                "DEMO_INBOUND_SECRET": inbound["signing_secret"],
            },
            migrate=True,
        )
        cleanup.callback(close_database_connections)
        web.start()

        from demo_support import mail

        invoice_to = "ben@example.org"
        sent = [
            mail.send_plain("Ana Silva <ana@example.org>"),
            mail.send_html_with_attachments(f"Ben Ortiz <{invoice_to}>"),
            mail.send_template_batch(
                {
                    "Alice Chen <alice@example.com>": "Alice",
                    "Bob Meyer <bob@example.com>": "Bob",
                    "Chiara Rossi <chiara@example.com>": "Chiara",
                },
                mail.DEMO_TEMPLATE_ID,
            ),
            mail.send_to_sandbox("qa@example.org", SANDBOX_ID),
        ]
        show_sent(sent)
        run_queued_step(["Dana Wu <dana@example.com>", "Emil Berg <emil@example.com>"])

        # Ben opens the invoice and clicks its link; a customer writes to the support inbox.
        invoice_id = sent[1].message.anymail_status.recipients[invoice_to].message_id
        emulator.trigger_event(invoice_id, "open")
        emulator.trigger_event(invoice_id, "click", url="https://shop.example/orders/4711")
        emulator.receive_inbound(INBOUND_INBOX_ID, mail.customer_question(INBOUND_ADDRESS))
        show(f"Triggered in the emulator: an open and a click by {invoice_to};")
        show(f"  an email from a customer to {INBOUND_ADDRESS} (inbound inbox {INBOUND_INBOX_ID})")
        show()

        emulator.wait_for_webhooks(WEBHOOK_TIMEOUT)
        show_events(received_events(expected={"delivered", "opened", "clicked", "inbound"}))

        show(f"Web inbox (every message, payload, MIME and event): {emulator.url}/")
        if keep_running:
            input("Press Enter to stop the emulator and the demo project... ")
        else:
            show("  (it stops with the demo; run with --keep-running to look around first)")
        show()
    show("Stopped the emulator and the web server; removed the temporary files.")


def run_live() -> None:
    """Send through real Mailtrap; no webhooks (they need a URL Mailtrap can reach)."""
    sender = os.environ.get("MAILTRAP_DEMO_FROM", "")
    recipients = [a.strip() for a in os.environ.get("MAILTRAP_DEMO_TO", "").split(",") if a.strip()]
    if not sender or not recipients:
        raise DemoError(
            "with MAILTRAP_API_TOKEN set, the demo sends real email: also set MAILTRAP_DEMO_FROM"
            " (a sender on a domain verified in Mailtrap) and MAILTRAP_DEMO_TO (recipients)"
        )
    sandbox_id = os.environ.get("MAILTRAP_SANDBOX_ID")
    template_id = os.environ.get("MAILTRAP_DEMO_TEMPLATE_ID")
    api_url = os.environ.get("MAILTRAP_API_URL") or "Mailtrap's default API URL"
    show(f"Anymail + Mailtrap demo, live (MAILTRAP_API_TOKEN is set): sending via {api_url}")
    show(f"  from {sender} to {', '.join(recipients)}")
    show()

    setup_django({}, migrate=False)  # no database needed: nothing is received
    from demo_support import mail

    sent = [mail.send_plain(recipients[0]), mail.send_html_with_attachments(recipients[0])]
    if template_id:
        names = {address: address.split("@")[0] for address in recipients}
        sent.append(mail.send_template_batch(names, template_id))
    if sandbox_id:
        sent.append(mail.send_to_sandbox(recipients[0], sandbox_id))
    show_sent(sent)

    show("Skipped in live mode:")
    if not template_id:
        show("  - the template batch (set MAILTRAP_DEMO_TEMPLATE_ID to a template UUID of yours)")
    if not sandbox_id:
        show("  - the sandbox message (set MAILTRAP_SANDBOX_ID to an Email Sandbox inbox id)")
    show("  - tracking and inbound webhooks: Mailtrap needs a public URL to call them; run")
    show("    without MAILTRAP_API_TOKEN to see them working against the emulator")
    show()


def received_events(expected: set[str]) -> list[Any]:
    """Everything the webhooks stored; DemoError if an expected kind of event is missing."""
    from demo_project.events.models import ReceivedEvent

    events = list(ReceivedEvent.objects.all())
    missing = expected - {event.event_type for event in events}
    if missing:
        raise DemoError(f"no {', '.join(sorted(missing))} event reached the demo project")
    return events


if __name__ == "__main__":
    sys.exit(main())
