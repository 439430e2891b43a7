"""Google Colab, as near as this machine gets: Python 3.13 and Colab's package versions.

Colab's image (see the issue and /work/shared/notes): Python 3.13 with the versions in
COLAB below. The environment is built once per Python and set of versions and kept in
~/.cache/teachkit-tests/colab-env-<key>/ (CACHE below: a few minutes the first time,
seconds afterwards; delete it to rebuild). Then:

- `pip install --dry-run` of the teachkit wheel would install teachkit and the two packages
  of the accessible explorer that Colab lacks (anywidget and psygnal), and upgrade or
  downgrade nothing (on Colab, an upgraded numpy needs a runtime restart);
- teachkit is installed from the wheel, and every lecture notebook, exercise solution and
  student exercise runs alone in an empty folder with that environment's kernel;
- notebook 05b shows the shrinkage explorer (a widget-view output) without a traceback.

The dry-run's output and the timings go to build/colab-report.txt (and pip's report of the
dry run to build/colab-dry-run.json).
Python 3.13 comes from pyenv (its interpreter under $(pyenv root)/versions/3.13*/, not the
shim); without it the tests skip and say so.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from _standalone import (LECTURES, ROOT, SOLUTIONS, STUDENTS, WIDGET_VIEW, colab_python, label, outputs,
                         run_alone, stream_text)

COLAB = {"ipywidgets": "7.7.1", "widgetsnbextension": "3.6.10", "ipykernel": "6.17.1", "ipython": "7.34.0",
         "numpy": "2.1.3", "pandas": "2.2.3", "scipy": "1.16.3", "matplotlib": "3.10.0",
         "statsmodels": "0.14.5"}   # statsmodels: assumed (Colab ships a 0.14 release; not checked on Colab itself)
REPORT = ROOT / "build" / "colab-report.txt"
# Where the environment is kept between runs: outside the clone, like pip's cache, so that
# CI's fresh clones on the same machine reuse it (TEACHKIT_TEST_CACHE overrides the place).
CACHE = Path(os.environ.get("TEACHKIT_TEST_CACHE")
             or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "teachkit-tests")


def _clean_env(venv: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', os.defpath)}"
    return env


def _pip(venv: Path, *args, check=True) -> subprocess.CompletedProcess:
    run = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", *map(str, args)], env=_clean_env(venv),
                         capture_output=True, text=True)
    if check:
        assert run.returncode == 0, f"pip {' '.join(map(str, args))} failed:\n{run.stdout}\n{run.stderr}"
    return run


def _name(name: str) -> str:
    """A distribution name as _versions writes it."""
    return name.lower().replace("_", "-")


def _versions(venv: Path) -> dict:
    code = ("import importlib.metadata as m, json; "
            "print(json.dumps({d.metadata['Name'].lower().replace('_', '-'): d.version for d in m.distributions()}))")
    run = subprocess.run([str(venv / "bin" / "python"), "-c", code], env=_clean_env(venv), capture_output=True,
                         text=True, check=True)
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def colab_env(dist):
    python, where = colab_python()
    if python is None:
        pytest.skip(f"Colab runs Python 3.13 and none was found at {where} "
                    "(install it with `pyenv install 3.13`); the Colab-like environment cannot be built")
    version = subprocess.run([str(python), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    key = hashlib.sha256(json.dumps([version, COLAB], sort_keys=True).encode()).hexdigest()[:12]
    venv = CACHE / f"colab-env-{key}"
    stamp = venv / ".complete"
    built = json.loads(stamp.read_text()).get("packages") if stamp.is_file() else None
    if built is None:                 # built once per Python and versions; a half-built one is rebuilt
        shutil.rmtree(venv, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(python), "-m", "venv", str(venv)], check=True)
        _pip(venv, "install", "--quiet", *[f"{name}=={v}" for name, v in COLAB.items()])
        built = _versions(venv)
        stamp.write_text(json.dumps({"python": version, **COLAB, "packages": built}, indent=1) + "\n")
    # An earlier run installed teachkit and what it brings (anywidget, psygnal): start from Colab's set again.
    extra = sorted(set(_versions(venv)) - set(built))
    if extra:
        _pip(venv, "uninstall", "--yes", *extra)
    installed = _versions(venv)
    assert "teachkit" not in installed
    wrong = {n: (v, installed.get(n)) for n, v in COLAB.items() if installed.get(n) != v}
    assert not wrong, f"Colab's version vs installed: {wrong}"
    info = {"venv": venv, "python": version, "before": installed, "lines": [], "seconds": {}}
    yield info
    REPORT.parent.mkdir(exist_ok=True)
    runs = "".join(f"  {name}: {s:.1f} s\n" for name, s in info["seconds"].items())
    REPORT.write_text(f"Colab-like environment: Python {version}, {venv.name}\n" + "\n".join(info["lines"])
                      + f"\nnotebooks run alone:\n{runs}")


@pytest.fixture(scope="module")
def colab_with_teachkit(colab_env, dist):
    """The dry run first, then teachkit installed from the wheel, as Colab's set-up cell would."""
    venv = colab_env["venv"]
    report = ROOT / "build" / "colab-dry-run.json"
    report.parent.mkdir(exist_ok=True)
    dry = _pip(venv, "install", "--dry-run", "--report", report, dist["wheel"])
    colab_env["dry_run"] = dry.stdout
    colab_env["dry_run_report"] = json.loads(report.read_text())
    colab_env["lines"] += [f"$ pip install --dry-run {dist['wheel'].name}", dry.stdout.strip()]
    _pip(venv, "install", "--quiet", dist["wheel"])
    after = _versions(venv)
    assert after.pop("teachkit") == "0.1.0"
    return colab_env


