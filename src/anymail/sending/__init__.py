"""The ESP-agnostic sending engine.

Everything here turns Django messages into HTTP calls and their answers back into
statuses without knowing which ESP is on the other end: the payload walk over a
message's features (`payload`, `defaults`), the call engine that runs those calls in a
sliding window and completes them in order (`engine`, `delivery`), and the transport
pieces it uses (`http_caller` with `retry` and `rate_limit`, `http_session`,
`json_body`). ESP adapters (`anymail.mailtrap`) build on it; Django backends
(`anymail.backends`) drive it. Nothing in this package imports either of them.
"""
