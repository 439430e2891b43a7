"""Model 3 (hierarchical): the posterior on a (σ, τ) grid with μ and θ integrated out,
and the conditional posterior given τ."""

from __future__ import annotations

import math

import numpy as np

from teachkit.data import GroupedData, require_grouped
from teachkit.exact._args import (
    _check_grid_size, _check_prior, _check_two_groups, _describe, _VARIANCE_PRIORS,
)
from teachkit.exact._quadrature import (
    _check_q, _collapse, _Collapsed, _GridMarginal, _log_prior_sd, _mass_box, _NormalMixture, _sd_upper,
    _sigma_weight, _simpson_weights, _Stats,
)
from teachkit.priors import Normal, UniformSD


def _scales(stats: _Stats, data: GroupedData):
    """Rough scales to start grid searches from: σ̂ (pooled within-group sd) and c,
    the scale of τ: the spread of the group means, but no less than the noise in
    one group mean (a smaller τ cannot be told from 0)."""
    N, J = data.n_total, data.J
    if N > J and stats.ss_within > 0:
        sigma_hat = math.sqrt(stats.ss_within / (N - J))
    else:
        sigma_hat = max(float(np.std(data.values)), 1.0)
    spread = float(np.std(stats.ybar, ddof=1)) if J > 1 else 0.0
    return sigma_hat, max(spread, sigma_hat / math.sqrt(stats.n.mean()))


def _sigma_given_tau(tau, stats, mu_prior, sigma2_prior, sigma_hat, n_sigma):
    """p(s | τ, y), s = log σ, on a grid, for each τ of the 1-D array ``tau`` (finite, ≥ 0).

    The prior on τ plays no part: τ is given. Returns the grid s, the weights
    W[k, i] = quadrature weight × p(s_k | τ_i, y) (each column sums to 1), and
    equations (3)-(5) on the grid (``_Collapsed``, arrays shaped (len(s), len(tau))).
    """
    def log_density(s):   # one column per τ
        col = _collapse(np.exp(2 * s)[..., None], tau**2, stats, mu_prior)
        return (_log_prior_sd(sigma2_prior, np.exp(s)) + s)[..., None] + col.loglik

    s0, s_top = math.log(sigma_hat), math.log(_sd_upper(sigma2_prior))
    s0 = min(s0, s_top - 1)
    (lo, hi), = _mass_box(log_density, [(s0 - 1, min(s0 + 1, s_top))], [(-math.inf, s_top)],
                          what="sigma given tau", log_weight=_sigma_weight(s0))
    s = np.linspace(lo, hi, n_sigma)
    lp = log_density(s)
    W = _simpson_weights(s)[:, None] * np.exp(lp - lp.max(axis=0))
    W /= W.sum(axis=0)
    return s, W, _collapse(np.exp(2 * s)[:, None], tau**2, stats, mu_prior)


class _TauAxis:
    """The grid variable t for τ, chosen by the prior on τ (see the module docstring).

    * sd ~ U(0, U): t = asinh(τ/c), from exactly t = 0 (τ = 0, where the density is
      positive) to asinh(U/c).
    * τ² ~ IG(a, b): t = log τ, unbounded both ways: the density vanishes at τ = 0
      faster than any power of τ, but a vague IG(ε, ε) can give it a narrow
      spike near τ ≈ √ε that only a logarithmic grid resolves.
    """

    def __init__(self, prior, c):
        self.c = c
        self.uniform = isinstance(prior, UniformSD)
        if self.uniform:
            self.hard = (0.0, math.asinh(prior.upper / c))
            self.start = (0.0, min(3.0, self.hard[1]))
        else:
            self.hard = (-math.inf, math.inf)
            self.start = (math.log(c) - 1.5, math.log(c) + 1.5)

    def tau(self, t):
        return self.c * np.sinh(t) if self.uniform else np.exp(t)

    def t(self, tau):
        return np.arcsinh(tau / self.c) if self.uniform else np.log(tau)

    def log_jacobian(self, t):
        """log dτ/dt."""
        return np.log(self.c * np.cosh(t)) if self.uniform else t


