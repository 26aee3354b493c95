"""`mailtrap-emulator` without the `emulator` extra: one line saying what to install, exit 2.

The extra's packages are installed here, so a sitecustomize on PYTHONPATH hides one of them
from the subprocess, as if it were missing (None in sys.modules makes its import fail).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("mailtrap-emulator")
HINT = 'pip install "anymail-mailtrap[emulator]"'


def run_without(
    module: str, command: list[str], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "sitecustomize.py").write_text(f"import sys\nsys.modules[{module!r}] = None\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run(
        [*command, "--port", "0", "--db", ":memory:"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("module", ["uvicorn", "starlette", "jinja2"])
def test_python_m_says_which_extra_to_install(module: str, tmp_path: Path) -> None:
    result = run_without(module, [sys.executable, "-m", "mailtrap_emulator"], tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"mailtrap-emulator: {module} is not installed; the emulator needs the emulator"
        f" extra: {HINT}"
    ]


@pytest.mark.skipif(not SCRIPT.exists(), reason="no mailtrap-emulator script beside python")
def test_console_script_says_which_extra_to_install(tmp_path: Path) -> None:
    result = run_without("uvicorn", [str(SCRIPT)], tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().endswith(HINT)


def test_a_missing_module_outside_the_extra_still_raises(tmp_path: Path) -> None:
    # Only the extra's modules get the hint: anything else missing is a bug to show in full.
    result = run_without(
        "mailtrap_emulator.faults", [sys.executable, "-m", "mailtrap_emulator"], tmp_path
    )
    assert result.returncode == 1
    assert "ModuleNotFoundError" in result.stderr
    assert HINT not in result.stderr
