"""How well Model 3's three samplers mix, and what that costs, against JAGS. Prints markdown.

    python benchmarks/bench_mixing.py            # or: make bench

For each method (centred, noncentred, interweaving) on each data set of
``teachkit.data.mixing_examples()`` (the homework data; "small tau" and "large tau",
simulated from Model 3 with the parameters and seed in ``teachkit.data.MIXING_SIMULATIONS``):

* seconds for 4 chains x 10,000 draws (+1,000 warm-up), median of 5 runs, the methods taking turns: wall-clock (a
  fit's own clock, Posterior.seconds) and CPU time of this process (time.process_time around
  the fit), and CPU µs per sweep (11,000 sweeps, 4 chains together);
* bulk ESS of tau2 and mu per draw (of 40,000) and per CPU second.

CPU time is reported beside wall-clock time because this machine is shared: with other
jobs running, wall-clock time measures the queue as much as the sampler. The load
average at the start is printed; compare rates within one run of this script.

Then one sweep on the homework data, µs, against the same arithmetic with as few numpy calls
as possible (``sweep_floor.py``): how much of a sweep is teachkit's readable structure.

Then the whole process, start to draws in hand, on the homework data, median of 5, the four programs taking turns (wall-clock
and CPU time of the child process, from resource.getrusage):
``python -c "import teachkit; fit"`` in a fresh interpreter, against ``jags model.cmd`` (the
lecture's model with the same priors, data and number of draws, 4 chains x 10,000 after 1,000
burn-in, its CODA files written), with ESS(tau2) per second of each and their ratio. Without
the ``jags`` program (Debian package ``jags``) the JAGS rows say so and are skipped.
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import teachkit as tk
from teachkit import diagnostics

sys.path.insert(0, str(Path(__file__).parent))
from sweep_floor import sweep_costs  # noqa: E402  (a sibling script, not part of teachkit)

METHODS = ("centred", "noncentred", "interweaving")
CHAINS, DRAWS, WARMUP = 4, 10_000, 1_000
REPEATS = 5


def fit(data, method, seed):
    return tk.fit_hierarchical(data, draws=DRAWS, warmup=WARMUP, chains=CHAINS, seed=seed, method=method)


def timed_fit(data, method, seed):
    """(posterior, CPU seconds of this process spent in the fit)."""
    t0 = time.process_time()
    post = fit(data, method, seed)
    return post, time.process_time() - t0


def mixing_table(examples):
    print(f"## Model 3's samplers: {CHAINS} chains x {DRAWS:,} draws (+{WARMUP:,} warm-up), "
          f"median of {REPEATS} runs\n")
    print("| data | method | wall s | CPU s | CPU µs per sweep | ESS/draw tau2 | ESS/draw mu "
          "| ESS/CPU s tau2 | ESS/CPU s mu |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    rows = {}
    total = CHAINS * DRAWS
    for name, data in examples.items():
        # the methods take turns, seed by seed: a drift in the machine's speed falls on all three alike
        by_method = {method: [] for method in METHODS}
        for seed in range(REPEATS):
            for method in METHODS:
                by_method[method].append(timed_fit(data, method, seed))
        for method, runs in by_method.items():
            wall = statistics.median(p.seconds for p, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            ess = {k: statistics.median(diagnostics.ess_bulk(p[k]) for p, _ in runs) for k in ("tau2", "mu")}
            rows[name, method] = cpu, ess
            print(f"| {name} | {method} | {wall:.3f} | {cpu:.3f} | {1e6 * cpu / (DRAWS + WARMUP):.1f} | "
                  f"{ess['tau2'] / total:.3f} | {ess['mu'] / total:.3f} | "
                  f"{ess['tau2'] / cpu:,.0f} | {ess['mu'] / cpu:,.0f} |")
    print()
    return rows


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ------------------------------------------------------------------ JAGS
JAGS_MODEL = """model {
  for (i in 1:N) {
    y[i] ~ dnorm(theta[school[i]], 1 / sigma2)
  }
  for (j in 1:J) {
    theta[j] ~ dnorm(mu, 1 / tau2)
  }
  mu ~ dnorm(0, 1.0E-6)
  sigma ~ dunif(0, 1000)
  tau ~ dunif(0, 1000)
  sigma2 <- sigma^2
  tau2 <- tau^2
}
"""


def _r_vector(x, integer=False):
    fmt = "{:d}" if integer else "{:.17g}"
    return "c(" + ", ".join(fmt.format(int(v) if integer else float(v)) for v in x) + ")"


def write_jags_files(data, folder: Path, seed: int):
    (folder / "model.bug").write_text(JAGS_MODEL)
    (folder / "data.R").write_text(
        f"N <- {data.n_total}\nJ <- {data.J}\n"
        f"y <- {_r_vector(data.values)}\nschool <- {_r_vector(data.groups + 1, integer=True)}\n")
    rng = np.random.default_rng(seed)
    inits = [f"mu <- {rng.normal(data.means.mean(), 2):.6g}\nsigma <- {rng.uniform(2, 8):.6g}\n"
             f"tau <- {rng.uniform(0.5, 4):.6g}\n" for _ in range(CHAINS)]
    write_jags_script(folder, seed, inits, ("mu", "tau2", "sigma2"))


def write_jags_script(folder: Path, seed: int, inits, names):
    """The chains' initial values (``inits``: one R text per chain; each chain's random-number
    generator is seeded here) and model.cmd: compile, initialise, WARMUP updates, monitor
    ``names``, DRAWS updates, write the CODA files. model.bug and data.R are the caller's."""
    commands = ["model in model.bug", "data in data.R", f"compile, nchains({CHAINS})"]
    for c, text in enumerate(inits, start=1):
        (folder / f"inits{c}.R").write_text(
            f'{text}.RNG.name <- "base::Mersenne-Twister"\n.RNG.seed <- {seed + c}\n')
        commands.append(f"parameters in inits{c}.R, chain({c})")
    commands += ["initialize", f"update {WARMUP}", *[f"monitor {name}" for name in names],
                 f"update {DRAWS}", "coda *", "exit"]
    (folder / "model.cmd").write_text("\n".join(commands) + "\n")