class _Model3Posterior:
    """What the two Model 3 posteriors (τ learned, τ fixed) share.

    Both hold a grid of the variances (σ, or σ and τ) with normalised weights
    ``_weight`` and equations (3)-(5) on it (``_col``). Given the variances, μ and
    each θ_j are normal, so their posteriors are mixtures of normals over the grid.
    """

    _names = ("theta", "mu", "sigma2", "tau2")

    def _theta_moments(self):
        """E[θ_j | variances, y] and Var[θ_j | variances, y] on the grid, equation (5)."""
        col, n = self._col, self._stats.n
        mean = col.w * self._stats.ybar + (1 - col.w) * col.mu_hat[..., None]
        var = col.w * self._sigma2[..., None] / n + (1 - col.w) ** 2 / col.mu_prec[..., None]
        return mean.reshape(-1, n.size), var.reshape(-1, n.size)

    def _unknown(self, name):
        return ValueError(f"unknown parameter {name!r}: use " + ", ".join(repr(k) for k in self._names))

    def _marginal(self, name):
        if name not in self._cache:
            W = self._weight.ravel()
            if name == "mu":
                self._cache[name] = _NormalMixture(W, self._col.mu_hat.ravel(),
                                                   1 / np.sqrt(self._col.mu_prec.ravel()))
            elif name == "theta":
                mean, var = self._theta_moments()
                self._cache[name] = [_NormalMixture(W, mean[:, j], np.sqrt(var[:, j]))
                                     for j in range(self._stats.n.size)]
            elif name in self._names:
                self._cache[name] = self._grid_marginal(name)
            else:
                raise self._unknown(name)
        return self._cache[name]

    def mean(self, name: str):
        """Posterior mean: "theta" gives an array of J. inf for a variance whose
        posterior tail is too heavy for a finite mean."""
        if name == "theta":
            mean, _ = self._theta_moments()
            return self._weight.ravel() @ mean
        return self._marginal(name).mean

    def sd(self, name: str):
        """Posterior standard deviation, same names as :meth:`mean`."""
        if name == "theta":
            mean, var = self._theta_moments()
            W = self._weight.ravel()
            return np.sqrt(W @ (var + (mean - W @ mean) ** 2))
        return self._marginal(name).sd

    def cdf(self, name: str, x):
        """P(parameter ≤ x | y), elementwise in x. For "theta", one column per group."""
        m = self._marginal(name)
        if name == "theta":
            return np.stack([mj.cdf(x) for mj in m], axis=-1)
        return m.cdf(x)

    def quantile(self, name: str, q):
        """Posterior q-quantile(s), 0 < q < 1. For "theta", one column per group."""
        q = _check_q(q)
        m = self._marginal(name)
        if name == "theta":
            return np.stack([mj.quantile(q) for mj in m], axis=-1)
        return m.quantile(q)

    def shrinkage_weight(self) -> np.ndarray:
        """E[w_j | y], w_j = (n_j/σ²)/(n_j/σ² + 1/τ²): the weight of group j's own mean
        in E[θ_j | ...] (1: no pooling, 0: complete pooling). Array of J."""
        return self._weight.ravel() @ self._col.w.reshape(-1, self._stats.n.size)


