"""The exercises as an nbgrader course, and a class graded for real.

The unit tests read the course that `python -m teachkit.exercises nbgrader` writes. The grading run
(one session-scoped fixture, `graded`) releases every exercise with nbgrader 0.9.6 and its SQLite
gradebook, hands in seven simulated submissions per exercise, autogrades them, writes their
feedback and exports the gradebook to CSV with `nbgrader export`; the tests then read the scores,
the feedback pages and the released notebooks. Its cost in `make test`: about seven runs of each
solution notebook, plus one time limit per exercise (see CELL_TIMEOUT).
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from teachkit import _nbgrader, exercises

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "notebooks" / "exercises" / "solutions").glob("ex*.ipynb"))
EXERCISES = [p.stem for p in SOLUTIONS]
POINTS = ROOT / "grading" / "points.toml"
HIDDEN = ROOT / "grading" / "teachkit_hidden.py"
BIN = Path(sys.executable).parent
CELL_TIMEOUT = 12          # seconds: the longest cell of a solution takes about 4 s on this machine
STUDENTS = ["correct", "wrong", "blank", "deleted", "raises", "loops", "seed"]


def load(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def grader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


# ------------------------------------------------------------------ the course, without nbgrader
@pytest.fixture(scope="module")
def course(tmp_path_factory):
    folder = tmp_path_factory.mktemp("course")
    _nbgrader.build_course(SOLUTIONS[0].parent, folder, POINTS, HIDDEN, timeout=CELL_TIMEOUT)
    return folder


def source_nb(course, name):
    return load(course / "source" / name / f"{name}.ipynb")


@pytest.mark.parametrize("name", EXERCISES)
def test_every_check_is_a_test_cell_worth_its_points(course, name):
    import tomllib

    table = tomllib.loads(POINTS.read_text())[name]
    nb = source_nb(course, name)
    for cell in nb["cells"]:
        meta, src = grader(cell), source(cell)
        assert meta and meta["schema_version"] == 3, cell.get("id")
        calls = _nbgrader.CHECK_CALL.findall(src) if cell["cell_type"] == "code" else []
        if exercises.has_solution(src):
            assert meta["solution"] and meta["grade"] == (cell["cell_type"] == "markdown")
            if meta["grade"]:
                assert meta["points"] == table["written"]
        elif calls:
            assert meta["grade"] and meta["locked"] and meta["points"] == sum(table[c] for c in calls)
            assert src.startswith(_nbgrader.HIDDEN_BEGIN + "\nassert (\n")
        elif cell["id"].startswith("hidden-"):
            assert meta["grade"] and meta["points"] == table["hidden"][cell["id"][len("hidden-"):]]["points"]
        else:
            assert meta["locked"] and not meta["grade"] and not meta["solution"]


def test_command_line_writes_a_course_of_every_solution_notebook(tmp_path):
    result = subprocess.run([sys.executable, "-m", "teachkit.exercises", "nbgrader", "--course", str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "source").iterdir()) == EXERCISES
    assert (tmp_path / "instructor" / "teachkit_hidden.py").read_text() == HIDDEN.read_text()
    assert "c.Execute.timeout = 30" in (tmp_path / "nbgrader_config.py").read_text()


def test_a_new_exercise_is_found_and_needs_its_points(tmp_path):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    for path in SOLUTIONS:
        (solutions / path.name).write_bytes(path.read_bytes())
    (solutions / "ex10_new.ipynb").write_bytes(SOLUTIONS[0].read_bytes())
    result = subprocess.run([sys.executable, "-m", "teachkit.exercises", "nbgrader", "--src", str(solutions),
                             "--course", str(tmp_path / "course")], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1 and "no [ex10_new] table" in result.stderr, result.stderr


def test_the_graded_check_asserts_what_the_student_sees():
    """The released check cell is the student's; the grader's raises exactly when the check says ✗."""
    from nbformat.v4 import new_code_cell
    from nbgrader.preprocessors import ClearHiddenTests

    graded = _nbgrader.graded_check_source("check.pooled_statistics(n, ybar, ss)")
    cell = new_code_cell(graded, metadata={"nbgrader": {"grade": True, "grade_id": "x", "points": 1}})
    released, _ = ClearHiddenTests().preprocess_cell(cell, {}, 0)
    assert released.source == "check.pooled_statistics(n, ybar, ss)"
    for verdict in (True, False):
        namespace = {"check": type("C", (), {"pooled_statistics": staticmethod(lambda *a: verdict)}),
                     "n": 1, "ybar": 2, "ss": 3}
        if verdict:
            exec(graded, namespace)
        else:
            with pytest.raises(AssertionError, match="not right yet"):
                exec(graded, namespace)


def test_a_points_table_must_fit_its_notebook(tmp_path):
    nb = load(SOLUTIONS[0])
    name = SOLUTIONS[0].stem
    with pytest.raises(ValueError, match=rf"no \[{name}\] table"):
        _nbgrader.source_notebook(nb, name, {})
    with pytest.raises(ValueError, match="no points for check"):
        _nbgrader.source_notebook(nb, name, {name: {"written": 1}})
    import tomllib

    table = tomllib.loads(POINTS.read_text())[name]
    with pytest.raises(ValueError, match="not_a_check is not a check"):
        _nbgrader.source_notebook(nb, name, {name: {**table, "not_a_check": 1}})
    with pytest.raises(ValueError, match="must be a number"):
        _nbgrader.source_notebook(nb, name, {name: {**table, "written": "one"}})
    with pytest.raises(ValueError, match="timeout must be"):
        _nbgrader.build_course(SOLUTIONS[0].parent, tmp_path, POINTS, HIDDEN, timeout=0)


def test_the_hidden_tests_are_not_in_the_wheel(dist):
    with zipfile.ZipFile(dist["wheel"]) as whl:
        text = "\n".join(whl.read(n).decode("utf-8", "replace") for n in whl.namelist())
    assert not any(n.endswith("teachkit_hidden.py") for n in zipfile.ZipFile(dist["wheel"]).namelist())
    leaked = [line for line in hidden_lines() if line in text]
    assert not leaked, leaked


def functions_of(path) -> dict:
    """The namespace of a notebook's imports and function definitions (no fits: cheap)."""
    namespace = {}
    for cell in load(path)["cells"]:
        text = source(cell)
        if cell["cell_type"] == "code" and re.search(r"^(def |import |from )", text, re.M) and "check." not in text:
            exec(text, namespace)
    return namespace


