"""The three-level sampler on the radon survey, against JAGS; and REML against the posterior mode. Prints markdown.

    python benchmarks/bench_three_level.py            # or: make bench
    python benchmarks/bench_three_level.py --repeats 1   # one run of each (JAGS takes minutes)

1. ``tk.fit_three_level(tk.load_radon())``: 7,855 houses, 421 counties, 7 states, the default
   (lecture's) priors, 4 chains x 10,000 draws after 1,000 warm-up. The whole process, start to
   draws in hand (``python -c "import teachkit; fit"`` in a fresh interpreter, as bench_mixing.py
   times Model 3), against ``jags model.cmd`` running the same model with the same priors, data
   and numbers of draws and burn-in, its CODA files written; the two take turns, REPEATS times.
   Wall and CPU seconds, bulk ESS of omega2 and tau2, ESS per CPU second and per wall second,
   and the posterior means from each (they should agree). Without the ``jags`` program (Debian
   package ``jags``) the JAGS row says so and is skipped.
2. statsmodels' nested REML (``MixedLM``, ``vc_formula``, Nelder-Mead) on the radon data and on
   lme4's Pastes, against the mode of p(σ, τ, ω | y) from ``exact.three_level`` with flat priors
   (tests/test_three_level_reml.py says why they agree).
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

sys.path.insert(0, str(Path(__file__).parent))
# the same run as bench_mixing's (4 chains x 10,000 draws after 1,000), and its JAGS plumbing
from bench_mixing import (  # noqa: E402
    _r_vector, CHAINS, DRAWS, python_startup, time_jags, WARMUP, write_jags_script,
)

REPEATS = 3
NAMES = ("omega2", "tau2", "sigma2", "mu")

JAGS_MODEL = """model {
  for (i in 1:N) {
    y[i] ~ dnorm(theta[county[i]], 1 / sigma2)
  }
  for (j in 1:J) {
    theta[j] ~ dnorm(psi[state[j]], 1 / tau2)
  }
  for (k in 1:K) {
    psi[k] ~ dnorm(mu, 1 / omega2)
  }
  mu ~ dnorm(0, 1.0E-6)
  sigma ~ dunif(0, 1000)
  tau ~ dunif(0, 1000)
  omega ~ dunif(0, 1000)
  sigma2 <- sigma^2
  tau2 <- tau^2
  omega2 <- omega^2
}
"""


def write_jags_files(data, folder: Path, seed: int):
    (folder / "model.bug").write_text(JAGS_MODEL)
    (folder / "data.R").write_text(
        f"N <- {data.n_total}\nJ <- {data.J}\nK <- {data.K}\n"
        f"y <- {_r_vector(data.values)}\ncounty <- {_r_vector(data.groups + 1, integer=True)}\n"
        f"state <- {_r_vector(data.group_supergroup + 1, integer=True)}\n")
    rng = np.random.default_rng(seed)
    inits = [f"mu <- {rng.normal(data.means.mean(), 0.5):.6g}\nsigma <- {rng.uniform(0.5, 1.5):.6g}\n"
             f"tau <- {rng.uniform(0.1, 1):.6g}\nomega <- {rng.uniform(0.1, 1):.6g}\n" for _ in range(CHAINS)]
    write_jags_script(folder, seed, inits, NAMES)


def run_jags(data, seed):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_jags_files(data, folder, seed)
        wall, cpu, draws = time_jags(folder, NAMES)
    return dict(wall=wall, cpu=cpu, **{f"ess {n}": diagnostics.ess_bulk(draws[n]) for n in NAMES},
                **{f"mean {n}": float(draws[n].mean()) for n in NAMES})


PROCESS = """
import time
T0 = time.perf_counter()
import teachkit as tk
from teachkit import diagnostics
post = tk.fit_three_level(tk.load_radon(), draws={draws}, warmup={warmup}, chains={chains}, seed={seed})
wall, cpu = time.perf_counter() - T0, time.process_time()
names = {names!r}
print(wall, cpu, *[diagnostics.ess_bulk(post[n]) for n in names], *[post[n].mean() for n in names])
"""


def run_teachkit(seed):
    code = PROCESS.format(draws=DRAWS, warmup=WARMUP, chains=CHAINS, seed=seed, names=NAMES)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    values = list(map(float, out.split()))
    wall, cpu, rest = values[0] + python_startup()[0], values[1], values[2:]
    k = len(NAMES)
    return dict(wall=wall, cpu=cpu, **{f"ess {n}": e for n, e in zip(NAMES, rest[:k])},
                **{f"mean {n}": m for n, m in zip(NAMES, rest[k:])})


def speed_table():
    data = tk.load_radon()
    print(f"## Three levels on the radon data ({data.n_total:,} houses, {data.J} counties, {data.K} states): "
          f"start to draws in hand, {CHAINS} x {DRAWS:,} draws (+{WARMUP:,} warm-up), median of {REPEATS}\n")
    jags = shutil.which("jags")
    if jags is None:
        print("`jags` is not installed (Debian package `jags`): the JAGS comparison is skipped.\n")
    runs = {name: [] for name in (["JAGS (`jags model.cmd`)"] if jags else []) + ["teachkit, fit_three_level"]}
    for seed in range(REPEATS):   # the two take turns, so that a drift in the machine's speed falls on both
        for name in runs:
            runs[name].append(run_jags(data, seed) if name.startswith("JAGS") else run_teachkit(seed))
    print("| program | wall s | CPU s | ESS omega2 | ESS tau2 | ESS/CPU s omega2 | ESS/CPU s tau2 "
          "| ESS/wall s omega2 | ESS/wall s tau2 | mean omega2 | mean tau2 | mean sigma2 | mean mu |")
    print("|---|" + "---:|" * 12)
    med = {name: {key: statistics.median(r[key] for r in rs) for key in rs[0]} for name, rs in runs.items()}
    for name, m in med.items():
        print(f"| {name} | {m['wall']:.1f} | {m['cpu']:.1f} | {m['ess omega2']:,.0f} | {m['ess tau2']:,.0f} | "
              f"{m['ess omega2'] / m['cpu']:,.0f} | {m['ess tau2'] / m['cpu']:,.0f} | "
              f"{m['ess omega2'] / m['wall']:,.0f} | {m['ess tau2'] / m['wall']:,.0f} | "
              f"{m['mean omega2']:.4f} | {m['mean tau2']:.4f} | {m['mean sigma2']:.4f} | {m['mean mu']:.4f} |")
    if jags:
        j, t = med["JAGS (`jags model.cmd`)"], med["teachkit, fit_three_level"]
        print(f"\nteachkit against JAGS, ESS per CPU second: omega2 {t['ess omega2'] / t['cpu'] / (j['ess omega2'] / j['cpu']):.1f}x, "
              f"tau2 {t['ess tau2'] / t['cpu'] / (j['ess tau2'] / j['cpu']):.1f}x.")
    print("\nteachkit's wall seconds: a bare interpreter's start-up (%.2f s) plus import, load and fit; CPU seconds: "
          "the process's CPU time when the fit returns. JAGS's: the `jags` process from start to exit, CODA files "
          "written. Means: the median over the runs.\n" % python_startup()[0])


def reml_table():
    import warnings

    import pandas as pd
    import statsmodels
    import statsmodels.formula.api as smf

    from teachkit.priors import Normal

    print(f"## statsmodels {statsmodels.__version__} nested REML against the posterior mode of (σ, τ, ω) "
          "(flat priors: sd ~ U(0, 1000), μ ~ N(0, 10¹²))\n")
    print("| data | | σ² (residual, `scale`) | τ² (group in supergroup, `vcomp`) | ω² (supergroup, `cov_re`) | μ̂ | seconds |")
    print("|---|---|---:|---:|---:|---:|---:|")
    pastes = pd.read_csv(Path(statsmodels.__file__).parent / "regression/tests/results/pastes.csv")
    radon = tk.load_radon()
    sets = {
        "Pastes (casks in batches)": (pastes.rename(columns={"strength": "y", "sample": "g", "batch": "s"})),
        "radon (counties in states)": pd.DataFrame(dict(y=radon.values, g=np.array(radon.labels)[radon.groups],
                                                         s=np.array(radon.supergroup_labels)[radon.supergroups])),
    }
    for name, df in sets.items():
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = smf.mixedlm("y ~ 1", df, groups="s", re_formula="1", vc_formula={"g": "0 + C(g)"}).fit(
                reml=True, method="nm")
        t_sm = time.perf_counter() - t0
        t0 = time.perf_counter()
        data = tk.GroupedData.from_arrays(df["y"], df["g"], df["s"])
        ex = tk.exact.three_level(data, mu_prior=Normal(0, 1e12))
        mode = ex.mode()
        mu = ex.mu_given(mode["sigma"], mode["tau"], mode["omega"])
        t_ex = time.perf_counter() - t0
        sm_row = (fit.scale, fit.vcomp[0], fit.cov_re.iloc[0, 0], fit.fe_params["Intercept"])
        ex_row = (mode["sigma"] ** 2, mode["tau"] ** 2, mode["omega"] ** 2, mu)
        note = f"converged={fit.converged}" + (f", {len(caught)} warnings" if caught else "")
        print(f"| {name} | statsmodels REML ({note}) | " + " | ".join(f"{v:.5f}" for v in sm_row) + f" | {t_sm:.1f} |")
        print(f"| | mode of p(σ, τ, ω \\| y) | " + " | ".join(f"{v:.5f}" for v in ex_row) + f" | {t_ex:.1f} |")
        gap = (ex.log_density_sd(*np.sqrt(ex_row[:3])) - ex.log_density_sd(*np.sqrt(sm_row[:3])))
        print("| | relative difference | " + " | ".join(f"{abs(a - b) / abs(a):.1e}" for a, b in zip(sm_row, ex_row))
              + f" | log density: mode − REML's = {float(gap):.1e} |")
    print()


if __name__ == "__main__":
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    if "--repeats" in sys.argv:
        REPEATS = int(sys.argv[sys.argv.index("--repeats") + 1])
    print(f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} cores, load average {load:.1f} at start\n")
    speed_table()
    reml_table()
