"""How long a student waits for each lecture notebook to run, top to bottom, in a fresh kernel.

    python benchmarks/bench_notebooks.py [--repeats 3] [--timeout 600] [NOTEBOOK ...]

Every lecture notebook (``notebooks/[0-9]*.ipynb``: found by the pattern, so a new
notebook counts as soon as it exists) runs as nbval runs it: nbclient starts a new
kernel ("python3", the Python that runs this script) in the notebook's folder,
executes every code cell in order, and shuts the kernel down. The clock covers all of
it, start-up included, as a student's "Restart and run all" does. Nothing is written:
the notebooks stay as they are.

The target of issue 23: at most 10 s for each notebook on this machine, at most 60 s
for all of them together. With ``--repeats``, the notebooks take turns (all of them
once, then all again), so that a change in the machine's load falls on every notebook
alike; the table gives the median of each.

Columns: the median wall-clock seconds; the slowest code cell of the last run and its
seconds (from nbclient's timing of each cell), where time would be saved first; the
target. Prints markdown. Exit status 1 if a notebook fails.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
TARGET_EACH = 10.0   # seconds per notebook
TARGET_ALL = 60.0    # seconds, all of them


def lecture_notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))


def run(path: Path, timeout: float) -> tuple[float, tuple[int, float] | None]:
    """Execute ``path`` in a fresh kernel: (seconds, (number of the slowest code cell, its seconds))."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    return seconds, _slowest_cell(nb)


def _slowest_cell(nb) -> tuple[int, float] | None:
    """(1-based number among the code cells, seconds) of the cell that took longest."""
    slowest = None
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code, start=1):
        timing = cell.get("metadata", {}).get("execution", {})
        begin, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if not (begin and end):
            continue
        seconds = (_timestamp(end) - _timestamp(begin)).total_seconds()
        if slowest is None or seconds > slowest[1]:
            slowest = (number, seconds)
    return slowest


def _timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to time (default: every notebooks/[0-9]*.ipynb)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each notebook (default 1)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds allowed per cell (default 600)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        raise ValueError(f"--repeats must be at least 1; got {args.repeats}")
    paths = [p.resolve() for p in args.notebooks] or lecture_notebooks()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing or not paths:
        raise ValueError(f"no such notebook(s): {missing}" if missing else f"no notebooks in {NOTEBOOKS}")

    load_before = _load()
    seconds = {p: [] for p in paths}
    slowest, failed = {}, {}
    for _ in range(args.repeats):
        for path in paths:
            if path in failed:
                continue
            try:
                took, slowest[path] = run(path, args.timeout)
            except Exception as err:   # noqa: BLE001 (report it in the table, time the others)
                failed[path] = f"{type(err).__name__}: {str(err).strip().splitlines()[-1][:120]}"
                continue
            seconds[path].append(took)
            print(f"  {path.name}: {took:.1f} s", file=sys.stderr)

    print(f"## Lecture notebooks, each run top to bottom in a fresh kernel (median of {args.repeats})\n")
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores; "
          f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; load average (1, 5, 15 min) "
          f"{load_before} before, {_load()} after\n")
    print("| notebook | seconds | slowest code cell (s) | target |")
    print("|---|---:|---:|---|")
    total = 0.0
    for path in paths:
        if path in failed:
            print(f"| `{path.name}` | failed | | {failed[path]} |")
            continue
        median = statistics.median(seconds[path])
        total += median
        cell = slowest.get(path)
        where = f"cell {cell[0]}: {cell[1]:.1f}" if cell else ""
        print(f"| `{path.name}` | {median:.1f} | {where} | {'ok' if median <= TARGET_EACH else 'OVER'} |")
    label = "all of them" if not failed else f"the {len(paths) - len(failed)} that ran"
    print(f"| **{label}** | **{total:.1f}** | | {'ok' if total <= TARGET_ALL and not failed else 'OVER'} |")
    print(f"\ntargets: each notebook <= {TARGET_EACH:g} s, all {len(paths)} together <= {TARGET_ALL:g} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