HIDDEN_TESTS = [(name, test) for name in EXERCISES
                for test in __import__("tomllib").loads(POINTS.read_text())[name].get("hidden", {})]


@pytest.mark.parametrize(("name", "test"), HIDDEN_TESTS)
def test_a_hidden_test_passes_the_solution_and_fails_the_stub(name, test, capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(HIDDEN.parent))
    hidden = __import__(_nbgrader.HIDDEN_MODULE)
    getattr(hidden, test)(functions_of(ROOT / "notebooks" / "exercises" / "solutions" / f"{name}.ipynb"))
    out = capsys.readouterr()
    assert out.out.startswith("✓ hidden test") and out.err == "", out
    getattr(hidden, test)(functions_of(ROOT / "notebooks" / "exercises" / f"{name}.ipynb"))
    out = capsys.readouterr()
    assert out.out == "" and out.err.startswith("✗ hidden test"), out
    getattr(hidden, test)({})
    assert capsys.readouterr().err.startswith("✗ hidden test")


def hidden_lines() -> list[str]:
    """The text of the hidden tests: the lines of code of teachkit_hidden.py with a number in them
    (its data sets, seeds and edge cases) that are nowhere in the teachkit package; not its
    messages or docstrings."""
    package = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "teachkit").rglob("*.py"))
    out, in_doc = [], False
    for line in HIDDEN.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text.startswith('"""') or text.endswith('"""'):
            in_doc = not in_doc if text.count('"""') == 1 else in_doc
            continue
        if in_doc or text.startswith(("#", "from ", "import ", "def ", "return _run", "_run(")):
            continue
        if len(text) >= 16 and '"' not in text and re.search(r"\d", text) and text not in package:
            out.append(text)
    assert len(out) >= 6, out        # the hidden tests are there to be looked for
    return out


# ------------------------------------------------------------------ simulated submissions
WRONG = '''\
def _wrong(x):   # a wrong answer: every number half as large again
    if callable(x):
        def f(*args, **kwargs):
            out = x(*args, **kwargs)
            return tuple(_wrong(v) for v in out) if isinstance(out, tuple) else _wrong(out)
        return f
    if isinstance(x, dict):
        return {k: _wrong(v) for k, v in x.items()}
    return 1.5 * np.asarray(x, dtype=float)
'''


def new_cell(text):
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": text, "id": f"student-{abs(hash(text)) % 10**8}"}


