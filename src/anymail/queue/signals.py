"""Signals of queued sending (the ones of synchronous sending are in anymail.signals)."""

from django.dispatch import Signal

#: Sent in the worker when a queued message will never be sent: status "failed"
#: (Mailtrap refused it, or retries ran out) or "unknown" (it may have gone out, and
#: the policy forbids sending again). Keyword arguments: `message_id` (the project's
#: id, as in anymail_status and Mailtrap's `anymail_id` custom variable), `status`,
#: `error` (text), `message` (a rebuilt AnymailMessage) and `esp_name`.
queued_message_failed = Signal()
