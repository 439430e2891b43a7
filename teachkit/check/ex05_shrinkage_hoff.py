"""Checks of notebooks/exercises/ex05_shrinkage_hoff.ipynb (Hoff's exercise 8.3)."""

from __future__ import annotations

import numpy as np

from teachkit.check._answers import _array, _describe, _is_posterior, _number, _present, _probability
from teachkit.check._reference import (
    _density_at, _ess_of, _exact3, _fit_rng, _homework, _priors, _prob_check, _reference_fit, _tol_mean,
    _tol_quantile, ESS_ASSUMED, K_MCSE,
)
from teachkit.check._report import _g, _Off, _run, SYMBOL


HOFF_NAMES = ("sigma2", "mu", "tau2")
ESS_RTOL = 0.15   # an ESS within 15% of teachkit's ess_bulk is another sound estimate of the same thing


def _hoff_posterior(post, name="post"):
    """A student's fit, which must be Model 3 with Hoff's priors."""
    post = _is_posterior(post, name)
    if post.model != "hierarchical":
        raise _Off(f"`{name}` is a {post.model} fit; the exercise is about the hierarchical model",
                   "Fit it with tk.fit_hierarchical.")
    for key, prior in _priors("hoff").items():
        par = key.removesuffix("_prior")
        if post.priors.get(par) != prior:
            raise _Off(f"the prior on {par} is {post.priors.get(par)}, Hoff's is {prior}",
                       "Pass mu_prior, sigma2_prior and tau2_prior as in the cell `hoff = dict(...)`.")
    return post


def hoff_ess(post=..., ess=...) -> bool:
    """ex05, task 1: ``post`` is your fit with Hoff's priors, ``ess`` a dict with the bulk
    effective sample sizes of "sigma2", "mu" and "tau2"; each must be above 1,000. Any sound
    estimate counts: yours is accepted within 15% of teachkit's ``ess_bulk(post[name])``."""
    return _run("effective sample sizes with Hoff's priors", _hoff_ess, post, ess)


def _hoff_ess(report, post, ess):
    from teachkit import diagnostics

    post = _hoff_posterior(post)
    report.good("a hierarchical fit with Hoff's priors")
    _present(ess, "ess")
    if not isinstance(ess, dict):
        raise _Off(f"`ess` should be a dict like {{'sigma2': ..., 'mu': ..., 'tau2': ...}}, got {_describe(ess)}")
    for name in HOFF_NAMES:
        if name not in ess:
            report.bad(f"`ess` has no entry {name!r}", "Add all three: sigma2, mu and tau2.")
            continue
        got = _number(ess[name], f"ess[{name!r}]")
        ref = diagnostics.ess_bulk(post[name])
        size = post[name].size
        if abs(got - ref) <= ESS_RTOL * ref:
            if got > 1000 and ref > 1000:
                report.good(f"ESS of {SYMBOL[name]}: {got:.0f} > 1,000")
            else:
                report.bad(f"ESS of {SYMBOL[name]}: {got:.0f} (teachkit's ess_bulk {ref:.0f}), not above 1,000",
                           "Run more draws: the ESS grows in proportion to the number of draws.")
        elif got == size:
            report.bad(f"ESS of {SYMBOL[name]}: yours {got:.0f} is the number of draws, not their effective number",
                       "Use `tk.diagnostics.ess_bulk(post[name])`: it discounts the draws for autocorrelation.")
        elif abs(got - ref / post.nchains) <= ESS_RTOL * ref / post.nchains:
            report.bad(f"ESS of {SYMBOL[name]}: yours {got:.0f} is about that of one chain; "
                       f"all {post.nchains} chains together give {ref:.0f}",
                       "Use `tk.diagnostics.ess_bulk(post[name])`: post[name] keeps the chains apart.")
        else:
            report.bad(f"ESS of {SYMBOL[name]}: yours {got:.0f}, teachkit's ess_bulk of these draws {ref:.0f} "
                       f"(accepted within {ESS_RTOL:.0%})",
                       "Use `tk.diagnostics.ess_bulk(post[name])`: post[name] keeps the chains apart.")
    rhat = post.max_rhat(list(HOFF_NAMES))
    (report.good if rhat < 1.01 else report.bad)(f"largest R-hat {rhat:.3f} (below 1.01 means the chains agree)")


def hoff_summary(summary=...) -> bool:
    """ex05, task 2: a dict {"sigma2": (mean, low, high), "mu": ..., "tau2": ...} of
    posterior means and central 95% intervals with Hoff's priors; against teachkit.exact."""
    return _run("posterior means and 95% intervals (Hoff's priors)", _hoff_summary, summary)