class ExactHierarchical(_Model3Posterior):
    """Posterior of Model 3 (θ_1..θ_J, μ, σ², τ²) on a grid over (log σ, t(τ)).

    ``mean(name)`` and ``sd(name)`` for "theta" (array of J), "mu", "sigma2",
    "tau2"; ``cdf`` and ``quantile`` for the same names ("theta" gives one value
    per group, on a trailing axis). Also :meth:`tau_density`,
    :meth:`conditional_theta_mean`, :meth:`given_tau` and :meth:`shrinkage_weight`.
    Built by :func:`hierarchical`.
    """

    def __init__(self, data: GroupedData, mu_prior, sigma2_prior, tau2_prior, n_sigma, n_tau):
        self.data = data
        self.mu_prior, self.sigma2_prior, self.tau2_prior = mu_prior, sigma2_prior, tau2_prior
        self._stats = stats = _Stats(n=data.n.astype(float), ybar=data.means.astype(float),
                                     ss_within=float(data.ss.sum()))
        self._cache = {}
        self._sigma_hat, c = _scales(stats, data)
        self._axis = axis = _TauAxis(tau2_prior, c)

        s_top = math.log(_sd_upper(sigma2_prior))
        s0 = min(math.log(self._sigma_hat), s_top - 1)
        sigma_weight = _sigma_weight(s0)

        def log_weight(s, t):   # (1 + σ²/σ̂²)² (1 + τ²/c²)²: the grid also covers E[σ⁴] and E[τ⁴]
            with np.errstate(divide="ignore"):
                log_tau_over_c = np.log(axis.tau(t) / c)
            return sigma_weight(s) + 2 * np.logaddexp(0, 2 * log_tau_over_c)

        box = _mass_box(self._log_density_st, [(s0 - 1, min(s0 + 1, s_top)), axis.start],
                        [(-math.inf, s_top), axis.hard], what="(sigma, tau)", log_weight=log_weight)
        s = np.linspace(*box[0], n_sigma)
        t = np.linspace(*box[1], n_tau)
        S, T = np.meshgrid(s, t, indexing="ij")
        self._sigma2 = np.exp(2 * S)
        self._col = _collapse(self._sigma2, axis.tau(T) ** 2, stats, mu_prior)
        lp = self._log_prior_and_jacobian(S, T) + self._col.loglik
        self._log_top = lp.max()
        weight = np.outer(_simpson_weights(s), _simpson_weights(t)) * np.exp(lp - self._log_top)
        self._log_norm = math.log(weight.sum())
        self._weight = weight / weight.sum()
        self._s, self._t, self._n_sigma = s, t, n_sigma

    # ---------------------------------------------------------------- densities
    def _log_prior_and_jacobian(self, s, t):
        """log p(σ) + log p(τ) + log dσ/ds + log dτ/dt at s = log σ and grid variable t."""
        return (_log_prior_sd(self.sigma2_prior, np.exp(s)) + s
                + _log_prior_sd(self.tau2_prior, self._axis.tau(t)) + self._axis.log_jacobian(t))

    def _log_density_st(self, s, t):
        """log p(s, t | y) + const: equation (4) with the Jacobians of s and t."""
        col = _collapse(np.exp(2 * s), self._axis.tau(t) ** 2, self._stats, self.mu_prior)
        return self._log_prior_and_jacobian(s, t) + col.loglik

    def _grid_marginal(self, name):
        W = self._weight
        if name == "sigma2":   # marginal density in s: sum over t, undo the s-weights
            s, s_top = self._s, math.log(_sd_upper(self.sigma2_prior))
            return _GridMarginal(s, W.sum(axis=1) / _simpson_weights(s), lambda s: np.exp(2 * s),
                                 lambda v: 0.5 * np.log(v), open_top=s[-1] < s_top)
        t, axis = self._t, self._axis
        return _GridMarginal(t, W.sum(axis=0) / _simpson_weights(t), lambda t: axis.tau(t) ** 2,
                             lambda v: axis.t(np.sqrt(v)), open_top=t[-1] < axis.hard[1])

    # ---------------------------------------------------------------- τ
    def tau_density(self, tau=None):
        """Posterior density of τ (the sd between groups), for plotting.

        Returns (tau, density). Without ``tau``, 401 points from 0 to the 99.5%
        posterior quantile of τ. Each density value is the exact integral over σ
        at that τ (not an interpolation).
        """
        if tau is None:
            tau = np.linspace(0.0, math.sqrt(float(self.quantile("tau2", 0.995))), 401)
        tau = np.asarray(tau, dtype=float)
        if tau.ndim != 1 or not np.all(tau >= 0) or not np.all(np.isfinite(tau)):
            raise ValueError(f"tau must be a 1-D array of finite values ≥ 0, got {_describe(tau)}")
        s = self._s
        S, TAU = np.meshgrid(s, tau, indexing="ij")
        col = _collapse(np.exp(2 * S), TAU**2, self._stats, self.mu_prior)
        # the joint density in (s, τ): as in (s, t), without the Jacobian dτ/dt
        lp = (_log_prior_sd(self.sigma2_prior, np.exp(S)) + S
              + _log_prior_sd(self.tau2_prior, TAU) + col.loglik)
        return tau, _simpson_weights(s) @ np.exp(lp - self._log_top - self._log_norm)

    def log_density_sd(self, sigma, tau) -> np.ndarray:
        """log p(σ, τ | y), the posterior density of the two sds (normalised on this grid), at arrays
        ``sigma`` > 0 and ``tau`` ≥ 0 that broadcast; θ and μ integrated out.

        With flat priors on σ and τ and a vague normal prior on μ (the defaults), this is, up to a
        constant, the REML log-likelihood of the one-way random-effects model, so its maximum
        (:meth:`mode_sd`) is REML's estimate (notebook 09).
        """
        sigma, tau = np.broadcast_arrays(np.asarray(sigma, dtype=float), np.asarray(tau, dtype=float))
        if not (np.all(np.isfinite(sigma)) and np.all(np.isfinite(tau)) and np.all(sigma > 0) and np.all(tau >= 0)):
            raise ValueError(f"log_density_sd: sigma must be > 0 and tau >= 0, finite; got sigma {_describe(sigma)}, "
                             f"tau {_describe(tau)}")
        col = _collapse(sigma**2, tau**2, self._stats, self.mu_prior)
        return (_log_prior_sd(self.sigma2_prior, sigma) + _log_prior_sd(self.tau2_prior, tau) + col.loglik
                - self._log_top - self._log_norm)

    def mode_sd(self) -> tuple[float, float]:
        """(σ, τ) where p(σ, τ | y) is highest: the joint posterior mode of the two sds.

        Found from the best point of the grid by bounded optimisation; τ = 0 when the highest
        density lies on that boundary (as REML's estimate of τ does on such data).
        """
        from scipy.optimize import minimize

        sigma_grid = np.exp(self._s)
        tau_grid = self._axis.tau(self._t)
        S, T = np.meshgrid(sigma_grid, tau_grid, indexing="ij")
        start = np.unravel_index(np.argmax(self.log_density_sd(S, T)), S.shape)
        top = min(_sd_upper(self.sigma2_prior), _sd_upper(self.tau2_prior))
        best = minimize(lambda x: -float(self.log_density_sd(x[0], x[1])),
                        x0=[S[start], T[start]], method="L-BFGS-B",
                        bounds=[(1e-9 * sigma_grid[0], top), (0.0, top)], options={"ftol": 1e-15, "gtol": 1e-10})
        return float(best.x[0]), float(best.x[1])

    def conditional_theta_mean(self, tau) -> np.ndarray:
        """E[θ_j | τ, y] for each τ given: μ and σ integrated out, τ held fixed.

        τ = 0 is complete pooling (every θ_j equal to the pooled estimate), τ = inf
        is no pooling (θ_j = ȳ_j); in between is the hierarchical model with that
        τ. Returns an array of shape (len(tau), J). The prior on τ plays no part.
        """
        tau = np.atleast_1d(np.asarray(tau, dtype=float))
        if tau.ndim != 1 or not np.all(tau >= 0):   # NaN fails the comparison too
            raise ValueError(f"tau must be a 1-D array of values ≥ 0 (inf allowed), got {_describe(tau)}")
        out = np.tile(self._stats.ybar, (tau.size, 1))   # τ = ∞: each group on its own
        finite = np.isfinite(tau)
        if finite.any():
            _, W, col = _sigma_given_tau(tau[finite], self._stats, self.mu_prior, self.sigma2_prior,
                                         self._sigma_hat, self._n_sigma)
            mean = col.w * self._stats.ybar + (1 - col.w) * col.mu_hat[..., None]   # equation (5)
            out[finite] = np.einsum("st,stj->tj", W, mean)
        return out

    def given_tau(self, tau, *, n_sigma: int = 201) -> "ExactGivenTau":
        """This model with τ held at ``tau``: :func:`hierarchical_given_tau` with the same
        priors on μ and σ²."""
        return hierarchical_given_tau(self.data, tau, mu_prior=self.mu_prior,
                                      sigma2_prior=self.sigma2_prior, n_sigma=n_sigma)

    def __repr__(self):
        return (f"ExactHierarchical({self.data!r}: E[mu]={self.mean('mu'):.4g}, "
                f"E[sigma2]={self.mean('sigma2'):.4g}, E[tau2]={self.mean('tau2'):.4g})")


