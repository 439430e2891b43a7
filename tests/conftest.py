"""Fixtures shared by the tests: the lecture's data, and the wheel and sdist built from this checkout."""

import subprocess
import sys
from pathlib import Path

import pytest

import teachkit as tk

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data():
    """The homework data, loaded once per test module (so no module sees another's changes)."""
    return tk.load_homework()


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> dict:
    """{"wheel": path, "sdist": path}, built once per test run with pyproject's backend (hatchling)."""
    out = tmp_path_factory.mktemp("dist")
    run = subprocess.run([sys.executable, "-m", "hatchling", "build", "-d", str(out)], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0, f"python -m hatchling build failed:\n{run.stdout}\n{run.stderr}"
    wheels, sdists = list(out.glob("teachkit-*.whl")), list(out.glob("teachkit-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0]}
