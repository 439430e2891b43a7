"""Write (or check) the Binder and Colab badges and the Colab set-up cell of every notebook.

The repository's address lives in one place, pyproject.toml:

    [project.urls]
    Source = "https://github.com/OWNER/REPO/tree/BRANCH"

From it this script writes, in every lecture notebook (notebooks/[0-9]*.ipynb) and every
exercise solution (notebooks/exercises/solutions/ex*.ipynb):

* a first markdown cell (id ``teachkit-badges``) with an "Open in Binder" and an
  "Open in Colab" badge, both opening this notebook (a solution's badges open the
  student version, which is what a class gets);
* a code cell (id ``colab-setup``) before the first other code cell, which acts only on
  Google Colab (``'google.colab' in sys.modules``): it pip-installs teachkit from the
  repository at the release tag ``v<version>`` (pyproject's version: the code the stored
  outputs were made with; not editable, no requirements.txt, so no runtime restart), and in a
  notebook that shows a widget, turns on Colab's widget manager when ipywidgets 8 is
  what Colab has (Colab draws its own ipywidgets 7 widgets without it).

Both cells are tagged with their id and carry ``slide_type: skip``, so slides leave them
out. Then the student exercises are rebuilt from the solutions (``teachkit.exercises``),
and the README's ``[binder]:`` and ``[colab]:`` link lines and its
``pip install "teachkit @ git+https://github.com/..."`` commands are rewritten.

Idempotent: a cell that is already right is left as it is (outputs included), and a
file is written only when it changes. Run after changing the address or adding a notebook:

    python tools/notebook_links.py write     # writes what differs, lists the files written
    python tools/notebook_links.py check     # exit status 1 and a list when anything differs
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

# a cell's source as text, and text as Jupyter stores it: the same as the student-notebook builder's
from teachkit.exercises import _lines, _source

ROOT = Path(__file__).resolve().parents[1]
BADGES_ID = "teachkit-badges"
SETUP_ID = "colab-setup"
URL = re.compile(r"https://github\.com/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)/tree/(?P<branch>[\w./-]+)")


def repository(pyproject: Path = ROOT / "pyproject.toml") -> tuple[str, str, str]:
    """(owner, repo, branch) from pyproject's [project.urls] Source."""
    urls = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"].get("urls", {})
    source = urls.get("Source", "")
    match = URL.fullmatch(source)
    if match is None:
        raise ValueError(f"{pyproject}: [project.urls] Source must be https://github.com/OWNER/REPO/tree/BRANCH, "
                         f"got {source!r}")
    return match["owner"], match["repo"], match["branch"]


