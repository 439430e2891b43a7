"""Badges and Colab set-up cells: written from the one repository address in pyproject.toml.

tools/notebook_links.py writes them; these tests fail when a notebook (or the README)
disagrees with what it would write, and check what the set-up cell does on Colab and off it.
"""

import json
import runpy
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
links = runpy.run_path(str(ROOT / "tools" / "notebook_links.py"))
REPO = links["repository"]()
TAG = links["release_tag"]()
LECTURES = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
STUDENTS = sorted((ROOT / "notebooks" / "exercises").glob("ex*.ipynb"))
SOLUTIONS = sorted((ROOT / "notebooks" / "exercises" / "solutions").glob("ex*.ipynb"))


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"])


def test_every_managed_file_agrees_with_the_script():
    stale = [str(p.relative_to(ROOT)) for p in links["differing"]()]
    assert not stale, f"run `python tools/notebook_links.py write`: {stale}"


def test_the_address_comes_from_pyproject():
    owner, repo, branch = REPO
    assert all((owner, repo, branch))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"[binder]: https://mybinder.org/v2/gh/{owner}/{repo}/{branch}?urlpath=lab/tree/notebooks/01_data.ipynb" \
        in readme.splitlines()


@pytest.mark.parametrize("path", LECTURES + STUDENTS + SOLUTIONS, ids=lambda p: str(p.relative_to(ROOT)))
def test_badges_first_and_setup_before_any_other_code(path):
    owner, repo, branch = REPO
    cells = load(path)["cells"]
    address = f"notebooks/exercises/{path.name}" if path.parent.name in ("exercises", "solutions") \
        else f"notebooks/{path.name}"
    badges = cells[0]
    assert badges["cell_type"] == "markdown" and badges["metadata"]["slideshow"]["slide_type"] == "skip"
    assert f"(https://mybinder.org/v2/gh/{owner}/{repo}/{branch}?urlpath=lab/tree/{address})" in source(badges)
    assert f"(https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/{address})" in source(badges)
    assert (ROOT / address).is_file()
    setup = next(c for c in cells if c["cell_type"] == "code")
    assert setup["id"] == "colab-setup" and setup["metadata"]["tags"] == ["colab-setup"]
    assert setup["metadata"]["slideshow"]["slide_type"] == "skip"
    assert f'"teachkit @ git+https://github.com/{owner}/{repo}@{TAG}"' in source(setup)
    assert not setup.get("outputs"), "off Colab the set-up cell prints nothing"


def _run_setup(code, monkeypatch, on_colab, ipywidgets_version="7.7.1"):
    """Execute a set-up cell; record the commands it would run instead of running them."""
    calls, enabled = [], []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append((cmd, kw)))
    if on_colab:
        colab = types.ModuleType("google.colab")
        colab.output = types.SimpleNamespace(enable_custom_widget_manager=lambda: enabled.append(True))
        monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
        monkeypatch.setitem(sys.modules, "google.colab", colab)
        monkeypatch.setitem(sys.modules, "google.colab.output", colab.output)
        sys.modules["google"].colab = colab
    monkeypatch.setitem(sys.modules, "ipywidgets", types.SimpleNamespace(__version__=ipywidgets_version))
    exec(compile(code, "<colab-setup>", "exec"), {})
    return calls, enabled


def test_setup_cell_does_nothing_off_colab(monkeypatch):
    code = source(next(c for c in load(ROOT / "notebooks" / "05b_shrinkage_explorer.ipynb")["cells"]
                       if c.get("id") == "colab-setup"))
    assert _run_setup(code, monkeypatch, on_colab=False) == ([], [])


@pytest.mark.parametrize("version", ["7.7.1", "8.1.9"])
def test_setup_cell_on_colab_installs_teachkit_alone(monkeypatch, version):
    owner, repo, branch = REPO
    code = source(next(c for c in load(ROOT / "notebooks" / "05b_shrinkage_explorer.ipynb")["cells"]
                       if c.get("id") == "colab-setup"))
    calls, enabled = _run_setup(code, monkeypatch, on_colab=True, ipywidgets_version=version)
    assert len(calls) == 1
    cmd, kw = calls[0]
    assert cmd[:4] == [sys.executable, "-m", "pip", "install"] and kw == {"check": True}
    assert cmd[-1] == f"teachkit @ git+https://github.com/{owner}/{repo}@{TAG}"
    assert not {"-e", "--editable", "-r", "--requirement"} & set(cmd)
    # the explorer is an anywidget: Colab draws it only with its custom widget manager
    assert enabled == [True]


