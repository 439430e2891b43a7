"""Every lecture notebook and exercise runs when it is the only file in an empty folder and
teachkit comes from the wheel (what "download .ipynb" or "Open in Colab" gives a student).

Here with our pinned versions: this test run's Python, with the wheel installed into a folder
of its own that comes first on the kernel's PYTHONPATH (so the wheel's teachkit, not this
checkout's editable one, is imported: the first test checks that). tests/test_colab.py runs
the same notebooks with Colab's versions; the lecture notebooks and solutions run here only
when that environment cannot be built (they take minutes, and one standalone run of each is
the point), the student exercises always.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from _standalone import LECTURES, SOLUTIONS, STUDENTS, colab_python, label, run_alone, stream_text

PYTHON = Path(sys.executable)


@pytest.fixture(scope="module")
def wheel_site(dist, tmp_path_factory):
    site = tmp_path_factory.mktemp("wheel-site")
    run = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
                          str(dist["wheel"])], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return site


def test_the_kernel_imports_teachkit_from_the_wheel(wheel_site, tmp_path):
    run = subprocess.run([sys.executable, "-c", "import teachkit, teachkit.datasets as d; "
                          "print(teachkit.__file__); print(d.path('homework.csv'))"],
                         cwd=tmp_path, env={"PYTHONPATH": str(wheel_site), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [str(wheel_site / "teachkit" / "__init__.py"),
                                  str(wheel_site / "teachkit" / "datasets" / "homework.csv")]


def _covered_by_colab():
    python, reason = colab_python()
    return python is not None


@pytest.mark.parametrize("notebook", LECTURES + SOLUTIONS + STUDENTS, ids=label)
def test_runs_alone(notebook, wheel_site, tmp_path):
    if notebook not in STUDENTS and _covered_by_colab():
        pytest.skip("run alone, from the wheel, by tests/test_colab.py (Colab's versions)")
    nb, seconds, problems = run_alone(notebook, PYTHON, tmp_path, pythonpath=wheel_site)
    assert not problems, f"{notebook.name} alone in an empty folder:\n" + "\n".join(problems)
    text = stream_text(nb)
    if notebook in STUDENTS:
        assert "✗" in text   # the stubs ran, and the checks said "not yet"
    elif notebook in SOLUTIONS:
        assert "✗" not in text, text[-3000:]


@pytest.mark.parametrize("notebook", LECTURES + SOLUTIONS + STUDENTS, ids=label)
def test_no_code_cell_names_a_file_beside_the_notebook(notebook):
    """Files come through the API (tk.load_homework(), tk.datasets.path(NAME)), never by a path."""
    import json
    import re

    literal = re.compile(r"""(?<!datasets\.path\()["'][^"'\s]+\.(?:csv|tsv|txt|json|xlsx?|parquet|npz?|pkl)["']""")
    for i, cell in enumerate(json.loads(notebook.read_text(encoding="utf-8"))["cells"]):
        if cell["cell_type"] == "code":
            found = literal.findall("".join(cell["source"]))
            assert not found, f"{notebook.name} cell {i} reads {found} by a path"
