"""The distribution: `python -m build` makes an sdist and a wheel (as `make dist` does),
and the wheel installs into a fresh virtualenv, where `import anymail` works.

Building and installing fetch setuptools, Django, requests and idna from the package
index (or pip's cache), as any installation does.
"""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

import anymail

pytest.importorskip("build", reason="`build` is missing: it comes with the dev extra")

pytestmark = pytest.mark.heavy

ROOT = Path(__file__).resolve().parents[2]
WHEEL = f"anymail_mailtrap-{anymail.__version__}-py3-none-any.whl"
SDIST = f"anymail_mailtrap-{anymail.__version__}.tar.gz"


def run(args: list[str | Path], cwd: Path, timeout: float) -> str:
    result = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist and wheel, the wheel built from the sdist (so the sdist must be complete)."""
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", out, ROOT], ROOT, timeout=240)
    return out


@pytest.mark.timeout(300)
def test_build_makes_an_sdist_and_a_wheel(dist: Path) -> None:
    assert {path.name for path in dist.iterdir()} == {SDIST, WHEEL}
    with zipfile.ZipFile(dist / WHEEL) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f"anymail_mailtrap-{anymail.__version__}.dist-info/METADATA")
    assert {"anymail/py.typed", "mailtrap_emulator/py.typed"} <= names
    assert "anymail/queue/migrations/0001_initial.py" in names
    assert any(name.startswith("mailtrap_emulator/templates/") for name in names)
    assert not any(name.startswith(("tests/", "docs/", "examples/")) for name in names)
    text = metadata.decode()
    assert "Requires-Dist: django>=5.2" in text
    for extra in ("emulator", "docs", "dev"):
        assert f"Provides-Extra: {extra}" in text


@pytest.mark.timeout(300)
def test_wheel_installs_into_a_fresh_venv(dist: Path, tmp_path: Path) -> None:
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run([*pip, dist / WHEEL], tmp_path, timeout=240)

    imported = run(
        [python, "-c", "import anymail; print(anymail.__version__, anymail.__file__)"],
        tmp_path,
        timeout=60,
    )
    version, location = imported.split()
    assert version == anymail.__version__
    assert Path(location).is_relative_to(tmp_path / "venv")  # not this checkout

    backend = run([python, "-c", SEND_READY], tmp_path, timeout=60)
    assert backend.strip() == "https://send.api.mailtrap.io/api/"


#: The installed package works with Django: its app loads and the backend is built.
SEND_READY = """
import django
from django.conf import settings
settings.configure(INSTALLED_APPS=["anymail"])
django.setup()
from anymail.backends.mailtrap import EmailBackend
print(EmailBackend(api_token="token").api_url)
"""
