"""The message log as the test suite installs it (tests/settings.py).

The real app connects its receivers in ready(), so every send through a Mailtrap backend
and every webhook call writes to the database. Most of the suite has no database (and
webhook tests expect 200, not the 500 a refused database access gives), so here the
receivers are connected only while a tests/mail_log test runs (the `mail_log` fixture);
`test_app.py` checks the real ready().
"""

from anymail.known_settings import register_settings
from anymail.mail_log.apps import AnymailMailLogConfig
from anymail.mail_log.options import SETTING_NAMES


class MailLogTestConfig(AnymailMailLogConfig):
    def ready(self) -> None:
        register_settings(*SETTING_NAMES)