def answered(released, source_nb):
    """The released notebook with every answer cell holding the solution."""
    solutions = {c["id"]: source(c) for c in source_nb["cells"]}
    nb = json.loads(json.dumps(released))
    for cell in nb["cells"]:
        if grader(cell).get("solution"):
            text = solutions[cell["id"]]
            if cell["cell_type"] == "markdown":     # a student writes the text, not the markers
                text = "\n".join(line for line in text.splitlines() if "SOLUTION" not in line)
            cell["source"] = text
    return nb


def first_check(nb):
    return next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
                and _nbgrader.CHECK_CALL.search(source(c)) and grader(c).get("grade"))


def submission(kind, released, source_nb):
    nb = answered(released, source_nb) if kind != "blank" else json.loads(json.dumps(released))
    cells = nb["cells"]
    i = first_check(nb)
    if kind == "wrong":              # the first task's last argument is off, then put right again
        arg = re.search(r"\(([^()]*)\)\s*$", source(cells[i]).strip()).group(1).split(",")[-1].strip()
        cells[i + 1:i + 1] = [new_cell(f"{arg} = _right")]
        cells[i:i] = [new_cell(WRONG + f"_right = {arg}\n{arg} = _wrong({arg})")]
    elif kind == "deleted":          # the first check cell deleted, the second retyped as a new cell
        second = next(j for j in range(i + 1, len(cells)) if _nbgrader.CHECK_CALL.search(source(cells[j]))
                      and grader(cells[j]).get("grade"))
        cells[second] = new_cell(source(cells[second]))
        del cells[i]
    elif kind == "raises":
        cells[i:i] = [new_cell('raise RuntimeError("a bug in a cell of my own")')]
    elif kind == "loops":
        cells[i:i] = [new_cell("while True:\n    pass")]
    elif kind == "seed":             # another seed in every answer, and in the read-only set-up cell
        for cell in cells:
            text = source(cell).replace("default_rng([SEED, ", "default_rng([SEED + 1, ")
            cell["source"] = text.replace("SEED = 20261124", "SEED = 1")
    return nb


def expected_scores(source_nb) -> dict:
    """What each simulated student earns, from the source notebook's points."""
    auto = [c for c in source_nb["cells"] if grader(c).get("grade") and not grader(c).get("solution")]
    total = sum(grader(c)["points"] for c in auto)
    first = grader(source_nb["cells"][first_check(source_nb)])["points"]
    return {"correct": total, "wrong": total - first, "blank": 0, "deleted": total, "raises": total,
            "loops": total, "seed": total}


# ------------------------------------------------------------------ the grading run
def env():
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}   # nbgrader runs `alembic`