def read_coda(folder: Path, name: str) -> np.ndarray:
    """Draws of one monitored scalar, shaped (chains, draws), from JAGS's CODA files."""
    index = {}
    for line in (folder / "CODAindex.txt").read_text().split("\n"):
        if line.strip():
            node, first, last = line.split()
            index[node] = (int(first) - 1, int(last))
    first, last = index[name]
    chains = []
    for c in range(1, CHAINS + 1):
        values = np.loadtxt(folder / f"CODAchain{c}.txt")[:, 1]
        chains.append(values[first:last])
    return np.array(chains)


def run_jags(data, seed):
    """Wall and CPU seconds from starting ``jags`` to its CODA files written, and the draws of tau2 and mu."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_jags_files(data, folder, seed)
        return time_jags(folder, ("tau2", "mu"))


def time_jags(folder: Path, names):
    """Run ``jags model.cmd`` in ``folder``: its wall and CPU seconds, from start to the CODA
    files written, and the draws of each of ``names``, shaped (CHAINS, DRAWS)."""
    t0, c0 = time.perf_counter(), children_cpu()
    subprocess.run(["jags", "model.cmd"], cwd=folder, check=True, capture_output=True, text=True)
    seconds, cpu = time.perf_counter() - t0, children_cpu() - c0
    draws = {name: read_coda(folder, name) for name in names}
    for name, x in draws.items():
        if x.shape != (CHAINS, DRAWS):
            raise RuntimeError(f"JAGS wrote draws of {name} shaped {x.shape}, expected {(CHAINS, DRAWS)}")
    return seconds, cpu, draws


PROCESS = """
import sys, time, hashlib
import teachkit as tk
from teachkit import diagnostics
post = tk.fit_hierarchical(tk.load_homework(), draws={draws}, warmup={warmup}, chains={chains},
                           seed={seed}, method="{method}")
