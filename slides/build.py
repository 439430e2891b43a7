"""Turn the lecture notebooks into reveal.js decks that work offline.

    python slides/build.py [--out build/slides] [NOTEBOOK ...]

`make slides` runs this with the project's .venv; tests/test_slides.py runs it too.
With --html (`make html`) it writes one HTML page per notebook instead, the page
`jupyter nbconvert --to html` makes, with our template (slides/templates/teachkit_lab:
contrast fixes) and the same local copies, to build/html/.
It does three things:

1. `npm ci` in slides/ (pinned by the committed package-lock.json) when
   slides/node_modules is missing or older than the lock file;
2. copies what the decks load (reveal.js 4, MathJax 2.7, jQuery, require.js and
   the Jupyter widgets HTML manager) into <out>/lib/;
3. runs `jupyter nbconvert --to slides` on every lecture notebook
   (notebooks/[0-9]*.ipynb by default) with the template in slides/templates/
   and every URL pointed at lib/ by a *relative* path, so <out>/ can be opened
   from disk (file://) or copied elsewhere as one folder.

Nothing is executed: the decks show the outputs committed in the notebooks, and
use each cell's `metadata.slideshow.slide_type` (slide, subslide, fragment, -,
skip, notes).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent  # slides/
ROOT = HERE.parent
NODE_MODULES = HERE / "node_modules"

# What each deck needs, as (source under node_modules, destination under lib/).
# MathJax: only the combined TeX-AMS_CHTML-full config nbconvert asks for, with
# its input/output jax, extensions and the TeX web fonts (not the 70 MB package).
LIB_FILES = [
    ("reveal.js/dist", "reveal.js/dist"),
    ("reveal.js/plugin/notes", "reveal.js/plugin/notes"),
    ("reveal.js/LICENSE", "reveal.js/LICENSE"),
    ("mathjax/MathJax.js", "mathjax/MathJax.js"),
    ("mathjax/LICENSE", "mathjax/LICENSE"),
    ("mathjax/config/TeX-AMS_CHTML-full.js", "mathjax/config/TeX-AMS_CHTML-full.js"),
    ("mathjax/config/Safe.js", "mathjax/config/Safe.js"),
    ("mathjax/extensions", "mathjax/extensions"),
    ("mathjax/jax/input/TeX", "mathjax/jax/input/TeX"),
    ("mathjax/jax/output/CommonHTML", "mathjax/jax/output/CommonHTML"),
    ("mathjax/jax/output/PreviewHTML", "mathjax/jax/output/PreviewHTML"),
    ("mathjax/jax/element", "mathjax/jax/element"),
    ("mathjax/fonts/HTML-CSS/TeX/woff", "mathjax/fonts/HTML-CSS/TeX/woff"),
    ("mathjax/fonts/HTML-CSS/TeX/otf", "mathjax/fonts/HTML-CSS/TeX/otf"),
    ("mathjax/localization/en", "mathjax/localization/en"),
    ("jquery/dist/jquery.min.js", "jquery/jquery.min.js"),
    ("jquery/LICENSE.txt", "jquery/LICENSE.txt"),
    ("requirejs/require.js", "requirejs/require.js"),
    ("@jupyter-widgets/html-manager/dist", "html-manager"),
]
# Left out of the copies: source maps and the non-AMD bundle of the widgets manager.
IGNORE = shutil.ignore_patterns("*.map", "*.esm.js", "embed.js", "embed.js.LICENSE.txt")

# Relative to the deck's folder.
NBCONVERT_OPTIONS = [
    "--to=slides",
    f"--TemplateExporter.extra_template_basedirs={HERE / 'templates'}",
    f"--TemplateExporter.extra_template_paths={HERE / 'templates'}",  # teachkit_contrast.css, shared
    "--template=teachkit_reveal",
    "--TemplateExporter.exclude_input_prompt=True",   # no "In [5]:" / "Out[5]:" column:
    "--TemplateExporter.exclude_output_prompt=True",  # a sixth of the slide's width
    "--SlidesExporter.reveal_url_prefix=lib/reveal.js",
    "--SlidesExporter.reveal_theme=white",  # "simple" (the default) imports Google Fonts
    "--SlidesExporter.reveal_transition=fade",
    "--SlidesExporter.reveal_number=c/t",
    "--SlidesExporter.reveal_width=1280",
    "--SlidesExporter.reveal_height=720",
    # reveal_scroll stays off: nbconvert's version clips tall sub-slides to 95vh with a
    # scroll bar (and leaves other slides alone); the template shrinks tall figures instead.
    "--SlidesExporter.mathjax_url=lib/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    "--SlidesExporter.jquery_url=lib/jquery/jquery.min.js",
    "--SlidesExporter.require_js_url=lib/requirejs/require.js",
    "--SlidesExporter.widget_renderer_url=lib/html-manager/embed-amd.js",
]


# The HTML page an instructor publishes (`--html`): nbconvert's JupyterLab page (prompts
# and all) with our template's contrast fixes, and MathJax, require.js and the widgets
# manager from lib/, so that it works offline too.
HTML_OPTIONS = [
    "--to=html",
    f"--TemplateExporter.extra_template_basedirs={HERE / 'templates'}",
    f"--TemplateExporter.extra_template_paths={HERE / 'templates'}",
    "--template=teachkit_lab",
    "--HTMLExporter.mathjax_url=lib/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    "--HTMLExporter.require_js_url=lib/requirejs/require.js",
    "--HTMLExporter.widget_renderer_url=lib/html-manager/embed-amd.js",
]


def npm_ci() -> None:
    lock = HERE / "package-lock.json"
    stamp = NODE_MODULES / ".package-lock.json"  # npm writes it on every install
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("slides: npm is needed (Node.js 18 or newer) to fetch reveal.js, MathJax, jQuery and require.js")
    # --ignore-scripts: we only copy files out of these packages.
    subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=HERE, check=True)


def copy_lib(out: Path) -> None:
    lib = out / "lib"
    if lib.exists():
        shutil.rmtree(lib)
    for src, dst in LIB_FILES:
        s, d = NODE_MODULES / src, lib / dst
        d.parent.mkdir(parents=True, exist_ok=True)
        if s.is_dir():
            shutil.copytree(s, d, ignore=IGNORE)
        else:
            shutil.copy2(s, d)


# The widgets manager's stylesheets ask for their icon fonts (Font Awesome) at
# paths relative to the *deck*, under @jupyter-widgets/ and
# @jupyter-widgets/html-manager/dist/ (webpack's public path), not under lib/.
WIDGET_FONT_DIRS = ["@jupyter-widgets", "@jupyter-widgets/html-manager/dist"]
FONT_SUFFIXES = {".woff2", ".woff", ".ttf", ".eot", ".svg"}


def copy_widget_fonts(out: Path) -> None:
    fonts = [f for f in (NODE_MODULES / "@jupyter-widgets/html-manager/dist").iterdir()
             if f.suffix in FONT_SUFFIXES]
    for folder in WIDGET_FONT_DIRS:
        dst = out / folder
        dst.mkdir(parents=True, exist_ok=True)
        for f in fonts:
            shutil.copy2(f, dst / f.name)


def lecture_notebooks() -> list[str]:
    return sorted(glob.glob(str(ROOT / "notebooks" / "[0-9]*.ipynb")))


# Cells for launching a notebook (the Binder and Colab badges, Colab's set-up cell): they
# mean nothing in a deck or a published page, and the badges would load images from the web.
LAUNCH_TAGS = {"teachkit-badges", "colab-setup"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def for_export(nb: dict) -> dict:
    """The notebook as a deck or page shows it: without its launch cells, and without saved
    widgets that come from outside ipywidgets (the explorer's anywidget controls). Those
    would load their JavaScript from a CDN, which an offline deck cannot, and a saved widget
    has no kernel to answer it anyway: the notebook's snapshots of the explorer show instead."""
    nb = dict(nb, cells=[c for c in nb["cells"] if not LAUNCH_TAGS & set(c.get("metadata", {}).get("tags", []))])
    state = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    if any(m.get("model_module") not in {"@jupyter-widgets/controls", "@jupyter-widgets/base",
                                         "@jupyter-widgets/output"} for m in state.values()):
        nb["metadata"] = {k: v for k, v in nb["metadata"].items() if k != "widgets"}
        nb["cells"] = [dict(c, outputs=[o for o in c["outputs"] if WIDGET_VIEW not in o.get("data", {})])
                       if c["cell_type"] == "code" else c for c in nb["cells"]]
    return nb


def build(out: Path, notebooks: list[str], html: bool = False) -> list[Path]:
    """Decks (or, with html=True, HTML pages) of `notebooks` in `out`, with lib/ beside them."""
    if not notebooks:
        sys.exit("slides: no notebooks to convert")
    npm_ci()
    out.mkdir(parents=True, exist_ok=True)
    copy_lib(out)
    copy_widget_fonts(out)
    options, suffix = (HTML_OPTIONS, ".html") if html else (NBCONVERT_OPTIONS, ".slides.html")
    with tempfile.TemporaryDirectory() as tmp:
        copies = []
        for nb in notebooks:
            copy = Path(tmp) / Path(nb).name
            copy.write_text(json.dumps(for_export(json.loads(Path(nb).read_text(encoding="utf-8")))),
                            encoding="utf-8")
            copies.append(str(copy))
        cmd = [sys.executable, "-m", "nbconvert", *options, f"--output-dir={out}", *copies]
        subprocess.run(cmd, check=True)
    pages = [out / (Path(nb).stem + suffix) for nb in notebooks]
    for page in pages:
        assert page.exists(), page
    return pages


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="output folder (default: build/slides, or build/html)")
    parser.add_argument("--html", action="store_true",
                        help="write one HTML page per notebook (nbconvert --to html, our template) instead of decks")
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/[0-9]*.ipynb")
    args = parser.parse_args(argv)
    out = args.out or ROOT / "build" / ("html" if args.html else "slides")
    notebooks = [os.path.abspath(nb) for nb in args.notebooks] or lecture_notebooks()
    pages = build(out.resolve(), notebooks, html=args.html)
    if args.html:
        print(f"html: {len(pages)} pages in {out}/ (publish the whole folder: the pages load lib/)")
    else:
        print(f"slides: {len(pages)} decks in {out}/ (open {pages[0].name} in a browser; press S for speaker notes)")


if __name__ == "__main__":
    main()