def nbgrader(course, *commands) -> subprocess.Popen:
    """Start `nbgrader <command>` for each command in turn, in ``course``, as an instructor would."""
    script = "\n".join(f"{BIN / 'nbgrader'} {c} || echo 'FAILED: nbgrader {c}'" for c in commands)
    return subprocess.Popen(["bash", "-c", script], cwd=course, env=env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finished(proc, timeout=1800) -> str:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out[-5000:]
    return out


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """The class graded with nbgrader's commands, in two courses side by side (each with its own
    SQLite gradebook and half of the exercises), one per core: about half the time of one course."""
    courses = [tmp_path_factory.mktemp("grading") for _ in range(2)]
    halves = [EXERCISES[0::2], EXERCISES[1::2]]
    start = time.perf_counter()
    procs, logs = [], []
    try:
        for course, names in zip(courses, halves):
            _nbgrader.build_course(SOLUTIONS[0].parent, course, POINTS, HIDDEN, timeout=CELL_TIMEOUT)
            procs.append(nbgrader(course, *(f"generate_assignment {n} --force" for n in names)))
        logs += [finished(p) for p in procs]
        for course, names in zip(courses, halves):
            for name in names:
                released = load(course / "release" / name / f"{name}.ipynb")
                for kind in STUDENTS:
                    folder = course / "submitted" / kind / name
                    folder.mkdir(parents=True)
                    nb = submission(kind, released, source_nb(course, name))
                    (folder / f"{name}.ipynb").write_text(json.dumps(nb))
        procs = [nbgrader(course, *(f"{step} {n} --force" for n in names for step in ("autograde", "generate_feedback")),
                          "export") for course, names in zip(courses, halves)]
        logs += [finished(p) for p in procs]
    finally:
        for p in procs:                  # on a failure, stop what is still grading (by its pid)
            if p.poll() is None:
                p.kill()
                p.wait()
    seconds = time.perf_counter() - start
    rows = []
    for course in courses:
        with open(course / "grades.csv", newline="") as f:
            rows += list(csv.DictReader(f))
    print(f"\ngraded {len(STUDENTS)} students x {len(EXERCISES)} exercises in {seconds:.0f} s "
          f"(nbgrader's commands, two courses side by side)")
    where = {name: course for course, names in zip(courses, halves) for name in names}
    failed = [line for log in logs for line in log.splitlines()
              if line.startswith("FAILED") or "There was an error processing" in line]
    return {"where": where, "failed": failed, "logs": logs, "rows": rows, "seconds": seconds}


def test_the_run_finishes_without_a_failed_step(graded):
    assert graded["failed"] == [], (graded["failed"], [log[-3000:] for log in graded["logs"]])
    errors = [line for log in graded["logs"] for line in log.splitlines() if "| ERROR]" in line]
    timeouts = [e for e in errors if f"Timeout waiting for execute reply ({CELL_TIMEOUT}s)" in e]
    assert len(timeouts) == len(EXERCISES), errors          # the student who loops, once per exercise
    assert all("Timeout" in e or "Interrupting kernel" in e for e in errors), errors


@pytest.mark.parametrize("name", EXERCISES)
def test_each_student_gets_the_score_their_submission_earns(graded, name):
    scores = {r["student_id"]: float(r["score"]) for r in graded["rows"] if r["assignment"] == name}
    expected = expected_scores(source_nb(graded["where"][name], name))
    assert scores == pytest.approx(expected), {"exported": scores, "expected": expected}
    max_score = {float(r["max_score"]) for r in graded["rows"] if r["assignment"] == name}
    assert len(max_score) == 1 and max_score.pop() > expected["correct"]       # written answers: graded by hand


class _Images(HTMLParser):
    """The alt text of every image, and of every figure (a PNG inside the page: the badges are links)."""

    def __init__(self):
        super().__init__()
        self.alts, self.figures = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            attrs = dict(attrs)
            self.alts.append(attrs.get("alt"))
            if attrs.get("src", "").startswith("data:image/png"):
                self.figures.append(attrs.get("alt"))


@pytest.mark.parametrize("name", EXERCISES)
def test_every_student_gets_feedback_with_the_figures_alt_text(graded, name):
    for kind in STUDENTS:
        page = graded["where"][name] / "feedback" / kind / name / f"{name}.html"
        assert page.is_file(), page
        html = page.read_text(encoding="utf-8")
        images = _Images()
        images.feed(html)
        assert all(alt and alt.strip() for alt in images.alts), (kind, images.alts)
        if kind == "correct":          # every check said ✓ (a check's verdict line ends in "right")
            assert ": right" in html and ": not yet" not in html and "✗ hidden test" not in html
    loops = (graded["where"][name] / "feedback" / "loops" / name / f"{name}.html").read_text(encoding="utf-8")
    assert "CellTimeoutError" in loops or "KeyboardInterrupt" in loops


def test_a_correct_submission_shows_figures_with_alt_text(graded):
    alts = []
    for name in EXERCISES:
        images = _Images()
        images.feed((graded["where"][name] / "feedback" / "correct" / name / f"{name}.html").read_text(encoding="utf-8"))
        alts += images.figures
    assert len(alts) >= 5 and all(a and len(a.split()) >= 10 for a in alts), alts     # sentences, not labels


def test_hidden_tests_stay_hidden(graded):
    """No line of the hidden tests is in a released notebook, the source notebooks' released form,
    or any feedback page; nor is the call to them."""
    texts = {p: p.read_text(encoding="utf-8") for course in set(graded["where"].values())
             for p in [*course.glob("release/*/*.ipynb"), *course.glob("feedback/*/*/*.html")]}
    assert len(texts) == len(EXERCISES) * (1 + len(STUDENTS))
    secrets = hidden_lines() + [f"{_nbgrader.HIDDEN_MODULE}."]
    leaks = {str(p): [s for s in secrets if s in text] for p, text in texts.items()}
    assert not any(leaks.values()), {p: s for p, s in leaks.items() if s}


def test_the_released_notebook_is_the_student_notebook(graded):
    """nbgrader's release is what `make exercises` writes, plus one comment cell per hidden test."""
    for name in EXERCISES:
        released = load(graded["where"][name] / "release" / name / f"{name}.ipynb")
        student = load(ROOT / "notebooks" / "exercises" / f"{name}.ipynb")
        kept = [source(c) for c in released["cells"] if not c["id"].startswith("hidden-")]
        assert kept == [source(c) for c in student["cells"]], name
        hidden = [source(c) for c in released["cells"] if c["id"].startswith("hidden-")]
        assert all(h == _nbgrader.HIDDEN_NOTE for h in hidden), hidden
