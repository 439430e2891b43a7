r"""Posteriors of the lecture's models by deterministic integration: no sampling.

What this module is for
-----------------------
A Gibbs sampler is only trusted once it has been checked against the right answer.
Here the right answer is computed a second way, by numerical integration, so the
tests can require that sampler means and quantiles fall within a few Monte Carlo
standard errors of it, and a notebook can put the two side by side. The results
are accurate to about 1e-7 relative for means and sds and 1e-5 for quantiles
(tests/test_exact.py checks them against brute-force grids), and one call takes
a few milliseconds (Model 3: about 10 ms for the lecture's 8 schools).

    exact.complete_pooling(data_or_values)   Model 1 -> ExactPosterior
    exact.no_pooling(data)                   Model 2 -> list of ExactPosterior, one per group
    exact.hierarchical(data)                 Model 3 -> ExactHierarchical
    exact.hierarchical_given_tau(data, tau)  Model 3 with τ fixed -> ExactGivenTau

Each result has .mean(name), .sd(name), .cdf(name, x) and .quantile(name, q);
the defaults are the lecture's priors. Only numpy is imported with the module;
scipy.special (the normal CDF) is imported on first use.

The trick: integrate out in closed form whatever is normal
----------------------------------------------------------
All three models have normal means (θ, θ_j, μ) with normal priors. Given the
variances, a normal mean is exactly normal a posteriori, so it can be integrated
out with pencil and paper. What remains is a one- or two-dimensional integral
over variances, which a fine grid does accurately.

Two facts do all the work. For n values with mean ȳ and sum of squares
ss = Σ_i (y_i − ȳ)² about it,

  (A)  Σ_i (y_i − θ)² = ss + n (ȳ − θ)²,

so, as a function of θ, the likelihood of the n values is a normal kernel in θ
centred at ȳ with variance σ²/n. And for any normal kernel,

  (B)  ∫ N(x | θ, a) N(θ | m, b) dθ = N(x | m, a + b),

the sum of two independent normals is normal with the variances added.

Models 1 and 2: θ out, then a 1-D grid over σ
---------------------------------------------
Model 1: y_i ~ N(θ, σ²), i = 1..n;  θ ~ N(m0, v0);  σ² ~ p(σ²).
By (A),

    Π_i N(y_i | θ, σ²) = (2πσ²)^(−(n−1)/2) n^(−1/2) exp(−ss/(2σ²)) · N(ȳ | θ, σ²/n),

and by (B) the θ-integral of the last factor against the prior gives

    p(σ² | y) ∝ p(σ²) (2πσ²)^(−(n−1)/2) exp(−ss/(2σ²)) · N(ȳ | m0, v0 + σ²/n).     (1)

Given σ², θ is the usual normal-normal update:

    θ | σ², y ~ N(θ̂, 1/P),   P = 1/v0 + n/σ²,   θ̂ = (m0/v0 + n ȳ/σ²) / P.        (2)

So the posterior of θ is a mixture of the normals (2), weighted by (1). We put
(1) on a grid in s = log σ (density in s = density in σ² × dσ²/ds = × 2σ²),
integrate with Simpson's rule, and get

* moments of σ² directly, and its CDF by integrating the grid density;
* the mean, sd and CDF of θ as the same weighted sums of the normal
  components' means, second moments and CDFs; quantiles by root-finding on the CDF.

The issue asked for a 2-D grid over (θ, σ²). This is the same double integral
with the inner (θ) dimension done exactly, so it is more accurate for the same
work; tests/test_exact.py checks it against the plain 2-D grid.

Model 2 is Model 1 applied to each group on its own.

Model 3: θ and μ out, then a 2-D grid over (σ, τ)
--------------------------------------------------
y_ij ~ N(θ_j, σ²);  θ_j ~ N(μ, τ²);  μ ~ N(m0, v0);  σ², τ² with their priors.

Step 1, the θ_j.  By (A) and then (B) with θ_j ~ N(μ, τ²), group j contributes

    p(y_j | μ, σ², τ²) = (2πσ²)^(−(n_j−1)/2) n_j^(−1/2) exp(−ss_j/(2σ²)) · N(ȳ_j | μ, V_j),
    V_j = σ²/n_j + τ²:

a group mean scatters around μ by its sampling noise σ²/n_j plus the real
spread between groups τ².

Step 2, μ.  The factors containing μ, N(μ | m0, v0) Π_j N(ȳ_j | μ, V_j), are
J + 1 normal kernels in μ, so μ given (σ², τ²) is normal (precision-weighted
average):

    μ | σ², τ², y ~ N(μ̂, 1/P),   P = 1/v0 + Σ_j 1/V_j,   μ̂ = (m0/v0 + Σ_j ȳ_j/V_j) / P,   (3)

and integrating μ out leaves (completing the square; the exponent is written as
a weighted sum of squares about μ̂, which does not lose digits like Σx² − (Σx)²/P)

    p(σ², τ² | y) ∝ p(σ²) p(τ²) (2πσ²)^(−(N−J)/2) exp(−SS_w/(2σ²))
                    · Π_j (2π V_j)^(−1/2) · (v0 P)^(−1/2)
                    · exp(−½ [Σ_j (ȳ_j − μ̂)²/V_j + (m0 − μ̂)²/v0]),                       (4)

with N = Σ n_j and SS_w = Σ_j ss_j. (The constant n_j^(−1/2) is dropped.)

Step 3, θ_j back.  Given μ, σ², τ² the group mean is the conjugate update
θ_j ~ N(w_j ȳ_j + (1 − w_j) μ, w_j σ²/n_j) with the shrinkage weight

    w_j = (n_j/σ²) / (n_j/σ² + 1/τ²) = τ² / (τ² + σ²/n_j),

and averaging over μ ~ (3) (tower rule for the mean, total variance for the variance):

    E[θ_j | σ², τ², y]   = w_j ȳ_j + (1 − w_j) μ̂,
    Var[θ_j | σ², τ², y] = w_j σ²/n_j + (1 − w_j)² / P.                                     (5)

Step 4, the grid.  Every posterior mean is now a 2-D integral of (3) or (5)
against (4). The issue asked for integration "over (μ, τ, σ)"; here μ is done
analytically by (3)-(4), so only (σ, τ) is on a grid. The grid variables are

* s = log σ: σ is well determined by the within-group data; Jacobian dσ/ds = σ.
* t for τ depends on the prior on τ, because the two behave differently at τ = 0:

  - sd ~ U(0, U): the prior density of τ is flat, and (4) is finite and positive
    at τ = 0 (it becomes the complete-pooling likelihood), so τ's posterior
    density is *positive at zero*. A grid in log τ would cut that mass off. We use
    t = asinh(τ/c), c a rough scale of the spread of the group means: τ = c·sinh(t),
    Jacobian dτ/dt = c·cosh(t), linear near 0 and logarithmic for large τ (where
    the posterior has a slowly decaying, power-law tail). The grid starts exactly
    at t = 0, where the density is an even, smooth function of t (it depends on τ²,
    and cosh is even), for which Simpson's rule loses no accuracy at the endpoint.
  - τ² ~ IG(a, b): the density vanishes at τ = 0 faster than any power. But the
    prior density of τ under a vague IG(ε, ε) rises like 1/τ on the way down until
    it is cut off near τ ≈ √ε, so the posterior can carry a narrow spike in τ
    there (a plateau in log τ). A logarithmic grid t = log τ (Jacobian τ)
    resolves that and the tail alike.

Grid ranges are found from the data: starting from rough estimates, a coarse
grid is widened until the log density on every open edge is DROP = 40 below its
maximum (e^−40 ≈ 4e−18 of the peak), then trimmed; edges at a prior's bound
(sd ≤ U) are used as they are. The fine grid is then n_sigma × n_tau points.

The posteriors of σ² and τ² have power-law tails, so the integrands of E[σ²],
E[σ⁴], E[τ²], E[τ⁴] fall off more slowly than the density: the range is also
widened until density × (1 + σ²/σ̂²)²(1 + τ²/c²)² has dropped by e^−20 (but never
past where the density is e^−80 of its peak). If a moment's integrand still has
not died out there, the moment is infinite (or too large to pin down) and is
reported as inf: e.g. under IG(0.01, 0.01) the sd of σ² for a group of four
values. Models 1 and 2 use the same rules in one dimension.

With the defaults, means and sds are converged to about 1e-7 relative and
quantiles to about 1e-5 (a finer grid changes them by no more), on the lecture's
data and on small simulated data sets; tests/test_exact.py checks this.

Each prior on a variance enters as a density of the standard deviation,
p(sd) = p(var)·2·sd: for sd ~ U(0, U) that is the constant 1/U on (0, U],
finite at 0, which is what makes τ = 0 easy to evaluate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from teachkit.data import GroupedData
from teachkit.priors import InverseGamma, Normal, UniformSD

__all__ = ["complete_pooling", "no_pooling", "hierarchical", "hierarchical_given_tau",
           "ExactPosterior", "ExactHierarchical", "ExactGivenTau"]

DROP = 40.0          # the grid covers where log density > max − DROP (e^-40 ≈ 4e-18)
MOMENT_DROP = 20.0   # ... and where log(density × moment weight) > its max − MOMENT_DROP
_LOG_LIMIT = 300.0   # |log σ| or t beyond this: the mass cannot be located (improper posterior)


# ============================================================== priors as densities of an sd
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


# ============================================================== the collapsed likelihood
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


# ============================================================== quadrature helpers
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


# ============================================================== 1-D marginals
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


# ============================================================== argument checks
def _check_prior(func, name, prior, kinds):
    if not isinstance(prior, kinds):
        allowed = " or ".join(k.__name__ for k in kinds)
        raise ValueError(f"exact.{func}: {name} must be a teachkit.priors {allowed}, got {prior!r}")
    return prior


def _check_grid_size(func, name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"exact.{func}: {name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value) | 1   # Simpson's rule needs an odd number of points


def _check_grouped(func, data):
    if not isinstance(data, GroupedData):
        raise ValueError(
            f"exact.{func}: data must be a teachkit.GroupedData (from load_homework(), "
            f"GroupedData.from_csv or GroupedData.from_arrays), got {type(data).__name__}"
        )
    return data


_VARIANCE_PRIORS = (InverseGamma, UniformSD)


# ============================================================== Models 1 and 2
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
    data = _check_grouped("no_pooling", data)
    _check_prior("no_pooling", "theta_prior", theta_prior, (Normal,))
    _check_prior("no_pooling", "sigma2_prior", sigma2_prior, _VARIANCE_PRIORS)
    n_grid = _check_grid_size("no_pooling", "n_grid", n_grid, 21)
    return [ExactPosterior(data.n[j], data.means[j], data.ss[j], theta_prior, sigma2_prior,
                           label=data.labels[j], n_grid=n_grid) for j in range(data.J)]


def _describe(x):
    text = repr(x)
    return text if len(text) <= 60 else f"{type(x).__name__} {text[:50]}..."


# ============================================================== Model 3
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
    data = _check_grouped("hierarchical", data)
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
    data = _check_grouped("hierarchical_given_tau", data)
    if (isinstance(tau, bool) or not isinstance(tau, (int, float, np.integer, np.floating))
            or not math.isfinite(tau) or tau < 0):
        raise ValueError(f"exact.hierarchical_given_tau: tau must be a finite number ≥ 0, got {tau!r}")
    _check_prior("hierarchical_given_tau", "mu_prior", mu_prior, (Normal,))
    _check_prior("hierarchical_given_tau", "sigma2_prior", sigma2_prior, _VARIANCE_PRIORS)
    n_sigma = _check_grid_size("hierarchical_given_tau", "n_sigma", n_sigma, 21)
    _check_two_groups("hierarchical_given_tau", data)
    return ExactGivenTau(data, float(tau), mu_prior, sigma2_prior, n_sigma)


def _check_two_groups(func, data):
    if data.J < 2:
        raise ValueError(
            f"exact.{func}: needs at least 2 groups to learn how group means vary (τ²); "
            f"the data have {data.J}. Use exact.complete_pooling for a single group."
        )
