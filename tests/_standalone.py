"""Run a notebook the way a student gets it: the only file in an empty folder, with a given
Python (whose environment must hold teachkit, ipykernel and whatever the notebook imports).

Used by test_standalone.py (our pins, teachkit from the wheel) and test_colab.py (Colab's
versions). The kernel gets a clean environment: that Python's bin/ first on PATH, a home of
its own, and PYTHONPATH only when given, so neither this checkout nor the test run's
virtual environment can leak in.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
SOLUTIONS = sorted((ROOT / "notebooks" / "exercises" / "solutions").glob("ex*.ipynb"))
STUDENTS = sorted((ROOT / "notebooks" / "exercises").glob("ex*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def colab_python() -> tuple[Path | None, str]:
    """(pyenv's Python 3.13 interpreter, or None; where it was looked for)."""
    root = os.environ.get("PYENV_ROOT")
    if not root and shutil.which("pyenv"):
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    root = root or str(Path.home() / ".pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", "3.13*", "bin", "python3")))
    return (Path(found[-1]) if found else None), os.path.join(root, "versions", "3.13*", "bin", "python3")


def label(path: Path) -> str:
    return path.relative_to(ROOT / "notebooks").with_suffix("").as_posix()


def kernel_manager(python: Path, home: Path, pythonpath: Path | None = None) -> tuple[AsyncKernelManager, dict]:
    """A kernel manager for ``python`` (a kernelspec of our own in ``home``) and the environment to start it in."""
    specs = home / "kernels"
    (specs / "standalone").mkdir(parents=True, exist_ok=True)
    (specs / "standalone" / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"standalone ({python})", "language": "python"}))
    env = {"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "TMPDIR": str(home)}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    km = AsyncKernelManager(kernel_name="standalone", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)]))
    return km, env


def run_alone(notebook: Path, python: Path, tmp: Path, pythonpath: Path | None = None, timeout: int = 900):
    """Execute ``notebook`` as the only file of a new folder under ``tmp``.

    Returns (executed notebook, seconds, problems): ``problems`` lists every error output
    (the cell and the traceback's last line); empty when the notebook ran to its end.
    """
    folder = tmp / notebook.stem
    folder.mkdir(parents=True)
    shutil.copy(notebook, folder / notebook.name)
    nb = nbformat.read(folder / notebook.name, as_version=4)
    km, env = kernel_manager(python, tmp / f"{notebook.stem}-home", pythonpath)
    client = NotebookClient(nb, km=km, timeout=timeout, allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    start = time.monotonic()
    try:
        client.execute(env=env, cwd=str(folder))
    except CellExecutionError as err:      # not raised with allow_errors, but be plain about it
        return nb, time.monotonic() - start, [str(err)[-2000:]]
    seconds = time.monotonic() - start
    problems = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {i} ({cell.get('id')}): {out['ename']}: {out['evalue']}\n"
                                f"{''.join(cell.source)[:300]}")
    return nb, seconds, problems


def outputs(nb, mime: str | None = None):
    """Every output of every code cell (with ``mime``, only those carrying that data type)."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if mime is None or mime in out.get("data", {}):
                yield cell, out


def stream_text(nb) -> str:
    return "".join(out.get("text", "") for _, out in outputs(nb) if out.get("output_type") == "stream")
