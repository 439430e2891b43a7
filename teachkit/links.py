"""Links that hand a class the notebooks on a JupyterHub, through nbgitpuller.

An nbgitpuller link points at a hub; when a student opens it, the hub logs them
in, starts their server, clones the repository into their home folder (or, the
next time, merges new commits without touching their own edits), and opens a
notebook in JupyterLab:

    >>> nbgitpuller_link("https://hub.example.edu", repo="https://github.com/owner/course")
    'https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fowner%2Fcourse&branch=main&urlpath=lab%2Ftree%2Fcourse%2Fnotebooks%2F01_data.ipynb'

From the command line: `python -m teachkit link --hub https://hub.example.edu`.
The hub needs nbgitpuller and teachkit on its user image; nothing else.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import quote, urlencode, urlsplit



def _source() -> tuple[str, str]:
    """(repository URL, branch) from the installed package's Project-URL "Source".

    The address lives in one place, pyproject.toml's [project.urls] Source
    (https://github.com/OWNER/REPO/tree/BRANCH); tools/notebook_links.py writes the
    notebooks' badges and set-up cells from the same line. A fork changes it there.
    """
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        entries = metadata("teachkit").get_all("Project-URL") or []
    except PackageNotFoundError:  # imported from a source tree that was never installed
        entries = []
    for entry in entries:
        label, _, url = entry.partition(",")
        if label.strip() == "Source" and "/tree/" in url:
            repo, _, branch = url.strip().partition("/tree/")
            return repo, branch
    raise RuntimeError("teachkit's metadata has no Project-URL 'Source' (…/OWNER/REPO/tree/BRANCH); "
                       "reinstall teachkit")


# The repository the links pull from by default, and its branch.
REPOSITORY, BRANCH = _source()
NOTEBOOK = "notebooks/01_data.ipynb"

_HUB_SCHEMES = ("http", "https")
_REPO_SCHEMES = ("https", "http", "ssh", "git", "file")


def nbgitpuller_link(hub: str, repo: str = REPOSITORY, branch: str = BRANCH,
                     notebook: str = NOTEBOOK) -> str:
    """The nbgitpuller link that pulls `repo` at `branch` and opens `notebook` in JupyterLab.

    `hub` is the hub's address as students type it (with a path prefix if the hub
    has one, e.g. https://uni.example/jupyter); `notebook` is a path inside the
    repository. The repository lands in a folder named after its last path part
    (without `.git`) in each student's home.

    Raises ValueError, naming the argument and the value, for a hub that is not an
    http(s) address, a repository that is not a git URL, an empty or spaced branch,
    or a notebook path that is absolute, leaves the repository or is not .ipynb.
    """
    hub_url = _check_hub(hub)
    repo_url, folder = _check_repo(repo)
    _check_branch(branch)
    path = _check_notebook(notebook)

    params = {"repo": repo_url, "branch": branch, "urlpath": f"lab/tree/{folder}/{path}"}
    # nbgitpuller's default folder is the URL's last part as it stands; say so only when it differs
    if folder != repo_url.split("/")[-1]:
        params["targetpath"] = folder
    return f"{hub_url}/hub/user-redirect/git-pull?{urlencode(params, quote_via=quote, safe='')}"


def _check_hub(hub) -> str:
    if not isinstance(hub, str):
        raise ValueError(f"hub: expected the hub's address as text, got {type(hub).__name__} {hub!r}")
    parts = urlsplit(hub.strip())
    if parts.scheme.lower() not in _HUB_SCHEMES or not parts.netloc:
        raise ValueError(f"hub: {hub!r} is not an http:// or https:// address "
                         "(give the address students open, e.g. https://hub.example.edu)")
    if parts.query or parts.fragment:
        raise ValueError(f"hub: {hub!r} has a query or fragment; give the hub's address alone")
    return f"{parts.scheme.lower()}://{parts.netloc}{parts.path.rstrip('/')}"


def _check_repo(repo) -> tuple[str, str]:
    if not isinstance(repo, str):
        raise ValueError(f"repo: expected a git URL as text, got {type(repo).__name__} {repo!r}")
    url = repo.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme.lower() not in _REPO_SCHEMES or not (parts.netloc or parts.scheme == "file"):
        raise ValueError(f"repo: {repo!r} is not a git URL the hub can clone "
                         f"(one of {', '.join(s + '://' for s in _REPO_SCHEMES)})")
    name = parts.path.rstrip("/").split("/")[-1]
    folder = name[:-4] if name.endswith(".git") else name
    if not folder or folder in {".", ".."}:
        raise ValueError(f"repo: {repo!r} names no repository (its last path part is empty)")
    return url, folder


def _check_branch(branch) -> None:
    if not isinstance(branch, str) or not branch or re.search(r"\s", branch):
        raise ValueError(f"branch: {branch!r} is not a branch name (non-empty, no spaces)")


def _check_notebook(notebook) -> str:
    if not isinstance(notebook, str) or not notebook:
        raise ValueError(f"notebook: expected a path inside the repository, got {notebook!r}")
    path = PurePosixPath(notebook)
    if path.is_absolute() or ".." in path.parts or path.suffix != ".ipynb":
        raise ValueError(f"notebook: {notebook!r} must be a relative .ipynb path inside the repository "
                         "(e.g. notebooks/01_data.ipynb)")
    return str(path)
