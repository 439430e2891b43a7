"""The shrinkage explorer in a real browser: JupyterLab, headless Chromium, a slider moved by hand.

The test copies notebooks/05b_shrinkage_explorer.ipynb to a temporary folder (the
committed notebook is never touched), starts JupyterLab there on 127.0.0.1 with no
token, opens the copy in Chromium through Playwright, runs every cell, waits for
the explorer's sliders and figure, takes a screenshot, moves the `sample_size`
slider with the keyboard (the change reaches the kernel when the slider is let go:
`continuous_update=False`), waits for the figure to change, and takes another.

It fails if the figure does not change, if the status line does not report the new
n, or if any cell wrote to stderr or raised. Screenshots go to build/screenshots/
(05b_explorer_before.png, 05b_explorer_after.png, 05b_page.png).

Skips, with the reason, when /usr/bin/chromium or the playwright package is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "05b_shrinkage_explorer.ipynb"
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url, proc, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"JupyterLab did not answer at {url} within {timeout:.0f} s")


@pytest.fixture
def lab(tmp_path):
    """JupyterLab serving a temporary copy of the notebook; yields (base URL, notebook name)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is missing (pip install playwright)")
    root = tmp_path / "notebooks"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    port = _free_port()
    settings = tmp_path / "settings"
    # every cell stays in the page (no windowing: cells scrolled away keep their outputs), no news pop-up
    _write_json(settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings",
                {"windowingMode": "none"})
    _write_json(settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings",
                {"fetchNews": "false", "checkForUpdates": False})
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),   # no user settings, no workspace to restore
           "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    log = open(tmp_path / "jupyterlab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--IdentityProvider.token=",
         "--ServerApp.password=", f"--ServerApp.root_dir={root}"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    try:
        _wait_for_server(f"http://127.0.0.1:{port}/api/status", proc)
        yield f"http://127.0.0.1:{port}", NOTEBOOK.name, root / NOTEBOOK.name
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_moving_the_sample_size_slider_redraws_the_figure(lab):
    from playwright.sync_api import sync_playwright

    base, name, copy = lab
    committed = NOTEBOOK.read_bytes()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/lab/tree/{name}", wait_until="domcontentloaded")
            page.wait_for_selector(".jp-Notebook", timeout=60_000)
            # wait for the kernel to be ready, then run every cell from the Run menu
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

            _wait_until(lambda: _all_cells_ran(page), timeout=120, what="every cell to run")
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
            # the explorer: the output of the cell that makes it
            cell = page.locator(".jp-CodeCell").filter(has_text="tk.widgets.ShrinkageExplorer(data)").first
            cell.scroll_into_view_if_needed()
            image = cell.locator(".jp-OutputArea img.widget-image").first
            image.wait_for(state="visible", timeout=60_000)
            explorer = cell.locator(".jp-OutputArea")

            slider = explorer.locator(".widget-slider").filter(has_text="its sample size n").first
            slider.wait_for(state="visible")
            image.scroll_into_view_if_needed()
            before_src = image.get_attribute("src")
            readout = slider.locator(".widget-readout").inner_text().strip()
            before = image.screenshot(path=str(SHOTS / "05b_explorer_before.png"))

            # move the slider: focus its handle and press End (to 200) or Home (to 1)
            key, target = ("End", "200") if readout != "200" else ("Home", "1")
            slider.locator(".noUi-handle").first.click()
            start = time.monotonic()
            page.keyboard.press(key)
            _wait_until(lambda: image.get_attribute("src") != before_src, timeout=30,
                        what="the figure to change after the slider moved", poll=0.02)
            print(f"\nkey press -> new figure in the page: {time.monotonic() - start:.2f} s")
            status = explorer.locator(".widget-html").filter(has_text="partial pooling").first
            _wait_until(lambda: f"n = {target}," in status.inner_text(), timeout=30,
                        what=f"the status line to report n = {target}")
            assert slider.locator(".widget-readout").inner_text().strip() == target
            page.wait_for_timeout(300)   # let the new image paint
            after = image.screenshot(path=str(SHOTS / "05b_explorer_after.png"))
            page.screenshot(path=str(SHOTS / "05b_page.png"), full_page=False)

            assert before != after, "the rendered figure did not change"
            stderr = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
            assert stderr.count() == 0, stderr.all_inner_texts()
            assert errors.count() == 0, errors.all_inner_texts()
            assert explorer.locator("[role='alert']").count() == 0   # nothing was refused
        finally:
            browser.close()
    assert NOTEBOOK.read_bytes() == committed   # the committed notebook is untouched
    assert copy.exists()


def _write_json(path, content):
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content))


def _all_cells_ran(page) -> bool:
    """Every code cell shows an execution count (no [ ] or [*] left)."""
    prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
    return bool(prompts) and all(p.strip() not in ("[ ]:", "[*]:", "") for p in prompts)


def _wait_until(condition, *, timeout, what, poll=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
