r"""The three-level model (houses in counties in states) by integration: θ, ψ and μ out
analytically, then a 3-D grid over (σ, τ, ω).

    y_ij ~ N(θ_j, σ²);  θ_j ~ N(ψ_k(j), τ²);  ψ_k ~ N(μ, ω²);  μ ~ N(m0, v0);  σ², τ², ω² with their priors.

It is Model 3's calculation (the package docstring, steps 1-4) with one more level.

Step 1, the θ_j.  As in Model 3, by (A) and (B) group j contributes
(2πσ²)^(−(n_j−1)/2) n_j^(−1/2) exp(−ss_j/(2σ²)) · N(ȳ_j | ψ_k(j), V_j),  V_j = σ²/n_j + τ².

Step 2, the ψ_k.  The group means of supergroup k are J_k normal kernels in ψ_k:

    Π_{j∈k} N(ȳ_j | ψ_k, V_j) = C_k · N(m_k | ψ_k, 1/Q_k),
    Q_k = Σ_{j∈k} 1/V_j,   m_k = Σ_{j∈k} (ȳ_j/V_j) / Q_k,
    C_k = Π_{j∈k} (2πV_j)^(−1/2) · (2π/Q_k)^(1/2) · exp(−½ Σ_{j∈k} (ȳ_j − m_k)²/V_j),

so supergroup k acts as one measurement m_k of ψ_k with variance 1/Q_k, and by (B)
m_k | μ ~ N(μ, U_k), U_k = 1/Q_k + ω².

Step 3, μ.  Model 3's equations (3)-(4) with the K "groups" m_k of variances U_k:

    μ | σ², τ², ω², y ~ N(μ̂, 1/P),   P = 1/v0 + Σ_k 1/U_k,   μ̂ = (m0/v0 + Σ_k m_k/U_k) / P,

    p(σ², τ², ω² | y) ∝ p(σ²) p(τ²) p(ω²) (2πσ²)^(−(N−J)/2) exp(−SS_w/(2σ²)) · Π_k C_k
                        · Π_k (2πU_k)^(−1/2) · (v0 P)^(−1/2) · exp(−½ [Σ_k (m_k − μ̂)²/U_k + (m0 − μ̂)²/v0]).

Step 4, back down.  Given the variances, with w_k = ω²/(ω² + 1/Q_k) and w_j = τ²/(τ² + σ²/n_j)
(tower rule for means, total variance for variances):

    E[ψ_k | ·] = w_k m_k + (1 − w_k) μ̂,           Var[ψ_k | ·] = w_k/Q_k + (1 − w_k)²/P,
    E[θ_j | ·] = w_j ȳ_j + (1 − w_j) E[ψ_k(j) | ·],  Var[θ_j | ·] = w_j σ²/n_j + (1 − w_j)² Var[ψ_k(j) | ·].

Step 5, the grid.  s = log σ, and for τ and ω the grid variable Model 3 uses for τ
(asinh(τ/c) under sd ~ U(0, U), whose density is positive at 0; log τ under an
inverse-gamma), found by the same search for the box that holds the mass (density
within e^−40 of its peak, moments' integrands within e^−20). Posterior means of
every parameter are sums over the grid; quantiles of μ, ψ_k, θ_j come from the
normal mixtures, of σ², τ², ω² from the 1-D marginal densities.

:meth:`ExactThreeLevel.mode` is the mode of p(σ, τ, ω | y), the density of the
standard deviations. Under flat priors on σ, τ, ω (sd ~ U(0, U), U large) and on μ
(v0 → ∞) it is proportional to the REML likelihood, whose integral over the fixed
effect μ with a flat prior is exactly what REML maximises; so the mode is REML's
estimate (statsmodels' nested ``MixedLM`` with ``vc_formula``; tests/test_three_level_reml.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from teachkit.data import require_grouped
from teachkit.exact._args import _check_grid_size, _check_prior, _VARIANCE_PRIORS
from teachkit.exact._quadrature import (
    _check_q, _GridMarginal, _log_prior_sd, _mass_box, _NormalMixture, _sd_upper, _sigma_weight,
    _simpson_weights,
)
from teachkit.exact.model3 import _TauAxis
from teachkit.priors import Normal, UniformSD

_CHUNK = 2_000_000   # grid points × groups evaluated at once (memory: a few arrays of this size)


@dataclass(frozen=True)
class _Stats3:
    n: np.ndarray       # (J,)
    ybar: np.ndarray    # (J,)
    ss_within: float
    sup: np.ndarray     # (J,) supergroup of each group
    A: np.ndarray       # (J, K) indicator: A[j, k] = 1 if group j is in supergroup k

    @property
    def K(self):
        return self.A.shape[1]


@dataclass(frozen=True)
class _Collapsed3:
    """Steps 2-3 on a list of grid points (1-D arrays of σ², τ², ω²)."""
    loglik: np.ndarray   # (G,)
    mu_hat: np.ndarray   # (G,)
    P: np.ndarray        # (G,)
    m: np.ndarray        # (G, K), m_k − origin
    Q: np.ndarray        # (G, K)


def _collapse3(sigma2, tau2, omega2, st: _Stats3, mu_prior: Normal, origin: float) -> _Collapsed3:
    """θ, ψ and μ integrated out (steps 1-3) at points (σ², τ², ω²), 1-D arrays of equal length.
    Means are measured from ``origin`` (a data value) so that differences keep their digits."""
    sigma2, tau2, omega2 = (np.asarray(a, dtype=float)[:, None] for a in (sigma2, tau2, omega2))
    n, d, A = st.n, st.ybar - origin, st.A
    m0, v0 = mu_prior.mean - origin, mu_prior.var
    N, J = n.sum(), n.size
    V = sigma2 / n + tau2                                   # (G, J)
    Q = (1 / V) @ A                                         # (G, K)
    m = ((d / V) @ A) / Q
    within_k = ((d - m[:, st.sup]) ** 2 / V).sum(axis=1)
    log_C = -0.5 * np.log(2 * np.pi * V).sum(axis=1) + 0.5 * np.log(2 * np.pi / Q).sum(axis=1) - 0.5 * within_k
    U = 1 / Q + omega2
    P = 1 / v0 + (1 / U).sum(axis=1)
    mu_hat = (m0 / v0 + (m / U).sum(axis=1)) / P
    spread = ((m - mu_hat[:, None]) ** 2 / U).sum(axis=1) + (m0 - mu_hat) ** 2 / v0
    sigma2 = sigma2[:, 0]
    loglik = (-(N - J) / 2 * np.log(2 * np.pi * sigma2) - st.ss_within / (2 * sigma2) + log_C
              - 0.5 * np.log(2 * np.pi * U).sum(axis=1) - 0.5 * np.log(v0 * P) - 0.5 * spread)
    return _Collapsed3(loglik=loglik, mu_hat=mu_hat, P=P, m=m, Q=Q)


def _chunks(G, J):
    step = max(1, _CHUNK // max(J, 1))
    return [slice(a, min(a + step, G)) for a in range(0, G, step)]


class ExactThreeLevel:
    """Posterior of the three-level model on a grid over (log σ, t(τ), t(ω)).

    ``mean(name)`` and ``sd(name)`` for "theta" (array of J), "psi" (array of K), "mu",
    "sigma2", "tau2", "omega2"; ``quantile(name, q)`` for the same names ("theta" and
    "psi" give one column per group or supergroup); :meth:`mode` for (σ, τ, ω).
    Built by :func:`three_level`.
    """

    _names = ("theta", "psi", "mu", "sigma2", "tau2", "omega2")

    def __init__(self, data, mu_prior, sigma2_prior, tau2_prior, omega2_prior, n_sigma, n_tau, n_omega):
        self.data = data
        self.mu_prior = mu_prior
        self.priors = (sigma2_prior, tau2_prior, omega2_prior)
        J, K = data.J, data.K
        A = np.zeros((J, K))
        A[np.arange(J), data.group_supergroup] = 1.0
        self._st = st = _Stats3(n=data.n.astype(float), ybar=data.means.astype(float),
                                ss_within=float(data.ss.sum()), sup=data.group_supergroup, A=A)
        self._origin = float(st.ybar[0])
        self._cache = {}
        self._sigma_hat, c_tau, c_omega = _scales3(data, st)
        self._axes = (_TauAxis(tau2_prior, c_tau), _TauAxis(omega2_prior, c_omega))

        s_top = math.log(_sd_upper(sigma2_prior))
        s0 = min(math.log(self._sigma_hat), s_top - 1)
        sigma_weight = _sigma_weight(s0)
        (tau_axis, omega_axis), cs = self._axes, (c_tau, c_omega)

        def log_weight(s, t, u):   # (1 + σ²/σ̂²)² (1 + τ²/c²)² (1 + ω²/c²)²: the box covers 4th moments
            with np.errstate(divide="ignore"):
                extra = sum(2 * np.logaddexp(0, 2 * np.log(ax.tau(x) / c))
                            for ax, x, c in zip(self._axes, (t, u), cs))
            return sigma_weight(s) + extra

        box = _mass_box(self._log_density_grid, [(s0 - 1, min(s0 + 1, s_top)), tau_axis.start, omega_axis.start],
                        [(-math.inf, s_top), tau_axis.hard, omega_axis.hard], what="(sigma, tau, omega)",
                        log_weight=log_weight, n=25)
        self._s, self._t, self._u = (np.linspace(*b, k) for b, k in zip(box, (n_sigma, n_tau, n_omega)))
        S, T, Uu = np.meshgrid(self._s, self._t, self._u, indexing="ij")
        lp = self._log_density_grid(S, T, Uu)
        self._log_top = lp.max()
        w3 = (_simpson_weights(self._s)[:, None, None] * _simpson_weights(self._t)[None, :, None]
              * _simpson_weights(self._u)[None, None, :]) * np.exp(lp - self._log_top)
        self._w3 = w3 / w3.sum()
        keep = self._w3 > self._w3.max() * 1e-18     # points that cannot change a digit are dropped
        self._W = self._w3[keep] / self._w3[keep].sum()
        self._sigma2 = np.exp(2 * S[keep])
        self._tau2 = tau_axis.tau(T[keep]) ** 2
        self._omega2 = omega_axis.tau(Uu[keep]) ** 2
        self._col = self._collapse(self._sigma2, self._tau2, self._omega2)

    # ---------------------------------------------------------------- densities
    def _collapse(self, sigma2, tau2, omega2):
        parts = [_collapse3(sigma2[c], tau2[c], omega2[c], self._st, self.mu_prior, self._origin)
                 for c in _chunks(sigma2.size, self._st.n.size)]
        return _Collapsed3(*(np.concatenate([getattr(p, f) for p in parts])
                             for f in ("loglik", "mu_hat", "P", "m", "Q")))

    def _log_prior_sd(self, sigma, tau, omega):
        return sum(_log_prior_sd(p, x) for p, x in zip(self.priors, (sigma, tau, omega)))

    def _log_density_grid(self, s, t, u):
        """log p(s, t, u | y) + const: step 3 with the priors and the Jacobians of s, t, u."""
        tau_axis, omega_axis = self._axes
        shape = np.broadcast(s, t, u).shape
        s, t, u = (np.broadcast_to(x, shape).ravel() for x in (s, t, u))
        tau, omega = tau_axis.tau(t), omega_axis.tau(u)
        loglik = self._collapse(np.exp(2 * s), tau**2, omega**2).loglik
        lp = (self._log_prior_sd(np.exp(s), tau, omega) + s + tau_axis.log_jacobian(t)
              + omega_axis.log_jacobian(u) + loglik)
        return lp.reshape(shape)

    def log_density_sd(self, sigma, tau, omega):
        """log p(σ, τ, ω | y) + a constant: the posterior density of the three standard deviations."""
        sigma, tau, omega = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (sigma, tau, omega)))
        shape = sigma.shape
        sigma, tau, omega = sigma.ravel(), tau.ravel(), omega.ravel()
        with np.errstate(divide="ignore", invalid="ignore"):
            lp = self._collapse(sigma**2, tau**2, omega**2).loglik + self._log_prior_sd(sigma, tau, omega)
        return lp.reshape(shape)

    def mode(self):
        """(σ, τ, ω) at the maximum of p(σ, τ, ω | y), from the best grid point polished by
        a bounded quasi-Newton search. With flat priors on the sds and on μ this is REML."""
        from scipy.optimize import minimize

        best = np.unravel_index(np.argmax(self._w3 / np.einsum(
            "i,j,k->ijk", *(_simpson_weights(a) for a in (self._s, self._t, self._u)))), self._w3.shape)
        start = np.array([math.exp(self._s[best[0]]), self._axes[0].tau(self._t[best[1]]),
                          self._axes[1].tau(self._u[best[2]])])
        # the density of (σ, τ, ω) is the grid's density without the Jacobians, so re-maximise
        upper = [_sd_upper(p) for p in self.priors]
        bounds = [(1e-12 * start[0], min(upper[0], 1e6 * start[0]))] + [(0.0, min(u, 1e6 * start[0])) for u in upper[1:]]

        def neg(x):
            return -float(self.log_density_sd(*x))
        fit = minimize(neg, start, method="L-BFGS-B", bounds=bounds,
                       options=dict(ftol=1e-15, gtol=1e-10, maxiter=500))
        for _ in range(2):   # restart from where it stopped: L-BFGS-B's first stop can be early
            fit = minimize(neg, fit.x, method="L-BFGS-B", bounds=bounds,
                           options=dict(ftol=1e-15, gtol=1e-10, maxiter=500))
        return dict(sigma=float(fit.x[0]), tau=float(fit.x[1]), omega=float(fit.x[2]))

    def mu_given(self, sigma, tau, omega) -> float:
        """E[μ | σ, τ, ω, y] (step 3's μ̂): at REML's (σ̂, τ̂, ω̂) with a flat prior on μ, the
        generalised-least-squares estimate that REML reports as the fixed effect."""
        col = _collapse3(np.array([sigma**2]), np.array([tau**2]), np.array([omega**2]), self._st,
                         self.mu_prior, self._origin)
        return float(col.mu_hat[0] + self._origin)

    # ---------------------------------------------------------------- moments given the variances
    def _psi_moments(self):
        """E[ψ_k | variances, y] and Var[ψ_k | variances, y] at every grid point (step 4)."""
        if "psi moments" not in self._cache:
            self._cache["psi moments"] = self._compute_psi_moments()
        return self._cache["psi moments"]

    def _compute_psi_moments(self):
        col = self._col
        w = self._omega2[:, None] * col.Q / (self._omega2[:, None] * col.Q + 1)
        mean = w * col.m + (1 - w) * col.mu_hat[:, None] + self._origin
        var = w / col.Q + (1 - w) ** 2 / col.P[:, None]
        return mean, var

    def _theta_moments(self, j):
        """E[θ_j | ·] and Var[θ_j | ·] at every grid point for the groups ``j`` (an index array)."""
        st = self._st
        psi_mean, psi_var = self._psi_moments()
        k = st.sup[j]
        with np.errstate(divide="ignore"):   # τ = 0: w_j = 1/(1 + inf) = 0, complete pooling within k
            w = 1 / (1 + self._sigma2[:, None] / (st.n[j] * self._tau2[:, None]))
        mean = w * st.ybar[j] + (1 - w) * psi_mean[:, k]
        var = w * self._sigma2[:, None] / st.n[j] + (1 - w) ** 2 * psi_var[:, k]
        return mean, var

    def _vector_moments(self, name):
        W = self._W
        if name == "psi":
            mean, var = self._psi_moments()
            m = W @ mean
            return m, np.sqrt(W @ (var + (mean - m) ** 2))
        means, sds = [], []
        for c in _chunks(self._st.n.size, W.size):
            idx = np.arange(self._st.n.size)[c]
            mean, var = self._theta_moments(idx)
            m = W @ mean
            means.append(m)
            sds.append(np.sqrt(W @ (var + (mean - m) ** 2)))
        return np.concatenate(means), np.concatenate(sds)

    # ---------------------------------------------------------------- marginals
    def _marginal(self, name, index=None):
        key = (name, index)
        if key in self._cache:
            return self._cache[key]
        W = self._W
        if name == "mu":
            out = _NormalMixture(W, self._col.mu_hat + self._origin, 1 / np.sqrt(self._col.P))
        elif name == "psi":
            mean, var = self._psi_moments()
            out = _NormalMixture(W, mean[:, index], np.sqrt(var[:, index]))
        elif name == "theta":
            mean, var = self._theta_moments(np.array([index]))
            out = _NormalMixture(W, mean[:, 0], np.sqrt(var[:, 0]))
        elif name in ("sigma2", "tau2", "omega2"):
            out = self._grid_marginal(name)
        else:
            raise ValueError(f"unknown parameter {name!r}: use " + ", ".join(repr(k) for k in self._names))
        self._cache[key] = out
        return out

    def _grid_marginal(self, name):
        if name == "sigma2":
            s, s_top = self._s, math.log(_sd_upper(self.priors[0]))
            return _GridMarginal(s, self._w3.sum(axis=(1, 2)) / _simpson_weights(s), lambda s: np.exp(2 * s),
                                 lambda v: 0.5 * np.log(v), open_top=s[-1] < s_top)
        axis_no = 1 if name == "tau2" else 2
        x, ax = (self._t, self._u)[axis_no - 1], self._axes[axis_no - 1]
        other = (0, 2) if axis_no == 1 else (0, 1)
        return _GridMarginal(x, self._w3.sum(axis=other) / _simpson_weights(x), lambda x: ax.tau(x) ** 2,
                             lambda v: ax.t(np.sqrt(v)), open_top=x[-1] < ax.hard[1])

    def _size(self, name):
        return self._st.n.size if name == "theta" else self._st.K

    def mean(self, name: str):
        """Posterior mean: "theta" gives an array of J, "psi" of K; inf for a variance whose
        posterior tail is too heavy for a finite mean."""
        if name in ("theta", "psi"):
            return self._vector_moments(name)[0]
        return self._marginal(name).mean

    def sd(self, name: str):
        """Posterior standard deviation, same names as :meth:`mean`."""
        if name in ("theta", "psi"):
            return self._vector_moments(name)[1]
        return self._marginal(name).sd

    def quantile(self, name: str, q):
        """Posterior q-quantile(s), 0 < q < 1. For "theta" and "psi", one column per group or supergroup."""
        q = _check_q(q)
        if name in ("theta", "psi"):
            return np.stack([self._marginal(name, j).quantile(q) for j in range(self._size(name))], axis=-1)
        return self._marginal(name).quantile(q)

    def __repr__(self):
        return (f"ExactThreeLevel({self.data!r}: E[mu]={self.mean('mu'):.4g}, E[sigma2]={self.mean('sigma2'):.4g}, "
                f"E[tau2]={self.mean('tau2'):.4g}, E[omega2]={self.mean('omega2'):.4g})")


def _scales3(data, st: _Stats3):
    """Rough scales: σ̂ (pooled within-group sd), c_τ (spread of group means around their
    supergroup's average, at least the noise of one group mean) and c_ω (spread of the
    supergroups' averages, at least c_τ over the root of the groups per supergroup)."""
    N, J, K = data.n_total, data.J, data.K
    sigma_hat = math.sqrt(st.ss_within / (N - J)) if N > J and st.ss_within > 0 else max(float(np.std(data.values)), 1.0)
    J_k = st.A.sum(axis=0)
    avg = (st.ybar @ st.A) / J_k
    c_tau = max(float(np.sqrt(np.mean((st.ybar - avg[st.sup]) ** 2))), sigma_hat / math.sqrt(st.n.mean()))
    c_omega = max(float(np.std(avg, ddof=1)), c_tau / math.sqrt(J_k.mean()))
    return sigma_hat, c_tau, c_omega


def three_level(data, *, mu_prior=Normal(0, 1000**2), sigma2_prior=UniformSD(1000), tau2_prior=UniformSD(1000),
                omega2_prior=UniformSD(1000), n_sigma: int = 41, n_tau: int = 81,
                n_omega: int = 81) -> ExactThreeLevel:
    """The three-level model by integration: θ, ψ, μ analytically, (σ, τ, ω) on an
    n_sigma × n_tau × n_omega grid. The defaults are the priors of ``fit_three_level``.
    ``data`` needs a second level (``GroupedData.from_arrays(values, groups, supergroups)``)."""
    data = require_grouped(data, "exact.three_level")
    if data.supergroups is None:
        raise ValueError("exact.three_level: the data have no second level (data.supergroups is None); "
                         "build them with GroupedData.from_arrays(values, groups, supergroups) or "
                         "GroupedData.from_csv(..., supergroup=column)")
    _check_prior("three_level", "mu_prior", mu_prior, (Normal,))
    for name, prior in (("sigma2_prior", sigma2_prior), ("tau2_prior", tau2_prior),
                        ("omega2_prior", omega2_prior)):
        _check_prior("three_level", name, prior, _VARIANCE_PRIORS)
    n_sigma = _check_grid_size("three_level", "n_sigma", n_sigma, 21)
    n_tau = _check_grid_size("three_level", "n_tau", n_tau, 21)
    n_omega = _check_grid_size("three_level", "n_omega", n_omega, 21)
    if np.ptp(data.values) == 0:
        raise ValueError(f"exact.three_level: all {data.n_total} values are identical, so there is no "
                         "spread to estimate a variance from")
    return ExactThreeLevel(data, mu_prior, sigma2_prior, tau2_prior, omega2_prior, n_sigma, n_tau, n_omega)
