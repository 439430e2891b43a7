"""Binder: the repository builds and every lecture notebook runs the way mybinder.org does it.

repo2docker (Binder's builder), given binder/runtime.txt and binder/requirements.txt,
creates a Python 3.11 environment and runs, from the repository root,

    pip install --no-cache-dir -r binder/requirements.txt

and nothing else (no postBuild here, and no automatic install of the repository when a
binder/ folder exists). This test does the same in a fresh virtual environment in a
temporary folder, keeping pip's cache so that a second run takes seconds rather than
minutes, then checks what Binder users depend on:

- the pins of requirements.txt are what got installed, teachkit included (editable,
  from this checkout);
- JupyterLab lists the ipywidgets extension as enabled (prebuilt, no build step);
- the kernel that runs the notebooks is that environment's Python;
- every lecture notebook (notebooks/[0-9]*.ipynb) runs top to bottom;
- teachkit.widgets.ShrinkageExplorer imports.

The time and the size of the environment are written to build/binder-simulation.txt.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
NOTEBOOKS = sorted(glob.glob(str(ROOT / "notebooks" / "[0-9]*.ipynb")))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _pins(path: Path) -> dict[str, str]:
    """name -> version for every `name==version` line of a requirements file (names normalised)."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return pins


def _runtime_python() -> str:
    runtime = (BINDER / "runtime.txt").read_text().strip()  # e.g. python-3.11
    return "python" + runtime.removeprefix("python-")


# ----------------------------------------------------------------- the files, no install
def test_binder_folder_follows_repo2docker_conventions():
    # repo2docker picks its build pack from the files in binder/: an environment.yml
    # or a Dockerfile here would silently replace the pip install below.
    unexpected = {p.name for p in BINDER.iterdir()} - {"requirements.txt", "runtime.txt", "postBuild", "README.md"}
    assert not unexpected, f"binder/ holds {unexpected}: repo2docker would build differently"
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    assert not (BINDER / "postBuild").exists(), "no postBuild is needed: say why in the README if one is added"


def test_binder_requirements_are_the_top_level_pins():
    lines = [l.strip() for l in (BINDER / "requirements.txt").read_text().splitlines()
             if l.strip() and not l.strip().startswith("#")]
    # One source of truth: pip resolves this -r against binder/, and the `-e .` inside
    # requirements.txt against the working directory (the repository root, where
    # repo2docker runs pip), which is also requirements.txt's own folder.
    assert lines == ["-r ../requirements.txt"], lines
    top = [l.strip() for l in (ROOT / "requirements.txt").read_text().splitlines() if l.strip()]
    assert top[-1] == "-e .", "requirements.txt must end with `-e .` so that Binder installs teachkit"
    assert {"jupyterlab", "ipywidgets", "jupyterlab-widgets", "ipykernel"} <= set(_pins(ROOT / "requirements.txt"))


# ----------------------------------------------------------------- the simulated build
@pytest.fixture(scope="module")
def binder_env(tmp_path_factory):
    python = shutil.which(_runtime_python())
    if python is None:
        pytest.fail(f"{_runtime_python()} (binder/runtime.txt) is not on PATH: Binder's build cannot be simulated")
    tmp = tmp_path_factory.mktemp("binder")
    venv = tmp / "venv"
    # pip as repo2docker runs it: the machine's pip settings (index, certificates), no
    # virtual environment or PYTHONPATH of the test run leaking in.
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', os.defpath)}"
    start = time.monotonic()
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "-r", "binder/requirements.txt"],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    assert pip.returncode == 0, f"pip install -r binder/requirements.txt failed:\n{pip.stdout}\n{pip.stderr}"
    build_seconds = time.monotonic() - start
    size = subprocess.run(["du", "-sh", str(venv)], capture_output=True, text=True).stdout.split()[0]
    # Jupyter as a Binder user gets it: that environment's bin first on PATH, a home of its
    # own (no user-level kernels or settings of this machine), nothing else inherited.
    home = tmp / "home"
    home.mkdir()
    jupyter_env = {"HOME": str(home), "PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin",
                   "LANG": "C.UTF-8", "TMPDIR": str(tmp)}
    info = {"venv": venv, "tmp": tmp, "env": jupyter_env, "build_seconds": build_seconds, "size": size,
            "run_seconds": {}}
    yield info
    report = ROOT / "build" / "binder-simulation.txt"
    report.parent.mkdir(exist_ok=True)
    runs = "".join(f"  {name}: {s:.1f} s\n" for name, s in info["run_seconds"].items())
    report.write_text(f"venv + pip install -r binder/requirements.txt: {build_seconds:.1f} s (pip cache kept)\n"
                      f"du -sh of the environment: {size}\nnotebooks executed:\n{runs}")
    shutil.rmtree(venv, ignore_errors=True)


