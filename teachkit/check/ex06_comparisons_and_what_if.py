"""Checks of notebooks/exercises/ex06_comparisons_and_what_if.ipynb (comparisons, what-ifs, own data)."""

from __future__ import annotations

import math

import numpy as np

from teachkit.check._answers import _array, _describe, _draws, _is_posterior, _label, _number, _present
from teachkit.check._reference import (
    _compare, _ess_of, _exact3, _fit_rng, _homework, _priors, _prob_check, _prob_greater_model2,
    _reference_fit, _tol_mean, _tol_prob, K_MCSE,
)
from teachkit.check._report import _g, _Off, _run, _short


COMPARE_WITH = (4, 6, 7)  # school labels compared with school 5 (as in the lecture)


def compare_school5(p_model2=..., p_model3=...) -> bool:
    """ex06, task 1: P(θ_5 > θ_j | y) for j = 4, 6, 7 (arrays of 3) in Model 2 (lecture
    priors) and in Model 3 (lecture priors)."""
    return _run("school 5 against schools 4, 6 and 7", _compare_school5, p_model2, p_model3)


def _compare_school5(report, p_model2, p_model3):
    p2 = _array(p_model2, "p_model2", (3,))
    p3 = _array(p_model3, "p_model3", (3,))
    for name, p in (("p_model2", p2), ("p_model3", p3)):
        if np.any((p < 0) | (p > 1)):
            raise _Off(f"{_label(name)} holds values outside [0, 1]: these are not probabilities",
                       "Each is the mean of a True/False array over the draws.")
    theta3 = _reference_fit("lecture")["theta"]
    hint = "In every draw compare θ_5 (column 4) with θ_j (column j − 1), then average."
    for k, j in enumerate(COMPARE_WITH):
        ref = _prob_greater_model2(4, j - 1)
        tol = _tol_prob(ref)
        label = f"Model 2, P(θ_5 > θ_{j} | y)"
        if abs(p2[k] - ref) <= tol:
            report.good(f"{label}: yours {p2[k]:.3f}, reference {ref:.3f}")
        elif abs((1 - p2[k]) - ref) <= tol:
            report.bad(f"{label}: yours {p2[k]:.3f} is P(θ_5 < θ_{j} | y)", hint)
        else:
            report.bad(f"{label}: yours {p2[k]:.3f}, reference {ref:.3f} (accepted ± {tol:.3f})", hint)
    for k, j in enumerate(COMPARE_WITH):
        _prob_check(report, f"Model 3, P(θ_5 > θ_{j} | y)", p3[k], theta3[..., 4] > theta3[..., j - 1],
                    [(float((theta3[..., 4] < theta3[..., j - 1]).mean()), f"P(θ_5 < θ_{j} | y)")], hint)


def _school5_target():
    data = _homework()
    return data.n[4], data.means[4], data.sds[4]


def school5_values(values=...) -> bool:
    """ex06, task 2a: 50 values whose mean and sample sd are exactly school 5's."""
    return _run("50 students with school 5's mean and sd", _school5_values, values)


def _school5_values(report, values):
    _, mean, sd = _school5_target()
    v = _array(values, "values").ravel()
    if v.size != 50:
        raise _Off(f"`values` holds {v.size} numbers, not 50", "Draw 50 numbers, then rescale them.")
    if np.isclose(v.mean(), mean, rtol=1e-9, atol=0):
        report.good(f"mean {v.mean():.3f}, school 5's mean")
    else:
        report.bad(f"mean {_g(v.mean())}, school 5's is {_g(mean)}",
                   "Standardise (subtract the mean, divide by the sd), then multiply by the "
                   "target sd and add the target mean.")
    s = v.std(ddof=1)
    if np.isclose(s, sd, rtol=1e-9, atol=0):
        report.good(f"sd {s:.3f}, school 5's sd")
    elif np.isclose(v.std(ddof=0), sd, rtol=1e-9, atol=0):
        report.bad(f"sd {_g(s)} with ddof=1: you standardised with np.std's default ddof=0",
                   "The table's sd divides by n − 1: use `.std(ddof=1)` in both places.")
    else:
        report.bad(f"sd {_g(s)}, school 5's is {_g(sd)}",
                   "Standardise with `.std(ddof=1)`, then multiply by the target sd.")


def school5_fifty(theta5_fifty=...) -> bool:
    """ex06, task 2b: posterior mean of θ_5 in Model 3 (lecture priors) when school 5 has 50
    students with its mean and sd. Only n, mean and sd enter the model, so any such 50 values
    give the same posterior; the check builds its own and integrates with teachkit.exact."""
    return _run("θ_5 with 50 students in school 5", _school5_fifty, theta5_fifty)


def _data_with_fifty():
    from teachkit.spectrum import with_sample_size  # the explorer's own way to change n_j

    return with_sample_size(_homework(), "5", 50)


