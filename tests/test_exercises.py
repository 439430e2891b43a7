"""The exercise notebooks: solutions are the single source, student versions are built from them.

* the committed student notebooks are exactly what `python -m teachkit.exercises build` writes;
* every student notebook runs to its end, and every check in it prints ✗ with a hint;
* no answer leaks into a student notebook, and every solution notebook has answers to hide;
* every check in the committed solution notebooks printed ✓ (nbval re-runs them and compares).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from teachkit import exercises
from teachkit.exercises import BEGIN, END, MARKDOWN_STUB, RegionError, strip_code, strip_markdown

ROOT = Path(__file__).resolve().parent.parent
STUDENT_DIR = ROOT / "notebooks" / "exercises"
SOLUTION_DIR = STUDENT_DIR / "solutions"
SOLUTIONS = sorted(SOLUTION_DIR.glob("ex*.ipynb"))
NAMES = [p.name for p in SOLUTIONS]


def load(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"])


def check_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and re.search(r"\bcheck\.\w+\(", source(c))
            and BEGIN not in source(c)]


def stream_text(cell):
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []) if o["output_type"] == "stream")


# ------------------------------------------------------------------ the set of notebooks
def test_at_least_five_solution_notebooks_with_prefix():
    assert len(SOLUTIONS) >= 5
    assert all(re.fullmatch(r"ex\d\d_[a-z0-9_]+\.ipynb", name) for name in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_solution_notebook_shape(name):
    nb = load(SOLUTION_DIR / name)
    tasks = [c for c in nb["cells"] if c["cell_type"] == "markdown" and source(c).startswith("## Task")]
    assert 3 <= len(tasks) <= 6, [source(t).splitlines()[0] for t in tasks]
    regions = [c for c in nb["cells"] if exercises.has_solution(source(c))]
    assert regions, "a solution notebook without any solution region"
    assert check_cells(nb), "no checks"
    texts = [source(c) for c in nb["cells"] if c.get("id") != "teachkit-badges"]   # badges: tools/notebook_links.py
    assert texts[0].startswith("# ") and any("Learning goals" in t for t in texts)
    assert any(t.startswith("## Summary") for t in texts) and any(t.startswith("## Next") for t in texts)
    for cell in nb["cells"]:
        assert cell["metadata"]["slideshow"]["slide_type"] in ("slide", "subslide", "fragment", "-", "skip", "notes")


@pytest.mark.parametrize("name", NAMES)
def test_every_check_in_the_solutions_prints_a_tick(name):
    nb = load(SOLUTION_DIR / name)
    for cell in check_cells(nb):
        out = stream_text(cell)
        assert out.startswith("✓ "), (source(cell), out)
        assert "✗" not in out, (source(cell), out)
    for cell in nb["cells"]:
        assert not any(o["output_type"] == "error" for o in cell.get("outputs", []))


# ------------------------------------------------------------------ the build
def test_committed_student_notebooks_are_the_build_output(tmp_path):
    written = exercises.build(SOLUTION_DIR, tmp_path)
    assert sorted(p.name for p in written if p.suffix == ".ipynb") == NAMES
    for path in written:
        committed = STUDENT_DIR / path.name
        assert committed.is_file(), f"{committed} is missing: run `make exercises`"
        assert committed.read_bytes() == path.read_bytes(), f"{path.name} is stale: run `make exercises`"


def test_invented_survey_is_what_its_script_writes(tmp_path):
    import runpy

    make = runpy.run_path(str(STUDENT_DIR / "make_my_survey.py"))["main"]
    make(tmp_path / "my_survey.csv")
    assert (tmp_path / "my_survey.csv").read_bytes() == (ROOT / "teachkit" / "datasets" / "my_survey.csv").read_bytes()


def test_build_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for path_a, path_b in zip(exercises.build(SOLUTION_DIR, a), exercises.build(SOLUTION_DIR, b)):
        assert path_a.read_bytes() == path_b.read_bytes()


def test_command_line_build(tmp_path):
    result = subprocess.run([sys.executable, "-m", "teachkit.exercises", "build", "--src", str(SOLUTION_DIR),
                             "--dst", str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.glob("ex*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_format(name):
    raw = (STUDENT_DIR / name).read_text(encoding="utf-8")
    assert raw.endswith("}\n")
    nb = json.loads(raw)
    assert (nb["nbformat"], nb["nbformat_minor"]) == (4, 5)
    assert nb["metadata"] == {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    assert json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n" == raw
    solution = load(SOLUTION_DIR / name)
    kept = [c for c in solution["cells"] if "solution-only" not in c["metadata"].get("tags", [])]
    assert [c["id"] for c in nb["cells"]] == [c["id"] for c in kept]
    for cell, original in zip(nb["cells"], kept):
        meta = {k: v for k, v in original["metadata"].items() if k != "execution"}
        assert cell["metadata"] == meta          # slide types and tags kept, timings dropped
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def _answer_lines(nb):
    """(inside, outside): the code lines of the solution regions, and all other lines."""
    inside, outside = set(), set()
    for cell in nb["cells"]:
        region = False
        for line in source(cell).splitlines():
            text = line.strip()
            if text in (BEGIN, END):
                region = text == BEGIN
                continue
            (inside if region else outside).add(text)
    return inside, outside


@pytest.mark.parametrize("name", NAMES)
def test_no_answer_leaks_into_the_student_notebook(name):
    student = (STUDENT_DIR / name).read_text(encoding="utf-8")
    assert BEGIN not in student and END not in student
    inside, outside = _answer_lines(load(SOLUTION_DIR / name))
    answers = {t for t in inside - outside if t and not t.startswith("#") and len(t) > 12}
    assert answers
    student_lines = {line.strip() for c in load(STUDENT_DIR / name)["cells"] for line in source(c).splitlines()}
    assert not answers & student_lines, sorted(answers & student_lines)[:3]


# ------------------------------------------------------------------ the student notebooks run
@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_runs_and_every_check_says_not_yet(name):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(STUDENT_DIR / name, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=120, allow_errors=False,
                   resources={"metadata": {"path": str(STUDENT_DIR)}}).execute()
    checks = check_cells(nb)
    assert checks
    for cell in checks:
        out = stream_text(cell)
        assert out.startswith("✗ ") and "Hint:" in out, (cell.source, out)


# ------------------------------------------------------------------ stubs
def test_top_level_region_becomes_assignments_of_the_names_read_later():
    src = f"{BEGIN}\n# TODO: n and ybar\ny = data.values\nn = y.size\nybar = y.mean()\n{END}\n"
    assert strip_code(src, later="check.f(n, ybar)") == "# TODO: n and ybar\nn = ...\nybar = ...\n"


def test_region_in_a_function_keeps_the_return():
    src = (f"def f(a, b):\n    {BEGIN}\n    # TODO: mean and var\n    p = 1 / a\n    mean = b * p\n"
           f"    var = p\n    {END}\n    return mean, var\n")
    assert strip_code(src) == "def f(a, b):\n    # TODO: mean and var\n    mean = ...\n    var = ...\n    return mean, var\n"


def test_region_without_names_read_later():
    src = f"for t in range(3):\n    {BEGIN}\n    print(t)\n    {END}\n"
    assert strip_code(src) == "for t in range(3):\n    # TODO: write your answer here\n    ...\n"
    assert strip_code(f"{BEGIN}\nprint(1)\n{END}") == "# TODO: write your answer here"


def test_names_in_strings_and_comments_do_not_count_as_read():
    src = f"{BEGIN}\ny = 1\nz = 2\n{END}\nprint('y')  # y\nprint(z)\n"
    assert strip_code(src) == "# TODO: write your answer here\nz = ...\nprint('y')  # y\nprint(z)\n"


def test_markdown_region():
    src = f"Derive it.\n\n{BEGIN}\n$$x = 1$$\n{END}\n"
    assert strip_markdown(src) == f"Derive it.\n\n{MARKDOWN_STUB}\n"


@pytest.mark.parametrize("src", [f"{BEGIN}\nx = 1\n", f"x = 1\n{END}\n", f"{BEGIN}\n{BEGIN}\n{END}\n{END}\n"])
def test_unbalanced_markers_are_refused(src):
    with pytest.raises(RegionError):
        strip_code(src)
