"""A class on a JupyterHub: an nbgitpuller link from `python -m teachkit link`, driven for real.

On 127.0.0.1, on free ports, the test starts
- configurable-http-proxy (npm, pinned by tests/hub/package-lock.json; `make test` runs npm ci there),
- JupyterHub (pinned in requirements-dev.txt) with DummyAuthenticator (any name and password) and
  SimpleLocalProcessSpawner, each user's home in a temporary folder, the user servers running
  jupyterhub-singleuser from this environment, which has nbgitpuller and teachkit,
and makes a bare clone of this repository (its committed HEAD) to serve as the course repository
(file:// URL). The link that `python -m teachkit link` prints for that hub and repository is opened in
headless Chromium: the hub's login page, sign-in, the user's server starting, nbgitpuller cloning,
and JupyterLab open at notebooks/01_data.ipynb. Then every cell of that pulled notebook is run in
the user's kernel (JupyterLab's Run All), the notebook is saved, and the saved file is checked on
disk: every code cell ran, in order, without an error, and its text outputs are the committed ones.

Teardown stops, by process id, the hub, the proxy and every process the hub started (user servers,
kernels), on failure too, and fails if any of them is still alive.
Timings (hub up, link -> notebook open, run all) go to build/jupyterhub/timings.txt; screenshots
to build/jupyterhub/.

Skips, with the reason, only when Chromium, playwright, JupyterHub, nbgitpuller or the proxy
(npm ci in tests/hub/) is missing; `make test` installs all but Chromium, which CI installs.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _browser import (CHROMIUM, CHROMIUM_ARGS, free_port, require_chromium, stop, wait_for_http, wait_until,
                      write_lab_settings)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/01_data.ipynb"
PROXY = ROOT / "tests" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
OUT = ROOT / "build" / "jupyterhub"
USER = "student"
FOLDER = "teachkit"        # where nbgitpuller puts the clone in the user's home

pytestmark = pytest.mark.browser


def _hub_config(tmp, hub_port, public_port, api_port, token) -> str:
    python = Path(sys.executable)
    settings = tmp / "lab-settings"
    write_lab_settings(settings)
    args = ["--allow-root"] if os.geteuid() == 0 else []
    return f"""
