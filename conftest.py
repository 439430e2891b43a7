"""Safe to re-run: under ``pytest --nbval``, every lecture notebook is run twice in one kernel.

nbval runs a notebook's code cells top to bottom and compares each cell's output with the
stored one. For a lecture notebook (``notebooks/[0-9]*.ipynb``, or any notebook whose name
starts with a digit) this hook then runs every code cell again, in the same kernel, from the
last to the first, and compares again: a student who re-runs a cell, or a section after a
later one, must see the output the notebook shows. Running backwards, a set-up cell comes
last, so re-running it cannot simply replay the notebook.

What this catches: one Generator shared by several cells (a re-run cell draws other
numbers), a name that a later cell reuses (``data`` rebound in a loop), a widget step
that depends on where an earlier step left the widget. Cells tagged ``nbval-skip`` are
not run; cells tagged ``nbval-ignore-output`` are run, not compared (as in nbval).
The re-run items are named ``Cell N (re-run)``.

A re-run item gets its own copy of the stored cell: nbval merges a cell's stored stream
outputs in place (``coalesce_streams`` appends the second chunk of printed text to the first
and keeps both), so a second comparison against the same cell object would see that text
twice. Output printed in two chunks (a slow computation between two ``print`` calls) would
then fail the re-run however right the cell is.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

LECTURE = re.compile(r"^\d.*\.ipynb$")


def pytest_collection_modifyitems(session, config, items):
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:   # nbval not installed: nothing to add
        return
    result, group = [], []

    def flush():
        result.extend(group)
        if group and LECTURE.match(Path(str(group[0].parent.fspath)).name):
            parent = group[0].parent
            for cell in reversed(group):
                result.append(IPyNbCell.from_parent(parent, name=f"{cell.name} (re-run)",
                                                    cell_num=cell.cell_num, cell=copy.deepcopy(cell.cell),
                                                    options=cell.options))
        group.clear()

    for item in items:
        if isinstance(item, IPyNbCell):
            if group and item.parent is not group[0].parent:
                flush()
            group.append(item)
        else:
            flush()
            result.append(item)
    flush()
    items[:] = result