def test_setup_cell_of_a_notebook_without_widgets_leaves_them_alone(monkeypatch):
    code = source(next(c for c in load(ROOT / "notebooks" / "01_data.ipynb")["cells"] if c.get("id") == "colab-setup"))
    assert "enable_custom_widget_manager" not in code
    calls, enabled = _run_setup(code, monkeypatch, on_colab=True, ipywidgets_version="8.1.9")
    assert len(calls) == 1 and enabled == []


def _copy(tmp_path):
    for part in ("notebooks", "teachkit", "tools"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_a_changed_address_is_noticed_and_written_once(tmp_path):
    root = _copy(tmp_path)
    toml = root / "pyproject.toml"
    toml.write_text(toml.read_text().replace("github.com/teachkit-org/teachkit/tree/main",
                                             "github.com/someone/fork/tree/spring-2027"))
    script = runpy.run_path(str(root / "tools" / "notebook_links.py"))
    managed = len(LECTURES) + len(STUDENTS) + len(SOLUTIONS) + 1   # and the README
    assert len(script["differing"](root)) == managed
    assert len(script["write"](root)) == managed
    assert script["write"](root) == [] and script["differing"](root) == []   # idempotent
    nb = load(root / "notebooks" / "05b_shrinkage_explorer.ipynb")
    assert f"git+https://github.com/someone/fork@{TAG}" in source(nb["cells"][3])
    assert "[colab]: https://colab.research.google.com/github/someone/fork/blob/spring-2027/notebooks/01_data.ipynb" \
        in (root / "README.md").read_text()
    ids = [c["id"] for c in nb["cells"]]
    assert ids.count("teachkit-badges") == 1 and ids.count("colab-setup") == 1


def test_a_new_version_installs_its_own_tag_on_colab(tmp_path):
    root = _copy(tmp_path)
    toml = root / "pyproject.toml"
    toml.write_text(toml.read_text().replace(f'version = "{TAG[1:]}"', 'version = "9.8.7"', 1))
    script = runpy.run_path(str(root / "tools" / "notebook_links.py"))
    assert script["release_tag"](toml) == "v9.8.7"
    script["write"](root)
    nb = load(root / "notebooks" / "01_data.ipynb")
    setup = next(c for c in nb["cells"] if c.get("id") == "colab-setup")
    assert '"teachkit @ git+https://github.com/teachkit-org/teachkit@v9.8.7"' in source(setup)
    assert "@main" not in source(setup)
    assert 'teachkit @ git+https://github.com/teachkit-org/teachkit@v9.8.7"' in (root / "README.md").read_text()


def test_an_edited_badge_is_reported(tmp_path):
    root = _copy(tmp_path)
    path = root / "notebooks" / "03_no_pooling.ipynb"
    path.write_text(path.read_text().replace("blob/main/notebooks/03", "blob/dev/notebooks/03"))
    script = runpy.run_path(str(root / "tools" / "notebook_links.py"))
    assert script["differing"](root) == [path]
    run = subprocess.run([sys.executable, str(root / "tools" / "notebook_links.py"), "check"],
                         capture_output=True, text=True)
    assert run.returncode == 1 and "differs: notebooks/03_no_pooling.ipynb" in run.stdout


def test_a_bad_address_is_refused(tmp_path):
    root = _copy(tmp_path)
    toml = root / "pyproject.toml"
    toml.write_text(toml.read_text().replace("https://github.com/teachkit-org/teachkit/tree/main",
                                             "git@github.com:teachkit-org/teachkit.git"))
    script = runpy.run_path(str(root / "tools" / "notebook_links.py"))
    with pytest.raises(ValueError, match=r"\[project.urls\] Source must be https://github.com/OWNER/REPO/tree/BRANCH"):
        script["repository"](toml)
