"""Queued sending: a transactional outbox drained by Django task workers.

Add ``"anymail.queue"`` to ``INSTALLED_APPS`` and use
``anymail.backends.mailtrap.QueuedEmailBackend``; see docs/queued-sending.md.
Nothing here imports the models at import time, so the backend can say clearly
when the app is missing instead of failing on a model import.
"""
