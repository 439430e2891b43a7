"""The shrinkage explorer in a real browser: JupyterLab, headless Chromium, driven by the keyboard.

The test copies notebooks/05b_shrinkage_explorer.ipynb to a temporary folder with
its outputs and execution counts removed (so "every cell ran" can only mean they ran
now; the committed notebook is never touched), starts JupyterLab there on 127.0.0.1
with no token, opens the copy in Chromium through Playwright and runs every cell.

Then, on the explorer's output area:
- every control is found by its role and accessible name (what a screen reader
  says), the figure has alt text and the status line is a role="status" region;
- axe-core (slides/package-lock.json, the one pin the slide tests use too) finds 0 violations of WCAG 2.0/2.1
  A and AA, with the data as observed and again after the keyboard changes below;
- by keyboard alone, from the first control (the school list): Tab reaches the
  sample-size slider, arrow keys move it, and the figure, its alt text, the slider's
  aria-valuetext and the status line all change; Tab and an arrow key switch τ to
  fixed; Tab reaches the τ slider (a log scale), whose aria-valuetext is the value
  shown (not the exponent), and an arrow key moves it and redraws the figure.

It fails if any of that does not happen, or if any cell wrote to stderr or raised.
Screenshots go to build/screenshots/ (05b_explorer_before.png, 05b_explorer_after.png,
05b_explorer_status.png: the explorer with its status line, 05b_page.png).
Timeouts are generous: a busy 2-core machine runs the notebook in about a minute.

Skips, with the reason, when Chromium or the playwright package is missing;
fails when axe-core is not installed (`make test` installs it).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _browser import (CHROMIUM, CHROMIUM_ARGS, free_port, require_chromium, stop, wait_for_http, wait_until,
                      write_lab_settings)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "05b_shrinkage_explorer.ipynb"
SHOTS = ROOT / "build" / "screenshots"
AXE = ROOT / "slides" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Generous on purpose: ~6 sessions share 2 cores here, and CI runs beside other work.
SERVER_TIMEOUT = 180
RUN_ALL_TIMEOUT = 600
CHANGE_TIMEOUT = 90

pytestmark = pytest.mark.browser


def _copy_without_outputs(source: Path, target: Path):
    """The notebook with no outputs and no execution counts: nothing in the page can
    look like a cell that ran until it has run in this session."""
    nb = json.loads(source.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    nb["metadata"].pop("widgets", None)   # the widget state saved with those outputs
    target.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def lab(tmp_path):
    """JupyterLab serving a copy of the notebook without outputs; yields (base URL, name, copy)."""
    require_chromium()
    pytest.importorskip("playwright.sync_api", reason="the playwright package is missing (pip install playwright)")
    root = tmp_path / "notebooks"
    root.mkdir()
    _copy_without_outputs(NOTEBOOK, root / NOTEBOOK.name)
    port = free_port()
    settings = tmp_path / "settings"
    write_lab_settings(settings, autoStartDefaultKernel=True)
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),   # no user settings, no workspace to restore
           "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    log = open(tmp_path / "jupyterlab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--IdentityProvider.token=",
         "--ServerApp.password=", f"--ServerApp.root_dir={root}",
         "--LabApp.expose_app_in_browser=True"],   # window.jupyterapp: the test asks it for the kernel
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/status", {"JupyterLab": proc}, SERVER_TIMEOUT, "JupyterLab")
        yield f"http://127.0.0.1:{port}", NOTEBOOK.name, root / NOTEBOOK.name
    finally:
        stop(proc, timeout=20)
        log.close()


def test_explorer_is_accessible_and_works_from_the_keyboard(lab):
    from playwright.sync_api import sync_playwright

    if not AXE.exists():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: `make test` installs it "
                    "(or run `npm ci` in slides/)")
    base, name, copy = lab
    committed = NOTEBOOK.read_bytes()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(CHANGE_TIMEOUT * 1000)
            page.goto(f"{base}/lab/tree/{name}", wait_until="domcontentloaded")
            page.wait_for_selector(".jp-Notebook", timeout=SERVER_TIMEOUT * 1000)
            _wait_for_kernel(page)
            assert not _numbered_prompts(page), "the copy should carry no execution counts"
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            wait_until(lambda: _all_cells_ran(page), timeout=RUN_ALL_TIMEOUT, what="every cell to run")
            _wait_for_kernel(page)

            # the explorer: the output of the cell that makes it
            cell = page.locator(".jp-CodeCell").filter(has_text="tk.widgets.ShrinkageExplorer(data)").first
            cell.scroll_into_view_if_needed()
            explorer = cell.locator(".jp-OutputArea")
            figure = explorer.locator("img.tk-figure")
            figure.wait_for(state="visible")
            status = explorer.get_by_role("status")
            # the notebook's later cells changed the explorer and reset it: it shows school 5 as observed
            wait_until(lambda: status.inner_text().startswith("Back to the data as observed"),
                        timeout=CHANGE_TIMEOUT, what="the status line after the notebook's reset")

            # every control, found by what a screen reader says
            school = explorer.get_by_role("combobox", name="school")
            n_slider = explorer.get_by_role("slider", name="its sample size n")
            tau_mode = explorer.get_by_role("group", name="τ is")
            tau_slider = explorer.get_by_role("slider", name="τ", exact=True)
            controls = [school, n_slider, tau_mode, tau_slider,
                        explorer.get_by_role("slider", name="μ ~ N(0, sd²): sd"),
                        explorer.get_by_role("group", name="prior on τ"),
                        explorer.get_by_role("slider", name="upper bound U"),
                        explorer.get_by_role("button", name="reset")]
            # the widget re-renders its controls as the kernel's last messages arrive (on a busy machine
            # after the status line): wait for each to be there once, rather than count at one instant
            counts = {}

            def each_control_once():
                counts.update({str(c): c.count() for c in controls})
                return all(v == 1 for v in counts.values())

            try:
                wait_until(each_control_once, timeout=CHANGE_TIMEOUT,
                           what="each control of the explorer, found once by its accessible name")
            except AssertionError as err:
                raise AssertionError(f"{err}; how many of each: {counts}") from None
            assert tau_mode.get_by_role("radio", name="learned").is_checked()
            assert tau_slider.is_disabled()   # τ is learned: its slider shows the posterior median
            _check_log_slider(tau_slider)

            _assert_no_axe_violations(page, explorer, "the explorer as the notebook left it")
            before = {"src": figure.get_attribute("src"), "alt": figure.get_attribute("alt"),
                      "status": status.inner_text()}
            assert "school 5" in before["alt"].lower() and "n = 9" in before["alt"]
            figure.scroll_into_view_if_needed()
            shot_before = figure.screenshot(path=str(SHOTS / "05b_explorer_before.png"))

            # keyboard alone from here: focus lands on the first control (as Tab from the cell would)
            school.focus()
            page.keyboard.press("Tab")
            assert _is_focused(n_slider), "Tab from the school list did not reach the sample-size slider"
            start = time.monotonic()
            for _ in range(3):
                page.keyboard.press("ArrowRight")
            wait_until(lambda: status.inner_text().startswith("School 5, n = 12:"), timeout=CHANGE_TIMEOUT,
                        what="the status line to report n = 12 after three arrow presses")
            wait_until(lambda: "n = 12" in (figure.get_attribute("alt") or ""), timeout=CHANGE_TIMEOUT,
                        what="the figure's alt text to follow")
            print(f"\narrow keys -> new status and figure in the page: {time.monotonic() - start:.2f} s")
            assert n_slider.get_attribute("aria-valuetext") == "12"
            assert figure.get_attribute("src") != before["src"]
            page.wait_for_timeout(300)   # let the new image paint
            shot_after = figure.screenshot(path=str(SHOTS / "05b_explorer_after.png"))
            assert shot_after != shot_before, "the rendered figure did not change"

            # Tab on to the τ toggles (past the reset button), an arrow switches τ to fixed
            page.keyboard.press("Tab")
            assert _is_focused(explorer.get_by_role("button", name="reset"))
            page.keyboard.press("Tab")
            assert _is_focused(tau_mode.get_by_role("radio", name="learned"))
            page.keyboard.press("ArrowRight")
            wait_until(lambda: "τ fixed at" in status.inner_text(), timeout=CHANGE_TIMEOUT,
                        what="the status line to say τ is fixed")
            assert tau_mode.get_by_role("radio", name="fixed").is_checked()
            assert not tau_mode.get_by_role("radio", name="learned").is_checked()
            wait_until(lambda: not tau_slider.is_disabled(), timeout=CHANGE_TIMEOUT,
                        what="the τ slider to be enabled")
            page.keyboard.press("Tab")
            assert _is_focused(tau_slider), "Tab from the τ toggles did not reach the τ slider"
            shown_before = _check_log_slider(tau_slider)
            alt_before = figure.get_attribute("alt")
            page.keyboard.press("ArrowLeft")
            wait_until(lambda: _check_log_slider(tau_slider) != shown_before, timeout=CHANGE_TIMEOUT,
                        what="the τ slider to move")
            shown = _check_log_slider(tau_slider)
            wait_until(lambda: f"τ fixed at {shown} h" in status.inner_text(), timeout=CHANGE_TIMEOUT,
                        what=f"the status line to say τ fixed at {shown} h")
            wait_until(lambda: figure.get_attribute("alt") != alt_before, timeout=CHANGE_TIMEOUT,
                        what="the alt text to change with τ")
            assert f"τ fixed at {shown} h" in figure.get_attribute("alt")

            _assert_no_axe_violations(page, explorer, "the explorer after the keyboard changes")
            page.wait_for_timeout(300)
            explorer.locator(".jp-OutputArea-output").first.screenshot(
                path=str(SHOTS / "05b_explorer_status.png"))
            page.screenshot(path=str(SHOTS / "05b_page.png"), full_page=False)

            stderr = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
            assert stderr.count() == 0, stderr.all_inner_texts()
            assert errors.count() == 0, errors.all_inner_texts()
            assert explorer.locator("[role='alert']").count() == 0   # nothing was refused
        finally:
            browser.close()
    assert NOTEBOOK.read_bytes() == committed   # the committed notebook is untouched
    assert copy.exists()


KERNEL_STATUS = """() => {
    const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = widget && widget.sessionContext && widget.sessionContext.session
        && widget.sessionContext.session.kernel;
    return kernel ? kernel.status : null;
}"""


def _wait_for_kernel(page):
    """Until the notebook's kernel is idle (accepting the kernel dialog if JupyterLab asks)."""
    def idle():
        dialog = page.locator(".jp-Dialog").get_by_role("button", name="Select", exact=True)
        if dialog.count() and dialog.is_visible():
            dialog.click()
        return page.evaluate(KERNEL_STATUS) == "idle"

    wait_until(idle, timeout=SERVER_TIMEOUT, what="the notebook's kernel to be idle", poll=0.5)