def _hoff_summary(report, summary):
    _present(summary, "summary")
    if not isinstance(summary, dict):
        raise _Off(f"`summary` should be a dict like {{'sigma2': (mean, low, high), ...}}, got {_describe(summary)}")
    ex = _exact3("hoff")
    all_ok = True
    for name in HOFF_NAMES:
        if name not in summary:
            report.bad(f"`summary` has no entry {name!r}", "Add all three: sigma2, mu and tau2.")
            all_ok = False
            continue
        value = summary[name]
        try:   # (mean, (low, high)) is as good as (mean, low, high)
            value = np.hstack([np.ravel(np.asarray(v, dtype=float)) for v in value])
        except (TypeError, ValueError):
            pass
        mean, low, high = _array(value, f"summary[{name!r}]", (3,))
        ok = abs(mean - ex.mean(name)) <= _tol_mean(ex.sd(name))
        ends = []
        for got, q in ((low, 0.025), (high, 0.975)):
            xq = float(ex.quantile(name, q))
            ends.append((got, xq, abs(got - xq) <= _tol_quantile(q, _density_at(ex, name, xq))))
        if ok and all(e[2] for e in ends):
            report.good(f"{SYMBOL[name]}: mean {mean:.2f}, 95% interval ({low:.2f}, {high:.2f})")
            continue
        all_ok = False
        if not ok:
            if abs(mean - float(ex.quantile(name, 0.5))) <= _tol_mean(ex.sd(name)):
                hint = "That is the median; the task asks for the mean."
            else:
                hint = "Average all draws of the parameter: `post.mean(name)`."
            report.bad(f"{SYMBOL[name]}: mean {mean:.2f}, reference {ex.mean(name):.2f}", hint)
        for (got, xq, good), side in zip(ends, ("lower", "upper")):
            if not good:
                report.bad(f"{SYMBOL[name]}: {side} end {got:.2f}, reference {xq:.2f}",
                           "The 95% interval runs from the 2.5% to the 97.5% quantile of the draws: "
                           "`post.interval(name, 0.95)`.")
    if all_ok:
        report.note(f"(accepted within {int(K_MCSE)} Monte Carlo standard errors of {ESS_ASSUMED} "
                    "effective draws; reference: teachkit.exact)")


def _R_prior_reference(size=200_000):
    """Draws of R = τ²/(σ² + τ²) under Hoff's priors, simulated with teachkit's priors."""
    pri = _priors("hoff")
    rng = _fit_rng(1)
    sigma2 = pri["sigma2_prior"].sample(rng, size)
    tau2 = pri["tau2_prior"].sample(rng, size)
    return tau2 / (sigma2 + tau2)


def hoff_R(R_prior=..., R_mean=..., post=None) -> bool:
    """ex05, task 3: draws of R = τ²/(σ² + τ²) from the prior (at least 1,000), and the
    posterior mean of R with Hoff's priors. Given ``post``, the fit R_mean came from, the
    check also makes sure it has Hoff's priors, and takes the Monte Carlo error of R_mean
    from its effective sample size (otherwise from ESS_ASSUMED = 1,000 effective draws)."""
    return _run("R = τ²/(σ² + τ²): prior and posterior", _hoff_R, R_prior, R_mean, post)


def _student_ess(post, x):
    """Effective size of a quantity x (shaped (chains, draws)) of the student's fit; ESS_ASSUMED without a fit."""
    return ESS_ASSUMED if post is None else _ess_of(x)


def _hoff_R(report, prior_draws, posterior_mean, post=None):
    if post is not None:
        post = _hoff_posterior(post)
    r = _array(prior_draws, "R_prior").ravel()
    if r.size < 1000:
        raise _Off(f"`R_prior` holds {r.size} values; the check needs at least 1,000",
                   "Draw σ² and τ² from their priors with `.sample(rng, 10_000)`.")
    if r.min() < 0 or r.max() > 1:
        raise _Off(f"`R_prior` run from {_g(r.min())} to {_g(r.max())}, but R is between 0 and 1",
                   "R = τ² / (σ² + τ²) with both variances from their priors.")
    ref = _R_prior_reference()
    qs = (0.1, 0.5, 0.9)
    ref_q = np.quantile(ref, qs)
    dens = [0.02 / np.subtract(*np.quantile(ref, [q + 0.01, q - 0.01])) for q in qs]
    tol = [_tol_quantile(q, d, ess=r.size) for q, d in zip(qs, dens)]
    got_q = np.quantile(r, qs)
    if all(abs(g - e) <= t for g, e, t in zip(got_q, ref_q, tol)):
        report.good("your prior draws of R have the right distribution (10%, 50%, 90% quantiles "
                    + ", ".join(f"{v:.2f}" for v in got_q) + ")")
    elif all(abs((1 - g) - e) <= t for g, e, t in zip(got_q[::-1], ref_q, tol)):
        report.bad("your prior draws look like σ²/(σ² + τ²), i.e. 1 − R", "R has τ² on top.")
    else:
        report.bad("your prior draws of R do not follow the prior: quantiles "
                   + ", ".join(f"{v:.2f}" for v in got_q) + " against " + ", ".join(f"{v:.2f}" for v in ref_q),
                   "Draw σ² ~ IG(1, 15) and τ² ~ IG(1, 10) independently (the priors' .sample), "
                   "then R = τ²/(σ² + τ²) elementwise.")
    m = _number(posterior_mean, "R_mean")
    fit = _reference_fit("hoff")
    R = fit["R"]
    ref_m = float(R.mean())
    tol_m = _tol_mean(float(R.std()), _ess_of(R), None if post is None else _ess_of(post["R"]))
    if abs(m - ref_m) <= tol_m:
        report.good(f"posterior mean of R: yours {m:.3f}, reference {ref_m:.3f} (accepted ± {tol_m:.3f})")
    elif abs(m - float(ref.mean())) <= tol_m:
        report.bad(f"posterior mean of R: yours {m:.3f} is the prior mean", "Use the posterior draws: `post['R']`.")
    else:
        report.bad(f"posterior mean of R: yours {m:.3f}, reference {ref_m:.3f} (accepted ± {tol_m:.3f})",
                   "`post.mean('R')` averages R over the posterior draws.")


