"""Reference answers, computed from teachkit when a check runs (never written here),
and the tolerances an answer is compared with (see the package docstring).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from teachkit.check._report import _g


K_MCSE = 4.0          # accept within this many Monte Carlo standard errors
ESS_ASSUMED = 1000    # effective draws assumed behind an answer given as a bare number
RTOL = 1e-6           # for answers that are formulas
REF_SEED = 20261124   # seed of the checks' own reference fits and random inputs
REF_DRAWS = 5_000     # per chain, 4 chains, for the reference fits
REF_FIT_STREAM = 100  # the reference fits draw from default_rng([REF_SEED, REF_FIT_STREAM + k]): a stream
                      # no exercise notebook uses (they seed with [SEED, k] for small k), so a check never
                      # compares a student's fit with the very same draws


class _FixedDraws:
    """A stand-in for numpy's Generator that hands out fixed numbers instead of random ones.

    teachkit's draw_* functions turn standard draws into a draw from a full conditional:
    a normal one as ``mean + sd · z`` with z ~ N(0, 1), an inverse-gamma one as
    ``scale / g`` with g ~ Gamma(shape, 1). Given z = 0 and then z = 1, a normal draw_*
    returns its mean and then mean + sd; given g = 1 and then g = shape, an inverse-gamma
    one returns its scale and then scale/shape. So the checks read the parameters of each
    conditional from teachkit's own code, exactly.
    """

    def __init__(self, z=0.0, gamma="one"):
        self.z, self.gamma = z, gamma

    def standard_normal(self, size=None):
        return np.full(() if size is None else size, float(self.z))

    def normal(self, loc=0.0, scale=1.0, size=None):
        return np.asarray(loc) + np.asarray(scale) * self.standard_normal(
            np.broadcast_shapes(np.shape(loc), np.shape(scale)) if size is None else size)

    def standard_gamma(self, shape, size=None):
        shape = np.asarray(shape, dtype=float)
        if size is not None:
            shape = np.broadcast_to(shape, size)
        return np.ones(shape.shape) if self.gamma == "one" else np.array(shape)


def _normal_params(draw):
    """(mean, var) of a normal draw_* call ``draw(rng)``."""
    mean = np.asarray(draw(_FixedDraws(z=0.0)), dtype=float)
    sd = np.asarray(draw(_FixedDraws(z=1.0)), dtype=float) - mean
    return mean, sd**2


def _ig_params(draw):
    """(shape, scale) of an inverse-gamma draw_* call ``draw(rng)``."""
    scale = np.asarray(draw(_FixedDraws(gamma="one")), dtype=float)
    shape = scale / np.asarray(draw(_FixedDraws(gamma="shape")), dtype=float)
    return shape, scale


def _grid_normal(log_post, lo, hi, size=20_001):
    """Mean and variance of the density exp(log_post) on [lo, hi], normalised on the grid."""
    x = np.linspace(lo, hi, size)
    lp = log_post(x)
    w = np.exp(lp - lp.max())
    w /= w.sum()
    mean = float(w @ x)
    return mean, float(w @ (x - mean) ** 2)


def _grid_variance(log_post, centre, size=40_001):
    """(shape, scale) of an inverse-gamma matching the density exp(log_post(v)) of a variance v.

    The grid is in u = log v (density × v), ±12 around log(centre); for an inverse-gamma
    E[1/v] = shape/scale and E[1/v²] = shape(shape+1)/scale², which give shape and scale.
    """
    u = np.linspace(math.log(centre) - 12, math.log(centre) + 12, size)
    v = np.exp(u)
    lp = log_post(v) + u
    w = np.exp(lp - lp.max())
    w /= w.sum()
    m1, m2 = float(w @ (1 / v)), float(w @ (1 / v**2))
    shape = m1**2 / (m2 - m1**2)
    return shape, shape / m1


@functools.lru_cache(maxsize=1)
def _homework():
    from teachkit.data import load_homework

    return load_homework()


def _priors(name):
    """The priors each exercise names: the lecture's, or Hoff's exercise 8.3 (given in his
    parametrisation μ0=7, γ0²=5, η0=2, τ0²=10, ν0=2, σ0²=15 and converted by teachkit)."""
    from teachkit.priors import InverseGamma, Normal, UniformSD

    if name == "lecture":
        return dict(mu_prior=Normal(0, 1000**2), sigma2_prior=UniformSD(1000), tau2_prior=UniformSD(1000))
    if name == "hoff":
        return dict(mu_prior=Normal(7, 5), sigma2_prior=InverseGamma.hoff(2, 15),
                    tau2_prior=InverseGamma.hoff(2, 10))
    raise ValueError(name)


@functools.lru_cache(maxsize=16)
def _exact3(priors="lecture", data=None):
    from teachkit import exact

    return exact.hierarchical(data if data is not None else _homework(), **_priors(priors))


@functools.lru_cache(maxsize=4)
def _reference_fit(priors="lecture"):
    """A teachkit fit of Model 3 with the check's own seed: 4 chains × REF_DRAWS draws."""
    from teachkit.models.hierarchical import fit_hierarchical

    return fit_hierarchical(_homework(), draws=REF_DRAWS, warmup=1000, chains=4, seed=_fit_rng(0),
                            **_priors(priors))


