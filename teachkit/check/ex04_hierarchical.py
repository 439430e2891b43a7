"""Checks of notebooks/exercises/ex04_hierarchical.ipynb (Model 3: full conditionals and Gibbs)."""

from __future__ import annotations

import math

import numpy as np

from teachkit.check._answers import (
    _array, _call, _describe, _draws, _function, _has_ellipsis, _pair, _present, NOT_YET_HINT,
)
from teachkit.check._conditionals import _deviations_variance_check, _GridAgreement, _normal_conditional_feedback
from teachkit.check._reference import (
    _compare, _exact3, _grid_normal, _homework, _normal_params,
    _reference_fit, _tol_mean, K_MCSE, REF_SEED,
)
from teachkit.check._report import _g, _Off, _run, SYMBOL


def model3_mu_conditional(mu_conditional=...) -> bool:
    """ex04, task 1: ``mu_conditional(theta, tau2, m0, v0)`` returns (mean, variance) of
    μ | θ, τ² in Model 3 with μ ~ N(m0, v0). Compared, on 12 random inputs, with teachkit's
    ``hierarchical.draw_mu`` and with a normalised grid of prior × likelihood."""
    return _run("μ | θ, τ² in Model 3", _model3_mu_conditional, mu_conditional)


def _random_cases_mu(count=12):
    rng = np.random.default_rng(REF_SEED + 2)
    cases = [dict(theta=_homework().means.copy(), tau2=4.0, m0=0.0, v0=1000.0**2)]
    for _ in range(count - 1):
        J = int(rng.choice([2, 3, 8, 20]))
        cases.append(dict(theta=rng.normal(7, 2, size=J), tau2=float(rng.uniform(0.2, 10)),
                          m0=float(rng.normal(5, 3)), v0=float(np.exp(rng.uniform(np.log(0.1), np.log(50))))))
    return cases


def _model3_mu_conditional(report, func):
    from teachkit.models import hierarchical
    from teachkit.priors import Normal

    func = _function(func, "mu_conditional")
    grid = _GridAgreement()
    for c in _random_cases_mu():
        mean, var = _pair(_call(func, "mu_conditional", {**c, "theta": c["theta"].copy()}),
                          "mu_conditional", ("mean", "var"))
        prior = Normal(c["m0"], c["v0"])
        ref_mean, ref_var = (float(np.squeeze(v)) for v in _normal_params(
            lambda rng: hierarchical.draw_mu(c["theta"][None, :], np.array([c["tau2"]]), prior, rng)))
        theta, tau2 = c["theta"], c["tau2"]
        J = theta.size
        case = f"J={J}, θ̄={_g(theta.mean())}, tau2={_g(tau2)}, m0={_g(c['m0'])}, v0={_g(c['v0'])}"
        if not _normal_conditional_feedback(
                report, case, mean, var, ref_mean, ref_var, c["m0"], c["v0"], J, theta.mean(), tau2,
                dict(k="J", x="θ̄", v="τ²", v0="v0", m0="m0")):
            return
        s = math.sqrt(min(c["v0"], tau2 / J))
        grid.add((mean, var), _grid_normal(
            lambda m: prior.logpdf(m) + sum(Normal(t, tau2).logpdf(m) for t in theta),
            min(c["m0"], theta.mean()) - 12 * s, max(c["m0"], theta.mean()) + 12 * s))
    report.good("mean and variance equal those of teachkit's draw_mu at 12 random inputs")
    grid.report(report, "N(μ | m0, v0) × Π_j N(θ_j | μ, τ²)")


def model3_tau2_conditional(tau2_conditional=...) -> bool:
    """ex04, task 2: ``tau2_conditional(theta, mu, a, b)`` returns (shape, scale) of the
    inverse-gamma τ² | θ, μ with τ² ~ IG(a, b). Compared with teachkit's
    ``hierarchical.draw_tau2`` and a grid of prior × likelihood."""
    return _run("τ² | θ, μ in Model 3", _model3_tau2_conditional, tau2_conditional)


def _random_cases_tau2(count=12):
    rng = np.random.default_rng(REF_SEED + 3)
    cases = [dict(theta=_homework().means.copy(), mu=7.7, a=1.0, b=10.0)]
    for _ in range(count - 1):
        J = int(rng.choice([3, 8, 20]))
        cases.append(dict(theta=rng.normal(7, 2, size=J), mu=float(rng.normal(7, 1)),
                          a=float(rng.uniform(0.5, 3)), b=float(rng.uniform(0.5, 20))))
    return cases


def _model3_tau2_conditional(report, func):
    from teachkit.models import hierarchical

    _deviations_variance_check(
        report, func, "tau2_conditional", _random_cases_tau2(), hierarchical.draw_tau2, values="theta",
        symbols=dict(k="J", SS="Σ_j(θ_j − μ)²",
                     wrong="the θ_j scatter around μ, not around their own mean θ̄: use Σ_j(θ_j − μ)²"),
        sampler="draw_tau2", density="IG(τ² | a, b) × Π_j N(θ_j | μ, τ²)")


