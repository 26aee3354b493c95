"""Signals of queued sending (the ones of synchronous sending are in anymail.signals)."""

from django.dispatch import Signal

#: Sent in the worker when a queued message will never be sent: status "failed"
#: (Mailtrap refused it, or retries ran out) or "unknown" (it may have gone out, and
#: the policy forbids sending again). Keyword arguments: `message_id` (the project's
#: id, as in anymail_status and Mailtrap's `anymail_id` custom variable), `status`,
#: `error` (text), `message` (a rebuilt AnymailMessage) and `esp_name`.
queued_message_failed = Signal()

#: Sent in the worker each time a drain has written what became of messages it took,
#: with `rows` (OutboxMessage objects: `id`, `body`, `recipients`, `created_at`,
#: `mailer`, `endpoint`, and the new `status`, `esp_status`, `last_error`, `sent_at`;
#: rows still "pending" will be tried again) and `using` (the outbox's database). For
#: receivers that keep their own record of queued messages (anymail.mail_log); a
#: receiver's error is logged and changes nothing in the outbox.
outbox_recorded = Signal()
