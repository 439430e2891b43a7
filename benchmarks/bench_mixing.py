"""How well Model 3's three samplers mix, and what that costs, against JAGS. Prints markdown.

    python benchmarks/bench_mixing.py            # or: make bench

For each method (centred, noncentred, interweaving) on each data set of
``teachkit.data.mixing_examples()`` (the homework data; "small tau" and "large tau",
simulated from Model 3 with the parameters and seed in ``teachkit.data.MIXING_SIMULATIONS``):

* seconds of sampling for 4 chains x 10,000 draws (+1,000 warm-up), median of 3 runs
  (a fit's own clock, Posterior.seconds), and µs per sweep (11,000 sweeps, 4 chains together);
* bulk ESS of tau2 and mu per draw (of 40,000) and per second of sampling.

Then the whole process, start to draws in hand, on the homework data, median of 3:
``python -c "import teachkit; fit"`` in a fresh interpreter, against ``jags model.cmd`` (the
lecture's model with the same priors, data and number of draws, 4 chains x 10,000 after 1,000
burn-in, its CODA files written), with ESS(tau2) per second of each and their ratio. Without
the ``jags`` program (Debian package ``jags``) the JAGS rows say so and are skipped.
"""

from __future__ import annotations

import os
import platform
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

METHODS = ("centred", "noncentred", "interweaving")
CHAINS, DRAWS, WARMUP = 4, 10_000, 1_000
REPEATS = 3


def fit(data, method, seed):
    return tk.fit_hierarchical(data, draws=DRAWS, warmup=WARMUP, chains=CHAINS, seed=seed, method=method)