print(time.process_time(), diagnostics.ess_bulk(post["tau2"]), diagnostics.ess_bulk(post["mu"]), post["tau2"].mean(), post["mu"].mean())
"""


def run_teachkit_process(method, seed):
    """Wall and CPU seconds from starting Python to the draws in hand (import, load, fit).
    The ESS is computed in the same process after both clocks stop (at the fit returning);
    the interpreter's own start-up, before the script's first line, is added from
    :func:`python_startup`."""
    code = PROCESS.format(draws=DRAWS, warmup=WARMUP, chains=CHAINS, seed=seed, method=method)
    timed = code.replace("print(time.process_time()", "print(time.perf_counter() - T0, time.process_time()", 1)
    timed = "import time\nT0 = time.perf_counter()\n" + timed
    out = subprocess.run([sys.executable, "-c", timed], check=True, capture_output=True, text=True).stdout
    wall, cpu, ess_tau2, ess_mu, tau2_mean, mu_mean = map(float, out.split())
    start_wall, start_cpu = python_startup()
    return wall + start_wall, cpu, ess_tau2, ess_mu, tau2_mean, mu_mean


_STARTUP = []


def python_startup():
    """Wall seconds for a bare interpreter to start and exit (median of 5), and the CPU seconds
    a process has used when its first line runs (time.process_time counts from process start)."""
    if not _STARTUP:
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            times.append(time.perf_counter() - t0)
        _STARTUP.append(statistics.median(times))
    return _STARTUP[0], 0.0


def jags_table(data):
    print(f"## Whole process on the homework data: start to draws in hand, {CHAINS} x {DRAWS:,} draws, "
          f"median of {REPEATS}\n")
    jags = shutil.which("jags")
    if jags is None:
        print("`jags` is not installed (Debian package `jags`): the JAGS comparison is skipped.\n")
    header = ("| program | wall s | CPU s | ESS/draw tau2 | ESS/CPU s tau2 | ESS/wall s tau2 | ESS/CPU s mu "
              "| mean tau2 | mean mu |")
    if jags:
        header += " ESS/CPU s tau2 vs JAGS | ESS/wall s tau2 vs JAGS |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    total = CHAINS * DRAWS
    reference = None
    # JAGS and the three methods take turns, seed by seed, so that a drift in the machine's speed
    # falls on all of them alike
    runs_of = {name: [] for name in (["jags"] if jags else []) + list(METHODS)}
    for seed in range(REPEATS):
        for name, runs in runs_of.items():
            runs.append(run_jags(data, seed) if name == "jags" else run_teachkit_process(name, seed))
    if jags:
        runs = runs_of["jags"]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        ess_tau2 = statistics.median(diagnostics.ess_bulk(r[2]["tau2"]) for r in runs)
        ess_mu = statistics.median(diagnostics.ess_bulk(r[2]["mu"]) for r in runs)
        reference = ess_tau2 / cpu, ess_tau2 / wall
        print(f"| JAGS (`jags model.cmd`) | {wall:.2f} | {cpu:.2f} | {ess_tau2 / total:.3f} | {ess_tau2 / cpu:,.0f} | "
              f"{ess_tau2 / wall:,.0f} | {ess_mu / cpu:,.0f} | {np.mean([r[2]['tau2'].mean() for r in runs]):.2f} | "
              f"{np.mean([r[2]['mu'].mean() for r in runs]):.2f} | 1.0x | 1.0x |")
    for method in METHODS:
        runs = runs_of[method]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        ess_tau2 = statistics.median(r[2] for r in runs)
        ess_mu = statistics.median(r[3] for r in runs)
        row = (f"| teachkit, {method} | {wall:.2f} | {cpu:.2f} | {ess_tau2 / total:.3f} | {ess_tau2 / cpu:,.0f} | "
               f"{ess_tau2 / wall:,.0f} | {ess_mu / cpu:,.0f} | {np.mean([r[4] for r in runs]):.2f} | "
               f"{np.mean([r[5] for r in runs]):.2f} |")
        if reference:
            row += f" {ess_tau2 / cpu / reference[0]:.1f}x | {ess_tau2 / wall / reference[1]:.1f}x |"
        print(row)
    print()
    print("teachkit's wall seconds: a bare interpreter's start-up and exit (%.2f s, median of 5) plus the time "
          "from the script's first line to the fit returning (import teachkit, load the data, sample); its CPU "
          "seconds: the process's CPU time when the fit returns. JAGS's: from starting the `jags` process to "
          "its exit, after it has written its CODA files (wall), and that process's CPU time.\n"
          % python_startup()[0])


def sweep_table(data):
    costs = sweep_costs(data)
    centred = costs["teachkit centred"]
    print("## One sweep on the homework data (4 chains): teachkit's sweeps and the same arithmetic hoisted into one "
          "function (`sweep_floor.py`), best of 30 interleaved rounds of 300 sweeps\n")
    print("| sweep | µs | relative to teachkit's centred |")
    print("|---|---:|---:|")
    for name, us in costs.items():
        print(f"| {name} | {us:.2f} | {us / centred:.2f}x |")
    print()


if __name__ == "__main__":
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} cores, load average {load:.1f} at start\n")
    examples = tk.data.mixing_examples()
    mixing_table(examples)
    sweep_table(examples["homework"])
    jags_table(examples["homework"])
