"""nbgitpuller links (teachkit.links and `python -m teachkit link`): what they carry, what they refuse.

The link itself is driven through a real JupyterHub in tests/test_jupyterhub.py.
"""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest

from teachkit import links


def _query(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, strict_parsing=True).items()}


def test_default_link_opens_the_first_notebook_of_the_default_repository():
    url = links.nbgitpuller_link("https://hub.example.edu")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "hub.example.edu", "/hub/user-redirect/git-pull")
    folder = links.REPOSITORY.rstrip("/").split("/")[-1]
    assert _query(url) == {"repo": links.REPOSITORY, "branch": "main",
                           "urlpath": f"lab/tree/{folder}/notebooks/01_data.ipynb"}


def test_hub_prefix_and_trailing_slash_are_kept_and_trimmed():
    url = links.nbgitpuller_link("HTTPS://uni.example/jupyter/", repo="https://git.example/a/course",
                                 branch="fall-2026", notebook="notebooks/05b_shrinkage_explorer.ipynb")
    assert url.startswith("https://uni.example/jupyter/hub/user-redirect/git-pull?")
    assert _query(url) == {"repo": "https://git.example/a/course", "branch": "fall-2026",
                           "urlpath": "lab/tree/course/notebooks/05b_shrinkage_explorer.ipynb"}


def test_a_dot_git_repository_gets_a_folder_without_the_suffix():
    # nbgitpuller would name the folder "course.git"; the link asks for "course" and opens it there
    q = _query(links.nbgitpuller_link("http://127.0.0.1:8000", repo="file:///srv/git/course.git"))
    assert q["targetpath"] == "course"
    assert q["urlpath"] == "lab/tree/course/notebooks/01_data.ipynb"


def test_query_values_are_fully_encoded():
    url = links.nbgitpuller_link("https://hub.example.edu", repo="https://git.example/a/b?x=1&y=2")
    assert "&y=2" not in url and _query(url)["repo"] == "https://git.example/a/b?x=1&y=2"


@pytest.mark.parametrize("hub", ["hub.example.edu", "ftp://hub.example.edu", "https://", "javascript:alert(1)",
                                 "file:///srv/hub", "https://hub.example.edu/?next=/x", ""])
def test_refuses_a_hub_that_is_not_an_http_address(hub):
    with pytest.raises(ValueError, match=r"^hub: ") as err:
        links.nbgitpuller_link(hub)
    assert repr(hub) in str(err.value)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"repo": "github.com/a/b"}, "repo"),
    ({"repo": "https://git.example/"}, "repo"),
    ({"branch": ""}, "branch"),
    ({"branch": "my branch"}, "branch"),
    ({"notebook": "/etc/passwd.ipynb"}, "notebook"),
    ({"notebook": "../other/x.ipynb"}, "notebook"),
    ({"notebook": "notebooks/01_data.py"}, "notebook"),
])
def test_refuses_bad_repository_branch_or_notebook(kwargs, field):
    with pytest.raises(ValueError, match=rf"^{field}: "):
        links.nbgitpuller_link("https://hub.example.edu", **kwargs)


def test_command_line_prints_the_link():
    out = subprocess.run([sys.executable, "-m", "teachkit", "link", "--hub", "https://hub.example.edu",
                          "--notebook", "notebooks/02_complete_pooling.ipynb"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == links.nbgitpuller_link(
        "https://hub.example.edu", notebook="notebooks/02_complete_pooling.ipynb")


def test_command_line_refuses_a_bad_hub_naming_it():
    out = subprocess.run([sys.executable, "-m", "teachkit", "link", "--hub", "hub.example.edu"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and out.stdout == ""
    assert "hub: 'hub.example.edu' is not an http:// or https:// address" in out.stderr


def test_readme_shows_what_the_generator_prints():
    """The README's JupyterHub section: its example link and the user image's pip line follow the code."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("### On your university's JupyterHub", 1)[1]
    command = "python -m teachkit link --hub https://hub.example.edu\n# "
    assert command in section
    shown = section.split(command, 1)[1].split("\n", 1)[0]
    assert shown == links.nbgitpuller_link("https://hub.example.edu")
    # the user image installs the release whose teachkit made the notebooks' outputs (tools/notebook_links.py)
    import teachkit

    assert f'"teachkit @ git+{links.REPOSITORY}@v{teachkit.__version__}"' in section