def hoff_theta7(p_less=..., p_smallest=..., post=None) -> bool:
    """ex05, task 4: P(θ_7 < θ_6 | y) and P(θ_7 is the smallest of the 8 | y), Hoff's priors.
    Given ``post``, the fit they came from, the check also makes sure it has Hoff's priors and
    takes the Monte Carlo error of each probability from its draws."""
    return _run("school 7: P(θ_7 < θ_6) and P(θ_7 smallest)", _hoff_theta7, p_less, p_smallest, post)


def _hoff_theta7(report, p_less, p_smallest, post=None):
    a, b = _probability(p_less, "p_less"), _probability(p_smallest, "p_smallest")
    if post is not None:
        post = _hoff_posterior(post)
        mine = post["theta"]
    theta = _reference_fit("hoff")["theta"]     # (chains, draws, J): school 7 is index 6
    _prob_check(report, "P(θ_7 < θ_6 | y)", a, theta[..., 6] < theta[..., 5],
                [(1 - float((theta[..., 6] < theta[..., 5]).mean()), "P(θ_7 > θ_6 | y)"),
                 (float((theta[..., 5] < theta[..., 4]).mean()), "P(θ_6 < θ_5 | y): school k is column k − 1")],
                "Compare the draws of the two schools draw by draw; school 7 is column 6 (counting from 0).",
                ess=_student_ess(post, None if post is None else (mine[..., 6] < mine[..., 5]).astype(float)))
    smallest = theta.argmin(axis=-1)
    _prob_check(report, "P(θ_7 is the smallest | y)", b, smallest == 6,
                [(float((smallest == 7).mean()), "P(θ_8 is the smallest | y): school k is column k − 1"),
                 (float((smallest == 5).mean()), "P(θ_6 is the smallest | y): school k is column k − 1"),
                 (float((theta[..., 6] < theta[..., 5]).mean()), "P(θ_7 < θ_6 | y), not the smallest of all 8")],
                "In each draw find the school with the smallest θ (`argmin` along the school axis), "
                "then count how often it is school 7.",
                ess=_student_ess(post, None if post is None else (mine.argmin(axis=-1) == 6).astype(float)))


def hoff_shrinkage(post_means=...) -> bool:
    """ex05, task 5: posterior means of θ_1..θ_8 (shape (8,)) with Hoff's priors."""
    return _run("posterior means of the θ_j (Hoff's priors)", _hoff_shrinkage, post_means)


def _hoff_shrinkage(report, posterior_means):
    data = _homework()
    m = _array(posterior_means, "post_means", (data.J,))
    ex = _exact3("hoff")
    ref, sd = ex.mean("theta"), ex.sd("theta")
    tol = np.array([_tol_mean(s) for s in sd])
    if np.all(np.abs(m - ref) <= tol):
        report.good("posterior means of all 8 schools: " + ", ".join(f"{v:.2f}" for v in ref))
        mu = ex.mean("mu")
        between = (np.minimum(data.means, mu) <= ref) & (ref <= np.maximum(data.means, mu))
        if np.all(between):
            report.good(f"each lies between its school's sample mean and E[μ | y] = {mu:.2f} "
                        "(teachkit.exact): shrinkage")
        else:
            outside = ", ".join(data.labels[j] for j in np.flatnonzero(~between))
            report.note(f"not every school lies between its sample mean and E[μ | y] = {mu:.2f} "
                        f"(teachkit.exact): school(s) {outside} lie outside")
    elif np.allclose(m, data.means, atol=1e-6):
        report.bad("these are the sample means ȳ_j", "Average the posterior draws of each θ_j: `post.mean('theta')`.")
    else:
        j = int(np.argmax(np.abs(m - ref) / tol))
        report.bad(f"school {data.labels[j]}: yours {_g(m[j])}, reference {_g(ref[j])} "
                   f"(accepted ± {_g(tol[j], 2)})",
                   "Use the fit with Hoff's priors, and one mean per school: `post.mean('theta')`.")
