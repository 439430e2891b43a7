"""Sphinx configuration of the course website: `make site` writes build/site/.

Sphinx + MyST-NB + sphinx-book-theme (pinned in requirements-docs.txt). Nothing is executed:
the pages show the outputs committed in the notebooks. The pages are found by glob
(notebooks/[0-9]*.ipynb, notebooks/exercises/ex*.ipynb, and with `make site SOLUTIONS=1`,
which sets the Sphinx tag "solutions", notebooks/exercises/solutions/ex*.ipynb), so a
notebook added later is a page without a change here. site/notebooks is a link to
../notebooks: Sphinx reads only files under this folder.

What a page shows differs from the committed notebook in one place, `as_page()` below:
the launch cells go (as in the slides), and each figure's alt text moves from the output's
metadata, where teachkit writes it, to the cell's, where MyST-NB reads it.

Viewing needs nothing but the folder: MathJax 2.7 (pinned in slides/package-lock.json) is
copied into _static/mathjax/, and the theme brings its fonts and icons.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
from pathlib import Path

import unicodeit
from docutils import nodes

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The slides' build: which MathJax files a page needs, npm ci, and for_export() (no launch
# cells, no widgets that would load their JavaScript from a CDN). The links' tool: the
# repository's address from pyproject's [project.urls] Source, and the Binder/Colab URLs.
slides_build = _load("teachkit_slides_build", ROOT / "slides" / "build.py")
notebook_links = _load("teachkit_notebook_links", ROOT / "tools" / "notebook_links.py")

from teachkit.links import nbgitpuller_link  # noqa: E402

REPO = notebook_links.repository()  # (owner, name, branch)
# The JupyterHub the launch buttons open: set it here, or `make site HUB=https://hub.your.edu`.
JUPYTERHUB = os.environ.get("TEACHKIT_SITE_HUB") or "https://hub.example.edu"
SOLUTIONS = tags.has("solutions")  # noqa: F821 (Sphinx provides `tags`)

project = "teachkit: partial pooling and shrinkage"
author = "the teachkit authors"
copyright = "the teachkit authors (MIT licence)"
language = "en"

extensions = ["myst_nb"]
root_doc = "index"
include_patterns = ["index.md", "instructors.md", "notebooks/[0-9]*.ipynb", "notebooks/exercises/ex*.ipynb"]
if SOLUTIONS:
    include_patterns.append("notebooks/exercises/solutions/ex*.ipynb")
exclude_patterns = ["**/.ipynb_checkpoints"]
# The notebooks go from a title (#) to slide headings (###): written for the slides, and not
# ours to change here. Every other warning fails the build (make site runs sphinx -W).
suppress_warnings = ["myst.header"]

# MyST-NB: show the committed outputs, run nothing.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
# MyST's MathJax set-up is for MathJax 3/4 (window.MathJax = ...); ours is MathJax 2 (below).
myst_update_mathjax = False

# ---------------------------------------------------------------- what a page shows
ALT_KEY = ("mystnb", "image", "alt")


def bridge_alt(cell: dict, where: str) -> dict:
    """The alt text of the cell's figure, from its output's metadata (teachkit writes
    {"image/png": {"alt": ...}}) into the cell's metadata, where MyST-NB reads it.
    MyST-NB gives every image of a cell the same alt text: two figures with different
    texts in one cell are refused rather than mislabelled."""
    alts = {o.get("metadata", {}).get("image/png", {}).get("alt") for o in cell.get("outputs", [])
            if "image/png" in o.get("data", {})}
    if not alts:
        return cell
    if len(alts) > 1:
        raise ValueError(f"{where}: one cell shows figures with different alt texts; "
                         "MyST-NB can give a cell's images one alt text only: split the cell")
    (alt,) = alts
    if not alt:
        return cell
    meta = json.loads(json.dumps(cell.get("metadata", {})))
    meta.setdefault("mystnb", {}).setdefault("image", {})["alt"] = alt
    return dict(cell, metadata=meta)


def as_page(nb: dict, where: str) -> dict:
    """The notebook as its page shows it: what the slides show (slides/build.py for_export:
    no launch cells, no saved widgets that need JavaScript from a CDN), figures with their alt text."""
    nb = slides_build.for_export(nb)
    cells = [bridge_alt(c, f"{where}, cell {c.get('id', i)}") if c["cell_type"] == "code" else c
             for i, c in enumerate(nb["cells"])]
    return dict(nb, cells=cells)


SOLUTIONS_TOC = """
```{toctree}
:caption: Solutions (instructors)
:glob:
:maxdepth: 1

notebooks/exercises/solutions/ex*
```
"""


def on_source_read(app, docname, source):
    if docname.startswith("notebooks/"):
        source[0] = json.dumps(as_page(json.loads(source[0]), docname + ".ipynb"))
    elif docname == "index" and SOLUTIONS:
        source[0] = source[0].replace("<!-- solutions toctree -->", SOLUTIONS_TOC)


# ---------------------------------------------------------------- formulas in the menus
def plain_formula(tex: str) -> str | None:
    """A formula of a heading as Unicode text ("\\sigma_j^2" -> "σⱼ²", by unicodeit), or None
    when some TeX would be left over."""
    text = unicodeit.replace(re.sub(r"\\math(?:rm|it)\{([^{}]*)\}", r"\1", tex))
    return None if "\\" in text or "{" in text else text


def plain_formulas_in_menus(app, doctree):
    """The menus (the sidebar, the page's contents) show a heading's formulas as Unicode text.
    Typeset by MathJax, a menu entry that is only a formula ("σ² ∣ θ, y" in notebook 02) had no
    accessible name for axe (link-name), and every page typeset every heading of the course
    in its sidebar. The headings on the pages themselves stay typeset."""
    docname = app.env.docname
    for tree in (app.env.tocs.get(docname), app.env.titles.get(docname)):
        for math in list(tree.findall(nodes.math)) if tree is not None else []:
            text = plain_formula(math.astext())
            if text is not None:
                math.replace_self(nodes.Text(text))


# ---------------------------------------------------------------- launch buttons
def launch_buttons(app, pagename, templatename, context, doctree):
    """Binder, Colab and JupyterHub buttons on every notebook page (after the theme's own
    header buttons: its download menu offers the notebook itself, .ipynb)."""
    if not pagename.startswith("notebooks/") or "header_buttons" not in context:
        return
    # a solution's buttons open the student version, as its badges do (tools/notebook_links.py)
    path = f"notebooks/{pagename.removeprefix('notebooks/').replace('exercises/solutions/', 'exercises/')}.ipynb"
    owner, name, branch = REPO
    links = [("Binder", notebook_links.binder_url(REPO, path), "_static/images/logo_binder.svg"),
             ("Colab", notebook_links.colab_url(REPO, path), "_static/images/logo_colab.png"),
             ("JupyterHub", nbgitpuller_link(JUPYTERHUB, repo=f"https://github.com/{owner}/{name}",
                                             branch=branch, notebook=path),
              "_static/images/logo_jupyterhub.svg")]
    context["header_buttons"].insert(0, {
        "type": "group", "tooltip": "Run this notebook", "icon": "fas fa-rocket", "label": "launch-buttons",
        "buttons": [{"type": "link", "text": text, "tooltip": f"Run this notebook on {text}", "icon": icon,
                     "url": url, "label": f"launch-{text.lower()}"} for text, url, icon in links]})


# ---------------------------------------------------------------- offline MathJax
MATHJAX_FILES = [(src, dst) for src, dst in slides_build.LIB_FILES if src.startswith("mathjax/")]
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"  # under _static/
mathjax2_config = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                "processEscapes": True, "processEnvironments": True},
    "messageStyle": "none",
    # every formula also as MathML, for screen readers (MathJax's AssistiveMML), as in the slides
    "menuSettings": {"assistiveMML": True},
}


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for src, dst in MATHJAX_FILES:
        s, d = slides_build.NODE_MODULES / src, Path(app.outdir) / "_static" / dst
        d.parent.mkdir(parents=True, exist_ok=True)
        if s.is_dir():
            shutil.copytree(s, d, ignore=slides_build.IGNORE, dirs_exist_ok=True)
        else:
            shutil.copy2(s, d)


# ---------------------------------------------------------------- theme
html_theme = "sphinx_book_theme"
html_title = "teachkit"
html_static_path = ["_static"]
html_css_files = ["teachkit-site.css"]
html_last_updated_fmt = None
# The search lists the pages; it does not fetch each one for a snippet, which a browser
# refuses for a site opened from disk (file://).
html_show_search_summary = False
html_theme_options = {
    "repository_url": f"https://github.com/{REPO[0]}/{REPO[1]}",
    "repository_branch": REPO[2],
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": True,
    "show_toc_level": 2,
    "home_page_in_toc": True,
}


def setup(app):
    slides_build.npm_ci()  # MathJax (and axe-core for the tests) from slides/package-lock.json
    app.connect("source-read", on_source_read)
    app.connect("doctree-read", plain_formulas_in_menus, priority=900)  # after Sphinx's toc collector
    app.connect("html-page-context", launch_buttons, priority=502)
    app.connect("build-finished", copy_mathjax)