def mixing_table(examples):
    print(f"## Model 3's samplers: {CHAINS} chains x {DRAWS:,} draws (+{WARMUP:,} warm-up), "
          f"median of {REPEATS} runs\n")
    print("| data | method | seconds | µs per sweep | ESS/draw tau2 | ESS/draw mu | ESS/s tau2 | ESS/s mu |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    rows = {}
    total = CHAINS * DRAWS
    for name, data in examples.items():
        for method in METHODS:
            runs = [fit(data, method, seed) for seed in range(REPEATS)]
            seconds = statistics.median(p.seconds for p in runs)
            ess = {k: statistics.median(diagnostics.ess_bulk(p[k]) for p in runs) for k in ("tau2", "mu")}
            rows[name, method] = seconds, ess
            print(f"| {name} | {method} | {seconds:.3f} | {1e6 * seconds / (DRAWS + WARMUP):.1f} | "
                  f"{ess['tau2'] / total:.3f} | {ess['mu'] / total:.3f} | "
                  f"{ess['tau2'] / seconds:,.0f} | {ess['mu'] / seconds:,.0f} |")
    print()
    return rows


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
    commands = ["model in model.bug", "data in data.R", f"compile, nchains({CHAINS})"]
    for c in range(1, CHAINS + 1):
        (folder / f"inits{c}.R").write_text(
            f'mu <- {rng.normal(data.means.mean(), 2):.6g}\nsigma <- {rng.uniform(2, 8):.6g}\n'
            f'tau <- {rng.uniform(0.5, 4):.6g}\n.RNG.name <- "base::Mersenne-Twister"\n'
            f".RNG.seed <- {seed + c}\n")
        commands.append(f"parameters in inits{c}.R, chain({c})")
    commands += ["initialize", f"update {WARMUP}", "monitor mu", "monitor tau2", "monitor sigma2",
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
    """Seconds from starting ``jags`` to its CODA files written, and the draws of tau2 and mu."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_jags_files(data, folder, seed)
        t0 = time.perf_counter()
        subprocess.run(["jags", "model.cmd"], cwd=folder, check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        draws = {name: read_coda(folder, name) for name in ("tau2", "mu")}
    if draws["tau2"].shape != (CHAINS, DRAWS):
        raise RuntimeError(f"JAGS wrote draws shaped {draws['tau2'].shape}, expected {(CHAINS, DRAWS)}")
    return seconds, draws


PROCESS = """
import sys, time, hashlib
import teachkit as tk
from teachkit import diagnostics
post = tk.fit_hierarchical(tk.load_homework(), draws={draws}, warmup={warmup}, chains={chains},
                           seed={seed}, method="{method}")
print(diagnostics.ess_bulk(post["tau2"]), diagnostics.ess_bulk(post["mu"]), post["tau2"].mean(), post["mu"].mean())
"""


def run_teachkit_process(method, seed):
    """Seconds from starting Python to the draws in hand (import, load, fit); the ESS is
    computed in the same process but after the clock stops (the stop is the fit returning)."""
    code = PROCESS.format(draws=DRAWS, warmup=WARMUP, chains=CHAINS, seed=seed, method=method)
    timed = code.replace('print(diagnostics', 'print(time.perf_counter() - T0, diagnostics', 1)
    timed = "import time\nT0 = time.perf_counter()\n" + timed  # interpreter start-up itself is added below
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", timed], check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - t0
    inside, ess_tau2, ess_mu, tau2_mean, mu_mean = map(float, out.split())
    startup = python_startup()
    return startup + inside, wall, ess_tau2, ess_mu, tau2_mean, mu_mean


_STARTUP = []


def python_startup():
    """Seconds for a bare interpreter to start and exit (median of 5), measured once."""
    if not _STARTUP:
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            times.append(time.perf_counter() - t0)
        _STARTUP.append(statistics.median(times))
    return _STARTUP[0]


def jags_table(data):
    print(f"## Whole process on the homework data: start to draws in hand, {CHAINS} x {DRAWS:,} draws, "
          f"median of {REPEATS}\n")
    jags = shutil.which("jags")
    if jags is None:
        print("`jags` is not installed (Debian package `jags`): the JAGS comparison is skipped.\n")
    header = "| program | seconds | ESS/draw tau2 | ESS/s tau2 | ESS/s mu | mean tau2 | mean mu |"
    if jags:
        header += " ESS/s tau2 vs JAGS |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    total = CHAINS * DRAWS
    jags_rate = None
    if jags:
        runs = [run_jags(data, seed) for seed in range(REPEATS)]
        seconds = statistics.median(r[0] for r in runs)
        ess_tau2 = statistics.median(diagnostics.ess_bulk(r[1]["tau2"]) for r in runs)
        ess_mu = statistics.median(diagnostics.ess_bulk(r[1]["mu"]) for r in runs)
        jags_rate = ess_tau2 / seconds
        tau2_mean = np.mean([r[1]["tau2"].mean() for r in runs])
        mu_mean = np.mean([r[1]["mu"].mean() for r in runs])
        print(f"| JAGS (`jags model.cmd`) | {seconds:.2f} | {ess_tau2 / total:.3f} | {jags_rate:,.0f} | "
              f"{ess_mu / seconds:,.0f} | {tau2_mean:.2f} | {mu_mean:.2f} | 1.0x |")
    for method in METHODS:
        runs = [run_teachkit_process(method, seed) for seed in range(REPEATS)]
        seconds = statistics.median(r[0] for r in runs)
        ess_tau2 = statistics.median(r[2] for r in runs)
        ess_mu = statistics.median(r[3] for r in runs)
        row = (f"| teachkit, {method} | {seconds:.2f} | {ess_tau2 / total:.3f} | {ess_tau2 / seconds:,.0f} | "
               f"{ess_mu / seconds:,.0f} | {np.mean([r[4] for r in runs]):.2f} | {np.mean([r[5] for r in runs]):.2f} |")
        if jags_rate:
            row += f" {ess_tau2 / seconds / jags_rate:.1f}x |"
        print(row)
    print()
    print("teachkit's seconds: a bare interpreter's start-up (%.2f s, median of 5) plus the time from the "
          "first line of the script to the fit returning (import teachkit, load the data, sample). JAGS's: "
          "from starting the `jags` process to its exit, after it has written its CODA files.\n"
          % python_startup())


if __name__ == "__main__":
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} cores, load average {load:.1f} at start\n")
    examples = tk.data.mixing_examples()
    mixing_table(examples)
    jags_table(examples["homework"])
