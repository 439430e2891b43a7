"""What the browser tests share: Chromium and its flags, a free port, waiting for a server or a
condition, stopping a server, and JupyterLab settings that suit a test.

Used by test_browser.py (the explorer in JupyterLab), test_jupyterhub.py (a student's link
through a real hub) and test_slides.py (decks and pages under axe-core).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# no sandbox (tests run as root here), no GPU, and nothing that reaches the network on its own
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def require_chromium():
    """Skip the test, saying how to install it, when there is no Chromium (CI installs it)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium); CI installs it")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url, procs: dict, timeout, what):
    """Wait until ``url`` answers 200; fail at once if one of ``procs`` (name -> Popen) has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited early with code {proc.returncode} (see its log in the tmp dir)")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{what} did not answer at {url} within {timeout:.0f} s")


def stop(proc: subprocess.Popen, timeout):
    """Ask a process we started to stop (SIGTERM), and kill it if it has not within ``timeout`` s."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_until(condition, *, timeout, what, poll=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def write_json(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content))


def write_lab_settings(folder: Path, **notebook):
    """JupyterLab user settings for a test: every cell stays in the page (no windowing, so cells
    scrolled away keep their outputs), plus ``notebook`` (more notebook-tracker settings), and no
    news or update pop-up."""
    write_json(folder / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings",
               {"windowingMode": "none", **notebook})
    write_json(folder / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings",
               {"fetchNews": "false", "checkForUpdates": False})


@contextmanager
def chromium_browser():
    """Debian's Chromium driven by Playwright (skips without it), closed on the way out, also on failure.
    A test module's ``browser`` fixture yields from it; keep it module-scoped (Playwright's sync API runs
    an event loop while it is open, and each browser test module starts its own)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
