"""Binder: the repository builds and every lecture notebook runs the way mybinder.org does it.

repo2docker (Binder's builder) starts from its own base environment, which already holds
Jupyter: jupyterlab 4.4.9, notebook 7.4.7 and jupyterhub-singleuser 5.4.0 (its generated
environment, as `repo2docker --no-build --debug` lists it; see BASE). Given binder/runtime.txt
and binder/requirements.txt it then runs, from the repository root,

    pip install --no-cache-dir -r binder/requirements.txt

and nothing else (no postBuild here, and no automatic install of the repository when a
binder/ folder exists). This test does the same in a fresh Python 3.11 virtual environment
in a temporary folder: BASE first (jupyterhub-singleuser is conda-forge's name for the
jupyterhub package minus the hub; on PyPI it is jupyterhub), then binder/requirements.txt,
keeping pip's cache so that a second run takes seconds rather than minutes. It checks what
Binder users depend on:

- `pip check` passes: our pins coexist with the base (notebook 7.4.7 accepts only
  jupyterlab 4.4.x, which is why binder/requirements.txt leaves jupyterlab out);
- the pins of binder/requirements.txt are what got installed, teachkit included (editable,
  from this checkout), and the base's Jupyter is still there;
- `jupyter labextension list` marks no extension incompatible, and lists the ipywidgets
  extension as enabled (prebuilt, no build step);
- the kernel that runs the notebooks is that environment's Python;
- every lecture notebook (notebooks/[0-9]*.ipynb) runs top to bottom;
- teachkit.widgets.ShrinkageExplorer imports.

Docker is not available here, so repo2docker itself is not run. The time and the size of
the environment are written to build/binder-simulation.txt.
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
# repo2docker's base environment (pip names): what Binder has before our requirements.
BASE = {"jupyterlab": "4.4.9", "notebook": "7.4.7", "jupyterhub": "5.4.0"}


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


def _lines(path: Path) -> list[str]:
    return [l.strip() for l in path.read_text().splitlines() if l.strip() and not l.strip().startswith("#")]


def test_binder_requirements_are_the_top_level_pins_but_jupyterlab():
    # One source of truth: requirements.txt; `make binder/requirements.txt` (run by `make
    # freeze`) writes Binder's copy without the jupyterlab pin, which Binder's base decides.
    top = _lines(ROOT / "requirements.txt")
    assert _lines(BINDER / "requirements.txt") == [l for l in top if not l.startswith("jupyterlab==")], \
        "binder/requirements.txt is stale: run `make binder/requirements.txt`"
    assert top[-1] == "-e .", "requirements.txt must end with `-e .` so that Binder installs teachkit"
    assert {"jupyterlab", "ipywidgets", "jupyterlab-widgets", "ipykernel"} <= set(_pins(ROOT / "requirements.txt"))
    assert "jupyterlab" not in _pins(BINDER / "requirements.txt")


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
    base = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet",
                           *[f"{name}=={version}" for name, version in BASE.items()]],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert base.returncode == 0, f"installing Binder's base {BASE} failed:\n{base.stdout}\n{base.stderr}"
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
    report.write_text(f"venv + Binder's base {BASE} + pip install -r binder/requirements.txt: {build_seconds:.1f} s "
                      "(pip cache kept)\n"
                      f"du -sh of the environment: {size}\nnotebooks executed:\n{runs}")
    shutil.rmtree(venv, ignore_errors=True)


def _run(binder_env, *args, **kwargs):
    return subprocess.run([str(a) for a in args], cwd=ROOT, env=binder_env["env"], capture_output=True,
                          text=True, **kwargs)


def test_pip_check_passes(binder_env):
    out = _run(binder_env, binder_env["venv"] / "bin" / "python", "-m", "pip", "check")
    assert out.returncode == 0, f"pip check, Binder's base + binder/requirements.txt:\n{out.stdout}{out.stderr}"


def test_pins_are_installed(binder_env):
    """Everything binder/requirements.txt pins, at that version; the base's Jupyter; teachkit from this checkout."""
    script = ("import importlib.metadata as m, json, sys, teachkit; "
              "print(json.dumps({'versions': {d.metadata['Name']: d.version for d in m.distributions()}, "
              "'teachkit': teachkit.__file__, 'python': sys.version_info[:2]}))")
    out = _run(binder_env, binder_env["venv"] / "bin" / "python", "-c", script, check=True)
    report = json.loads(out.stdout)
    installed = {re.sub(r"[-_.]+", "-", k).lower(): v for k, v in report["versions"].items()}
    wanted = {**_pins(BINDER / "requirements.txt"), **BASE}
    wrong = {name: (version, installed.get(name)) for name, version in wanted.items()
             if installed.get(name) != version}
    assert not wrong, f"wanted vs installed: {wrong}"
    for name in ("ipywidgets", "jupyterlab-widgets"):
        assert installed[name] == _pins(ROOT / "requirements.txt")[name]
    assert report["python"] == [3, 11]
    assert Path(report["teachkit"]).resolve() == ROOT / "teachkit" / "__init__.py"


def test_no_lab_extension_is_incompatible(binder_env):
    out = _run(binder_env, binder_env["venv"] / "bin" / "jupyter", "labextension", "list")
    text = ANSI.sub("", out.stdout + out.stderr)
    assert out.returncode == 0, text
    assert "incompatible" not in text.lower() and "outdated" not in text.lower(), text
    listed = [l.split() for l in text.splitlines() if re.match(r"\s+@?[\w-]+(/[\w-]+)? v\d", l)]
    assert len(listed) >= 3, text          # notebook's, the widgets', and JupyterLab's own
    assert all("OK" in fields for fields in listed), text
    names = {fields[0] for fields in listed}
    assert {"@jupyter-notebook/lab-extension", "@jupyter-widgets/jupyterlab-manager"} <= names, text


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
