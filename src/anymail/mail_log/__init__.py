"""The message log: every message sent through the Mailtrap backends, and what became of it.

Add ``"anymail.mail_log"`` to ``INSTALLED_APPS`` and run ``manage.py migrate``; see
docs/message-log.md. Like ``anymail.queue``, nothing here imports the models at import
time: the receivers look them up when they run.
"""
