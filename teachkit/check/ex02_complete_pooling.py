"""Checks of notebooks/exercises/ex02_complete_pooling.ipynb (Model 1, complete pooling)."""

from __future__ import annotations

import math

import numpy as np

from teachkit.check._answers import _call, _close, _draws, _function, _number, _pair
from teachkit.check._conditionals import _GridAgreement, _ig_feedback, _normal_conditional_feedback
from teachkit.check._reference import (
    _compare, _grid_normal, _grid_variance, _homework, _ig_params, _normal_params, K_MCSE, REF_SEED,
)
from teachkit.check._report import _g, _Off, _run


def pooled_statistics(n=..., ybar=..., ss=...) -> bool:
    """ex02, task 1: the number of students n, their mean ȳ and the sum of squares
    SS = Σ(y − ȳ)², all schools pooled."""
    return _run("n, ȳ and SS of all students", _pooled_statistics, n, ybar, ss)


def _pooled_statistics(report, n, ybar, ss):
    y = _homework().values
    ref = {"n": y.size, "ybar": y.mean(), "ss": ((y - y.mean()) ** 2).sum()}
    got = {"n": _number(n, "n"), "ybar": _number(ybar, "ybar"), "ss": _number(ss, "ss")}
    if got["n"] == ref["n"]:
        report.good(f"n = {int(ref['n'])} students")
    else:
        report.bad(f"n = {_g(got['n'])} is not the number of students",
                   "`data.n_total`, or `len(data.values)`, counts every student.")
    if _close(got["ybar"], ref["ybar"], 1e-9):
        report.good(f"ȳ = {_g(ref['ybar'])} hours")
    elif _close(got["ybar"], _homework().means.mean(), 1e-9):
        report.bad(f"ȳ = {_g(got['ybar'])} is the mean of the 8 school means",
                   "Complete pooling ignores the schools: average all 165 values, "
                   "`data.values.mean()`. Schools of different sizes would otherwise count the same.")
    else:
        report.bad(f"ȳ = {_g(got['ybar'])} is not the mean of all values", "Use `data.values.mean()`.")
    if _close(got["ss"], ref["ss"], 1e-9):
        report.good(f"SS = {_g(ref['ss'])}")
    elif _close(got["ss"], ref["ss"] / (ref["n"] - 1), 1e-9) or _close(got["ss"], ref["ss"] / ref["n"], 1e-9):
        report.bad(f"SS = {_g(got['ss'])} is a variance, not a sum of squares",
                   "SS is the sum Σ(y − ȳ)², not divided by n or n − 1.")
    elif _close(got["ss"], (y**2).sum(), 1e-9):
        report.bad(f"SS = {_g(got['ss'])} is Σy², the sum of squares about 0, not about ȳ",
                   "Subtract ȳ before squaring: `((data.values - ybar) ** 2).sum()`.")
    else:
        report.bad(f"SS = {_g(got['ss'])} is not Σ(y − ȳ)²",
                   "Square the deviations from ȳ and add them up.")


def model1_theta_conditional(theta_conditional=...) -> bool:
    """ex02, task 2: ``theta_conditional(sigma2, n, ybar, m0, v0)`` returns (mean, variance)
    of θ | σ², y in Model 1 with θ ~ N(m0, v0). Compared, on 12 random inputs, with teachkit's
    ``complete_pooling.draw_theta`` and with a normalised grid of prior × likelihood."""
    return _run("θ | σ², y in Model 1", _model1_theta_conditional, theta_conditional)


def _random_cases_model1(count=12):
    rng = np.random.default_rng(REF_SEED)
    y = _homework().values
    cases = [dict(sigma2=16.9, n=y.size, ybar=y.mean(), m0=0.0, v0=1000.0**2)]
    for _ in range(count - 1):
        cases.append(dict(sigma2=float(rng.uniform(1, 40)), n=int(rng.choice([2, 5, 20, 165])),
                          ybar=float(rng.normal(7, 3)), m0=float(rng.normal(5, 3)),
                          v0=float(np.exp(rng.uniform(np.log(0.1), np.log(100))))))
    return cases


def _model1_theta_conditional(report, func):
    from teachkit.models import complete_pooling
    from teachkit.priors import Normal

    func = _function(func, "theta_conditional")
    grid = _GridAgreement()
    for c in _random_cases_model1():
        mean, var = _pair(_call(func, "theta_conditional", c), "theta_conditional", ("mean", "var"))
        prior = Normal(c["m0"], c["v0"])
        ref_mean, ref_var = (float(a) for a in _normal_params(lambda rng: complete_pooling.draw_theta(
            np.array(c["sigma2"]), c["n"], c["ybar"], prior, rng)))
        case = ", ".join(f"{k}={_g(v)}" for k, v in c.items())
        if not _normal_conditional_feedback(
                report, case, mean, var, ref_mean, ref_var, c["m0"], c["v0"], c["n"], c["ybar"], c["sigma2"],
                dict(k="n", x="ȳ", v="σ²", v0="v0", m0="m0")):
            return
        # the same, without any formula: the likelihood of n values with mean ȳ, as a function of θ
        s = math.sqrt(min(c["v0"], c["sigma2"] / c["n"]))
        grid.add((mean, var), _grid_normal(
            lambda t: prior.logpdf(t) - c["n"] * (c["ybar"] - t) ** 2 / (2 * c["sigma2"]),
            min(c["m0"], c["ybar"]) - 12 * s, max(c["m0"], c["ybar"]) + 12 * s))
    report.good("mean and variance equal those of teachkit's draw_theta at 12 random inputs")
    grid.report(report, "N(θ | m0, v0) × Π_i N(y_i | θ, σ²)")


