"""How long a student waits after moving a control of the shrinkage explorer.

    python benchmarks/bench_widgets.py [--repeats 15]

Each control is driven from code (``control.value = ...``, which fires the same
observer a slider in the browser does) and the clock runs until the explorer has
its new figure: the exact integration, the figure drawn, and the PNG rendered
and handed to the ``ipywidgets.Image`` (what the browser then shows). The
target of the issue is a median of at most 0.25 s per control.

Columns: the median and 90th percentile of that whole path, and, separately, the
median of the computation alone (teachkit.spectrum / teachkit.exact) and of the
drawing alone (figure + PNG), measured on the same settings.
"""

from __future__ import annotations

import argparse
import itertools
import platform
import statistics
import time

import numpy as np

import teachkit as tk
from teachkit.widgets import ShrinkageExplorer

TARGET = 0.25

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
        before = explorer.image.value
        start = time.perf_counter()
        control.value = value
        total.append(time.perf_counter() - start)
        assert explorer.message.value == "", explorer.message.value
        assert explorer.image.value != before, f"{name}={value!r}: the figure did not change"
        # the two halves, on the same settings
        values_now = explorer._values()
        start = time.perf_counter()
        explorer._compute(values_now)
        compute.append(time.perf_counter() - start)
        start = time.perf_counter()
        explorer.redraw()
        draw.append(time.perf_counter() - start)
    return total, compute, draw


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()

    ShrinkageExplorer(tk.load_homework())   # warm up: imports (scipy, matplotlib, pandas), font cache
    print(f"## Shrinkage explorer: control changed -> new figure ready ({args.repeats} changes per control)\n")
    print(f"Python {platform.python_version()}, {platform.machine()}; target: median <= {TARGET} s\n")
    print("| control | median (s) | 90th percentile (s) | compute, median (s) | figure + PNG, median (s) | target |")
    print("|---|---:|---:|---:|---:|---|")
    medians = {}
    for name, values, settings in CASES:
        total, compute, draw = bench_control(name, values, settings, args.repeats)
        med = statistics.median(total)
        medians[name] = med
        where = ", ".join(f"{k}={v}" for k, v in settings.items())
        label = f"`{name}`" + (f" ({where})" if where else "")
        print(f"| {label} | {med:.3f} | {percentile(total, 90):.3f} | {statistics.median(compute):.3f} | "
              f"{statistics.median(draw):.3f} | {'ok' if med <= TARGET else 'OVER'} |")
    worst = max(medians, key=medians.get)
    print(f"\nslowest control: `{worst}`, median {medians[worst]:.3f} s "
          f"({'within' if medians[worst] <= TARGET else 'over'} the {TARGET} s target)")


if __name__ == "__main__":
    main()
