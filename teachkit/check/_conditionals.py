"""Feedback on a full conditional written by a student (ex02, ex04, ex10): which of the
usual slips (a prior left out, a sum of squares about the wrong centre, ...) it matches; and
the whole check of a variance learned from deviations around a given centre (ex04's τ²,
ex10's ω²).
"""

from __future__ import annotations

import math

import numpy as np

from teachkit.check._answers import _call, _close, _function, _pair
from teachkit.check._reference import _grid_variance, _ig_params
from teachkit.check._report import _g, _g2


def _normal_conditional_feedback(report, case, mean, var, ref_mean, ref_var, prior_mean, prior_var,
                                 k, xbar, obs_var, symbols):
    """Name the usual slip when (mean, var) of a normal-mean conditional is off.

    Prior N(prior_mean, prior_var); k observations with mean xbar and variance obs_var each.
    ``symbols`` names them in the task's notation, e.g. dict(k="n", x="ȳ", v="σ²").
    """
    s = symbols
    P = 1 / ref_var
    good_mean, good_var = _close(mean, ref_mean), _close(var, ref_var)
    if good_mean and good_var:
        return True
    where = f"at {case}"
    if not good_var:
        slips = [
            (math.sqrt(ref_var), "you returned the standard deviation; the task asks for the variance"),
            (P, "you returned the precision 1/variance; return its inverse"),
            (1 / (1 / prior_var + 1 / obs_var),
             f"each of the {s['k']} observations adds precision 1/{s['v']}: the data's precision is "
             f"{s['k']}/{s['v']}"),
            (obs_var / k, f"the prior's precision 1/{s['v0']} is missing: precisions add"),
            (prior_var + obs_var / k, "variances do not add here; precisions do: 1/var = 1/prior var + data precision"),
        ]
        hint = next((h for v, h in slips if _close(var, v, 1e-6)), None)
        yours, right = _g2(var, ref_var)
        report.bad(f"variance: yours {yours}, the right value {right} {where}",
                   hint or f"Collect the terms in the exponent that are quadratic in the unknown; "
                           f"the coefficient of −½·(unknown)² is the precision 1/{s['v0']} + {s['k']}/{s['v']}.")
    else:
        report.good(f"variance right at every input ({_g(ref_var)} {where})")
    if not good_mean:
        slips = [
            (xbar, f"your mean ignores the prior: it should be pulled from {s['x']} toward {s['m0']}"),
            ((prior_mean + xbar) / 2, "not a plain average: weight each by its precision"),
            ((prior_mean / prior_var + xbar / obs_var) / P,
             f"the data's term is {s['k']}·{s['x']}/{s['v']}, the sum of {s.get('obs', 'all observations')} "
             f"over {s['v']}"),
            (prior_mean / prior_var + k * xbar / obs_var, "divide the weighted sum by the precision"),
        ]
        hint = next((h for m, h in slips if _close(mean, m, 1e-6)), None)
        yours, right = _g2(mean, ref_mean)
        report.bad(f"mean: yours {yours}, the right value {right} {where}",
                   hint or "The mean is the precision-weighted average of the prior mean and the data.")
    else:
        report.good(f"mean right ({_g(ref_mean)} {where})")
    return False


class _GridAgreement:
    """Collects how far a student's answers are from the grid's, over all test inputs."""

    def __init__(self):
        self.worst = 0.0

    def add(self, answer, grid):
        for a, g in zip(answer, grid):
            self.worst = max(self.worst, abs(a - g) / max(abs(g), 1e-12))

    def report(self, report, density):
        text = f"a normalised grid of {density} (no formula) agrees at all 12 inputs (to 1e-4)"
        if self.worst <= 1e-4:
            report.good(text)
        else:
            report.bad(text, "teachkit and the grid disagree: please tell your instructor.")