def _school5_fifty(report, theta5_mean):
    m = _number(theta5_mean, "theta5_fifty")
    ex50 = _exact3("lecture", _data_with_fifty())
    ex9 = _exact3("lecture")
    ref, sd = float(ex50.mean("theta")[4]), float(ex50.sd("theta")[4])
    tol = _tol_mean(sd)
    if abs(m - ref) <= tol:
        report.good(f"E[θ_5 | y]: yours {m:.2f}, reference {ref:.2f} (accepted ± {tol:.2f})")
        report.note(f"(with 9 students it is {float(ex9.mean('theta')[4]):.2f} and the sample mean is "
                    f"{_homework().means[4]:.2f}: more students, less shrinkage)")
    elif abs(m - float(ex9.mean("theta")[4])) <= _tol_mean(float(ex9.sd("theta")[4])):
        report.bad(f"E[θ_5 | y]: yours {m:.2f} is the value with the original 9 students",
                   "Fit the new data set: `data.with_group(4, values)`.")
    elif abs(m - _homework().means[4]) < 1e-3:
        report.bad(f"E[θ_5 | y]: yours {m:.2f} is the sample mean", "Fit Model 3 and average the draws of θ_5.")
    else:
        report.bad(f"E[θ_5 | y]: yours {m:.2f}, reference {ref:.2f} (accepted ± {tol:.2f})",
                   "Fit Model 3 with the lecture's priors to `data.with_group(4, values)`; school 5 is 'theta[5]'.")


def tau_prior(prior=..., theta5_mean=...) -> bool:
    """ex06, task 3: a prior on τ² of your choice (teachkit InverseGamma or UniformSD) and
    the posterior mean of θ_5 you got with it (other priors the lecture's). The check
    integrates the same model with teachkit.exact."""
    return _run("θ_5 under another prior on τ", _tau_prior, prior, theta5_mean)


def _prior_on_tau(prior):
    """A prior on τ² as the task writes it: 'τ ~ U(0, 1)' (a flat prior on the sd), 'τ² ~ IG(1, 10)'."""
    from teachkit.priors import UniformSD

    if isinstance(prior, UniformSD):
        return f"τ ~ U(0, {prior.upper:g})"
    return f"τ² ~ {prior}"


def _tau_prior(report, prior, theta5_mean):
    from teachkit import exact
    from teachkit.priors import InverseGamma, UniformSD

    _present(prior, "your prior (the first argument)")
    if not isinstance(prior, (InverseGamma, UniformSD)):
        raise _Off(f"the first argument should be a teachkit prior for a variance, got {_describe(prior)}",
                   "For example tk.UniformSD(1) (τ below 1 hour) or tk.InverseGamma(1, 1).")
    m = _number(theta5_mean, "your posterior mean of θ_5 (the second argument)")
    pri = {**_priors("lecture"), "tau2_prior": prior}
    try:
        ex = exact.hierarchical(_homework(), **pri)
    except ValueError as err:
        raise _Off(f"teachkit.exact cannot integrate the model with {prior}: {_short(err)}",
                   "Pick a proper prior that allows the data's spread.") from None
    ref, sd = float(ex.mean("theta")[4]), float(ex.sd("theta")[4])
    tol = _tol_mean(sd)
    base = float(_exact3("lecture").mean("theta")[4])
    lecture = _prior_on_tau(_priors("lecture")["tau2_prior"])
    if abs(m - ref) <= tol:
        report.good(f"with {_prior_on_tau(prior)}, E[θ_5 | y] = {m:.2f} (reference {ref:.2f}, accepted ± {tol:.2f})")
        report.note(f"(the lecture's prior {lecture} gives {base:.2f}; E[τ² | y] is "
                    f"{ex.mean('tau2'):.2f} here against {_exact3('lecture').mean('tau2'):.2f})")
    elif abs(m - base) <= tol:
        report.bad(f"E[θ_5 | y]: yours {m:.2f} is the value under the lecture's prior",
                   "Pass your prior to the fit: `tk.fit_hierarchical(data, tau2_prior=prior, ...)`.")
    else:
        report.bad(f"E[θ_5 | y]: yours {m:.2f}, reference with {_prior_on_tau(prior)}: {ref:.2f} (accepted ± {tol:.2f})",
                   "Fit with `tau2_prior=prior` and the other priors left at their defaults; "
                   "school 5 is `post.mean('theta[5]')`.")


def new_school(theta_new=...) -> bool:
    """ex06, task 4: draws of θ_new, the mean of a ninth school with no data yet, from
    Model 3 with the lecture's priors (one per posterior draw: θ_new ~ N(μ, τ²))."""
    return _run("a ninth school: θ_new", _new_school, theta_new)


