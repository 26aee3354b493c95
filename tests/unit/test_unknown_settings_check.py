"""anymail.W004: a setting name Anymail never reads (a typo) is reported, with a guess;
and the registry of known names covers every name the source reads."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import AppConfig
from django.apps import apps as django_apps
from django.core import checks
from django.test import override_settings

from anymail import known_settings as registry
from anymail.checks import check_unknown_settings
from anymail.known_settings import known_settings, register_settings

SRC = Path(__file__).resolve().parents[2] / "src" / "anymail"


def messages_for(settings: Any, anymail: Any = None, **top_level: Any) -> list[str]:
    settings.ANYMAIL = {} if anymail is None else anymail
    for name, value in top_level.items():
        setattr(settings, name, value)
    found = check_unknown_settings()
    assert {message.id for message in found} <= {"anymail.W004"}
    return [message.msg for message in found]


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names registered by a test are forgotten afterwards."""
    monkeypatch.setattr(registry, "_registered", set())


# -- the check ---------------------------------------------------------------------------------


def test_typo_in_anymail_dict_is_a_warning_with_a_guess(settings: Any) -> None:
    assert messages_for(settings, {"MAILTRAP_SANDBOXID": 1}) == [
        'ANYMAIL["MAILTRAP_SANDBOXID"] is not a setting Anymail knows. '
        "Did you mean MAILTRAP_SANDBOX_ID?"
    ]


def test_typo_in_a_prefixed_setting_is_a_warning_with_a_guess(settings: Any) -> None:
    assert messages_for(settings, ANYMAIL_MAILTRAP_SANDBOXID=1) == [
        "ANYMAIL_MAILTRAP_SANDBOXID is not a setting Anymail knows. "
        "Did you mean ANYMAIL_MAILTRAP_SANDBOX_ID?"
    ]


@pytest.mark.parametrize(
    ("key", "guess"),
    [
        ("API_TOKEN", "MAILTRAP_API_TOKEN"),  # ESP prefix missing
        ("mailtrap_api_token", "MAILTRAP_API_TOKEN"),  # lower case
        ("MAILTRAP_REQUESTS_TIMEOUT", "REQUESTS_TIMEOUT"),  # a global setting, prefixed
        ("ANYMAIL_WEBHOOK_SECRET", "WEBHOOK_SECRET"),  # ANYMAIL_ inside ANYMAIL
        ("MAILTRAP_SEND_CONCURENCY", "MAILTRAP_SEND_CONCURRENCY"),
        ("MAILTRAP_QUEUE_ATEMPTS", "MAILTRAP_QUEUE_ATTEMPTS"),
    ],
)
def test_guess_for_common_mistakes(settings: Any, key: str, guess: str) -> None:
    (message,) = messages_for(settings, {key: 1})
    assert message.endswith(f"Did you mean {guess}?")


def test_no_guess_when_nothing_is_close(settings: Any) -> None:
    assert messages_for(settings, {"FROBNICATE": 1}) == [
        'ANYMAIL["FROBNICATE"] is not a setting Anymail knows.'
    ]


def test_warning_level_and_hint(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_SANDBOXID": 1}
    (message,) = check_unknown_settings()
    assert isinstance(message, checks.Warning)
    assert message.id == "anymail.W004"
    assert "Anymail ignores it" in message.hint


def test_every_known_name_passes_in_both_forms(settings: Any) -> None:
    known = known_settings()
    top_level = {f"ANYMAIL_{name}": None for name in known}
    assert messages_for(settings, dict.fromkeys(known), **top_level) == []


def test_other_settings_are_not_looked_at(settings: Any) -> None:
    assert messages_for(settings, MAILTRAP_WHATEVER=1, ANYMAILX=1) == []


def test_anymail_not_a_dict_is_an_error(settings: Any) -> None:
    settings.ANYMAIL = "oops"
    (message,) = check_unknown_settings()
    assert isinstance(message, checks.Error)
    assert message.id == "anymail.E002"
    assert message.msg == "ANYMAIL must be a dict, not str."


@pytest.mark.django_db  # Django 6.1 runs database checks too
def test_check_is_registered_with_django(settings: Any) -> None:
    settings.ANYMAIL = {"MAILTRAP_SANDBOXID": 1}
    assert check_unknown_settings in checks.registry.registry.get_checks()
    assert "anymail.W004" in {message.id for message in checks.run_checks()}


# -- optional apps -----------------------------------------------------------------------------


class MailLogLikeConfig(AppConfig):
    """Stands for a later optional app (e.g. a mail log) that has settings of its own."""

    name = "tests.unit.test_unknown_settings_check"
    label = "anymail_test_mail_log_like"

    def ready(self) -> None:
        register_settings("MAIL_LOG_RETENTION_DAYS")


def test_optional_app_registers_its_settings_in_ready(settings: Any, fresh_registry: None) -> None:
    settings.ANYMAIL = {"MAIL_LOG_RETENTION_DAYS": 30}
    assert len(check_unknown_settings()) == 1
    app = f"{__name__}.MailLogLikeConfig"
    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, app]):
        assert check_unknown_settings() == []


