"""The numerical machinery shared by all three models: priors as densities of an sd, the
likelihood with μ integrated out, Simpson's rule on grids found from the data, and the
1-D marginals that answer mean, sd, quantile and density (see the package docstring)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from teachkit.priors import Normal, UniformSD


DROP = 40.0          # the grid covers where log density > max − DROP (e^-40 ≈ 4e-18)
MOMENT_DROP = 20.0   # ... and where log(density × moment weight) > its max − MOMENT_DROP
_LOG_LIMIT = 300.0   # |log σ| or t beyond this: the mass cannot be located (improper posterior)


def _log_prior_sd(prior, sd):
    """log p(sd) for a prior given on the variance: p(sd) = p(sd²)·2·sd.

    For sd ~ U(0, U) this is −log U on [0, U], including both ends, so a grid may
    start at τ = 0 and end at the bound. A grid point meant to be the bound may
    come out a rounding error above it (c·sinh(asinh(U/c)) need not be U): it
    still counts as inside, or the quadrature would lose the whole last cell.
    """
    sd = np.asarray(sd, dtype=float)
    if isinstance(prior, UniformSD):
        inside = (sd >= 0) & (sd <= prior.upper * (1 + 1e-12))
        return np.where(inside, -math.log(prior.upper), -np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = prior.logpdf(sd**2) + math.log(2.0) + np.log(sd)
    return np.where(sd > 0, out, -np.inf)


def _sd_upper(prior) -> float:
    """Largest sd the prior allows (inf for an inverse-gamma)."""
    return prior.upper if isinstance(prior, UniformSD) else math.inf


@dataclass(frozen=True)
class _Stats:
    """Sufficient statistics: per group n_j and ȳ_j, and the pooled within sum of squares."""

    n: np.ndarray      # (J,)
    ybar: np.ndarray   # (J,)
    ss_within: float   # Σ_j ss_j


@dataclass(frozen=True)
class _Collapsed:
    """Equations (3)-(5) of the module docstring, evaluated on a grid of (σ², τ²)."""

    loglik: np.ndarray   # log p(y | σ², τ²) with θ and μ integrated out, up to a constant
    mu_hat: np.ndarray   # E[μ | σ², τ², y]
    mu_prec: np.ndarray  # P = 1 / Var[μ | σ², τ², y]
    w: np.ndarray        # shrinkage weights w_j, trailing axis of length J


def _collapse(sigma2, tau2, stats: _Stats, mu_prior: Normal) -> _Collapsed:
    """θ_j and μ integrated out analytically, for arrays ``sigma2`` and ``tau2`` that broadcast.

    With tau2 = 0 and one group this is Model 1's marginal (1)-(2): θ = μ.
    """
    sigma2 = np.asarray(sigma2, dtype=float)[..., None]
    tau2 = np.asarray(tau2, dtype=float)[..., None]
    n, ybar = stats.n, stats.ybar
    m0, v0 = mu_prior.mean, mu_prior.var
    N, J = n.sum(), n.size

    # Measure every mean from one data value: the weighted sum of squares does not
    # change, and with one group (or equal group means) ȳ_j − μ̂ stays exact even when
    # V_j is tiny and 1/V_j huge, instead of being rounding noise times 1/V_j.
    origin = ybar[0]
    d, d0 = ybar - origin, m0 - origin

    V = sigma2 / n + tau2                        # Var(ȳ_j | μ, σ², τ²)
    P = 1 / v0 + (1 / V).sum(axis=-1)            # precision of μ | σ², τ², y
    mu_hat = (d0 / v0 + (d / V).sum(axis=-1)) / P   # E[μ | σ², τ², y] − origin
    spread = ((d - mu_hat[..., None]) ** 2 / V).sum(axis=-1) + (d0 - mu_hat) ** 2 / v0
    mu_hat = mu_hat + origin
    sigma2, tau2 = sigma2[..., 0], tau2[..., 0]
    loglik = (-(N - J) / 2 * np.log(2 * np.pi * sigma2) - stats.ss_within / (2 * sigma2)
              - 0.5 * np.log(2 * np.pi * V).sum(axis=-1) - 0.5 * np.log(v0 * P) - 0.5 * spread)
    # w_j = τ²/(τ² + σ²/n_j), written so that τ = ∞ gives 1 rather than inf/inf
    with np.errstate(divide="ignore"):
        w = 1 / (1 + sigma2[..., None] / (n * tau2[..., None]))
    return _Collapsed(loglik=loglik, mu_hat=mu_hat, mu_prec=P, w=w)


def _simpson_weights(x: np.ndarray) -> np.ndarray:
    """Composite Simpson weights for an evenly spaced grid with an odd number of points."""
    h = x[1] - x[0]
    w = np.full(x.size, 2.0)
    w[1::2] = 4.0
    w[0] = w[-1] = 1.0
    return w * h / 3


def _mass_box(log_density, box, hard, *, what: str, log_weight=None, n: int = 65):
    """Find a box that holds all the posterior mass of ``log_density``.

    ``box`` is one starting [lo, hi] per grid axis, ``hard`` one (lo, hi) pair of
    limits the box may not cross (a prior's bound, or t = 0). ``log_density`` takes
    one meshgrid array per axis and returns the log density on it, possibly with a
    trailing batch axis of separate densities (then the box holds all of them).

    The box holds every point where the density is within DROP of its maximum.
    With ``log_weight`` (the log of a weight such as (1 + σ²/σ̂²)²) it also holds
    every point where density × weight is within MOMENT_DROP of *its* maximum, so
    that posterior means and sds, whose integrands have heavier tails than the
    density, are computed over their whole range too. That second rule stops
    where the density is 2·DROP below its peak, so an infinite moment cannot pull
    the box out forever (:func:`_moment` then reports it as inf).

    A coarse grid is evaluated repeatedly: a side whose edge is still inside is
    pushed out (doubling the width), and, once nothing needs to grow, a side with
    a wide empty margin is pulled in.
    """
    box = [[float(lo), float(hi)] for lo, hi in box]
    dims = len(box)
    shrinks_left = 3
    for _ in range(200):
        axes = [np.linspace(lo, hi, n) for lo, hi in box]
        mesh = np.meshgrid(*axes, indexing="ij")
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            lp = np.asarray(log_density(*mesh), dtype=float)
        if lp.ndim == dims:
            lp = lp[..., None]
        lp = np.where(np.isnan(lp), -np.inf, lp)
        grid_axes = tuple(range(dims))
        top = lp.max(axis=grid_axes, keepdims=True)
        lost = not np.all(np.isfinite(top))   # the box missed the mass: search outward everywhere
        # (>= so that the maximum itself counts even where top − DROP rounds to top)
        above = np.ones(lp.shape, dtype=bool) if lost else lp >= top - DROP
        if log_weight is not None and not lost:
            lw = log_weight(*mesh).reshape(lp.shape[:dims] + (1,))
            weighted = np.where(lp >= top - 2 * DROP, lp + lw, -np.inf)
            above |= weighted >= weighted.max(axis=grid_axes, keepdims=True) - MOMENT_DROP
        grow, trim = [], []
        for d, (lo, hi) in enumerate(box):
            others = tuple(i for i in range(lp.ndim) if i != d)
            inside = np.flatnonzero(above.any(axis=others))
            first, last = inside[0], inside[-1]
            width = hi - lo
            new_lo = max(lo - width, hard[d][0]) if first == 0 and lo > hard[d][0] else lo
            new_hi = min(hi + width, hard[d][1]) if last == n - 1 and hi < hard[d][1] else hi
            grow.append([new_lo, new_hi])
            margin = n // 8
            trim.append([axes[d][first - 1] if first > margin else lo,
                         axes[d][last + 1] if last < n - 1 - margin else hi])
        if grow != box:
            box = grow
            if max(abs(v) for side in box for v in side) > _LOG_LIMIT:
                raise ValueError(
                    f"cannot locate the posterior mass of {what}: it spreads without bound, "
                    "so the posterior looks improper (e.g. all values of a group are equal and "
                    "the prior on the variance is uniform on the sd)"
                )
        elif lost:
            raise ValueError(f"the posterior density of {what} is zero everywhere the priors allow")
        elif trim != box and shrinks_left > 0:
            box, shrinks_left = trim, shrinks_left - 1
        else:
            return box
    raise RuntimeError(f"grid search for {what} did not settle")  # not reached in practice


def _sigma_weight(s0):
    """log (1 + σ²/σ̂²)² as a function of s = log σ, with σ̂ = e^s0: the moment weight
    that lets a grid cover E[σ⁴] too (see :func:`_mass_box`)."""
    return lambda s: 2 * np.logaddexp(0, 2 * (s - s0))


def _ndtr(z):
    from scipy.special import ndtr  # imported on first use, to keep `import teachkit.exact` light

    return ndtr(z)


class _NormalMixture:
    """Σ_k weight_k N(mean_k, sd_k²): the posterior of a normal mean after the variances are integrated."""

    def __init__(self, weights, means, sds):
        keep = weights > weights.max() * 1e-20   # drop components that cannot change a digit
        self.weights = weights[keep] / weights[keep].sum()
        self.means, self.sds = means[keep], sds[keep]
        self.mean = float(self.weights @ self.means)
        self.sd = float(math.sqrt(self.weights @ (self.sds**2 + (self.means - self.mean) ** 2)))

    def _cdf_pdf(self, x: float):
        z = (x - self.means) / self.sds
        cdf = self.weights @ _ndtr(z)
        pdf = self.weights @ (np.exp(-0.5 * z**2) / self.sds) / math.sqrt(2 * math.pi)
        return float(cdf), float(pdf)

    def cdf(self, x):
        x = np.asarray(x, dtype=float)
        return np.array([self._cdf_pdf(xi)[0] for xi in x.ravel()]).reshape(x.shape)

    def pdf(self, x):
        x = np.asarray(x, dtype=float)
        return np.array([self._cdf_pdf(xi)[1] for xi in x.ravel()]).reshape(x.shape)

    def quantile(self, q):
        q = np.asarray(q, dtype=float)
        return np.array([self._quantile(float(qi)) for qi in q.ravel()]).reshape(q.shape)

    def _quantile(self, q):
        # Newton's method on cdf(x) = q, from the normal approximation. [lo, hi] always
        # holds the root; when a Newton step leaves it, bisect (or, while one side is
        # still open, step outward by a width that doubles each time).
        from scipy.special import ndtri

        x = self.mean + self.sd * float(ndtri(q))
        lo, hi, width = -math.inf, math.inf, self.sd
        for _ in range(200):
            F, f = self._cdf_pdf(x)
            if F < q:
                lo = x
            else:
                hi = x
            x_new = x - (F - q) / f if f > 0 else math.nan
            if abs(x_new - x) <= 1e-13 * max(abs(x), self.sd):
                return x_new
            if not lo < x_new < hi:
                if math.isinf(lo) or math.isinf(hi):
                    x_new = x + width if F < q else x - width
                    width *= 2
                else:
                    x_new = 0.5 * (lo + hi)
            x = x_new
        return x


class _GridMarginal:
    """A posterior given by its density on an even grid of a variable x (s or t), and
    a monotone map ``to_value`` from x to the parameter (σ² = e^{2s}, τ² = τ(t)²).

    The CDF at the nodes is integrated with a 4th-order rule, and between nodes it
    is the cubic matching the CDF and the density at both ends (Hermite).

    ``open_top``: the grid's upper end is where the density became negligible, not
    a prior's bound. Then the mean and sd are checked for a tail that the grid
    did not finish (see :func:`_moment`).
    """

    def __init__(self, x, density, to_value, from_value, *, open_top=True):
        self.x, self.to_value, self.from_value = x, to_value, from_value
        self.h = x[1] - x[0]
        f = np.asarray(density, dtype=float)
        # ∫ over [x_k, x_k+1] of the cubic through 4 neighbours: h/24 (−f_k−1 + 13 f_k + 13 f_k+1 − f_k+2);
        # one ghost point at each end by quadratic extrapolation.
        ghost_lo = 3 * f[0] - 3 * f[1] + f[2]
        ghost_hi = 3 * f[-1] - 3 * f[-2] + f[-3]
        g = np.concatenate([[ghost_lo], f, [ghost_hi]])
        pieces = self.h / 24 * (-g[:-3] + 13 * g[1:-2] + 13 * g[2:-1] - g[3:])
        F = np.concatenate([[0.0], np.cumsum(pieces)])
        total = F[-1]
        self.F, self.f = F / total, f / total
        weights = _simpson_weights(x)
        values = to_value(x)
        self.mean = _moment(self.f * values, weights, open_top)
        if math.isinf(_moment(self.f * values**2, weights, open_top)):
            self.sd = math.inf
        else:
            self.sd = float(math.sqrt(weights @ (self.f * (values - self.mean) ** 2)))

    def _cdf_x(self, x):
        k = np.clip(np.searchsorted(self.x, x, side="right") - 1, 0, self.x.size - 2)
        u = (x - self.x[k]) / self.h
        h00, h10 = 2 * u**3 - 3 * u**2 + 1, u**3 - 2 * u**2 + u
        h01, h11 = -2 * u**3 + 3 * u**2, u**3 - u**2
        F = (h00 * self.F[k] + h01 * self.F[k + 1]
             + self.h * (h10 * self.f[k] + h11 * self.f[k + 1]))
        return np.where(x <= self.x[0], 0.0, np.where(x >= self.x[-1], 1.0, np.clip(F, 0, 1)))

    def cdf(self, value):
        value = np.asarray(value, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = self.from_value(np.maximum(value, 0))
            return np.where(value <= 0, 0.0, self._cdf_x(x))

    def quantile(self, q):
        q = np.asarray(q, dtype=float)
        out = []
        for qi in q.ravel():
            k = int(np.clip(np.searchsorted(self.F, qi) - 1, 0, self.x.size - 2))
            lo, hi = self.x[k], self.x[k + 1]
            for _ in range(60):   # bisection inside one grid cell: 2^-60 of a cell
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if self._cdf_x(mid) < qi else (lo, mid)
            out.append(0.5 * (lo + hi))
        return self.to_value(np.array(out)).reshape(q.shape)


def _moment(integrand, weights, open_top):
    """∫ integrand by the quadrature ``weights``, or inf if its tail is unfinished.

    The grid ends where the density is e^-DROP of its peak, but value × density
    falls off more slowly. Past the end, assume the integrand keeps shrinking by
    the factor r of the last grid step: the part beyond is about
    integrand[-1]·h·r/(1 − r). If it is not shrinking, or that part is above 1e-6
    of the total, the moment is infinite or too large to pin down (e.g. E[σ²] for
    a group of one value under IG(0.01, 0.01): the tail falls like (σ²)^-1.51).
    """
    total = float(weights @ integrand)
    if open_top:
        r = integrand[-1] / integrand[-2]
        h = weights[0] * 3   # Simpson's end weight is h/3
        if not r < 1 or integrand[-1] * h * r / (1 - r) > 1e-6 * total:
            return math.inf
    return total


def _check_q(q):
    q = np.asarray(q, dtype=float)
    if not np.all((q > 0) & (q < 1)):
        raise ValueError(f"q must be probabilities strictly between 0 and 1, got {q}")
    return q