def _new_school(report, theta_new):
    x = _draws(theta_new, "theta_new", min_draws=1000).ravel()
    fit = _reference_fit("lecture")
    rng = _fit_rng(2)
    mu, tau2, sigma2 = fit.flat("mu"), fit.flat("tau2"), fit.flat("sigma2")
    z = rng.standard_normal(mu.size)
    ref = mu + np.sqrt(tau2) * z
    ess = min(_ess_of(x), float(x.size))
    ess_ref = _ess_of(ref.reshape(fit.nchains, -1))
    ok = _compare(report, "mean", x.mean(), ref.mean(), K_MCSE * ref.std() * math.sqrt(1 / ess + 1 / ess_ref))
    sd, ref_sd = x.std(ddof=1), ref.std(ddof=1)
    kurt = float(np.mean((ref - ref.mean()) ** 4) / ref_sd**4)
    tol_sd = K_MCSE * ref_sd * math.sqrt((kurt - 1) / 4 * (1 / ess + 1 / ess_ref))
    if abs(sd - ref_sd) <= tol_sd:
        report.good(f"sd: yours {sd:.2f}, reference {ref_sd:.2f} (accepted ± {tol_sd:.2f})")
    else:
        ok = False
        # Name the slip by the interquartile range, which heavy tails (τ² used as an sd) do not
        # throw about as they do the sd; the alternatives are far apart, so 20% tells them apart.
        def iqr(v):
            return float(np.subtract(*np.quantile(v, [0.75, 0.25])))

        alternatives = [(mu, "that of μ alone: a new school also differs from μ, by τ",
                         "θ_new = μ + τ·z with τ = √τ² and z ~ N(0, 1), one z per draw."),
                        (mu + tau2 * z, "what τ² as the sd gives", "Scale z by τ = √τ², not by τ²."),
                        (mu + np.sqrt(tau2 + sigma2) * z,
                         "that of one new student in the new school (σ² added)",
                         "θ_new is the school's mean: leave σ² out.")]
        why = next(((w, h) for a, w, h in alternatives if abs(iqr(x) / iqr(a) - 1) < 0.2), None)
        if why:
            report.bad(f"sd: yours {sd:.2f} is {why[0]}", why[1])
        else:
            report.bad(f"sd: yours {sd:.2f}, reference {ref_sd:.2f} (accepted ± {tol_sd:.2f})",
                       "One θ_new per posterior draw: μ + √τ² · rng.standard_normal(size).")
    if ok:
        lo, hi = np.quantile(x, [0.025, 0.975])
        report.note(f"(your 95% interval for θ_new: {lo:.1f} to {hi:.1f} hours; the reference is a "
                    "teachkit fit with the check's own seed)")


def own_data(data=...) -> bool:
    """ex06, task 5a: your own grouped data, read with GroupedData.from_csv."""
    return _run("your own grouped data", _own_data, data)


def _own_data(report, data):
    from teachkit.data import GroupedData

    if isinstance(data, str):
        raise _Off(f"your data is the text {data!r}",
                   "Read the file: tk.GroupedData.from_csv(path, value=..., group=...).")
    _present(data, "your data")
    if not isinstance(data, GroupedData):
        raise _Off(f"your data should be a GroupedData, got {_describe(data)}",
                   "Read it with tk.GroupedData.from_csv(path, value='column', group='column').")
    report.good(f"{data.n_total} values of {data.value_name!r} in {data.J} groups of {data.group_name!r}")
    if data.J < 2:
        report.bad("a hierarchical model needs at least 2 groups", "Use a column that splits the values into groups.")
    else:
        report.good(f"group sizes from {int(data.n.min())} to {int(data.n.max())}")
    if np.ptp(data.values) == 0:
        report.bad("every value is the same: there is nothing to model", "Pick a column that varies.")


def own_fit(post=...) -> bool:
    """ex06, task 5b: a Model 3 fit of your own data. Checks convergence (R-hat, ESS) and
    that E[μ | y] and E[θ_j | y] agree with teachkit.exact within 4 Monte Carlo standard
    errors of your draws."""
    return _run("Model 3 on your own data", _own_fit, post)


def _own_fit(report, post):
    from teachkit import diagnostics, exact

    post = _is_posterior(post, "your fit")
    if post.model != "hierarchical":
        raise _Off(f"your fit is a {post.model} fit", "Fit your data with tk.fit_hierarchical.")
    rhat = post.max_rhat()
    (report.good if rhat < 1.01 else report.bad)(
        f"largest R-hat {rhat:.3f}", "Run longer chains (more draws, longer warm-up).")
    ess = post.min_ess(["mu", "sigma2", "tau2"])
    (report.good if ess >= 400 else report.bad)(
        f"smallest ESS of μ, σ², τ²: {ess:.0f} (at least 400 wanted)", "Run more draws.")
    pri = {f"{k}_prior": post.priors[k] for k in ("mu", "sigma2", "tau2")}
    try:
        ex = exact.hierarchical(post.data, **pri)
    except ValueError as err:
        report.note(f"(teachkit.exact could not integrate this model: {_short(err)})")
        return
    _compare(report, "E[μ | y]", post.mean("mu"), ex.mean("mu"), K_MCSE * diagnostics.mcse_mean(post["mu"]))
    theta = post["theta"]
    off = [j for j in range(theta.shape[2])
           if abs(theta[..., j].mean() - ex.mean("theta")[j]) > K_MCSE * diagnostics.mcse_mean(theta[..., j])]
    if off:
        report.bad(f"E[θ | y] of group {post.labels[off[0]]} is off", "Check the fit's warm-up and length.")
    else:
        report.good(f"E[θ_j | y] of all {theta.shape[2]} groups agree with teachkit.exact")