def test_registered_names_must_be_anymail_keys(fresh_registry: None) -> None:
    for bad in ("mail_log_days", "ANYMAIL_MAIL_LOG_DAYS"):
        with pytest.raises(ValueError, match="is not an ANYMAIL key"):
            register_settings(bad)
    assert "MAIL_LOG_DAYS" not in known_settings()


def test_account_tooling_settings_are_known() -> None:
    assert {"MAILTRAP_ACCOUNT_ID", "MAILTRAP_ACCOUNT_API_URL"} <= known_settings()


# -- the registry cannot drift from the code ------------------------------------------------------

#: SettingsReader methods whose first argument is a setting name (anymail/settings.py).
READER_METHODS = frozenset({"get", "text", "number", "optional_number", "choice", "rate_limit"})
#: A setting read whose prefix the scan cannot see (a reader handed in as an argument):
#: Mailtrap's, or none.
EITHER = "?"


def _is_get_anymail_setting(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "get_anymail_setting") or (
        isinstance(func, ast.Attribute) and func.attr == "get_anymail_setting"
    )


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _prefix_of(esp_name: ast.expr | None) -> str:
    """The key prefix an esp_name expression gives: none for None or "", else Mailtrap's
    (the only ESP that reads settings through a variable)."""
    if esp_name is None or (isinstance(esp_name, ast.Constant) and not esp_name.value):
        return ""
    literal = _literal(esp_name)
    return f"{literal.upper()}_" if literal else "MAILTRAP_"


def _readers(function: ast.AST) -> dict[str, str]:
    """SettingsReaders in a function: {variable: prefix}; a parameter named `reader` has
    a prefix the scan cannot see."""
    readers: dict[str, str] = {}
    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        params = [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]
        readers.update({arg.arg: EITHER for arg in params if arg.arg == "reader"})
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and node.value.args
            and getattr(node.value.func, "id", getattr(node.value.func, "attr", "")).endswith(
                "Reader"
            )
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    readers[target.id] = _prefix_of(node.value.args[0])
    return readers


