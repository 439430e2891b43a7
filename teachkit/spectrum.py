r"""The numbers behind the shrinkage explorer and the pooling spectrum: no widgets, no plotting.

Every number here comes from :mod:`teachkit.exact` (integration, no sampling), so
the explorer can never disagree with the notebooks that use the same functions.

* :func:`with_sample_size` — the data with one school's number of students changed
  while its sample mean and sd stay exactly what they were: only the *amount* of
  evidence changes.
* :func:`shrinkage_estimates` — per school: n, sample mean (the no-pooling
  estimate), the partial-pooling posterior mean with its 95% interval, and the
  shrinkage weight

  .. math:: w_j = \frac{n_j/\sigma^2}{n_j/\sigma^2 + 1/\tau^2},

  either with τ learned from the data (Model 3 with its prior on τ:
  :func:`teachkit.exact.hierarchical`) or with τ held fixed
  (:func:`teachkit.exact.hierarchical_given_tau`: σ integrated numerically, μ and
  the θ_j analytically).
* :func:`spectrum` — E[θ_j | τ, y] for a grid of τ, from complete pooling (τ → 0)
  to no pooling (τ → ∞).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from teachkit.data import GroupedData, require_grouped
from teachkit.priors import InverseGamma, Normal, UniformSD

__all__ = ["with_sample_size", "shrinkage_estimates", "ShrinkageEstimates", "spectrum",
           "FAST_GRID", "COLUMNS"]

#: Grid sizes of :mod:`teachkit.exact` used by the explorer, for speed: (n_sigma, n_tau).
#: On the homework data with school 5 given 1 to 200 students, under the lecture's
#: priors, U(0, 0.01 .. 0.5) and IG(0.001 .. 1, ...) priors on τ, a tight prior on μ, or
#: τ fixed, posterior means stay within 0.0004 h, interval ends within 0.0008 h and
#: weights within 0.0002 of the default grids' (tests/test_spectrum.py checks 0.01).
FAST_GRID = (41, 61)
#: The σ grid used when τ is fixed (1-D, cheap).
FAST_SIGMA_GRID = 101

#: The columns of a :func:`shrinkage_estimates` table, in order.
COLUMNS = ("n", "sample mean", "partial pooling", "95% low", "95% high", "weight")


def group_index(data, group) -> int:
    """The 0-based code of a group given by its label ("5") or, if an int, by that label too (5)."""
    require_grouped(data, "spectrum.group_index")
    label = str(group)
    if label not in data.labels:
        raise ValueError(f"no {data.group_name} {label!r}: the {data.group_name}s are {list(data.labels)}")
    return data.labels.index(label)


def with_sample_size(data, group, n) -> GroupedData:
    """A copy of ``data`` in which ``group`` (a label, e.g. "5") has ``n`` observations with
    exactly the same sample mean and sample sd as it has now.

    The new values are evenly spaced, rescaled to that mean and sd: they are not a
    simulation, only the sufficient statistics (n_j, ȳ_j, and the sum of squares
    (n_j − 1)·s_j²) matter to the models. With ``n = 1`` the group holds its mean alone
    (one value has no spread). A group with one observation has no sd; it keeps sd 0.
    """
    j = group_index(data, group)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"the sample size must be a whole number ≥ 1, got {n!r}")
    n = int(n)
    mean = float(data.means[j])
    sd = float(data.sds[j]) if np.isfinite(data.sds[j]) else 0.0
    if n == 1:
        values = np.array([mean])
    else:
        z = np.linspace(-1.0, 1.0, n)
        z = (z - z.mean()) / z.std(ddof=1)
        values = mean + sd * z
    return data.with_group(j, values)


@dataclass(frozen=True)
class ShrinkageEstimates:
    """The result of :func:`shrinkage_estimates`.

    ``table``: one row per group, columns :data:`COLUMNS`; ``mu``: the posterior mean
    of μ; ``tau``: the fixed τ, or None when τ was learned; ``tau_median``: the
    posterior median of τ when learned (None when fixed); ``exact``: the
    teachkit.exact object the numbers come from.
    """

    table: object
    mu: float
    tau: float | None
    tau_median: float | None
    exact: object

    @property
    def tau_mode(self) -> str:
        return "learned" if self.tau is None else "fixed"


def shrinkage_estimates(data, *, tau=None, mu_prior=Normal(0, 1000**2), sigma2_prior=UniformSD(1000),
                        tau2_prior=UniformSD(1000), fast=False) -> ShrinkageEstimates:
    """Each group's no-pooling and partial-pooling estimates, by exact integration.

    ``tau=None``: τ is learned, Model 3 with prior ``tau2_prior`` on τ
    (:func:`teachkit.exact.hierarchical`); the weight is the posterior mean of w_j.
    ``tau`` a number ≥ 0: τ is held there (:func:`teachkit.exact.hierarchical_given_tau`),
    ``tau2_prior`` is not used, and the weight is E[w_j | τ, y] (averaged over σ).
    The defaults are the lecture's priors. ``fast=True`` uses the explorer's coarser
    grids (:data:`FAST_GRID`), within 0.001 h of the default grids and about 5 times quicker.

    Returns a :class:`ShrinkageEstimates`; its ``table`` shows 2 decimals and keeps
    full precision.
    """
    import pandas as pd

    from teachkit import exact
    from teachkit._tables import RoundedFrame

    require_grouped(data, "spectrum.shrinkage_estimates")
    if tau is None:
        grid = dict(zip(("n_sigma", "n_tau"), FAST_GRID)) if fast else {}
        post = exact.hierarchical(data, mu_prior=mu_prior, sigma2_prior=sigma2_prior,
                                  tau2_prior=tau2_prior, **grid)
        tau_median = _tau_median(post)
    else:
        grid = {"n_sigma": FAST_SIGMA_GRID} if fast else {}
        post = exact.hierarchical_given_tau(data, tau, mu_prior=mu_prior, sigma2_prior=sigma2_prior, **grid)
        tau_median = None
    low, high = post.quantile("theta", [0.025, 0.975])
    table = pd.DataFrame({
        "n": data.n.astype(int),
        "sample mean": data.means.astype(float),
        "partial pooling": post.mean("theta"),
        "95% low": low,
        "95% high": high,
        "weight": post.shrinkage_weight(),
    }, index=pd.Index(list(data.labels), name=data.group_name))
    table = RoundedFrame.wrap(table, digits=2, formats={"weight": "{:.3f}"})
    return ShrinkageEstimates(table=table, mu=float(post.mean("mu")),
                              tau=None if tau is None else float(tau), tau_median=tau_median, exact=post)


def _tau_median(post) -> float:
    """The posterior median of τ: the square root of τ²'s (a monotone map keeps quantiles)."""
    return float(math.sqrt(float(post.quantile("tau2", 0.5))))


def spectrum(data, tau=None, *, mu_prior=Normal(0, 1000**2), sigma2_prior=UniformSD(1000)):
    """E[θ_j | τ, y] for each τ in ``tau`` (default: 121 points from 0.01 to 1000, log-spaced).

    Returns (tau, means) with ``means`` shaped (len(tau), J). Small τ: every group at
    the complete-pooling estimate; large τ: every group at its own sample mean.
    """
    from teachkit import exact

    require_grouped(data, "spectrum.spectrum")
    tau = np.logspace(-2, 3, 121) if tau is None else np.asarray(tau, dtype=float)
    post = exact.hierarchical(data, mu_prior=mu_prior, sigma2_prior=sigma2_prior)
    return tau, post.conditional_theta_mean(tau)


def tau_prior(family: str, *, upper=None, shape=None, scale=None):
    """The prior on τ² the explorer offers: "uniform" (τ ~ U(0, upper)) or
    "inverse-gamma" (τ² ~ IG(shape, scale))."""
    if family == "uniform":
        return UniformSD(upper)
    if family == "inverse-gamma":
        return InverseGamma(shape, scale)
    raise ValueError(f"unknown prior family {family!r}: use 'uniform' or 'inverse-gamma'")
