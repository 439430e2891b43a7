"""The data files that ship inside teachkit, found with :mod:`importlib.resources`.

    homework.csv   the lecture's data: weekly hours of homework, 165 students in 8 schools
                   (written by data/make_homework.py in the repository; see data/README.md)
    radon.csv      log radon in the basements of 7,855 houses in 421 counties in 7 states
                   (U.S. EPA, public domain; written by data/make_radon.py, which says what is kept)
    my_survey.csv  an INVENTED survey for exercise 6: minutes of reading per day, 6 classes
                   (written by notebooks/exercises/make_my_survey.py)

They are read from the installed package, so a notebook finds them wherever it is
opened (Colab, a JupyterHub, a folder of its own), never by a path relative to it:

    tk.GroupedData.from_csv(tk.datasets.path("my_survey.csv"), value="minutes", group="class")
"""

from __future__ import annotations

import atexit
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

__all__ = ["FILES", "path"]

#: The data files teachkit ships.
FILES = ("homework.csv", "my_survey.csv", "radon.csv")

_extracted = ExitStack()       # files copied out of a zipped install, removed at exit
atexit.register(_extracted.close)


def path(name: str) -> Path:
    """The file system path of the packaged data file ``name`` (one of :data:`FILES`)."""
    if name not in FILES:
        raise ValueError(f"teachkit ships no data file {name!r}; its data files are {', '.join(FILES)}")
    resource = resources.files(__name__).joinpath(name)
    if not resource.is_file():
        raise FileNotFoundError(
            f"teachkit's data file {name} is missing from its installation "
            f"(looked in {resources.files(__name__)}): this teachkit install is broken; "
            "reinstall teachkit (pip install --force-reinstall teachkit, or the command you installed it with)"
        )
    if isinstance(resource, Path):
        return resource
    return _extracted.enter_context(resources.as_file(resource))   # e.g. teachkit imported from a zip
