"""Models 1 and 2: the posterior of (θ, σ²) for one normal sample, on a grid in log σ."""

from __future__ import annotations

import math

import numpy as np

from teachkit.data import GroupedData, require_grouped
from teachkit.exact._args import _check_grid_size, _check_prior, _describe, _VARIANCE_PRIORS
from teachkit.exact._quadrature import (
    _check_q, _collapse, _GridMarginal, _log_prior_sd, _mass_box, _NormalMixture, _sd_upper,
    _sigma_weight, _simpson_weights, _Stats,
)
from teachkit.priors import InverseGamma, Normal


class ExactPosterior:
    """Posterior of (θ, σ²) for one normal sample (Model 1, or one group of Model 2).

    ``mean``, ``sd``, ``cdf``, ``quantile`` and ``density`` take the name
    "theta" or "sigma2". Built by :func:`complete_pooling` or :func:`no_pooling`.
    """

    def __init__(self, n, ybar, ss, theta_prior, sigma2_prior, *, label=None, n_grid=801):
        self.n, self.ybar, self.ss, self.label = int(n), float(ybar), float(ss), label
        self.theta_prior, self.sigma2_prior = theta_prior, sigma2_prior
        stats = _Stats(n=np.array([float(n)]), ybar=np.array([float(ybar)]), ss_within=float(ss))
        self._stats = stats

        # start from the sample sd (or anything positive when there is no spread)
        if n > 1 and ss > 0:
            sd_guess = math.sqrt(ss / (n - 1))
        else:
            sd_guess = max(abs(ybar - theta_prior.mean), 1.0)
        s_top = math.log(_sd_upper(sigma2_prior))
        center = min(math.log(sd_guess), s_top - 1)
        what = "sigma2" if label is None else f"sigma2 in group {label!r}"
        (lo, hi), = _mass_box(self._log_density_s, [(center - 1, min(center + 1, s_top))],
                              [(-math.inf, s_top)], what=what, log_weight=_sigma_weight(center))

        s = np.linspace(lo, hi, n_grid)
        lp = self._log_density_s(s)
        self._log_top = lp.max()
        dens = np.exp(lp - self._log_top)
        self._log_norm = math.log(_simpson_weights(s) @ dens)

        self._sigma2 = _GridMarginal(s, dens, to_value=lambda s: np.exp(2 * s),
                                     from_value=lambda v: 0.5 * np.log(v), open_top=hi < s_top)
        col = _collapse(np.exp(2 * s), 0.0, stats, theta_prior)          # equation (2)
        self._theta = _NormalMixture(_simpson_weights(s) * dens, col.mu_hat, 1 / np.sqrt(col.mu_prec))

    def _log_density_s(self, s):
        """log p(s | y) + const, s = log σ: equation (1) times the Jacobian dσ/ds = σ."""
        col = _collapse(np.exp(2 * s), 0.0, self._stats, self.theta_prior)
        return _log_prior_sd(self.sigma2_prior, np.exp(s)) + s + col.loglik

    def _marginal(self, name):
        if name == "theta":
            return self._theta
        if name == "sigma2":
            return self._sigma2
        raise ValueError(f"unknown parameter {name!r}: use 'theta' or 'sigma2'")

    def mean(self, name: str) -> float:
        """Posterior mean of "theta" or "sigma2" (inf if the tail is too heavy for a finite mean)."""
        return self._marginal(name).mean

    def sd(self, name: str) -> float:
        """Posterior standard deviation of "theta" or "sigma2"."""
        return self._marginal(name).sd

    def cdf(self, name: str, x):
        """P(parameter ≤ x | y), elementwise in x."""
        return self._marginal(name).cdf(x)

    def quantile(self, name: str, q):
        """The q-quantile(s) of the posterior, 0 < q < 1 (e.g. 0.5 for the median)."""
        return self._marginal(name).quantile(_check_q(q))

    def density(self, name: str, x):
        """Posterior density at x: of θ, or of the variance σ² (not of log σ²)."""
        x = np.asarray(x, dtype=float)
        if name == "theta":
            return self._theta.pdf(x)
        self._marginal(name)  # checks the name
        with np.errstate(divide="ignore", invalid="ignore"):
            s = 0.5 * np.log(np.where(x > 0, x, np.nan))
            dens_s = np.exp(self._log_density_s(s) - self._log_top - self._log_norm)
        return np.where(x > 0, np.nan_to_num(dens_s / (2 * x)), 0.0)   # dσ²/ds = 2σ²

    def __repr__(self):
        where = "" if self.label is None else f"group {self.label!r}, "
        return (f"ExactPosterior({where}n={self.n}: E[theta]={self.mean('theta'):.4g}, "
                f"E[sigma2]={self.mean('sigma2'):.4g})")


def complete_pooling(data_or_values, *, theta_prior=Normal(0, 1000**2),
                     sigma2_prior=InverseGamma(0.01, 0.01), n_grid: int = 801) -> ExactPosterior:
    """Model 1 by integration: all values one sample, y_i ~ N(θ, σ²).

    ``data_or_values`` is a GroupedData (the groups are ignored) or a 1-D array of
    numbers. ``n_grid`` is the number of grid points in log σ.
    """
    if isinstance(data_or_values, GroupedData):
        values = np.asarray(data_or_values.values, dtype=float)
    else:
        try:
            values = np.asarray(data_or_values, dtype=float)
        except (TypeError, ValueError):
            values = None
        if values is None or values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
            raise ValueError(
                "exact.complete_pooling: data_or_values must be a teachkit.GroupedData or a "
                f"non-empty 1-D array of finite numbers, got {_describe(data_or_values)}"
            )
    _check_prior("complete_pooling", "theta_prior", theta_prior, (Normal,))
    _check_prior("complete_pooling", "sigma2_prior", sigma2_prior, _VARIANCE_PRIORS)
    n_grid = _check_grid_size("complete_pooling", "n_grid", n_grid, 21)
    ybar = values.mean()
    return ExactPosterior(values.size, ybar, float(((values - ybar) ** 2).sum()),
                          theta_prior, sigma2_prior, n_grid=n_grid)


def no_pooling(data, *, theta_prior=Normal(0, 1000**2), sigma2_prior=InverseGamma(0.01, 0.01),
               n_grid: int = 801) -> list[ExactPosterior]:
    """Model 2 by integration: Model 1 for each group on its own; one ExactPosterior per group."""
    data = require_grouped(data, "exact.no_pooling")
    _check_prior("no_pooling", "theta_prior", theta_prior, (Normal,))
    _check_prior("no_pooling", "sigma2_prior", sigma2_prior, _VARIANCE_PRIORS)
    n_grid = _check_grid_size("no_pooling", "n_grid", n_grid, 21)
    return [ExactPosterior(data.n[j], data.means[j], data.ss[j], theta_prior, sigma2_prior,
                           label=data.labels[j], n_grid=n_grid) for j in range(data.J)]
