"""How long a student waits after moving a control of the shrinkage explorer.

    python benchmarks/bench_widgets.py [--repeats 30]

Each control is driven from code (``control.value = ...``, which fires the same
observer a slider in the browser does) and the clock runs until the explorer has
its answer in hand: the new estimates (the exact integration), the figure drawn,
its PNG handed to the explorer's image together with its alt text, and the
status line written (what the browser then shows and a screen reader announces).
The target of issue 23: for every control, a median of at most 0.10 s (the limit
under which an answer feels instantaneous) and a 90th percentile of at most 0.15 s.

Columns: the median and 90th percentile of that whole path, and, separately, the
median of the computation alone (``ExplorerState.estimates``: teachkit.spectrum /
teachkit.exact) and of the view alone (``ExplorerView.show``: the figure, its PNG,
alt text and status line), measured on the same settings. A change that leaves the
numbers as they are (another school to vary, at its own n) skips the computation,
so for ``school`` the whole path can take less than the two halves.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import time

import numpy as np

import teachkit as tk
from teachkit.widgets import ShrinkageExplorer

TARGET = 0.10      # median, seconds
TARGET_P90 = 0.15  # 90th percentile, seconds

# For every control: the values it cycles through, and the settings it is measured in.
CASES = [
    ("sample_size", [20, 50, 100, 200, 1, 9, 3, 150], {}),
    ("school", ["1", "2", "3", "4", "5", "6", "7", "8"], {}),
    ("tau_mode", ["fixed", "learned"], {}),
    ("tau", [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0], {"tau_mode": "fixed"}),
    ("mu_prior_sd", [1000.0, 10.0, 3.0, 100.0, 1.0, 10000.0], {}),
    ("tau_prior_upper", [1000.0, 10.0, 3.0, 1.0, 0.3, 100.0], {}),
    ("tau_prior", ["inverse-gamma", "uniform"], {}),
    ("tau_prior_shape", [1.0, 0.1, 0.01, 3.0, 10.0], {"tau_prior": "inverse-gamma"}),
    ("tau_prior_scale", [10.0, 1.0, 0.1, 0.01, 100.0], {"tau_prior": "inverse-gamma"}),
]


def percentile(xs, q):
    return float(np.percentile(np.asarray(xs), q))


def bench_control(name, values, settings, repeats):
    explorer = ShrinkageExplorer(tk.load_homework())
    for key, value in settings.items():
        explorer.controls[key].value = value
    control = explorer.controls[name]
    cycle = itertools.cycle(values)
    total, compute, draw = [], [], []
    for _ in range(repeats):
        value = next(cycle)
        while value == control.value:   # every measured change is a real change
            value = next(cycle)
        before = explorer.image.value, explorer.status.value
        start = time.perf_counter()
        control.value = value
        total.append(time.perf_counter() - start)
        assert explorer.message.value == "", explorer.message.value
        assert explorer.image.value != before[0], f"{name}={value!r}: the figure did not change"
        assert explorer.status.value != before[1], f"{name}={value!r}: the status line did not change"
        # the two halves, on the same settings
        start = time.perf_counter()
        result = explorer.state.estimates(explorer.data, fast=explorer.fast)
        compute.append(time.perf_counter() - start)
        start = time.perf_counter()
        explorer.view.show(result, explorer.state.school)
        draw.append(time.perf_counter() - start)
    return total, compute, draw


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="changes per control in one run (default 30)")
    parser.add_argument("--runs", type=int, default=1,
                        help="runs over all controls (default 1); the table pools their changes")
    args = parser.parse_args()
    if args.repeats < 1 or args.runs < 1:
        raise ValueError(f"--repeats and --runs must be at least 1; got {args.repeats} and {args.runs}")

    load_before = _load()
    ShrinkageExplorer(tk.load_homework())   # warm up: imports (scipy, matplotlib, pandas), font cache
    samples = {name: ([], [], [], []) for name, _, _ in CASES}   # total, compute, view, run medians
    for _ in range(args.runs):
        for name, values, settings in CASES:
            total, compute, draw = bench_control(name, values, settings, args.repeats)
            for pooled, new in zip(samples[name], (total, compute, draw, [statistics.median(total)])):
                pooled.extend(new)

    print(f"## Shrinkage explorer: control changed -> new figure, alt text and status line in hand "
          f"({args.runs} x {args.repeats} changes per control)\n")
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores; load average "
          f"(1, 5, 15 min) {load_before} before, {_load()} after; target: median <= {TARGET} s and "
          f"90th percentile <= {TARGET_P90} s\n")
    runs = " | median of each run (s)" if args.runs > 1 else ""
    print(f"| control | median (s) | 90th percentile (s) | compute, median (s) | view (figure, PNG, alt, "
          f"status), median (s){runs} | target |")
    print("|---|---:|---:|---:|---:|" + ("---|" if runs else "") + "---|")
    worst, met = None, True
    for name, _, settings in CASES:
        total, compute, draw, run_medians = samples[name]
        med, p90 = statistics.median(total), percentile(total, 90)
        ok = med <= TARGET and p90 <= TARGET_P90
        met &= ok
        if worst is None or med > worst[1]:
            worst = (name, med)
        where = ", ".join(f"{k}={v}" for k, v in settings.items())
        label = f"`{name}`" + (f" ({where})" if where else "")
        each = (" | " + ", ".join(f"{m:.3f}" for m in run_medians)) if runs else ""
        print(f"| {label} | {med:.3f} | {p90:.3f} | {statistics.median(compute):.3f} | "
              f"{statistics.median(draw):.3f}{each} | {'ok' if ok else 'OVER'} |")
    print(f"\nslowest control: `{worst[0]}`, median {worst[1]:.3f} s; "
          f"{'every control within' if met else 'NOT every control within'} the targets")


if __name__ == "__main__":
    main()