def _fit_rng(k):
    """The Generator of the checks' k-th reference fit (see REF_FIT_STREAM)."""
    return np.random.default_rng([REF_SEED, REF_FIT_STREAM + k])


def _ess_of(x):
    """Effective size of draws shaped (chains, draws), or of an indicator; at least 1."""
    from teachkit import diagnostics

    try:
        return max(diagnostics.ess_basic(x), 1.0)
    except diagnostics.DiagnosticError:
        return float(np.size(x))


def _tol_mean(sd, ess_ref=None, ess=None):
    """K_MCSE Monte Carlo standard errors of a mean from ``ess`` (default ESS_ASSUMED) effective
    draws (+ a simulated reference)."""
    var = 1 / (ess or ESS_ASSUMED) + (1 / ess_ref if ess_ref else 0.0)
    return K_MCSE * sd * math.sqrt(var)


def _tol_prob(p, ess_ref=None, ess=ESS_ASSUMED):
    # p(1-p) is floored at that of one event in ESS_ASSUMED draws, so p = 0 or 1 still gets a tolerance
    pq = max(p * (1 - p), 1 / ESS_ASSUMED)
    var = pq * (1 / ess + (1 / ess_ref if ess_ref else 0.0))
    return K_MCSE * math.sqrt(var)


def _tol_quantile(q, density, ess=ESS_ASSUMED):
    return K_MCSE * math.sqrt(q * (1 - q) / ess) / density


def _compare(report, label, got, ref, tol):
    """One line: your value against the reference, within ± tol."""
    ok = abs(got - ref) <= tol
    text = (f"{label}: yours {_g(got)}, reference {_g(ref)} "
            f"(accepted ± {_g(tol, 2)})")
    if ok:
        report.good(text)
    else:
        report.bad(text)
    return ok


@functools.lru_cache(maxsize=1)
def _exact2():
    from teachkit import exact

    return exact.no_pooling(_homework())


def _density_at(exact_marginal, name, x):
    """Density of a posterior at x from its CDF (central difference), for quantile tolerances."""
    h = 1e-4 * max(abs(x), 1.0)
    return float((exact_marginal.cdf(name, x + h) - exact_marginal.cdf(name, x - h)) / (2 * h))


def _prob_greater_model2(j, k):
    """P(θ_j > θ_k | y) in Model 2 (independent posteriors) by integration on a grid:
    ∫ f_j(t) F_k(t) dt with f_j, F_k from teachkit.exact."""
    t, f_j = _model2_density(j)
    f = f_j * _exact2()[k].cdf("theta", t)
    return float(np.sum((f[1:] + f[:-1]) / 2 * np.diff(t)))


@functools.lru_cache(maxsize=8)
def _model2_density(j, size=801):
    """θ_j's posterior density in Model 2 on a grid spanning all but 2e-7 of its mass."""
    a = _exact2()[j]
    t = np.linspace(float(a.quantile("theta", 1e-7)), float(a.quantile("theta", 1 - 1e-7)), size)
    return t, a.density("theta", t)


def _prob_check(report, label, got, indicator, alternatives, hint, ess=ESS_ASSUMED):
    """``ess``: the effective size behind the student's answer (ESS_ASSUMED unless their draws are known)."""
    ref = float(indicator.mean())
    tol = _tol_prob(ref, _ess_of(indicator.astype(float)), ess=ess)
    if abs(got - ref) <= tol:
        report.good(f"{label}: yours {got:.3f}, reference {ref:.3f} (accepted ± {tol:.3f})")
        return
    for alt, why in alternatives:
        if abs(got - alt) <= tol:
            report.bad(f"{label}: yours {got:.3f} is {why}", hint)
            return
    report.bad(f"{label}: yours {got:.3f}, reference {ref:.3f} (accepted ± {tol:.3f})", hint)
