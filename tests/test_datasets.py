"""The data files ship inside the package and are found through importlib.resources."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import teachkit as tk
from teachkit import datasets

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", datasets.FILES)
def test_every_file_is_inside_the_package(name):
    path = datasets.path(name)
    assert path == ROOT / "teachkit" / "datasets" / name
    assert path.read_text(encoding="utf-8").count("\n") > 10


def test_the_survey_reads_as_grouped_data():
    survey = tk.GroupedData.from_csv(tk.datasets.path("my_survey.csv"), value="minutes", group="class")
    assert survey.labels == ("A", "B", "C", "D", "E", "F") and survey.n_total == 126


def test_unknown_name_is_refused():
    with pytest.raises(ValueError, match=r"teachkit ships no data file 'hours\.csv'; its data files are homework\.csv"):
        datasets.path("hours.csv")


def test_a_broken_install_says_to_reinstall(tmp_path):
    """A copy of the package without its CSV files, imported in a fresh interpreter."""
    shutil.copytree(ROOT / "teachkit", tmp_path / "teachkit", ignore=shutil.ignore_patterns("*.csv", "__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", "import teachkit; print(teachkit.__file__); teachkit.load_homework()"],
                         cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.stdout.strip() == str(tmp_path / "teachkit" / "__init__.py")   # the broken copy was the one used
    assert run.returncode != 0
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("FileNotFoundError: teachkit's data file homework.csv is missing"), last
    assert "reinstall teachkit" in last and "data/" not in last
