"""`make site`: the course as a static website (site/conf.py; README, "The course website").

The site is built once per test run by `make site`, into build/site/.
Without a browser: every notebook has its page, linked from the home page in order; the
solutions are there only with SOLUTIONS=1; each page shows the committed outputs (text,
tables, figures with their alt text), nothing more and nothing less; the instructors' page
says what the README says.

In headless Chromium, every page opened from disk with every request that is not a file
blocked (a blocked or failed request, or a JavaScript error, fails the test), in the light
and the dark theme: axe-core (pinned in slides/package-lock.json) finds 0 violations of
wcag2a, wcag2aa, wcag21a, wcag21aa; every formula has its MathML copy; every image its alt
text. The search finds "shrinkage", "interweaving" and "τ²" on every page that holds them;
Tab reaches the skip link, the search and the menu, with focus visible. What axe found is kept
in build/site-report/axe.json, and screenshots of the home page and a lecture page in
build/site-report/.

Skips (with the reason) only when Chromium or npm is missing; CI installs both.
"""

from __future__ import annotations

import base64
import glob
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _browser import chromium_browser, require_chromium

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "site"
REPORT = ROOT / "build" / "site-report"
AXE_JS = ROOT / "slides" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LECTURES = sorted(glob.glob(str(ROOT / "notebooks" / "[0-9]*.ipynb")))
EXERCISES = sorted(glob.glob(str(ROOT / "notebooks" / "exercises" / "ex*.ipynb")))
SOLUTIONS = sorted(glob.glob(str(ROOT / "notebooks" / "exercises" / "solutions" / "ex*.ipynb")))
SEARCH_TERMS = ["shrinkage", "interweaving", "τ²"]


def make_site(out: Path, *variables: str) -> float:
    """Build the site with `make site` (sphinx -W: a warning fails) into `out`; return the seconds it took."""
    if shutil.which("npm") is None and not (ROOT / "slides" / "node_modules").exists():
        pytest.skip("npm is missing: the site's MathJax comes from slides/package-lock.json (npm ci)")
    start = time.perf_counter()
    run = subprocess.run(["make", "--no-print-directory", "site", f"SITE_OUT={out}", *variables],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, f"make site failed:\n{(run.stdout + run.stderr)[-3000:]}"
    return time.perf_counter() - start


@pytest.fixture(scope="session")
def site() -> Path:
    seconds = make_site(OUT)
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / "build.json").write_text(json.dumps({"seconds": round(seconds, 1)}))
    return OUT


def page_of(nb: str, site: Path) -> Path:
    return site / Path(nb).relative_to(ROOT).with_suffix(".html")


def pages(site: Path) -> list[Path]:
    """Every page of the site (not the theme's template fragments under _static/)."""
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)