def _reads(tree: ast.AST) -> Iterator[tuple[str, str]]:
    """(prefix, NAME) of each setting read in a module: get_anymail_setting("x", ...),
    reader.<method>("x", ...) on a SettingsReader, or helper(reader, "x", ...)."""
    functions = [
        n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    for scope in [tree, *functions]:
        readers = _readers(scope) if scope is not tree else {}
        for node in ast.walk(scope):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            if scope is tree and _is_get_anymail_setting(func):
                name = _literal(node.args[0])
                esp_name = next((k.value for k in node.keywords if k.arg == "esp_name"), None)
                if esp_name is None and len(node.args) >= 3:
                    esp_name = node.args[2]
                if name:
                    yield _prefix_of(esp_name), name.upper()
            elif (
                isinstance(func, ast.Attribute)
                and func.attr in READER_METHODS
                and isinstance(func.value, ast.Name)
                and func.value.id in readers
                and (name := _literal(node.args[0]))
            ):
                yield readers[func.value.id], name.upper()
            else:
                handed = [a.id for a in node.args if isinstance(a, ast.Name) and a.id in readers]
                names = [_literal(a) for a in node.args if _literal(a)]
                if handed and names:
                    yield readers[handed[0]], str(names[0]).upper()


def _optional_app(path: Path) -> str | None:
    """`anymail.<app>` when the module belongs to an optional Django app (it has
    migrations or an apps.py), else None."""
    package = path.relative_to(SRC).parts[0]
    if (SRC / package / "apps.py").exists() or (SRC / package / "migrations").is_dir():
        return f"anymail.{package}"
    return None


def settings_read_by_the_source() -> dict[tuple[str, str], tuple[str, str | None]]:
    """{(prefix, NAME): (module, optional app or None)} for every module of src/anymail."""
    found: dict[tuple[str, str], tuple[str, str | None]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for read in _reads(ast.parse(path.read_text(), filename=str(path))):
            found.setdefault(read, (str(path.relative_to(SRC)), _optional_app(path)))
    return found


def _is_known(prefix: str, name: str, known: frozenset[str]) -> bool:
    if prefix == EITHER:
        return name in known or f"MAILTRAP_{name}" in known
    return prefix + name in known


def unknown_reads(app: str | None) -> dict[str, str]:
    """{ANYMAIL key: module} of the reads in core modules (app None) or in one optional app
    that the registry does not know."""
    known = known_settings()
    return {
        prefix + name: module
        for (prefix, name), (module, owner) in settings_read_by_the_source().items()
        if owner == app and not _is_known(prefix, name, known)
    }


def test_registry_covers_every_setting_the_core_reads() -> None:
    assert unknown_reads(None) == {}, "add these to anymail/known_settings.py"


@pytest.mark.parametrize(
    "app", sorted({app for _module, app in settings_read_by_the_source().values() if app})
)
def test_optional_apps_register_every_setting_they_read(app: str) -> None:
    """An optional app registers its names in ready(): checked when it is installed."""
    if not django_apps.is_installed(app):
        pytest.skip(f"{app} is not in INSTALLED_APPS: the settings it reads are not checked")
    assert unknown_reads(app) == {}, f"register these in {app}'s AppConfig.ready()"


def test_the_source_scan_finds_reads_of_every_kind() -> None:
    # The check above must be able to fail: it sees plain, ESP-prefixed and reader reads
    found = {prefix + name for prefix, name in settings_read_by_the_source()}
    assert {
        "REQUESTS_TIMEOUT",
        "WEBHOOK_SECRET",
        "MAILTRAP_API_TOKEN",
        "MAILTRAP_SEND_CONCURRENCY",
        "MAILTRAP_QUEUE_ATTEMPTS",
    } <= found


def test_the_source_scan_reads_calls_as_intended() -> None:
    tree = ast.parse(
        "get_anymail_setting('plain', default=1)\n"
        "get_anymail_setting('esp', esp_name=self.esp_name)\n"
        "get_anymail_setting('global', esp_name=None)\n"
        "def options(esp_name):\n"
        "    reader = SettingsReader(esp_name, {})\n"
        "    reader.number('count', 1, int, 0)\n"
        "    other.number('not_a_setting', 1)\n"
        "def log_options():\n"
        "    unprefixed = SettingsReader('', {})\n"
        "    unprefixed.choice('log_mode', 'a', ('a', 'b'))\n"
        "    flag(unprefixed, 'log_enabled', True)\n"
        "def flag(reader, name, default):\n"
        "    return reader.get(name, default)\n"
        "def given(reader):\n"
        "    return reader.get('handed_in', None)\n"
    )
    assert sorted(_reads(tree)) == [
        ("", "GLOBAL"),
        ("", "LOG_ENABLED"),
        ("", "LOG_MODE"),
        ("", "PLAIN"),
        (EITHER, "HANDED_IN"),
        ("MAILTRAP_", "COUNT"),
        ("MAILTRAP_", "ESP"),
    ]


class RecordingDict(dict[str, Any]):
    """An ANYMAIL dict that notes every key looked up in it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.looked_up: set[str] = set()

    def __contains__(self, key: object) -> bool:
        self.looked_up.add(str(key))
        return super().__contains__(key)


def test_backends_and_views_look_up_only_known_names(settings: Any) -> None:
    from anymail.backends.console import EmailBackend as ConsoleBackend
    from anymail.backends.mailtrap import EmailBackend, QueuedEmailBackend
    from anymail.backends.test import EmailBackend as TestBackend
    from anymail.webhooks.mailtrap import MailtrapInboundWebhookView, MailtrapTrackingWebhookView

    anymail = RecordingDict(MAILTRAP_API_TOKEN="t", WEBHOOK_SECRET="user:pass")
    settings.ANYMAIL = anymail
    for build in (
        EmailBackend,
        QueuedEmailBackend,
        TestBackend,
        ConsoleBackend,
        MailtrapTrackingWebhookView,
        MailtrapInboundWebhookView,
    ):
        build()
    assert {"MAILTRAP_API_TOKEN", "TEST_SEND_DEFAULTS", "CONSOLE_IDNA_ENCODER"} <= anymail.looked_up
    assert anymail.looked_up - known_settings() == set()
