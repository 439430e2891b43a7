"""Hidden tests of the exercises: for the instructor only.

This module is not part of the teachkit wheel and never enters a notebook. `python -m
teachkit.exercises nbgrader` copies it into the course's ``instructor/`` folder, and the
course's ``nbgrader_config.py`` puts that folder on the grading kernel's ``PYTHONPATH``. The
source notebook of the course calls one function per hidden test, in a cell of its own between
``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``; the released notebook keeps only that
cell's comment, and the feedback is made with nbgrader's ClearHiddenTests, so neither the call
nor anything below reaches a student.

Each test takes the notebook's namespace (``globals()``), reads the student's function from it
and tries it where the visible check does not: another data set, another seed, an edge case.
It prints one line and never raises: a pass on stdout (full points), a failure on stderr (nbgrader
gives a cell with stderr output no points). Raising would print a traceback, and a traceback
shows the lines of this file around the failure.
"""

from __future__ import annotations

import sys

import numpy as np

__all__ = ["model1_gibbs_second_data", "model3_gibbs_second_data", "variance_conditionals_one_school",
           "psi_and_omega2_small_cases"]

K_MCSE = 4          # as teachkit.check: a correct sampler fails with probability about 6e-5 per mean


def _run(what, test, namespace, *names) -> bool:
    """Run ``test`` on the student's objects ``names``; print the verdict, never raise."""
    try:
        ok = bool(test(*(namespace[name] for name in names)))
    except BaseException:        # noqa: BLE001 (also a time limit's KeyboardInterrupt, or SystemExit)
        ok = False
    if ok:
        print(f"✓ hidden test, {what}: right")
    else:
        print(f"✗ hidden test, {what}: not right", file=sys.stderr)
    return ok


def _mean_agrees(draws, exact_mean):
    from teachkit.diagnostics import mcse_mean

    x = np.asarray(draws, dtype=float)
    return x.ndim == 1 and np.all(np.isfinite(x)) and abs(x.mean() - exact_mean) <= K_MCSE * mcse_mean(x)


# ------------------------------------------------------------------ ex02
def model1_gibbs_second_data(namespace):
    """ex02: gibbs_model1 on 24 other values, with a seed of its own, against exact integration."""
    _run("gibbs_model1 on another data set", _model1_gibbs, namespace, "gibbs_model1")


def _model1_gibbs(gibbs_model1):
    from teachkit import exact

    y = 3.0 + 2.5 * np.random.default_rng(813_570).standard_normal(24)
    n, ybar, ss = y.size, y.mean(), np.sum((y - y.mean()) ** 2)
    theta, sigma2 = gibbs_model1(n, ybar, ss, sweeps=3000, rng=np.random.default_rng(975_310))
    ref = exact.complete_pooling(y)
    return _mean_agrees(theta[500:], ref.mean("theta")) and _mean_agrees(sigma2[500:], ref.mean("sigma2"))


# ------------------------------------------------------------------ ex04
def model3_gibbs_second_data(namespace):
    """ex04: gibbs_model3 on five simulated schools, with a seed of its own, against exact integration."""
    _run("gibbs_model3 on another data set", _model3_gibbs, namespace, "gibbs_model3")


def _model3_gibbs(gibbs_model3):
    import teachkit as tk
    from teachkit.data import simulate_grouped
    from teachkit.priors import InverseGamma, Normal

    data = simulate_grouped(mu=12.0, tau=2.5, sigma=4.0, sizes=(6, 11, 4, 9, 15), seed=246_800)
    draws = gibbs_model3(data, sweeps=3000, rng=np.random.default_rng(135_790))
    ref = tk.exact.hierarchical(data, mu_prior=Normal(7, 5), sigma2_prior=InverseGamma.hoff(2, 15),
                                tau2_prior=InverseGamma.hoff(2, 10))
    theta = np.asarray(draws["theta"], dtype=float)[500:]
    return (theta.shape[1:] == (data.J,)
            and all(_mean_agrees(np.asarray(draws[k], dtype=float)[500:], ref.mean(k)) for k in ("mu", "tau2"))
            and all(_mean_agrees(theta[:, j], ref.mean("theta")[j]) for j in range(data.J)))


# ------------------------------------------------------------------ ex07
def variance_conditionals_one_school(namespace):
    """ex07: sigma2_conditional and sigma02_conditional for one school of one student."""
    _run("the variance conditionals for a single school", _one_school, namespace,
                "sigma2_conditional", "sigma02_conditional")


def _one_school(sigma2_conditional, sigma02_conditional):
    theta, nu0, sigma02 = np.array([6.5]), 3.0, 12.0
    n, ybar, ss = np.array([1]), np.array([9.0]), np.array([0.0])
    shape, scale = (np.asarray(v, dtype=float) for v in sigma2_conditional(theta, nu0, sigma02, n, ybar, ss))
    ok = np.allclose(shape, [2.0]) and np.allclose(scale, [(3.0 * 12.0 + 2.5**2) / 2])
    shape0, rate0 = (float(np.squeeze(v)) for v in sigma02_conditional(np.array([4.0]), nu0, 1.0, 0.5))
    return ok and np.isclose(shape0, 2.5) and np.isclose(rate0, 0.875)


# ------------------------------------------------------------------ ex10
def psi_and_omega2_small_cases(namespace):
    """ex10: psi_conditional with states out of order and a state of one county, omega2_conditional
    with two states; against the formulas, worked out here by hand."""
    _run("the top-level conditionals on small cases", _top_level, namespace,
         "psi_conditional", "omega2_conditional")


def _top_level(psi_conditional, omega2_conditional):
    theta = np.array([0.8, 1.6, 1.1, 2.5, 1.3])
    state = np.array([2, 0, 2, 1, 0])          # state 1 has one county; counties not sorted by state
    mean, var = (np.asarray(v, dtype=float) for v in psi_conditional(theta, state, 1.0, 0.5, 0.25))
    # precision 1/0.25 + J_k/0.5: J_k = (2, 1, 2) gives (8, 6, 8); sums of theta: (2.9, 2.5, 1.9)
    ok = (mean.shape == (3,) and np.allclose(var, [1 / 8, 1 / 6, 1 / 8])
          and np.allclose(mean, [(4 + 2.9 / 0.5) / 8, (4 + 2.5 / 0.5) / 6, (4 + 1.9 / 0.5) / 8]))
    shape, scale = (float(np.squeeze(v)) for v in omega2_conditional(np.array([0.4, 1.9]), 1.0, 2.0, 0.3))
    return ok and np.isclose(shape, 3.0) and np.isclose(scale, 0.3 + (0.36 + 0.81) / 2)
