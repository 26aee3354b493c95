"""The quickstart and the testing recipe, as a newcomer runs them.

The snippets come from the docs pages themselves (code blocks with a `:name:`), applied
to a fresh `django-admin startproject` on the Django running these tests: on 6.1 the
MAILERS snippet replaces the block startproject wrote, on 5.2/6.0 the EMAIL_BACKEND one
is appended. Then `manage.py check` must be silent, the page's send command must reach
the emulator, and the testing page's conftest and tests must pass under pytest-django.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import django
import pytest

from mailtrap_emulator import EmulatorServer

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
ON_MAILERS = django.VERSION >= (6, 1)
#: Each test runs Django (and one of them pytest) in a subprocess.
pytestmark = pytest.mark.timeout(300)
#: The emulator URL the quickstart uses; the tests put the running emulator's in its place.
DOCS_EMULATOR_URL = "http://127.0.0.1:8025/api/"
CODE_BLOCK = re.compile(
    r"^```\{code-block\}[^\n]*\n((?::[\w-]+:[^\n]*\n)+)\n?(.*?)^```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
#: What `startproject` writes on Django 6.1 (and the quickstart shows before replacing it).
STARTPROJECT_MAILERS = re.compile(r"^MAILERS = \{\n.*?^\}\n", re.MULTILINE | re.DOTALL)
ORIGINAL_SETTINGS = "settings-as-startproject-wrote-them.txt"
#: testing.md warns that `settings.EMAIL_BACKEND = ...` does not apply under MAILERS.
OLD_RECIPE_IS_IGNORED = """
import pytest
from django.core.mail import send_mail
from django.utils.deprecation import RemovedInDjango2028Warning


def test_email_backend_setting_is_ignored_under_mailers(settings, mailoutbox):
    with pytest.warns(RemovedInDjango2028Warning):
        settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    send_mail("Welcome", "Hi Ana!", None, ["ana@example.org"])
    (sent,) = mailoutbox
    assert not hasattr(sent, "anymail_test_params")  # Django's locmem backend took it
"""


def snippet(page: str, name: str) -> str:
    """The code block with `:name: <name>` on docs/<page>."""
    found = [
        body
        for options, body in CODE_BLOCK.findall((DOCS / page).read_text(encoding="utf-8"))
        if f":name: {name}\n" in options
    ]
    assert len(found) == 1, f"docs/{page} should have one code block named {name!r}"
    return found[0]


def for_emulator(code: str, emulator: EmulatorServer) -> str:
    assert DOCS_EMULATOR_URL in code
    return code.replace(DOCS_EMULATOR_URL, emulator.api_url)


def run(args: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a command in the new project, with the environment a developer would have."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_")) and key != "PYTHONPATH"
    }
    env.update(MAILTRAP_API_TOKEN="any", PYTHONWARNINGS="default")
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def project(
    tmp_path_factory: pytest.TempPathFactory, mailtrap_emulator_server: EmulatorServer
) -> Path:
    """`startproject mysite`, configured as the quickstart says (emulator variant)."""
    root = tmp_path_factory.mktemp("quickstart")
    created = run([sys.executable, "-m", "django", "startproject", "mysite", "."], root)
    assert created.returncode == 0, created.stderr
    settings_py = root / "mysite" / "settings.py"
    text = settings_py.read_text(encoding="utf-8")
    (root / ORIGINAL_SETTINGS).write_text(text, encoding="utf-8")
    if ON_MAILERS:
        written = STARTPROJECT_MAILERS.findall(text)
        assert len(written) == 1, "startproject on Django 6.1 writes one MAILERS block"
        text = text.replace(written[0], snippet("quickstart.md", "quickstart-mailers"))
        text += "\n" + snippet("quickstart.md", "quickstart-emulator-mailers")
    else:
        assert "MAILERS" not in text
        text += "\n" + snippet("quickstart.md", "quickstart-email-backend")
        text += "\n" + snippet("quickstart.md", "quickstart-emulator-anymail")
    settings_py.write_text(for_emulator(text, mailtrap_emulator_server), encoding="utf-8")
    return root


@pytest.mark.skipif(not ON_MAILERS, reason="startproject writes MAILERS on Django 6.1 only")
def test_quickstart_shows_what_startproject_writes(project: Path) -> None:
    written = STARTPROJECT_MAILERS.findall(
        (project / ORIGINAL_SETTINGS).read_text(encoding="utf-8")
    )
    assert f"```python\n{written[0]}```" in (DOCS / "quickstart.md").read_text(encoding="utf-8")


def code_lines(code: str) -> list[str]:
    """The code of a snippet without comments and blank lines."""
    lines = (line.split("  #")[0].rstrip() for line in code.splitlines())
    return [line for line in lines if line and not line.lstrip().startswith("#")]


def test_readme_shows_the_quickstart_settings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [
        code_lines(block) for block in re.findall(r"^```python\n(.*?)^```", readme, re.M | re.S)
    ]
    for name in ("quickstart-mailers", "quickstart-email-backend"):
        assert code_lines(snippet("quickstart.md", name)) in blocks, f"README lacks {name}"


def test_check_passes_without_warnings(project: Path) -> None:
    result = run([sys.executable, "manage.py", "check"], project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"
    assert result.stderr == ""


def test_send_command_reaches_the_emulator(
    project: Path, mailtrap_emulator: EmulatorServer
) -> None:
    command = shlex.split(snippet("quickstart.md", "quickstart-send"))
    assert command[:2] == ["python", "manage.py"]
    result = run([sys.executable, *command[1:]], project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "1"  # after Django's "N objects imported"
    assert result.stderr == ""
    (sent,) = mailtrap_emulator.messages(recipient="ana@example.org")
    assert sent["subject"] == "Hello from Django"
    assert sent["from"]["email"] == "you@your-verified-domain.example"


def test_testing_recipe_passes_under_pytest_django(project: Path) -> None:
    # beside manage.py, where pytest-django finds the project
    (project / "pytest.ini").write_text(snippet("testing.md", "testing-pytest-ini"))
    conftest = "testing-conftest-mailers" if ON_MAILERS else "testing-conftest-email-backend"
    (project / "conftest.py").write_text(snippet("testing.md", conftest))
    (project / "test_welcome.py").write_text(snippet("testing.md", "testing-tests"))
    expected = 4
    if ON_MAILERS:  # and the page's warning: the old recipe sends nothing through Anymail
        (project / "test_old_recipe.py").write_text(OLD_RECIPE_IS_IGNORED)
        expected += 1
    strict = ["-W", "error::DeprecationWarning"]
    result = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *strict, "--rootdir", "."],
        project,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{expected} passed" in result.stdout
