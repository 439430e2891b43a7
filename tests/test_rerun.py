"""The re-run check (conftest.py at the repository root) catches what it is there to catch.

Under ``pytest --nbval`` every lecture notebook is run top to bottom and then once more,
from its last code cell to its first, in the same kernel (conftest.py). Here two small
notebooks, executed and stored as a student would get them, go through that check: one
whose cells share a Generator (its re-run must fail), and the same notebook with a
Generator seeded in each cell (it must pass).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def _stored(path, sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, path)


def _nbval(path):
    # run inside the repository, so that pytest loads the repository's conftest.py
    return subprocess.run([sys.executable, "-m", "pytest", "--nbval", str(path), "-p", "no:cacheprovider",
                           "-q", "--rootdir", str(ROOT)], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture
def folder():
    where = ROOT / "build" / "rerun-check"
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    yield where
    shutil.rmtree(where, ignore_errors=True)


def test_a_shared_generator_fails_the_rerun(folder):
    shared = folder / "01_shared.ipynb"
    _stored(shared, ["import numpy as np\nrng = np.random.default_rng(1)",
                     "print(round(rng.normal(), 4))",
                     "print(round(rng.normal(), 4))"])
    run = _nbval(shared)
    assert run.returncode == 1, run.stdout + run.stderr
    failed = {line.split("::")[1].split(" - ")[0] for line in run.stdout.splitlines() if line.startswith("FAILED")}
    # top to bottom every cell matches; run again from the bottom, both drawing cells draw other numbers
    assert failed == {"Cell 1 (re-run)", "Cell 2 (re-run)"}, run.stdout


def test_a_generator_per_cell_passes_the_rerun(folder):
    own = folder / "01_own.ipynb"
    _stored(own, ["import numpy as np\nSEED = 1",
                  "rng = np.random.default_rng([SEED, 1])\nprint(round(rng.normal(), 4))",
                  "rng = np.random.default_rng([SEED, 2])\nprint(round(rng.normal(), 4))"])
    run = _nbval(own)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "6 passed" in run.stdout       # 3 cells, top to bottom and back


def test_printed_text_stored_in_two_chunks_passes_the_rerun(folder):
    """A cell whose stored output is two stream chunks (printing, a pause, printing again) passes
    both runs: nbval merges the stored chunks in place, so each run must compare its own copy."""
    chunks = folder / "01_chunks.ipynb"
    _stored(chunks, ["import sys, time\nprint('first line')\nsys.stdout.flush()\ntime.sleep(0.5)\nprint('second line')"])
    stored = nbformat.read(chunks, as_version=4).cells[0].outputs
    assert [o.get("name") for o in stored] == ["stdout", "stdout"]       # the case under test
    run = _nbval(chunks)
    assert run.returncode == 0 and "2 passed" in run.stdout, run.stdout + run.stderr


def test_only_lecture_notebooks_are_run_twice(folder):
    other = folder / "scratch.ipynb"
    _stored(other, ["import numpy as np\nrng = np.random.default_rng(1)", "print(round(rng.normal(), 4))"])
    run = _nbval(other)
    assert run.returncode == 0 and "2 passed" in run.stdout, run.stdout + run.stderr