def model3_theta_step(theta_step=...) -> bool:
    """ex04, task 3: ``theta_step(mu, tau2, sigma2, n, ybar, rng)`` draws θ_1..θ_J | μ, τ², σ², y
    with numpy and returns an array of J. Called 3,000 times at each of two states; the
    draws' means and variances are compared with the exact conditional (from teachkit's
    ``hierarchical.draw_theta``) within 4.5 standard errors, and with the same Generator
    seed with teachkit's own draws."""
    return _run("one Gibbs step: θ | μ, τ², σ², y", _model3_theta_step, theta_step)


THETA_STEP_CALLS = 3000


def _model3_theta_step(report, func):
    from teachkit.models import hierarchical

    func = _function(func, "theta_step")
    data = _homework()
    n, ybar = data.n.astype(float), data.means.copy()
    states = [dict(mu=7.7, tau2=4.0, sigma2=16.0), dict(mu=5.0, tau2=0.5, sigma2=30.0)]

    def call(state, rng):
        out = _call(func, "theta_step", dict(**state, n=n.copy(), ybar=ybar.copy(), rng=rng))
        if out is None:
            raise _Off("`theta_step` returned None", "End it with `return theta` (an array of J draws).")
        if _has_ellipsis(out):
            raise _Off("no answer yet: `theta_step` still returns `...`", NOT_YET_HINT)
        return _array(out, "theta_step(...)", (data.J,))

    # the same seed must give the same draws (all randomness through rng), and new draws differ
    first = call(states[0], np.random.default_rng(1))
    if not np.array_equal(first, call(states[0], np.random.default_rng(1))):
        raise _Off("two calls with Generators of the same seed gave different draws",
                   "Draw only from the `rng` argument (`rng.standard_normal(J)`), not from np.random.")
    if np.array_equal(first, call(states[0], np.random.default_rng(2))):
        raise _Off("the result does not change with the random numbers: it is not a draw",
                   "Add the random part: mean + sd · rng.standard_normal(J).")
    teachkit_draw = hierarchical.draw_theta(np.array([states[0]["mu"]]), np.array([states[0]["tau2"]]),
                                            np.array([states[0]["sigma2"]]), n, ybar, np.random.default_rng(1))[0]
    same_stream = np.allclose(first, teachkit_draw, rtol=1e-10)

    z = 4.5   # standard errors; with 2 states × 8 schools × 2 moments a correct step fails with prob. < 2e-4
    for state in states:
        rng = np.random.default_rng(REF_SEED)
        x = np.array([call(state, rng) for _ in range(THETA_STEP_CALLS)])
        m, v = (a.squeeze(0) for a in _normal_params(lambda r: hierarchical.draw_theta(
            np.array([state["mu"]]), np.array([state["tau2"]]), np.array([state["sigma2"]]), n, ybar, r)))
        K = x.shape[0]
        z_mean = (x.mean(axis=0) - m) / np.sqrt(v / K)
        ratio = x.var(axis=0, ddof=1) / v
        z_var = (ratio - 1) / math.sqrt(2 / (K - 1))
        where = f"μ={_g(state['mu'])}, τ²={_g(state['tau2'])}, σ²={_g(state['sigma2'])}"
        if np.all(np.abs(z_mean) < z) and np.all(np.abs(z_var) < z):
            continue
        j = int(np.argmax(np.abs(z_mean))) if np.any(np.abs(z_mean) >= z) else int(np.argmax(np.abs(z_var)))
        label = data.labels[j]
        if np.any(np.abs(z_mean) >= z):
            if np.allclose(x.mean(axis=0), ybar, atol=4.5 * np.sqrt(v / K).max() + 0.05 * np.sqrt(v).max()):
                hint = "Your draws centre on the school means ȳ_j: the prior θ_j ~ N(μ, τ²) pulls each toward μ."
            else:
                hint = "The mean is (μ/τ² + n_j ȳ_j/σ²) / (1/τ² + n_j/σ²); compare with your code."
            report.bad(f"at {where}: the mean of your draws of θ_{label} is {_g(x.mean(axis=0)[j])}, "
                       f"the conditional mean is {_g(m[j])}", hint)
        else:
            sd = float(np.sqrt(x.var(axis=0, ddof=1)[j]))
            if abs(sd - v[j]) < 0.1 * v[j]:
                hint = "You scaled the normal draws by the variance; scale by the sd 1/√precision."
            elif abs(sd**2 - state["sigma2"] / n[j]) < 0.1 * state["sigma2"] / n[j]:
                hint = "The variance is 1/(1/τ² + n_j/σ²): the prior's precision 1/τ² is missing."
            else:
                hint = "The variance is 1/precision, precision = 1/τ² + n_j/σ²."
            report.bad(f"at {where}: your draws of θ_{label} have sd {_g(sd)}, the conditional sd is "
                       f"{_g(math.sqrt(v[j]))}", hint)
        return
    report.good(f"means and variances of {THETA_STEP_CALLS} draws per school at two states match the "
                "exact conditional (within 4.5 standard errors)")
    if same_stream:
        report.good("with the same Generator seed your draws equal teachkit's draw_theta exactly")
    else:
        report.note("(your draws use the random stream differently from teachkit's draw_theta, "
                    "which is fine: they agree in distribution)")