# What installing teachkit adds to Colab besides itself: the explorer's accessible controls are
# an anywidget (ipywidgets' own sliders cannot carry aria-valuetext or an accessible name).
ADDED = {"anywidget", "psygnal"}


def test_dry_run_adds_teachkit_and_replaces_nothing(colab_with_teachkit):
    env = colab_with_teachkit
    wanted = {_name(item["metadata"]["name"]) for item in env["dry_run_report"]["install"]}
    assert wanted == {"teachkit"} | ADDED, f"installing the wheel on Colab would install {sorted(wanted)}:\n{env['dry_run']}"
    replaced = wanted & set(env["before"])
    assert not replaced, f"installing the wheel on Colab would replace {sorted(replaced)}:\n{env['dry_run']}"
    assert "teachkit-0.1.0" in env["dry_run"], env["dry_run"]


def test_colab_versions_are_untouched(colab_with_teachkit):
    after = _versions(colab_with_teachkit["venv"])
    for name in {"teachkit"} | ADDED:
        after.pop(name)
    assert after == colab_with_teachkit["before"]


def test_setup_cell_skips_outside_colab(colab_with_teachkit, tmp_path):
    """The set-up cell, run with Colab's Python but without google.colab, installs nothing."""
    nb = json.loads((ROOT / "notebooks" / "01_data.ipynb").read_text(encoding="utf-8"))
    code = "".join(next(c for c in nb["cells"] if c.get("id") == "colab-setup")["source"])
    venv = colab_with_teachkit["venv"]
    run = subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=tmp_path, env=_clean_env(venv),
                         capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout == "" and run.stderr == "", run.stderr


@pytest.mark.parametrize("notebook", LECTURES + SOLUTIONS + STUDENTS, ids=label)
def test_notebook_runs_alone_on_colab_versions(colab_with_teachkit, notebook, tmp_path):
    venv = colab_with_teachkit["venv"]
    nb, seconds, problems = run_alone(notebook, venv / "bin" / "python", tmp_path)
    colab_with_teachkit["seconds"][label(notebook)] = seconds
    assert not problems, f"{notebook.name} alone, Colab's versions:\n" + "\n".join(problems)
    text = stream_text(nb)
    if notebook in SOLUTIONS:
        assert "✗" not in text, text[-3000:]       # every check of a solution passes here too
    if notebook in STUDENTS:
        assert "✗" in text                          # stubs ran; the checks said "not yet"
    if notebook.name == "05b_shrinkage_explorer.ipynb":
        views = [out for _, out in outputs(nb, WIDGET_VIEW)]
        assert views, "05b showed no widget under ipywidgets 7.7.1"
        assert all(out["data"][WIDGET_VIEW]["model_id"] for out in views)
        assert not [out for _, out in outputs(nb) if out.get("name") == "stderr" and "Traceback" in out["text"]]