class ExactGivenTau(_Model3Posterior):
    """Posterior of Model 3 with τ held fixed: θ_1..θ_J, μ and σ² given τ and y.

    The same names and methods as :class:`ExactHierarchical` except "tau2" (τ is
    not a parameter here). Built by :func:`hierarchical_given_tau`; what the
    shrinkage explorer shows when τ is fixed.
    """

    _names = ("theta", "mu", "sigma2")

    def __init__(self, data: GroupedData, tau: float, mu_prior, sigma2_prior, n_sigma):
        self.data, self.tau = data, tau
        self.mu_prior, self.sigma2_prior = mu_prior, sigma2_prior
        self._stats = stats = _Stats(n=data.n.astype(float), ybar=data.means.astype(float),
                                     ss_within=float(data.ss.sum()))
        self._cache = {}
        sigma_hat, _ = _scales(stats, data)
        s, W, col = _sigma_given_tau(np.array([tau]), stats, mu_prior, sigma2_prior, sigma_hat, n_sigma)
        self._s, self._weight = s, W[:, 0]
        self._col = _Collapsed(loglik=col.loglik[:, 0], mu_hat=col.mu_hat[:, 0],
                               mu_prec=col.mu_prec[:, 0], w=col.w[:, 0])
        self._sigma2 = np.exp(2 * s)

    def _grid_marginal(self, name):   # only "sigma2" gets here
        s, s_top = self._s, math.log(_sd_upper(self.sigma2_prior))
        return _GridMarginal(s, self._weight / _simpson_weights(s), lambda s: np.exp(2 * s),
                             lambda v: 0.5 * np.log(v), open_top=s[-1] < s_top)

    def __repr__(self):
        return (f"ExactGivenTau(tau={self.tau:g}, {self.data!r}: E[mu]={self.mean('mu'):.4g}, "
                f"E[sigma2]={self.mean('sigma2'):.4g})")