def _check_log_slider(slider) -> str:
    """A log slider announces the value it shows, base ** position, not the position."""
    position = float(slider.input_value())
    text = slider.get_attribute("aria-valuetext")
    readout = slider.locator("xpath=following-sibling::*[contains(@class, 'tk-readout')]").inner_text()
    assert text == readout.strip(), (text, readout)
    assert text != slider.input_value(), "the slider announces its exponent"
    # the handle sits on the step nearest to the value (half a step away at most)
    step = float(slider.get_attribute("step"))
    assert abs(math.log10(float(text)) - position) <= step / 2 + 0.003, (text, position)
    return text


def _is_focused(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def _assert_no_axe_violations(page, area, where):
    page.add_script_tag(path=str(AXE))
    result = area.evaluate(
        "(element, tags) => axe.run(element, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    violations = [(v["id"], v["impact"], [n["html"][:160] for n in v["nodes"]]) for v in result["violations"]]
    assert result["passes"], f"axe checked nothing in {where}"
    assert violations == [], f"axe-core found WCAG violations in {where}: {violations}"


def _prompts(page):
    return [p.strip() for p in page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()]


def _numbered_prompts(page):
    return [p for p in _prompts(page) if p not in ("[ ]:", "[*]:", "")]


def _all_cells_ran(page) -> bool:
    """Every code cell shows an execution count from this session (the copy started with
    none), none is queued, and none raised (which would stop the rest: fail at once)."""
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
    if errors.count():
        raise AssertionError(f"a cell raised: {errors.all_inner_texts()}")
    prompts = _prompts(page)
    return bool(prompts) and len(_numbered_prompts(page)) == len(prompts)
