r"""The two conjugate updates that every full conditional in teachkit reduces to.

Each model's module derives its own full conditionals and then calls one of
these, so the algebra is written once and each conditional reads like its
formula.

1. A normal mean with a normal prior, given normal observations with known variance.
   Prior m ~ N(m0, v0); observations x_1..x_k ~ N(m, var), with sum S = Σ x_i:

       m | x ~ N(mean, 1 / precision),
       precision = 1/v0 + k/var,    mean = (m0/v0 + S/var) / precision.

2. A variance, given k normal deviations whose squares sum to SS
   (likelihood ∝ v^(-k/2) exp(-SS / (2 v))):

   * prior IG(a, b):            v | · ~ IG(a + k/2, b + SS/2)
   * prior sd ~ U(0, U):        p(v) ∝ v^(-1/2) on (0, U²), so
                                v | · ~ IG((k - 1)/2, SS/2) truncated to (0, U²).
     This needs k ≥ 2: with k = 1 the shape is 0 and the conditional is improper.

3. A normal draw restricted to an interval (the non-centred sampler's τ, whose
   conditional is normal and whose prior is uniform on (0, U)):

       x ~ N(mean, sd²) truncated to (lower, upper),

   drawn plainly, and by inverting its CDF where the plain draw falls outside.

Every function works on arrays, one entry per chain (and per group where the
model has groups), so all chains move together in one numpy call.
"""

from __future__ import annotations

import numpy as np

from teachkit.priors import InverseGamma, Normal, UniformSD


def normal_mean(prior: Normal, count, total, var, rng):
    """Draw m | x ~ N(mean, 1/precision) for k = ``count`` observations summing to ``total``."""
    precision = 1.0 / prior.var + count / var
    mean = (prior.mean / prior.var + total / var) / precision
    return mean + rng.standard_normal(np.shape(mean)) / np.sqrt(precision)


def variance(prior, count, sum_sq, rng):
    """Draw v | · for k = ``count`` deviations whose squares sum to ``sum_sq``."""
    if isinstance(prior, InverseGamma):
        return inverse_gamma(prior.shape + count / 2, prior.scale + sum_sq / 2, rng)
    if isinstance(prior, UniformSD):
        return truncated_inverse_gamma((count - 1) / 2, sum_sq / 2, prior.upper**2, rng)
    raise TypeError(f"no conjugate update for a {type(prior).__name__} prior on a variance")


def inverse_gamma(shape, scale, rng):
    """Draw v ~ IG(shape, scale): v = scale / g with g ~ Gamma(shape, 1)."""
    return scale / rng.standard_gamma(shape, size=np.shape(scale))


def truncated_inverse_gamma(shape, scale, upper, rng):
    """Draw v ~ IG(shape, scale) restricted to v < ``upper``.

    Try a plain inverse-gamma draw first: with the lecture's bound (sd < 1000)
    it is inside almost always. The few draws that fall outside are redrawn
    exactly from the truncated distribution by inverting its CDF. Accept-or-
    redraw-exactly gives the truncated distribution exactly, and stays fast.
    """
    v = inverse_gamma(shape, scale, rng)
    if v.max() >= upper:  # one reduction: cheaper than a mask on every sweep, for a branch rarely taken
        outside = v >= upper
        v = np.array(v, dtype=float)
        shape_b = np.broadcast_to(shape, v.shape)[outside]
        scale_b = np.broadcast_to(scale, v.shape)[outside]
        v[outside] = _truncated_inverse_gamma_by_cdf(shape_b, scale_b, upper, rng)
    return v


def _truncated_inverse_gamma_by_cdf(shape, scale, upper, rng):
    # v < upper  <=>  g = scale / v > scale / upper, with g ~ Gamma(shape, 1).
    # Draw g from that upper tail: P(G > g) = u * P(G > scale/upper), u ~ U(0, 1).
    from scipy.special import gammaincc, gammainccinv  # only needed on this rare path

    tail = gammaincc(shape, scale / upper)
    u = 1.0 - rng.uniform(size=np.shape(shape))  # in (0, 1], so the tail point is never 0
    with np.errstate(divide="ignore"):
        v = scale / gammainccinv(shape, u * tail)
    # If the bound lies so far in the lower tail that its probability underflows,
    # all the mass sits just below the bound: return the largest value inside it.
    return np.where(tail > 0, np.minimum(v, np.nextafter(upper, 0)), np.nextafter(upper, 0))


def truncated_normal(mean, sd, lower, upper, rng):
    """Draw x ~ N(mean, sd²) restricted to lower < x < upper.

    As for the truncated inverse-gamma: a plain normal draw first, kept where it falls
    inside. If any falls outside, those are replaced by exact draws from the truncated
    distribution by inverting its CDF (drawn for every entry, in one pass of a fixed
    dozen calls, and used where needed).
    """
    x = mean + sd * rng.standard_normal(np.shape(mean))
    if x.min() <= lower or x.max() >= upper:
        outside = (x <= lower) | (x >= upper)
        x = np.where(outside, _truncated_normal_by_cdf(mean, sd, lower, upper, rng), x)
    return x


def _truncated_normal_by_cdf(mean, sd, lower, upper, rng):
    # With a = (lower − mean)/sd, b = (upper − mean)/sd and Q(z) = P(Z > z), Z ~ N(0, 1):
    # z = Q⁻¹((1 − u) Q(a) + u Q(b)), u ~ U(0, 1), is N(0, 1) restricted to (a, b); x = mean + sd z.
    # Working with log Q keeps far upper tails exact where Q underflows; an interval below 0
    # is mirrored into the upper tail first (z → −z). The formula takes (a, b) in either order.
    # ndtri_exp(log p) = Φ⁻¹(p), and Q⁻¹(q) = −Φ⁻¹(q).
    from scipy.special import log_ndtr, ndtri_exp

    a, b = (lower - mean) / sd, (upper - mean) / sd
    side = np.copysign(1.0, b)                     # −1 where the whole interval is below 0
    a, b = side * a, side * b
    u = rng.random(np.shape(a))                    # in [0, 1); u = 0 (chance 2⁻⁵³) gives Q(b)
    log_q = np.logaddexp(np.log1p(-u) + log_ndtr(-a), np.log(u) + log_ndtr(-b))
    x = mean - sd * side * ndtri_exp(log_q)
    # The interval's ends are reached only by rounding (or u = 0): keep every draw strictly inside.
    return np.minimum(np.maximum(x, np.nextafter(lower, upper)), np.nextafter(upper, lower))