def release_tag(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The git tag of the release whose teachkit made the notebooks' outputs: ``v`` + pyproject's version.

    The Colab set-up cell and the README's pip lines install teachkit at this tag, not at a
    branch, so that what a student installs is the code the stored outputs and the prose
    were made with. Publishing it is part of a release (README, "Releasing").
    """
    version = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"].get("version", "")
    if not re.fullmatch(r"\d+\.\d+\.\d+\S*", version):
        raise ValueError(f"{pyproject}: [project] version must look like 1.2.3, got {version!r}")
    return f"v{version}"


def binder_url(repo, path: str) -> str:
    owner, name, branch = repo
    return f"https://mybinder.org/v2/gh/{owner}/{name}/{branch}?urlpath=lab/tree/{path}"


def colab_url(repo, path: str) -> str:
    owner, name, branch = repo
    return f"https://colab.research.google.com/github/{owner}/{name}/blob/{branch}/{path}"


def badges_source(repo, path: str) -> str:
    return (f"[![Open in Binder](https://mybinder.org/badge_logo.svg)]({binder_url(repo, path)}) "
            f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(repo, path)})")


def setup_source(repo, widgets: bool, tag: str) -> str:
    owner, name, _ = repo
    lines = [
        "# Google Colab only (elsewhere this cell does nothing): install teachkit, which brings",
        "# its data. Colab's numpy, pandas, scipy, matplotlib and ipywidgets are recent enough:",
        "# nothing of Colab's is replaced (anywidget is added), so the runtime needs no restart.",
        "import sys",
        "",
        'if "google.colab" in sys.modules:',
        "    import importlib",
        "    import subprocess",
        "",
        '    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",',
        f'                    "teachkit @ git+https://github.com/{owner}/{name}@{tag}"], check=True)',
        "    importlib.invalidate_caches()",
    ]
    if widgets:
        # The explorer's controls are an anywidget (accessible HTML controls), a widget from
        # outside ipywidgets: Colab draws those only through its custom widget manager.
        lines += [
            "",
            "    from google.colab import output",
            "",
            "    output.enable_custom_widget_manager()",
        ]
    return "\n".join(lines)


def _meta(tag: str) -> dict:
    return {"slideshow": {"slide_type": "skip"}, "tags": [tag]}


def _uses_widgets(nb) -> bool:
    return any(c["cell_type"] == "code" and re.search(r"\bwidgets\b|ShrinkageExplorer", _source(c))
               for c in nb["cells"] if c.get("id") != SETUP_ID)


def with_links(nb: dict, repo, path: str, tag: str) -> dict:
    """``nb`` with its badge cell and Colab set-up cell as they should be (a new dict)."""
    old = {c.get("id"): c for c in nb["cells"] if c.get("id") in (BADGES_ID, SETUP_ID)}
    cells = [c for c in nb["cells"] if c.get("id") not in (BADGES_ID, SETUP_ID)]
    badges = {"cell_type": "markdown", "id": BADGES_ID, "metadata": _meta(BADGES_ID),
              "source": _lines(badges_source(repo, path))}
    setup = {"cell_type": "code", "execution_count": None, "id": SETUP_ID, "metadata": _meta(SETUP_ID),
             "outputs": [], "source": _lines(setup_source(repo, _uses_widgets(nb), tag))}
    kept = old.get(SETUP_ID)
    if kept is not None and _source(kept) == _source(setup) and kept.get("metadata", {}).get("tags") == [SETUP_ID]:
        setup = {**kept, "metadata": {**kept["metadata"], **_meta(SETUP_ID)}}   # keep its outputs
    first_code = next((i for i, c in enumerate(cells) if c["cell_type"] == "code"), len(cells))
    cells = [badges, *cells[:first_code], setup, *cells[first_code:]]
    return {**nb, "cells": cells}


def dumps(nb: dict) -> str:
    """The notebooks' own JSON layout (what nbformat writes): keys sorted, one-space indent."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def notebooks(root: Path = ROOT) -> list[tuple[Path, str]]:
    """(notebook file, repository path its badges open) for every notebook this script manages."""
    out = [(p, p.relative_to(root).as_posix()) for p in sorted((root / "notebooks").glob("[0-9]*.ipynb"))]
    for p in sorted((root / "notebooks" / "exercises" / "solutions").glob("ex*.ipynb")):
        out.append((p, f"notebooks/exercises/{p.name}"))     # the student version's address
    return out


def readme_text(text: str, repo, tag: str) -> str:
    """README text with its [binder]: and [colab]: reference links pointing at notebook 01,
    and its pip installs from the repository at the release ``tag``."""
    first = "notebooks/01_data.ipynb"
    for name, url in (("binder", binder_url(repo, first)), ("colab", colab_url(repo, first))):
        text, count = re.subn(rf"^\[{name}\]: \S+$", f"[{name}]: {url}", text, flags=re.M)
        if count != 1:
            raise ValueError(f"README.md must have exactly one `[{name}]: URL` line, found {count}")
    owner, name, _ = repo   # and every pip install from the repository, at the release tag
    return re.sub(r"git\+https://github\.com/[\w.-]+/[\w.-]+@[\w./-]+(?=\")",
                  f"git+https://github.com/{owner}/{name}@{tag}", text)


def expected(root: Path = ROOT) -> dict[Path, str]:
    """Every file this script manages, with the text it should have."""
    sys.path.insert(0, str(root))
    try:
        from teachkit import exercises
    finally:
        sys.path.pop(0)
    repo = repository(root / "pyproject.toml")
    tag = release_tag(root / "pyproject.toml")
    out = {}
    solutions = {}
    for path, address in notebooks(root):
        nb = with_links(json.loads(path.read_text(encoding="utf-8")), repo, address, tag)
        out[path] = dumps(nb)
        if path.parent.name == "solutions":
            solutions[path.name] = nb
    for name, nb in solutions.items():        # what `make exercises` would build from them
        out[root / "notebooks" / "exercises" / name] = exercises.dumps(exercises.student_notebook(nb))
    readme = root / "README.md"
    out[readme] = readme_text(readme.read_text(encoding="utf-8"), repo, tag)
    return out


def differing(root: Path = ROOT) -> list[Path]:
    """The managed files whose text differs from what ``write`` would make."""
    return [p for p, text in expected(root).items()
            if not p.is_file() or p.read_text(encoding="utf-8") != text]


def write(root: Path = ROOT) -> list[Path]:
    written = []
    for path, text in expected(root).items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
            written.append(path)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/notebook_links.py", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["write", "check"])
    args = parser.parse_args(argv)
    try:
        if args.command == "write":
            for path in write():
                print(f"wrote {path.relative_to(ROOT)}")
            return 0
        stale = differing()
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for path in stale:
        print(f"differs: {path.relative_to(ROOT)} (run: python tools/notebook_links.py write)")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
