"""Prior distributions used by the models.

Four families are enough for the models, and each keeps the full
conditionals in closed form:

* ``Normal(mean, var)`` for a mean (θ, μ): the conditional stays normal.
* ``InverseGamma(shape, scale)`` for a variance (σ², τ²): the conditional stays
  inverse-gamma (Hoff's semi-conjugate set-up).
* ``UniformSD(upper)``: uniform on the *standard deviation*, σ ~ U(0, upper)
  (Gelman 2006). On the variance this is p(σ²) ∝ (σ²)^(-1/2) on (0, upper²), so
  the conditional is an inverse-gamma truncated at upper².
* ``Gamma(shape, rate)`` for the *centre* σ0² of the school variances in
  Model 4 (Hoff §8.5): σ_j² ~ IG(ν0/2, ν0σ0²/2) is a gamma likelihood in σ0²,
  so its conditional stays gamma.
* ``DiscreteExponential(rate, upper, lower=1)`` for Model 4's ν0, an integer:
  p(k) ∝ exp(−rate·k) on k = lower..upper. Its conditional is computed on the grid.

Each is a small frozen dataclass; arguments are checked when it is built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Normal", "InverseGamma", "UniformSD", "Gamma", "DiscreteExponential", "VariancePrior"]


def _positive(name: str, value, family: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{family}: {name} must be a positive number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{family}: {name} must be positive and finite, got {value!r}")
    return value


def _finite(name: str, value, family: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{family}: {name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{family}: {name} must be finite, got {value!r}")
    return value


@dataclass(frozen=True)
class Normal:
    """θ ~ N(mean, var). Note: the second argument is a *variance*, as in the lecture's N(0, 1000²)."""

    mean: float
    var: float

    def __post_init__(self):
        object.__setattr__(self, "mean", _finite("mean", self.mean, "Normal"))
        object.__setattr__(self, "var", _positive("var (the variance)", self.var, "Normal"))

    @property
    def sd(self) -> float:
        return math.sqrt(self.var)

    def logpdf(self, x):
        x = np.asarray(x, dtype=float)
        return -0.5 * np.log(2 * np.pi * self.var) - 0.5 * (x - self.mean) ** 2 / self.var

    def pdf(self, x):
        return np.exp(self.logpdf(x))

    def sample(self, rng, size=None):
        return self.mean + self.sd * rng.standard_normal(size)

    def __str__(self):
        return f"N({_g(self.mean)}, {_g(self.var)})"