def _soup(path: Path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


# ----------------------------------------------------------------- every notebook, as committed
def test_every_notebook_has_its_page_in_order(site):
    """A notebook the site leaves out fails here; so does a lecture out of order."""
    assert LECTURES and EXERCISES
    missing = [nb for nb in LECTURES + EXERCISES if not page_of(nb, site).exists()]
    assert missing == [], f"notebooks without a page: {missing}"
    menu = [a["href"] for a in _soup(site / "index.html").select("nav.bd-links a.reference.internal")]
    linked = [h for h in menu if h.startswith("notebooks/")]
    expected = [Path(nb).relative_to(ROOT).with_suffix(".html").as_posix() for nb in LECTURES + EXERCISES]
    assert linked == expected, f"the home page's menu lists {linked}, not {expected}"
    assert not (site / "notebooks" / "exercises" / "solutions").exists(), "solutions published without SOLUTIONS=1"


def test_solutions_only_when_asked(tmp_path):
    """`make site SOLUTIONS=1` adds a page per solution, in the menu."""
    out = tmp_path / "site"
    make_site(out, "SOLUTIONS=1")
    missing = [nb for nb in SOLUTIONS if not page_of(nb, out).exists()]
    assert SOLUTIONS and missing == [], f"solutions without a page: {missing}"
    menu = {a["href"] for a in _soup(out / "index.html").select("nav.bd-links a.reference.internal")}
    assert {page_of(nb, out).relative_to(out).as_posix() for nb in SOLUTIONS} <= menu


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _words(text: str) -> str:
    return " ".join(_ANSI.sub("", text).split())


def _expected_cell(cell: dict) -> tuple[str, list[tuple[str, str]]]:
    """(the text of the cell's outputs, [(sha256 of each PNG, its alt text)]) as MyST-NB shows them:
    HTML before an image before plain text, streams merged."""
    from bs4 import BeautifulSoup

    texts, images = [], []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            texts.append(out["text"] if isinstance(out["text"], str) else "".join(out["text"]))
        elif out["output_type"] == "error":
            texts.append("\n".join(out["traceback"]))
        else:
            data = out.get("data", {})
            if "text/html" in data:
                texts.append(BeautifulSoup("".join(data["text/html"]), "html.parser").get_text())
            elif "image/png" in data:
                png = base64.b64decode("".join(data["image/png"]))
                alt = out.get("metadata", {}).get("image/png", {}).get("alt", "")
                images.append((hashlib.sha256(png).hexdigest(), alt))
            elif "text/plain" in data:
                texts.append("".join(data["text/plain"]))
    return _words(" ".join(texts)), images


def _shown_cell(div) -> tuple[str, list[tuple[str, str]]]:
    output = div.select_one(".cell_output")
    if output is None:
        return "", []
    images = [(Path(img["src"]).stem, img.get("alt", "")) for img in output.select("img")]
    return _words(output.get_text(" ")), images


@pytest.mark.parametrize("nb", LECTURES + EXERCISES, ids=lambda p: Path(p).stem)
def test_page_shows_the_committed_outputs(site, nb):
    """Each code cell's outputs on the page are the committed ones (text, tables, figures by their
    bytes, alt text), cell by cell; launch cells and widgets that need a CDN are left out as in the slides."""
    sys.path.insert(0, str(ROOT / "slides"))
    try:
        from build import for_export
    finally:
        sys.path.pop(0)
    committed = for_export(json.loads(Path(nb).read_text(encoding="utf-8")))
    code = [c for c in committed["cells"] if c["cell_type"] == "code"]
    shown = _soup(page_of(nb, site)).select("div.cell")
    assert len(shown) == len(code), f"{len(shown)} code cells on the page, {len(code)} in the notebook"
    for cell, div in zip(code, shown):
        text, images = _expected_cell(cell)
        got_text, got_images = _shown_cell(div)
        # get_text(" ") puts spaces between elements; compare without them
        assert got_text.replace(" ", "") == text.replace(" ", ""), f"cell {cell.get('id')}: outputs differ"
        assert got_images == images, f"cell {cell.get('id')}: figures or their alt text differ"


def test_instructors_page_is_the_readme(site):
    """One source: the README's marked sections appear, word for word, on the instructors' page."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sections = re.findall(r"<!-- site: ([\w-]+) -->(.*?)<!-- site: end \1 -->", readme, re.S)
    assert {name for name, _ in sections} >= {"for-instructors", "slides", "website", "jupyterhub"}
    page = _words(_soup(site / "instructors.html").select_one("article").get_text(" ")).replace(" ", "")
    page = page.translate(str.maketrans("‘’“”", "''\"\""))  # Sphinx's smart quotes
    for name, body in sections:
        if name == "intro":
            continue
        # a sentence from the middle of each section (markdown syntax aside)
        words = re.sub(r"[`*\[\]]|\(https?://[^)]*\)", "", body).split()
        probe = "".join(words[len(words) // 2: len(words) // 2 + 12])
        assert probe in page, f"README section {name!r} is not on the instructors' page: {probe!r}"


def test_launch_buttons_on_every_notebook_page(site):
    """Binder, Colab and JupyterHub (teachkit.links) for this notebook, from pyproject's Source; and its download."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from notebook_links import binder_url, colab_url, repository
    finally:
        sys.path.pop(0)
    from teachkit.links import nbgitpuller_link

    repo = repository()
    for nb in LECTURES + EXERCISES:
        path = Path(nb).relative_to(ROOT).as_posix()
        soup = _soup(page_of(nb, site))
        hrefs = {a["href"] for a in soup.select(".dropdown-launch-buttons a")}
        hub = nbgitpuller_link("https://hub.example.edu", repo=f"https://github.com/{repo[0]}/{repo[1]}",
                               branch=repo[2], notebook=path)
        assert hrefs == {binder_url(repo, path), colab_url(repo, path), hub}, path
        download = [a["href"] for a in soup.select(".dropdown-download-buttons a") if a["href"].endswith(".ipynb")]
        assert len(download) == 1, path
        copy = (page_of(nb, site).parent / download[0]).resolve()
        assert copy.read_bytes() == Path(nb).read_bytes(), f"{path}: the download is not the committed notebook"


# ----------------------------------------------------------------- in the browser
# Module scope, not session: Playwright's sync API runs an event loop while it is open, and the
# other browser tests (test_slides.py, test_browser.py) start their own after this module.
@pytest.fixture(scope="module")
def browser():
    require_chromium()
    if not AXE_JS.exists():
        pytest.skip("axe-core is missing: npm ci in slides/ (make test does it)")
    with chromium_browser() as b:
        yield b


class Offline:
    """A browser context that lets only file: (and data:, blob:) requests through and records the rest."""

    def __init__(self, browser, theme="light"):
        self.left, self.failed, self.errors = [], [], []
        self.ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        self.ctx.add_init_script(f"localStorage.setItem('mode', '{theme}'); localStorage.setItem('theme', '{theme}');")
        self.ctx.route("**/*", self._route)

    def _route(self, r):
        if r.request.url.startswith(("file://", "data:", "blob:")):
            r.continue_()
        else:
            self.left.append(r.request.url)
            r.abort()

    def open(self, path: Path, query=""):
        page = self.ctx.new_page()
        page.on("requestfailed", lambda req: self.failed.append(f"{req.url}: {req.failure}"))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.goto(path.as_uri() + query)
        page.wait_for_load_state("load")
        if page.evaluate("() => !!document.querySelector('script[src*=\"MathJax.js\"]')"):
            page.wait_for_function("window.MathJax && MathJax.isReady", timeout=60_000)
            page.evaluate("() => new Promise(r => MathJax.Hub.Queue(r))")
        return page

    def assert_offline(self, where):
        assert self.left == [], f"{where}: requests to the network: {self.left}"
        assert self.failed == [], f"{where}: requests that failed: {self.failed}"
        assert self.errors == [], f"{where}: JavaScript errors: {self.errors}"

    def close(self):
        self.ctx.close()


_AXE_JS = """async (tags) => {
    const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                       resultTypes: ['violations'], preload: false});
    return r.violations.flatMap(v => v.nodes.map(n =>
        `${v.id} at ${n.target.join(' ')}: ${(n.failureSummary || '').split('\\n').slice(1, 2).join(' ').trim()}`));
}"""

_PAGE_FACTS_JS = """() => ({
    theme: document.documentElement.dataset.theme,
    formulas: document.querySelectorAll('.MathJax_CHTML').length,
    with_mathml: document.querySelectorAll('.MathJax_CHTML > .MJX_Assistive_MathML math').length,
    untypeset: [...document.querySelectorAll('.math')].filter(m => /\\\\\\(|\\\\\\[/.test(m.textContent)).length,
    no_alt: [...document.querySelectorAll('img')].filter(i => !(i.getAttribute('alt') || '').trim())
        .map(i => i.getAttribute('src')),
})"""


@pytest.fixture(scope="session")
def axe_report():
    report = {}
    yield report
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / "axe.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))


# Every page the site must have: the home page, the instructors' page, every notebook's, and
# Sphinx's search and index pages. test_every_page_is_audited checks that the build has no other.
PAGES = ["index", "instructors", "search", "genindex",
         *(Path(nb).relative_to(ROOT).with_suffix("").as_posix() for nb in LECTURES + EXERCISES)]

# The theme's own switch (pydata-sphinx-theme's colour-mode button) sets these two attributes;
# then the colours fade for a moment (CSS transitions): axe must see where they end.
_DARK_JS = """async () => {
    document.documentElement.dataset.mode = 'dark';
    document.documentElement.dataset.theme = 'dark';
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    await Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)));
}"""
_BACKGROUND_JS = "() => getComputedStyle(document.body).backgroundColor"


def test_every_page_is_audited(site):
    assert sorted(p.relative_to(site).with_suffix("").as_posix() for p in pages(site)) == sorted(PAGES)


@pytest.fixture(scope="module")
def offline(browser):
    session = Offline(browser)
    yield session
    session.close()


@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_page_offline_and_axe_clean(site, offline, axe_report, name):
    """The page, from disk with the network blocked: no request leaves and none fails, no
    JavaScript error; 0 axe violations (WCAG 2.1 A/AA) in the light and in the dark theme;
    every formula with its MathML copy, every image with alt text."""
    offline.left, offline.failed, offline.errors = [], [], []
    page = offline.open(site / f"{name}.html")
    try:
        page.add_script_tag(path=str(AXE_JS))
        facts = page.evaluate(_PAGE_FACTS_JS)
        light_bg = page.evaluate(_BACKGROUND_JS)
        found = {"light": page.evaluate(_AXE_JS, WCAG_TAGS)}
        page.evaluate(_DARK_JS)
        dark_bg = page.evaluate(_BACKGROUND_JS)
        found["dark"] = page.evaluate(_AXE_JS, WCAG_TAGS)
    finally:
        page.close()
    axe_report[f"{name}.html"] = {theme: len(v) for theme, v in found.items()}
    offline.assert_offline(name)
    assert facts["theme"] == "light" and light_bg != dark_bg, (facts["theme"], light_bg, dark_bg)
    assert found == {"light": [], "dark": []}, json.dumps(found, indent=1, ensure_ascii=False)
    assert facts["formulas"] == facts["with_mathml"], f"{facts['formulas'] - facts['with_mathml']} formulas without MathML"
    assert facts["untypeset"] == 0, f"{facts['untypeset']} formulas left as TeX"
    assert facts["no_alt"] == [], f"images without alt text: {facts['no_alt']}"


def _holding(site, term):
    """Pages whose article text holds `term` (any case)."""
    out = set()
    for path in pages(site):
        article = _soup(path).select_one("article")
        if article is not None and term.lower() in article.get_text(" ").lower():
            out.add(path.relative_to(site).with_suffix("").as_posix())
    return out


@pytest.mark.browser
@pytest.mark.parametrize("term", SEARCH_TERMS)
def test_search_finds(site, browser, term):
    """The built-in search, in the browser, lists every page whose text holds the term."""
    expected = _holding(site, term)
    assert expected, f"no page holds {term!r}: nothing to find"
    session = Offline(browser)
    try:
        page = session.open(site / "search.html", f"?q={term}")
        page.wait_for_function("() => document.querySelector('#search-results p.search-summary')"
                               " && !document.querySelector('#search-progress')?.textContent.trim()"
                               " || document.querySelectorAll('#search-results li').length > 0",
                               timeout=30_000)
        page.wait_for_timeout(300)
        hrefs = page.evaluate("() => [...document.querySelectorAll('#search-results li > a')]"
                              ".map(a => a.getAttribute('href'))")
        session.assert_offline("search.html")
    finally:
        session.close()
    found = {h.split("?")[0].split("#")[0].removesuffix(".html") for h in hrefs}
    assert expected <= found, f"search for {term!r}: found {sorted(found)}, missed {sorted(expected - found)}"


_FOCUS_JS = """() => {
    const e = document.activeElement;
    const s = getComputedStyle(e);
    const r = e.getBoundingClientRect();
    return {tag: e.tagName, cls: e.className || '', text: (e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 40),
            inside: e.closest('.bd-sidebar-primary, .bd-header-article, .search-button-field, nav') ? 'nav' : '',
            search: !!e.closest('.search-button, .search-button-field, .search-button__button'),
            sidebar: !!e.closest('.bd-sidebar-primary'),
            visible: r.width > 0 && r.height > 0,
            ring: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'};
}"""


@pytest.mark.browser
def test_keyboard_skip_link_search_and_menu(site, browser):
    """From the top of a lecture page, Tab reaches first the skip link, then the search and the
    menu; every element Tab lands on is drawn with a focus ring."""
    session = Offline(browser)
    try:
        page = session.open(page_of(LECTURES[0], site))
        stops = []
        for _ in range(40):
            page.keyboard.press("Tab")
            stops.append(page.evaluate(_FOCUS_JS))
        page.keyboard.press("Shift+Tab")  # back from wherever: the skip link still works
        page.goto(page_of(LECTURES[0], site).as_uri())
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        target = page.evaluate("() => location.hash")
        session.assert_offline("keyboard walk")
    finally:
        session.close()
    assert "skip" in stops[0]["text"].lower(), f"the first Tab stop is {stops[0]}, not a skip link"
    assert target, "the skip link goes nowhere"
    assert any(s["search"] for s in stops), "Tab never reaches the search"
    assert any(s["sidebar"] for s in stops), "Tab never reaches the menu"
    unringed = [s for s in stops if not (s["visible"] and s["ring"])]
    assert unringed == [], f"focus not visible on: {unringed}"


@pytest.mark.browser
def test_screenshots(site, browser):
    """To look at (build/site-report/): the home page; a lecture page at its top, and at its first
    figure in the dark theme (opened dark, as a reader who chose it comes back to it)."""
    REPORT.mkdir(parents=True, exist_ok=True)
    lecture = page_of(next(nb for nb in LECTURES if Path(nb).stem.startswith("05_")), site)
    shots = []
    for theme in ["light", "dark"]:
        session = Offline(browser, theme)
        try:
            if theme == "light":
                page = session.open(site / "index.html")
                shots.append((page, REPORT / "home.png"))
                page = session.open(lecture)
                shots.append((page, REPORT / f"{lecture.stem}.png"))
            else:
                page = session.open(lecture)
                assert page.evaluate("document.documentElement.dataset.theme") == "dark"
                page.evaluate("document.querySelector('.cell_output img').scrollIntoView({block: 'center'})")
                shots.append((page, REPORT / f"{lecture.stem}_figure_dark.png"))
            for page, shot in shots[-2 if theme == "light" else -1:]:
                page.screenshot(path=str(shot))
                assert shot.stat().st_size > 20_000, f"{shot} looks empty"
            session.assert_offline(f"screenshots, {theme}")
        finally:
            session.close()
