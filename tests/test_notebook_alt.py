"""Every figure stored in a notebook carries its text alternative as output metadata,
{"image/png": {"alt": ...}}, the convention nbconvert's templates (and our slides) read."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))


def is_full_sentence(text) -> bool:
    """At least one full sentence: starts with a capital, ends with a full stop, 8 words or more."""
    text = (text or "").strip()
    return bool(text) and text[0].isupper() and text.endswith(".") and len(text.split()) >= 8


def images(path):
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                yield i, output


def test_the_notebooks_hold_figures():
    assert sum(1 for nb in NOTEBOOKS for _ in images(nb)) >= 20


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_every_stored_figure_has_alt_text(path):
    missing = []
    for i, output in images(path):
        alt = output.get("metadata", {}).get("image/png", {}).get("alt")
        if not is_full_sentence(alt):
            missing.append(f"cell {i}: {alt!r}")
    assert not missing, f"{path.name}: figures without a sentence of alt text: {missing}"


LECTURES = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
def test_the_slides_write_every_figure_alt_text(path):
    """Our slide template puts the stored alt text on every <img> (nbconvert's lab and reveal
    templates leave it out, and then warn that alternative text is missing)."""
    import html
    import re

    from nbconvert import SlidesExporter

    templates = str(ROOT / "slides" / "templates")
    # as slides/build.py sets it: the template, and the folder of the stylesheet it includes
    exporter = SlidesExporter(extra_template_basedirs=[templates], extra_template_paths=[templates],
                              template_name="teachkit_reveal")
    page, _ = exporter.from_filename(str(path))
    tags = re.findall(r"<img\b[^>]*>", page)
    assert len(tags) == sum(1 for _ in images(path)) > 0
    for tag in tags:
        alt = re.search(r'\balt="([^"]*)"', tag)
        assert alt and is_full_sentence(html.unescape(alt.group(1))), tag[:80] + "..." + tag[-200:]