@dataclass(frozen=True)
class InverseGamma:
    """A prior on a variance: σ² ~ IG(shape, scale), density ∝ (σ²)^-(shape+1) exp(-scale/σ²).

    Hoff writes IG(ν₀/2, ν₀σ₀²/2); ``InverseGamma.hoff(nu0, s2_0)`` builds that.
    """

    shape: float
    scale: float

    def __post_init__(self):
        object.__setattr__(self, "shape", _positive("shape", self.shape, "InverseGamma"))
        object.__setattr__(self, "scale", _positive("scale", self.scale, "InverseGamma"))

    @classmethod
    def hoff(cls, nu0, s2_0) -> "InverseGamma":
        """Hoff's parametrisation: 1/σ² ~ Gamma(ν₀/2, ν₀σ₀²/2)."""
        nu0 = _positive("nu0", nu0, "InverseGamma.hoff")
        s2_0 = _positive("s2_0", s2_0, "InverseGamma.hoff")
        return cls(nu0 / 2, nu0 * s2_0 / 2)

    def logpdf(self, var):
        """Log density of the variance (−inf where var ≤ 0)."""
        var = np.asarray(var, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = (self.shape * np.log(self.scale) - math.lgamma(self.shape)
                   - (self.shape + 1) * np.log(var) - self.scale / var)
        return np.where(var > 0, out, -np.inf)

    def pdf(self, var):
        return np.exp(self.logpdf(var))

    def sample(self, rng, size=None):
        """Draws of the variance. For a tiny shape such as IG(0.01, 0.01) a Gamma(shape)
        draw can underflow to 0; drawing its log instead (Gamma(a) = Gamma(a + 1)·U^(1/a))
        keeps every draw positive. A draw beyond the largest float is returned as inf:
        IG(0.01, 0.01) really puts about 0.1% of its mass above 1e308."""
        u = 1.0 - rng.uniform(size=size)  # in (0, 1]: its log is finite
        log_gamma = np.log(rng.standard_gamma(self.shape + 1, size)) + np.log(u) / self.shape
        with np.errstate(over="ignore"):
            return self.scale * np.exp(-log_gamma)

    def __str__(self):
        return f"IG({_g(self.shape)}, {_g(self.scale)})"


@dataclass(frozen=True)
class UniformSD:
    """A prior on a variance through its standard deviation: sd ~ Uniform(0, upper).

    On the variance v = sd² the density is 1 / (2·upper·√v) on (0, upper²).
    """

    upper: float

    def __post_init__(self):
        object.__setattr__(self, "upper", _positive("upper (the bound on the sd)", self.upper, "UniformSD"))

    def logpdf(self, var):
        """Log density of the *variance* (−inf outside (0, upper²))."""
        var = np.asarray(var, dtype=float)
        inside = (var > 0) & (var < self.upper**2)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = -np.log(2 * self.upper) - 0.5 * np.log(var)
        return np.where(inside, out, -np.inf)

    def pdf(self, var):
        return np.exp(self.logpdf(var))

    def sample(self, rng, size=None):
        return (self.upper * rng.uniform(size=size)) ** 2

    def __str__(self):
        return f"sd ~ U(0, {_g(self.upper)})"


@dataclass(frozen=True)
class Gamma:
    """x ~ Gamma(shape, rate), density ∝ x^(shape−1) exp(−rate·x) on x > 0; mean shape/rate.

    The second argument is a *rate* (Hoff's convention): Gamma(1, 1/100) has mean 100.
    """

    shape: float
    rate: float

    def __post_init__(self):
        object.__setattr__(self, "shape", _positive("shape", self.shape, "Gamma"))
        object.__setattr__(self, "rate", _positive("rate", self.rate, "Gamma"))

    @property
    def mean(self) -> float:
        return self.shape / self.rate

    def logpdf(self, x):
        """Log density (−inf where x ≤ 0)."""
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = (self.shape * np.log(self.rate) - math.lgamma(self.shape)
                   + (self.shape - 1) * np.log(x) - self.rate * x)
        return np.where(x > 0, out, -np.inf)

    def pdf(self, x):
        return np.exp(self.logpdf(x))

    def sample(self, rng, size=None):
        return rng.standard_gamma(self.shape, size) / self.rate

    def __str__(self):
        return f"Gamma({_g(self.shape)}, {_g(self.rate)})"


@dataclass(frozen=True)
class DiscreteExponential:
    """An integer k ~ p(k) ∝ exp(−rate·k) on k = lower, ..., upper (rate 0: uniform).

    Hoff's prior for ν0 in §8.5. Built by :func:`teachkit.fit_school_variances` from
    ``nu0_rate``, ``nu0_min`` and ``nu0_max``, which checks them.
    """

    rate: float
    upper: int
    lower: int = 1

    @property
    def support(self) -> np.ndarray:
        return np.arange(self.lower, self.upper + 1, dtype=float)

    def logpmf(self, k):
        """Log probability of each k (−inf off the grid)."""
        k = np.asarray(k, dtype=float)
        grid = self.support
        log_norm = np.log(np.exp(-self.rate * (grid - grid[0])).sum()) - self.rate * grid[0]
        on_grid = (k == np.round(k)) & (k >= self.lower) & (k <= self.upper)
        return np.where(on_grid, -self.rate * k - log_norm, -np.inf)

    def pmf(self, k):
        return np.exp(self.logpmf(k))

    @property
    def mean(self) -> float:
        return float(self.support @ self.pmf(self.support))

    def sample(self, rng, size=None):
        grid = self.support
        return rng.choice(grid, size=size, p=self.pmf(grid))

    def __str__(self):
        return f"p(ν0) ∝ exp(−{_g(self.rate)} ν0) on {self.lower}..{self.upper}"


VariancePrior = InverseGamma | UniformSD


def _g(x: float) -> str:
    """Short numbers for reprs: 1000000.0 -> 1e+06, 0.01 -> 0.01."""
    return f"{x:g}"