def model3_gibbs(draws=...) -> bool:
    """ex04, task 4: a dict with your sampler's draws (warm-up dropped): "mu", "sigma2",
    "tau2" shaped (draws,) and "theta" shaped (draws, J), with Hoff's priors. Posterior
    means are compared with teachkit.exact within 4 Monte Carlo standard errors of your draws."""
    return _run("your Gibbs sampler for Model 3", _model3_gibbs, draws)


def _model3_gibbs(report, draws):
    from teachkit import diagnostics

    _present(draws, "draws")
    if not isinstance(draws, dict):
        raise _Off(f"`draws` should be a dict of arrays, got {_describe(draws)}",
                   'Return {"mu": ..., "sigma2": ..., "tau2": ..., "theta": ...}.')
    missing = [k for k in ("mu", "sigma2", "tau2", "theta") if k not in draws]
    if missing:
        raise _Off(f"`draws` has no {', '.join(repr(k) for k in missing)}", "Store every parameter.")
    data = _homework()
    ex = _exact3("hoff")
    theta = _array(draws["theta"], 'draws["theta"]')
    if theta.ndim != 2 or theta.shape[1] != data.J:
        raise _Off(f'draws["theta"] should have shape (draws, {data.J}), it has {theta.shape}')
    ok = True
    for name in ("mu", "sigma2", "tau2"):
        x = _draws(draws[name], f'draws["{name}"]', positive=name != "mu")
        if x.ndim != 1 or x.size != theta.shape[0]:
            raise _Off(f'draws["{name}"] should have shape ({theta.shape[0]},), it has {x.shape}')
        ok &= _compare(report, f"posterior mean of {SYMBOL[name]}", x.mean(), ex.mean(name),
                       K_MCSE * diagnostics.mcse_mean(x))
    ref = ex.mean("theta")
    bad = [j for j in range(data.J)
           if abs(theta[:, j].mean() - ref[j]) > K_MCSE * diagnostics.mcse_mean(_draws(theta[:, j], "θ"))]
    if bad:
        j = bad[0]
        report.bad(f"posterior mean of θ_{data.labels[j]}: yours {_g(theta[:, j].mean())}, "
                   f"reference {_g(ref[j])} ({len(bad)} school(s) off)")
        ok = False
    else:
        report.good("posterior means of all 8 θ_j")
    if ok:
        report.note(f"(tolerances: {int(K_MCSE)} Monte Carlo standard errors of your draws; "
                    "reference: teachkit.exact with Hoff's priors)")
    else:
        report.bad("some posterior means are off",
                   "Check each step uses the latest values of the others, that σ² and τ² are drawn as "
                   "scale / Gamma(shape), and that the warm-up is dropped.")


def model3_shrinkage_weights(weights=...) -> bool:
    """ex04, task 5: the posterior mean of each school's weight
    w_j = (n_j/σ²) / (n_j/σ² + 1/τ²), shape (8,), with the lecture's priors."""
    return _run("shrinkage weights E[w_j | y]", _model3_shrinkage_weights, weights)


def _model3_shrinkage_weights(report, weights):
    data = _homework()
    w = _array(weights, "weights", (data.J,))
    ex = _exact3("lecture")
    ref = ex.shrinkage_weight()
    fit = _reference_fit("lecture")
    sig2, tau2 = fit.flat("sigma2")[:, None], fit.flat("tau2")[:, None]
    w_draws = (data.n / sig2) / (data.n / sig2 + 1 / tau2)
    tol = np.array([_tol_mean(s) for s in w_draws.std(axis=0)])
    plug = ex.mean("tau2") / (ex.mean("tau2") + ex.mean("sigma2") / data.n)
    if np.all(np.abs(w - ref) <= tol):
        report.good("E[w_j | y] of all 8 schools: " + ", ".join(f"{v:.2f}" for v in ref))
        j = int(np.argmin(ref))
        report.note(f"(smallest: school {data.labels[j]}, with n = {int(data.n[j])}; "
                    "reference: teachkit.exact)")
        return
    if np.all(np.abs((1 - w) - ref) <= tol):
        report.bad("these are 1 − w_j, the weights of μ", "w_j is the weight of the school's own mean ȳ_j.")
    elif np.all(np.abs(w - plug) <= 0.01):
        report.bad("you plugged the posterior means of σ² and τ² into the formula",
                   "Compute w_j in every draw, then average: E[w_j | y] is not w_j at E[σ²], E[τ²].")
    else:
        j = int(np.argmax(np.abs(w - ref) / tol))
        report.bad(f"school {data.labels[j]}: yours {_g(w[j])}, reference {_g(ref[j])} "
                   f"(accepted ± {_g(tol[j], 2)})",
                   "Per draw: w = (n/σ²) / (n/σ² + 1/τ²) with arrays n (J,) and σ², τ² (draws, 1).")