def hierarchical(data, *, mu_prior=Normal(0, 1000**2), sigma2_prior=UniformSD(1000),
                 tau2_prior=UniformSD(1000), n_sigma: int = 121, n_tau: int = 241) -> ExactHierarchical:
    """Model 3 by integration: θ_j and μ analytically, (σ, τ) on an n_sigma × n_tau grid.

    See the module docstring for the derivation. The defaults are the lecture's priors.
    """
    data = require_grouped(data, "exact.hierarchical")
    _check_prior("hierarchical", "mu_prior", mu_prior, (Normal,))
    _check_prior("hierarchical", "sigma2_prior", sigma2_prior, _VARIANCE_PRIORS)
    _check_prior("hierarchical", "tau2_prior", tau2_prior, _VARIANCE_PRIORS)
    n_sigma = _check_grid_size("hierarchical", "n_sigma", n_sigma, 21)
    n_tau = _check_grid_size("hierarchical", "n_tau", n_tau, 21)
    _check_two_groups("hierarchical", data)
    return ExactHierarchical(data, mu_prior, sigma2_prior, tau2_prior, n_sigma, n_tau)


def hierarchical_given_tau(data, tau, *, mu_prior=Normal(0, 1000**2), sigma2_prior=UniformSD(1000),
                           n_sigma: int = 201) -> ExactGivenTau:
    """Model 3 with τ held at ``tau`` (a number ≥ 0): μ and θ_j analytically, σ on a
    1-D grid of ``n_sigma`` points. τ = 0 is complete pooling.

    Averaging these posteriors over p(τ | y) gives Model 3 (:func:`hierarchical`).
    """
    data = require_grouped(data, "exact.hierarchical_given_tau")
    if (isinstance(tau, bool) or not isinstance(tau, (int, float, np.integer, np.floating))
            or not math.isfinite(tau) or tau < 0):
        raise ValueError(f"exact.hierarchical_given_tau: tau must be a finite number ≥ 0, got {tau!r}")
    _check_prior("hierarchical_given_tau", "mu_prior", mu_prior, (Normal,))
    _check_prior("hierarchical_given_tau", "sigma2_prior", sigma2_prior, _VARIANCE_PRIORS)
    n_sigma = _check_grid_size("hierarchical_given_tau", "n_sigma", n_sigma, 21)
    _check_two_groups("hierarchical_given_tau", data)
    return ExactGivenTau(data, float(tau), mu_prior, sigma2_prior, n_sigma)