def _ig_feedback(report, case, shape, scale, ref_shape, ref_scale, a, b, k, ss_right, ss_wrong, symbols):
    """Name the usual slip when (shape, scale) of an inverse-gamma conditional is off."""
    s = symbols
    ok_shape, ok_scale = _close(shape, ref_shape), _close(scale, ref_scale)
    if ok_shape and ok_scale:
        return True
    where = f"at {case}"
    if _close(shape, ref_scale) and _close(scale, ref_shape):
        report.bad(f"shape and scale are swapped {where}", "Return (shape, scale), in that order.")
        return False
    if not ok_shape:
        slips = [(a + k, f"each of the {s['k']} normal factors adds ½ to the shape, not 1: a + {s['k']}/2"),
                 (a + (k - 1) / 2, f"with an IG(a, b) prior the shape is a + {s['k']}/2; ({s['k']} − 1)/2 belongs to the uniform prior on the sd"),
                 ((k - 1) / 2, f"({s['k']} − 1)/2 is the shape under the flat prior on the sd (a = −½, b = 0); "
                               f"with an IG(a, b) prior it is a + {s['k']}/2"),
                 (k / 2, "the prior's a is missing from the shape")]
        hint = next((h for v, h in slips if _close(shape, v)), None)
        yours, right = _g2(shape, ref_shape)
        report.bad(f"shape: yours {yours}, the right value {right} {where}",
                   hint or f"Count the powers of the variance: prior ({s.get('var', 'σ²')})^−(a+1), likelihood "
                           f"({s.get('var', 'σ²')})^−{s['k']}/2.")
    else:
        report.good(f"shape right ({_g(ref_shape)} {where})")
    if not ok_scale:
        slips = [(b + ss_right, f"the scale is b + {s['SS']}/2: the exponent is −{s['SS']}/(2·variance)"),
                 (b + ss_wrong / 2, s["wrong"]),
                 (ss_right / 2, "the prior's b is missing from the scale")]
        hint = next((h for v, h in slips if _close(scale, v)), None)
        yours, right = _g2(scale, ref_scale)
        report.bad(f"scale: yours {yours}, the right value {right} {where}",
                   hint or "Collect everything multiplying −1/variance in the exponent.")
    else:
        report.good(f"scale right ({_g(ref_scale)} {where})")
    return False


def _deviations_variance_check(report, func, name, cases, draw, *, values, symbols, sampler, density):
    """Check ``func(<values>, mu, a, b)`` -> (shape, scale) of the inverse-gamma conditional of a
    variance learned from the deviations of k values around a given centre μ, prior IG(a, b):
    ex04's τ² | θ, μ (the θ_j) and ex10's ω² | ψ, μ (the ψ_k).

    ``cases``: dicts with the array under key ``values``, and ``mu``, ``a``, ``b``; ``draw``:
    teachkit's sampler of that conditional, ``draw(x[None, :], mu[None], prior, rng)``;
    ``symbols``: as for :func:`_ig_feedback` (``k`` names the count in the case text).
    Each case is compared with the moments of the sampler's draws, then with a normalised grid of
    prior × likelihood; the first case that is off ends the check with its slip named.
    """
    from teachkit.priors import InverseGamma

    func = _function(func, name)
    grid = _GridAgreement()
    for c in cases:
        x, mu = c[values], c["mu"]
        shape, scale = _pair(_call(func, name, {**c, values: x.copy()}), name, ("shape", "scale"))
        prior = InverseGamma(c["a"], c["b"])
        ref_shape, ref_scale = (float(np.squeeze(v)) for v in _ig_params(
            lambda rng: draw(x[None, :], np.array([mu]), prior, rng)))
        ss_mu = float(((x - mu) ** 2).sum())
        ss_bar = float(((x - x.mean()) ** 2).sum())
        case = f"{symbols['k']}={x.size}, mu={_g(mu)}, a={_g(c['a'])}, b={_g(c['b'])}"
        if not _ig_feedback(report, case, shape, scale, ref_shape, ref_scale, c["a"], c["b"], x.size,
                            ss_mu, ss_bar, symbols):
            return
        grid.add((shape, scale), _grid_variance(
            lambda v: prior.logpdf(v) - x.size / 2 * np.log(v) - ss_mu / (2 * v), max(ss_mu / x.size, 1e-3)))
    report.good(f"shape and scale equal those of teachkit's {sampler} at {len(cases)} random inputs")
    grid.report(report, density)