def _run(binder_env, *args, **kwargs):
    return subprocess.run([str(a) for a in args], cwd=ROOT, env=binder_env["env"], capture_output=True,
                          text=True, **kwargs)


def test_pins_are_installed(binder_env):
    """Everything requirements.txt pins, at that version; teachkit from this checkout."""
    script = ("import importlib.metadata as m, json, sys, teachkit; "
              "print(json.dumps({'versions': {d.metadata['Name']: d.version for d in m.distributions()}, "
              "'teachkit': teachkit.__file__, 'python': sys.version_info[:2]}))")
    out = _run(binder_env, binder_env["venv"] / "bin" / "python", "-c", script, check=True)
    report = json.loads(out.stdout)
    installed = {re.sub(r"[-_.]+", "-", k).lower(): v for k, v in report["versions"].items()}
    wrong = {name: (version, installed.get(name)) for name, version in _pins(ROOT / "requirements.txt").items()
             if installed.get(name) != version}
    assert not wrong, f"pinned vs installed: {wrong}"
    for name in ("jupyterlab", "ipywidgets", "jupyterlab-widgets"):
        assert installed[name] == _pins(ROOT / "requirements.txt")[name]
    assert report["python"] == [3, 11]
    assert Path(report["teachkit"]).resolve() == ROOT / "teachkit" / "__init__.py"


def test_widgets_extension_is_enabled(binder_env):
    out = _run(binder_env, binder_env["venv"] / "bin" / "jupyter", "labextension", "list")
    text = ANSI.sub("", out.stdout + out.stderr)
    lines = [l for l in text.splitlines() if "@jupyter-widgets/jupyterlab-manager" in l]
    assert lines and "enabled" in lines[0] and "OK" in lines[0], text


def test_kernel_is_the_binder_environment(binder_env):
    venv = binder_env["venv"]
    specs = json.loads(_run(binder_env, venv / "bin" / "jupyter", "kernelspec", "list", "--json",
                            check=True).stdout)["kernelspecs"]
    assert Path(specs["python3"]["resource_dir"]).is_relative_to(venv), specs
    # and a notebook executed the way the lecture notebooks are reports that Python
    import nbformat

    probe = binder_env["tmp"] / "probe.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys; print(sys.executable)")],
                                            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                     "language": "python"}}), probe)
    _run(binder_env, venv / "bin" / "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace", probe,
         check=True)
    printed = nbformat.read(probe, as_version=4).cells[0].outputs[0]["text"].strip()
    assert Path(printed).parent == venv / "bin", printed


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: Path(p).stem)
def test_notebook_runs_on_binder(binder_env, nb):
    out_dir = binder_env["tmp"] / "executed"
    start = time.monotonic()
    run = _run(binder_env, binder_env["venv"] / "bin" / "jupyter", "nbconvert", "--to", "notebook", "--execute",
               "--ExecutePreprocessor.kernel_name=python3", "--ExecutePreprocessor.timeout=600",
               "--output-dir", out_dir, nb)
    binder_env["run_seconds"][Path(nb).name] = time.monotonic() - start
    assert run.returncode == 0, f"{Path(nb).name} failed in the Binder environment:\n{ANSI.sub('', run.stderr)[-4000:]}"


def test_widgets_module_imports(binder_env):
    run = _run(binder_env, binder_env["venv"] / "bin" / "python", "-c",
               "import teachkit.widgets; print(teachkit.widgets.ShrinkageExplorer)")
    assert run.returncode == 0, run.stderr[-2000:]
