"""How cheap can one sweep of Model 3 be in numpy? A yardstick for ``bench_mixing.py``.

teachkit's sweeps call one small function per full conditional, as the derivation reads.
Here the same arithmetic, with the same random draws in the same order, is written as one
function per sweep with every constant hoisted out of the loop and every intermediate
reused: as few numpy calls as I could find. It is not how teachkit should read; it shows
how much of a sweep's cost is the readable structure, and how much is the numpy calls
that any sampler of this model must make. At J = 8 and 4 chains every call works on 4
or 32 numbers, so a sweep costs about (number of numpy calls) x (the cost of one call).

Only the lecture's priors (flat on sd; normal on mu) are handled. Draws that meet the flat
prior's bound go through teachkit's own truncated draws, so the chains are exact too.
"""

from __future__ import annotations

import time

import numpy as np

import teachkit as tk
from teachkit.models import hierarchical
from teachkit.models.conjugate import truncated_inverse_gamma, truncated_normal


def hoisted_sweeps(data, mu_prior=tk.Normal(0, 1000**2), upper=1000.0):
    """The centred and interweaving sweeps as single functions (same draws as teachkit's, to rounding)."""
    n, ybar, ss = data.n.astype(float), data.means, data.ss
    J, n_total, ss_total = data.J, n.sum(), ss.sum()
    n_ybar, sum_n_ybar = n * ybar, n @ ybar
    m0, v0, U2 = mu_prior.mean, mu_prior.var, upper**2
    shape_sigma2, shape_tau2 = (n_total - 1) / 2, (J - 1) / 2

    def centred(mu, sigma2, tau2, rng):
        mu_c, tau2_c, sigma2_c = mu[:, None], tau2[:, None], sigma2[:, None]
        precision = 1 / tau2_c + n / sigma2_c
        theta = (mu_c / tau2_c + n_ybar / sigma2_c) / precision + rng.standard_normal(precision.shape) / np.sqrt(precision)
        precision_mu = 1 / v0 + J / tau2
        mu = (m0 / v0 + theta.sum(axis=1) / tau2) / precision_mu + rng.standard_normal(mu.shape) / np.sqrt(precision_mu)
        sigma2 = truncated_inverse_gamma(shape_sigma2, (ss_total + (ybar - theta) ** 2 @ n) / 2, U2, rng)
        dev = theta - mu[:, None]
        tau2 = truncated_inverse_gamma(shape_tau2, (dev * dev).sum(axis=1) / 2, U2, rng)
        return theta, mu, sigma2, tau2, dev

    def interweaving(mu, sigma2, tau2, rng):
        theta, mu, sigma2, tau2, dev = centred(mu, sigma2, tau2, rng)
        eta = dev / np.sqrt(tau2)[:, None]
        n0 = sigma2 / v0
        w = n0 + n_total
        wx = eta @ n
        x_bar, z_bar = wx / w, (sum_n_ybar + n0 * m0) / w
        s_xx = (eta * eta) @ n - wx * x_bar
        tau = truncated_normal((eta @ n_ybar - wx * z_bar) / s_xx, np.sqrt(sigma2 / s_xx), 0.0, upper, rng)
        mu = z_bar - tau * x_bar + np.sqrt(sigma2 / w) * rng.standard_normal(mu.shape)
        return mu[:, None] + tau[:, None] * eta, mu, sigma2, tau * tau

    return {"centred": centred, "interweaving": interweaving}


def _start(data, chains, seed):
    post = tk.fit_hierarchical(data, draws=1, warmup=200, chains=chains, seed=seed)
    return post["mu"][:, -1].copy(), post["sigma2"][:, -1].copy(), post["tau2"][:, -1].copy()


def sweep_costs(data, chains=4, sweeps=300, rounds=30, seed=7):
    """µs per sweep, the best of ``rounds`` interleaved rounds of ``sweeps`` sweeps each, for
    teachkit's centred, noncentred and interweaving sweeps and the hoisted centred and interweaving
    ones; and the cost of one numpy call (adding two arrays of 4 numbers; 4 standard normals).
    Interleaving the candidates and keeping each one's best round makes the comparison fair on a
    shared machine whose speed drifts."""
    n = data.n.astype(float)
    model = hierarchical._Model(n, data.means, data.ss, tk.Normal(0, 1000**2), tk.UniformSD(1000),
                                tk.UniformSD(1000), tau_upper=1000.0)
    hoisted = hoisted_sweeps(data)
    rng = np.random.default_rng(seed)
    start = _start(data, chains, seed)
    four = np.ones(chains)
    candidates = {f"teachkit {m}": (lambda s, f=f: f(*s, model, rng)[1:])
                  for m, f in hierarchical.METHODS.items()}
    candidates.update({f"hoisted {m}": (lambda s, f=f: f(*s, rng)[1:4]) for m, f in hoisted.items()})
    calls = {"one numpy call: a + a, 4 numbers": lambda: four + four,
             "one numpy call: 4 standard normals": lambda: rng.standard_normal(chains)}
    best = {name: np.inf for name in [*candidates, *calls]}
    for _ in range(rounds):
        for name, step in candidates.items():
            state = start
            t0 = time.perf_counter()
            for _ in range(sweeps):
                state = step(state)
            best[name] = min(best[name], (time.perf_counter() - t0) / sweeps)
        for name, call in calls.items():
            t0 = time.perf_counter()
            for _ in range(sweeps * 10):
                call()
            best[name] = min(best[name], (time.perf_counter() - t0) / (sweeps * 10))
    return {name: 1e6 * seconds for name, seconds in best.items()}