c.JupyterHub.bind_url = "http://127.0.0.1:{public_port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.JupyterHub.db_url = "sqlite:///{tmp / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = "{tmp / 'jupyterhub_cookie_secret'}"
c.JupyterHub.cleanup_servers = True
c.ConfigurableHTTPProxy.should_start = False          # the test starts the proxy and owns its pid
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.auth_token = "{token}"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{tmp / 'home'}/{{username}}"
c.Spawner.cmd = ["{python}", "-m", "jupyterhub.singleuser"]
c.Spawner.args = {args!r}
c.Spawner.default_url = "/lab"
c.Spawner.environment = {{"JUPYTERLAB_SETTINGS_DIR": "{settings}"}}
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
"""


@pytest.fixture
def hub(tmp_path):
    """Proxy + hub on free ports and a bare clone of the repository; yields what the test needs."""
    require_chromium()
    pytest.importorskip("playwright.sync_api", reason="the playwright package is missing (requirements-dev.txt)")
    pytest.importorskip("jupyterhub", reason="JupyterHub is missing (requirements-dev.txt)")
    pytest.importorskip("nbgitpuller", reason="nbgitpuller is missing (requirements-dev.txt)")
    if not PROXY.exists():
        pytest.skip(f"{PROXY.relative_to(ROOT)} is missing: run `make test` (npm ci in tests/hub/)")
    import psutil

    # the course repository: a bare clone of this one, its branch `main` at our HEAD
    bare = tmp_path / "git" / f"{FOLDER}.git"
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip()
    subprocess.run(["git", "clone", "--quiet", "--bare", "--no-hardlinks", str(ROOT), str(bare)], check=True)
    subprocess.run(["git", "update-ref", "refs/heads/main", head], cwd=bare, check=True)

    hub_port, public_port, api_port = free_port(), free_port(), free_port()
    token = secrets.token_hex(32)
    config = tmp_path / "jupyterhub_config.py"
    config.write_text(_hub_config(tmp_path, hub_port, public_port, api_port, token))
    (tmp_path / "home").mkdir()

    procs, logs, seen = {}, [], {}
    t0 = time.monotonic()
    try:
        logs.append(open(tmp_path / "proxy.log", "w"))
        procs["proxy"] = subprocess.Popen(
            [str(PROXY), "--ip", "127.0.0.1", "--port", str(public_port), "--api-ip", "127.0.0.1",
             "--api-port", str(api_port), "--error-target", f"http://127.0.0.1:{hub_port}/hub/error",
             "--log-level", "warn"],
            stdout=logs[-1], stderr=subprocess.STDOUT, env={**os.environ, "CONFIGPROXY_AUTH_TOKEN": token})
        logs.append(open(tmp_path / "jupyterhub.log", "w"))
        procs["hub"] = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)],
                                        stdout=logs[-1], stderr=subprocess.STDOUT, cwd=tmp_path)
        # up = the hub answers through the proxy: it has started and registered its route there
        wait_for_http(f"http://127.0.0.1:{public_port}/hub/api/", procs, 120, "JupyterHub behind the proxy")
        hub_up = time.monotonic() - t0

        def remember_children():
            """Every process the hub started (user servers, their kernels), kept for the teardown."""
            now = psutil.Process(procs["hub"].pid).children(recursive=True)
            seen.update((p.pid, p) for p in now)
            return now

        yield {"url": f"http://127.0.0.1:{public_port}", "repo": bare.as_uri(), "home": tmp_path / "home" / USER,
               "head": head, "hub_up": hub_up, "remember_children": remember_children}
    finally:
        _stop_all(procs, seen, tmp_path, psutil)
        for log in logs:
            log.close()


def _stop_all(procs, seen, tmp_path, psutil):
    """Stop the user servers, the hub, the proxy, then anything the hub started that is left, by process id."""
    for p in procs.values():
        try:
            for child in psutil.Process(p.pid).children(recursive=True):
                seen[child.pid] = child
        except psutil.NoSuchProcess:
            pass
    # user servers write jpserver-PID.json under their HOME: found even if the hub died first
    for f in (tmp_path / "home").glob("*/.local/share/jupyter/runtime/jpserver-*.json"):
        try:
            server = psutil.Process(json.loads(f.read_text())["pid"])
            if "jupyterhub.singleuser" in _cmdline(server):   # not a stale file whose pid was reused
                seen.setdefault(server.pid, server)
        except (ValueError, KeyError, OSError, psutil.NoSuchProcess):
            pass
    # the user servers first (each stops its kernels), so that the hub has nothing left to wait for
    servers = [p for p in seen.values() if p.is_running() and "jupyterhub.singleuser" in _cmdline(p)]
    _signal(servers, "terminate", psutil)
    _wait_gone(servers, 20, psutil)
    for name in ("hub", "proxy"):
        p = procs.get(name)
        if p is None:
            continue
        stop(p, timeout=30)
    left = [p for p in seen.values() if p.is_running()]   # is_running: same pid *and* start time
    _signal(left, "terminate", psutil)
    alive = _wait_gone(left, 10, psutil)
    _signal(alive, "kill", psutil)
    alive = _wait_gone(alive, 5, psutil)
    assert not alive, f"processes still alive after the teardown: {[p.pid for p in alive]}"


def test_a_student_follows_the_link_to_a_running_notebook(hub):
    from playwright.sync_api import sync_playwright

    link = subprocess.run([sys.executable, "-m", "teachkit", "link", "--hub", hub["url"], "--repo", hub["repo"],
                           "--branch", "main", "--notebook", NOTEBOOK],
                          check=True, capture_output=True, text=True).stdout.strip()
    OUT.mkdir(parents=True, exist_ok=True)
    pulled = hub["home"] / FOLDER / NOTEBOOK
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            t0 = time.monotonic()
            page.goto(link, wait_until="domcontentloaded")
            # not logged in: the hub's login page, which keeps the link as ?next=
            page.wait_for_selector("#username_input", timeout=60_000)
            assert "/hub/login" in page.url and "git-pull" in page.url
            page.screenshot(path=str(OUT / "1_login.png"))
            page.fill("#username_input", USER)
            page.fill("#password_input", "any password will do")
            page.click("#login_submit")
            # hub -> spawn the user's server -> nbgitpuller clones -> JupyterLab at the notebook
            page.wait_for_url(re.compile(rf"/user/{USER}/lab/tree/{FOLDER}/{re.escape(NOTEBOOK)}"),
                              timeout=240_000, wait_until="domcontentloaded")
            page.wait_for_selector(".jp-Notebook", timeout=120_000)
            kernels = f"{hub['url']}/user/{USER}/api/kernels"   # the browser's cookies: the student's view
            wait_until(lambda: [k["execution_state"] for k in page.request.get(kernels).json()] == ["idle"],
                        timeout=120, what="the notebook's kernel to start and be idle")
            opened = time.monotonic() - t0
            tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")
            assert tab.inner_text().strip() == Path(NOTEBOOK).name
            # the kernel is the student's: started by their server, in the pulled folder, with their HOME
            kernel = [p for p in hub["remember_children"]() if "ipykernel_launcher" in _cmdline(p)]
            assert len(kernel) == 1, [_cmdline(p) for p in hub["remember_children"]()]
            assert Path(kernel[0].cwd()) == pulled.parent
            assert kernel[0].environ().get("HOME") == str(hub["home"])
            page.screenshot(path=str(OUT / "2_notebook_open.png"))

            # the pulled copy in the user's home is the committed notebook
            committed = _git_show(hub["head"], NOTEBOOK)
            assert pulled.read_bytes() == committed
            origin = subprocess.run(["git", "-C", str(hub["home"] / FOLDER), "rev-parse", "HEAD"],
                                    check=True, capture_output=True, text=True).stdout.strip()
            assert origin == hub["head"]

            # clear the committed outputs, run every cell in the user's kernel, then save
            page.get_by_role("menuitem", name="Edit", exact=True).click()
            page.get_by_role("menuitem", name="Clear Outputs of All Cells", exact=True).click()
            wait_until(lambda: not _any_cell_ran(page), timeout=30, what="the outputs to be cleared")
            t1 = time.monotonic()
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            wait_until(lambda: _all_cells_ran(page), timeout=180, what="every cell to run")
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
            ran = time.monotonic() - t1
            hub["remember_children"]()
            before_save = pulled.stat().st_mtime_ns
            page.locator(".jp-Notebook .jp-Cell").first.click()   # focus the notebook, then Ctrl+S
            page.keyboard.press("Escape")
            page.keyboard.press("Control+s")
            wait_until(lambda: pulled.stat().st_mtime_ns != before_save and _executed(pulled), timeout=60,
                        what="the executed notebook to be saved")
            page.screenshot(path=str(OUT / "3_after_run_all.png"))
            errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            assert errors.count() == 0, errors.all_inner_texts()
        finally:
            browser.close()

    saved = json.loads(pulled.read_text())
    code = [c for c in saved["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))
    for c in code:
        assert not [o for o in c["outputs"] if o["output_type"] == "error"], c["source"]
    expected = [_text_outputs(c) for c in json.loads(committed)["cells"] if c["cell_type"] == "code"]
    assert [_text_outputs(c) for c in code] == expected
    timings = (f"hub up (proxy + hub started -> hub answers through the proxy): {hub['hub_up']:.1f} s\n"
               f"link -> login -> server spawned -> pulled -> {NOTEBOOK} open, kernel idle: {opened:.1f} s\n"
               f"run all cells of {NOTEBOOK} in the user's kernel: {ran:.1f} s\n")
    (OUT / "timings.txt").write_text(timings)
    print("\n" + timings)


def _signal(processes, how, psutil):
    for p in processes:
        try:
            getattr(p, how)()   # psutil checks the pid still belongs to the same process
        except psutil.NoSuchProcess:
            pass


def _wait_gone(processes, timeout, psutil):
    """Wait until each process has exited; a zombie (exited, not yet reaped by the hub) counts as gone."""
    def alive():
        left = []
        for p in processes:
            try:
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    left.append(p)
            except psutil.NoSuchProcess:
                pass
        return left

    deadline = time.monotonic() + timeout
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive()


def _cmdline(process) -> str:
    try:
        return " ".join(process.cmdline())
    except Exception:   # psutil.Error: gone, or a zombie
        return ""


def _git_show(commit, path) -> bytes:
    return subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, check=True, capture_output=True).stdout


def _executed(path) -> bool:
    try:
        cells = json.loads(path.read_text())["cells"]
    except (OSError, ValueError):
        return False
    return all(c.get("execution_count") for c in cells if c["cell_type"] == "code")


def _sanitizers():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "notebooks" / "sanitize.cfg")
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


def _text_outputs(cell) -> list[str]:
    """The cell's text as nbval compares it (stream text, text/plain), after notebooks/sanitize.cfg."""
    texts = []
    for o in cell.get("outputs", []):
        text = o.get("text") if o["output_type"] == "stream" else o.get("data", {}).get("text/plain")
        if text is not None:
            text = "".join(text)
            for regex, replace in _sanitizers():
                text = regex.sub(replace, text)
            texts.append(text)
    return texts


def _all_cells_ran(page) -> bool:
    """Every code cell shows an execution count (no [ ] or [*] left)."""
    prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
    return bool(prompts) and all(p.strip() not in ("[ ]:", "[*]:", "") for p in prompts)


def _any_cell_ran(page) -> bool:
    prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
    return any(re.fullmatch(r"\[\d+\]:", p.strip()) for p in prompts)
