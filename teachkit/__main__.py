"""`python -m teachkit link ...`: print an nbgitpuller link for a JupyterHub.

    python -m teachkit link --hub https://hub.example.edu
    python -m teachkit link --hub https://hub.example.edu --notebook notebooks/05b_shrinkage_explorer.ipynb
"""

from __future__ import annotations

import argparse
import sys

from teachkit import links


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m teachkit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    link = commands.add_parser(
        "link", help="print an nbgitpuller link that opens a notebook on a JupyterHub",
        description="Print an nbgitpuller link: a student who opens it logs in to the hub, gets a "
                    "copy of the repository in their home folder (updated on later visits, their "
                    "edits kept) and lands in JupyterLab at the notebook.")
    link.add_argument("--hub", required=True, help="the hub's address, e.g. https://hub.example.edu")
    link.add_argument("--repo", default=links.REPOSITORY, help="git URL to pull (default: %(default)s)")
    link.add_argument("--branch", default=links.BRANCH, help="branch to pull (default: %(default)s)")
    link.add_argument("--notebook", default=links.NOTEBOOK,
                      help="notebook to open, a path inside the repository (default: %(default)s)")
    args = parser.parse_args(argv)

    try:
        url = links.nbgitpuller_link(args.hub, repo=args.repo, branch=args.branch, notebook=args.notebook)
    except ValueError as err:
        link.error(str(err))   # exits with status 2 and the message on stderr
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