def model1_sigma2_conditional(sigma2_conditional=...) -> bool:
    """ex02, task 3: ``sigma2_conditional(theta, n, ybar, ss, a, b)`` returns (shape, scale)
    of the inverse-gamma σ² | θ, y in Model 1 with σ² ~ IG(a, b). Compared with teachkit's
    ``complete_pooling.draw_sigma2`` and a grid of prior × likelihood."""
    return _run("σ² | θ, y in Model 1", _model1_sigma2_conditional, sigma2_conditional)


def _random_cases_sigma2(count=12):
    rng = np.random.default_rng(REF_SEED + 1)
    y = _homework().values
    cases = [dict(theta=6.0, n=y.size, ybar=y.mean(), ss=((y - y.mean()) ** 2).sum(), a=0.01, b=0.01)]
    for _ in range(count - 1):
        n = int(rng.choice([5, 20, 165]))
        cases.append(dict(theta=float(rng.normal(7, 2)), n=n, ybar=float(rng.normal(7, 2)),
                          ss=float(rng.uniform(5, 30) * (n - 1)), a=float(rng.uniform(0.5, 3)),
                          b=float(rng.uniform(0.5, 20))))
    return cases


def _model1_sigma2_conditional(report, func):
    from teachkit.models import complete_pooling
    from teachkit.priors import InverseGamma

    func = _function(func, "sigma2_conditional")
    grid = _GridAgreement()
    for c in _random_cases_sigma2():
        shape, scale = _pair(_call(func, "sigma2_conditional", c), "sigma2_conditional", ("shape", "scale"))
        prior = InverseGamma(c["a"], c["b"])
        ref_shape, ref_scale = (float(v) for v in _ig_params(lambda rng: complete_pooling.draw_sigma2(
            np.array(c["theta"]), c["n"], c["ybar"], c["ss"], prior, rng)))
        ss_theta = c["ss"] + c["n"] * (c["ybar"] - c["theta"]) ** 2
        case = ", ".join(f"{k}={_g(v)}" for k, v in c.items())
        if not _ig_feedback(report, case, shape, scale, ref_shape, ref_scale, c["a"], c["b"], c["n"],
                            ss_theta, c["ss"],
                            dict(k="n", SS="SS(θ)",
                                 wrong="SS(θ) = Σ(y − θ)² = ss + n(ȳ − θ)²: the deviations are from θ, "
                                       "not from ȳ")):
            return
        grid.add((shape, scale), _grid_variance(
            lambda v: prior.logpdf(v) - c["n"] / 2 * np.log(v) - ss_theta / (2 * v), ss_theta / c["n"]))
    report.good("shape and scale equal those of teachkit's draw_sigma2 at 12 random inputs")
    grid.report(report, "IG(σ² | a, b) × Π_i N(y_i | θ, σ²)")


def model1_gibbs(theta_draws=..., sigma2_draws=...) -> bool:
    """ex02, task 4: draws of θ and σ² from your own Gibbs sampler for Model 1 (priors
    N(0, 1000²) and IG(0.01, 0.01), warm-up dropped), shaped (draws,) or (chains, draws).
    Their means and sds are compared with teachkit.exact within 4 Monte Carlo standard
    errors computed from your draws."""
    return _run("your Gibbs sampler for Model 1", _model1_gibbs, theta_draws, sigma2_draws)


def _check_draws_against(report, label, x, ref_mean, ref_sd, *, hint):
    """Mean and sd of a student's draws x against exact values, with MC tolerances from x itself."""
    from teachkit import diagnostics

    mcse = diagnostics.mcse_mean(x)
    ess = max(diagnostics.ess_basic(x), 1.0)
    flat = x.ravel()
    ok = _compare(report, f"posterior mean of {label}", flat.mean(), ref_mean, K_MCSE * mcse)
    sd = flat.std(ddof=1)
    kurt = float(np.mean((flat - flat.mean()) ** 4) / sd**4)
    tol_sd = K_MCSE * sd * math.sqrt(max(kurt - 1, 2.0) / (4 * ess))
    ok &= _compare(report, f"posterior sd of {label}", sd, ref_sd, tol_sd)
    if not ok:
        report.bad(f"(tolerances are {int(K_MCSE)} Monte Carlo standard errors of your "
                   f"{flat.size} draws, worth {ess:.0f} independent ones)", hint)
    return ok


def _model1_gibbs(report, theta_draws, sigma2_draws):
    from teachkit import exact

    theta = _draws(theta_draws, "theta_draws")
    sigma2 = _draws(sigma2_draws, "sigma2_draws", positive=True)
    if theta.shape != sigma2.shape:
        raise _Off(f"theta_draws has shape {theta.shape} but sigma2_draws {sigma2.shape}",
                   "Store one θ and one σ² per sweep.")
    ref = exact.complete_pooling(_homework())
    hint = ("Check the order of the two steps and that each uses the other's latest value; "
            "drop the warm-up; and compare your conditionals with tasks 2 and 3.")
    ok = _check_draws_against(report, "θ", theta, ref.mean("theta"), ref.sd("theta"), hint=hint)
    ok &= _check_draws_against(report, "σ²", sigma2, ref.mean("sigma2"), ref.sd("sigma2"), hint=hint)
    if ok:
        report.note("(reference: teachkit.exact, numerical integration without sampling)")
