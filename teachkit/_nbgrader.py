"""The exercises as an nbgrader course (``python -m teachkit.exercises nbgrader``).

From every solution notebook ``notebooks/exercises/solutions/ex*.ipynb`` (by glob) this writes
``<course>/source/<name>/<name>.ipynb`` with nbgrader's cell metadata, and the course's
``nbgrader_config.py``:

* a code cell with a solution region is an answer cell (``solution``); nbgrader's release
  replaces each region with the stub ``teachkit.exercises`` writes (``name = ...``), through
  :class:`teachkit._nbgrader_stubs.ClearSolutionsToStubs`, so the released notebook is the
  student notebook of ``make exercises`` and runs to its end with ✗ hints;
* a markdown cell with a solution region is a manually graded answer (``written`` points);
* a cell that calls ``check.<name>(...)`` is an autograder test cell worth the points of
  ``<name>`` in ``grading/points.toml``. Its released source is unchanged; the grader's copy wraps
  the call in ``assert (...)`` between hidden-test markers, so a task whose check prints ✗ raises
  at grading time and earns nothing, and one that prints ✓ earns its points;
* each hidden test of the exercise's ``hidden`` table is a test cell of its own after the check
  named by ``after``, calling ``teachkit_hidden.<test>(globals())`` inside hidden-test markers;
* every other cell is read-only (nbgrader restores it from the source when grading);
* cells tagged ``solution-only`` are left out.

Only the standard library is used: nbgrader is needed to release and grade, not to build.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

from teachkit.exercises import MARKDOWN_STUB, SOLUTION_ONLY_TAG, _lines, _source, dumps, has_solution

HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
HIDDEN_MODULE = "teachkit_hidden"
INSTRUCTOR_DIR = "instructor"
CHECK_CALL = re.compile(r"\bcheck\.(\w+)\(")
CELL_TIMEOUT = 30            # seconds a cell may run while grading (nbgrader's default)
HIDDEN_NOTE = "# Hidden tests run here when your notebook is graded."
ASSERT_MESSAGE = "not right yet: the ✗ lines above say what is off"


def _grader(grade_id, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


def graded_check_source(source: str) -> str:
    """A check cell's source for the grader: ``assert (<source>), message``, the added lines
    between hidden-test markers, so that the released cell is ``source`` itself."""
    return "\n".join([HIDDEN_BEGIN, "assert (", HIDDEN_END, source.rstrip("\n"),
                      HIDDEN_BEGIN, f"), {ASSERT_MESSAGE!r}", HIDDEN_END])


def hidden_test_source(test: str) -> str:
    return "\n".join([HIDDEN_NOTE, HIDDEN_BEGIN, f"import {HIDDEN_MODULE}",
                      f"{HIDDEN_MODULE}.{test}(globals())", HIDDEN_END])


def _table(points: dict, name: str) -> dict:
    if name not in points:
        raise ValueError(f"grading/points.toml has no [{name}] table: give the points of each check "
                         f"that {name}.ipynb calls (and `written`)")
    return points[name]


def _check_points(table: dict, name: str, called: list[str]) -> None:
    """Every check the notebook calls has points, and every entry of the table is used."""
    bad = [k for k, v in table.items() if k != "hidden" and (isinstance(v, bool) or not isinstance(v, (int, float))
                                                             or v < 0)]
    if bad:
        raise ValueError(f"grading/points.toml [{name}]: {', '.join(bad)} must be a number of points >= 0")
    missing = sorted(set(called) - set(table))
    unused = sorted(set(table) - set(called) - {"written", "hidden"})
    if missing:
        raise ValueError(f"grading/points.toml [{name}]: no points for check(s) {', '.join(missing)}")
    if unused:
        raise ValueError(f"grading/points.toml [{name}]: {', '.join(unused)} is not a check {name}.ipynb calls")
    for test, spec in table.get("hidden", {}).items():
        if not isinstance(spec, dict) or spec.get("after") not in called or not isinstance(spec.get("points"), (int, float)):
            raise ValueError(f"grading/points.toml [{name}.hidden] {test}: needs `points` and `after`, "
                             f"a check {name}.ipynb calls, got {spec!r}")


def source_notebook(nb: dict, name: str, points: dict) -> dict:
    """The nbgrader source version of a solution notebook (a dict as read from .ipynb JSON)."""
    table = _table(points, name)
    cells = [c for c in nb.get("cells", []) if SOLUTION_ONLY_TAG not in c.get("metadata", {}).get("tags", [])]
    called = [m for c in cells if c.get("cell_type") == "code" and not has_solution(_source(c))
              for m in CHECK_CALL.findall(_source(c))]
    _check_points(table, name, called)
    hidden = table.get("hidden", {})
    out = []
    for i, cell in enumerate(cells):
        src, kind = _source(cell), cell.get("cell_type")
        grade_id = cell.get("id") or f"{name}-cell-{i}"
        calls = CHECK_CALL.findall(src) if kind == "code" else []
        if has_solution(src) and kind == "markdown":
            meta = _grader(grade_id, grade=True, solution=True, points=table.get("written", 0))
        elif has_solution(src):
            meta = _grader(grade_id, solution=True)
        elif calls:
            meta = _grader(grade_id, grade=True, locked=True, points=sum(table[c] for c in calls))
            src = graded_check_source(src)
        else:
            meta = _grader(grade_id, locked=True)
        out.append(_cell(cell, src, meta))
        for test, spec in hidden.items():
            if spec["after"] in calls:
                hidden_id = f"hidden-{test}"[:64]
                meta = _grader(hidden_id, grade=True, locked=True, points=spec["points"])
                out.append({"cell_type": "code", "execution_count": None, "id": hidden_id,
                            "metadata": {"nbgrader": meta}, "outputs": [],
                            "source": _lines(hidden_test_source(test))})
    meta = {k: nb["metadata"][k] for k in ("kernelspec", "language_info") if k in nb.get("metadata", {})}
    return {"cells": out, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


def _cell(cell: dict, src: str, nbgrader: dict) -> dict:
    meta = {k: v for k, v in cell.get("metadata", {}).items() if k not in ("execution", "collapsed", "scrolled")}
    meta["nbgrader"] = nbgrader
    new = {"cell_type": cell["cell_type"], "metadata": meta, "source": _lines(src)}
    if "id" in cell:
        new["id"] = cell["id"]
    if cell["cell_type"] == "code":
        new["execution_count"], new["outputs"] = None, []
    return new


CONFIG = '''\
"""nbgrader's configuration for the teachkit exercises (written by `python -m teachkit.exercises
nbgrader`; run nbgrader from this folder)."""
import os
from pathlib import Path

c = get_config()  # noqa: F821 (nbgrader provides it)
HERE = Path(__file__).resolve().parent

c.CourseDirectory.root = str(HERE)
c.CourseDirectory.db_url = "sqlite:///" + str(HERE / "gradebook.db")

# The release keeps teachkit's stubs (`name = ...`, a # TODO line) instead of nbgrader's
# `raise NotImplementedError()`, so a student's notebook runs to its end with a ✗ hint per task.
c.GenerateAssignment.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter", "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells", "teachkit._nbgrader_stubs.ClearSolutionsToStubs",
    "nbgrader.preprocessors.ClearOutput", "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums", "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests", "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums", "nbgrader.preprocessors.CheckCellMetadata",
]
c.ClearSolutions.text_stub = {markdown_stub!r}

# Grading: a cell that runs longer than this is interrupted and the rest of the notebook runs.
c.Execute.timeout = {timeout}
# A graded cell the student deleted is put back from the source before grading.
c.OverwriteCells.add_missing_cells = True
# Feedback shows the notebook as the student saw it: without the hidden tests.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades", "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
# The hidden tests (instructor/{module}.py) are importable by the grading kernel only.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(HERE / "{instructor}"), os.environ.get("PYTHONPATH", "")) if p)
'''


def write_config(course: Path, timeout: int = CELL_TIMEOUT) -> Path:
    path = course / "nbgrader_config.py"
    path.write_text(CONFIG.format(markdown_stub=MARKDOWN_STUB, timeout=int(timeout), module=HIDDEN_MODULE,
                                  instructor=INSTRUCTOR_DIR), encoding="utf-8")
    return path


def build_course(src_dir, course, points_file, hidden_module, *, timeout: int = CELL_TIMEOUT) -> list[Path]:
    """Write the nbgrader course ``course`` from the solution notebooks in ``src_dir``, with the
    points of ``points_file`` and the hidden tests of ``hidden_module``. Returns the paths written."""
    src_dir, course = Path(src_dir), Path(course)
    if not src_dir.is_dir():
        raise FileNotFoundError(f"no solutions folder at {src_dir}")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise ValueError(f"build_course: timeout must be a whole number of seconds >= 1, got {timeout!r}")
    points = tomllib.loads(Path(points_file).read_text(encoding="utf-8"))
    notebooks = sorted(src_dir.glob("ex*.ipynb"))
    sources = {p.stem: source_notebook(json.loads(p.read_text(encoding="utf-8")), p.stem, points) for p in notebooks}
    written = []
    for name, nb in sources.items():
        folder = course / "source" / name
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{name}.ipynb"
        target.write_text(dumps(nb), encoding="utf-8", newline="\n")
        written.append(target)
        for data in sorted(p for p in src_dir.iterdir() if p.suffix == ".csv" and p.is_file()):
            shutil.copyfile(data, folder / data.name)
            written.append(folder / data.name)
    (course / INSTRUCTOR_DIR).mkdir(parents=True, exist_ok=True)
    written.append(Path(shutil.copyfile(hidden_module, course / INSTRUCTOR_DIR / f"{HIDDEN_MODULE}.py")))
    written.append(write_config(course, timeout))
    return written
