"""Speed of the Gibbs samplers on this machine, printed as markdown tables.

    python benchmarks/bench_samplers.py            # or: make bench

Measures what issue "Gibbs samplers" sets as targets:
  1. Model 3 with 4 chains x 10,000 draws (+1,000 warm-up) on the homework data:
     seconds of sampling, and effective samples per second for tau2 and mu;
  2. the cost of one sweep as the number of groups J grows (8 .. 10,000);
  3. the cost of one sweep as the number of observations n grows (165 .. 1,000,000);
  4. the whole process a student waits for: start Python, import, load, sample.
Each timing is the median of several repetitions; a fit's own clock
(Posterior.seconds) covers sampling only, after the sufficient statistics.
"""

from __future__ import annotations

import platform
import statistics
import subprocess
import sys
import time

import numpy as np

import teachkit as tk
from teachkit import diagnostics


def synthetic(J: int, n_per_group: int, rng) -> tk.GroupedData:
    theta = rng.normal(7, 1.5, J)
    groups = np.repeat(np.arange(J), n_per_group)
    values = rng.normal(theta[groups], 4.0)
    return tk.GroupedData(values=values, groups=groups, labels=tuple(str(j + 1) for j in range(J)))


def headline(repeats=5):
    data = tk.load_homework()
    runs = [tk.fit_hierarchical(data, draws=10_000, warmup=1_000, chains=4, seed=s) for s in range(repeats)]
    seconds = statistics.median(p.seconds for p in runs)
    best = runs[0]
    ess = {name: diagnostics.ess_bulk(best[name]) for name in ("tau2", "mu", "sigma2")}
    print("## Model 3, homework data, 4 chains x 10,000 draws (+1,000 warm-up)\n")
    print("| quantity | value |\n|---|---|")
    print(f"| sampling time, median of {repeats} runs | {seconds:.3f} s |")
    print(f"| per sweep (11,000 sweeps, 4 chains together) | {1e6 * seconds / 11_000:.1f} µs |")
    for name, e in ess.items():
        print(f"| ESS (bulk) of {name} | {e:.0f} |")
        print(f"| ESS per second of sampling, {name} | {e / seconds:,.0f} |")
    print()
    return seconds


def per_sweep(data, sweeps=2_000, repeats=3):
    times = []
    for s in range(repeats):
        post = tk.fit_hierarchical(data, draws=sweeps, warmup=0, chains=4, seed=s)
        times.append(post.seconds / sweeps)
    return statistics.median(times)


def scaling_in_groups():
    rng = np.random.default_rng(1)
    print("## One sweep of Model 3 (4 chains) as the number of groups grows (n_j = 20)\n")
    print("| J | µs per sweep | relative to J = 8 |\n|---|---|---|")
    base = None
    for J in (8, 100, 1_000, 10_000):
        t = per_sweep(synthetic(J, 20, rng), sweeps=2_000 if J <= 1_000 else 500)
        base = base or t
        print(f"| {J:,} | {1e6 * t:.1f} | {t / base:.1f}x |")
    print()


def scaling_in_observations():
    rng = np.random.default_rng(2)
    print("## One sweep of Model 3 (4 chains, J = 8) as the number of observations grows\n")
    print("| n | µs per sweep | relative to n = 165 |\n|---|---|---|")
    base = None
    for n in (165, 1_000, 10_000, 100_000, 1_000_000):
        data = synthetic(8, -(-n // 8), rng)
        t = per_sweep(data)
        base = base or t
        print(f"| {data.n_total:,} | {1e6 * t:.1f} | {t / base:.2f}x |")
    print()


def whole_process(repeats=5):
    steps = {
        "start Python": "pass",
        "+ import teachkit": "import teachkit",
        "+ load the data": "import teachkit as tk; tk.load_homework()",
        "+ fit Model 3 (4 x 5,000)": "import teachkit as tk; tk.fit_hierarchical(tk.load_homework(), seed=1)",
        "+ its summary table": "import teachkit as tk; tk.fit_hierarchical(tk.load_homework(), seed=1).summary()",
    }
    print("## The whole process a student waits for (fresh interpreter each time)\n")
    print("| steps | seconds (median of %d) |\n|---|---|" % repeats)
    for label, code in steps.items():
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times.append(time.perf_counter() - t0)
        print(f"| {label} | {statistics.median(times):.2f} |")
    print()


if __name__ == "__main__":
    print(f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
          f"{__import__('os').cpu_count()} cores\n")
    headline()
    scaling_in_groups()
    scaling_in_observations()
    whole_process()
