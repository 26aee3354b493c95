"""The Mailtrap adapter: everything that knows Mailtrap's API.

* `client` -- `MailtrapClient`: the token, the hosts, the User-Agent, retries and error
  explanations, shared by the send path, the inbound webhook and management commands.
* `payload` -- Anymail message features -> Mailtrap's /api/send and /api/batch JSON.
* `responses` -- Mailtrap's answers -> per-recipient statuses.
* `batching` -- automatic batching and merge-batch chunking over /api/batch.
* `signature`, `webhook_body`, `events`, `inbound` -- the receiving side: signed
  webhook bodies -> normalized tracking and inbound events.

Built on the ESP-agnostic `anymail.sending`; driven by the Django faces in
`anymail.backends.mailtrap` and `anymail.webhooks.mailtrap`.
"""
