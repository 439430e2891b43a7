"""Checks of notebooks/exercises/ex10_three_levels.ipynb (the three-level model: houses in
counties in states; the conditionals of the top level, and what seven states say about ω)."""

from __future__ import annotations

import functools
import math

import numpy as np

from teachkit.check._answers import _array, _call, _close, _function, _has_ellipsis, NOT_YET_HINT
from teachkit.check._conditionals import _deviations_variance_check, _GridAgreement, _normal_conditional_feedback
from teachkit.check._reference import (
    _grid_normal, _normal_params, _tol_quantile, REF_SEED,
)
from teachkit.check._report import _g, _g2, _Off, _run

OMEGA_QUANTILES = (0.025, 0.5, 0.975)   # what task 3 asks for: ω's median and 95% interval
#: Effective draws assumed behind task 3's quantiles: the task's fits (4 × 5,000 draws) give ω² a bulk
#: ESS near 10,000 and a tail ESS near 13,000; 4,000 leaves room and still tells a 90% interval
#: (5% and 95% points) from the 95% one asked for.
OMEGA_ESS = 4000
EXACT_GRID = dict(n_sigma=21, n_tau=21, n_omega=81)   # σ and τ are sharp on the radon data: a
                                                      # coarser grid gives ω's quantiles to 4 digits


@functools.lru_cache(maxsize=1)
def _radon():
    from teachkit.data import load_radon

    return load_radon()


def _omega2_priors():
    """Task 3's two priors on ω²: the lecture's flat sd, and notebook 9's "vague" inverse-gamma."""
    from teachkit.priors import InverseGamma, UniformSD

    return {"flat": UniformSD(1000), "ig": InverseGamma(0.01, 0.01)}


@functools.lru_cache(maxsize=2)
def _exact_radon(prior):
    from teachkit import exact

    return exact.three_level(_radon(), omega2_prior=_omega2_priors()[prior], **EXACT_GRID)


# ------------------------------------------------------------------ task 1: ψ_k | θ, μ, τ², ω²
def three_level_psi_conditional(psi_conditional=...) -> bool:
    """ex10, task 1: ``psi_conditional(theta, state, mu, tau2, omega2)`` returns (mean, var) of
    ψ_k | θ, μ, τ², ω² for every supergroup k = 0..K−1 (two arrays of K); ``state[j]`` is the
    supergroup of group j. Compared on 12 random inputs with teachkit's ``three_level.draw_psi``
    and with a normalised grid of prior × likelihood for every supergroup."""
    return _run("ψ_k | θ, μ, τ², ω² in the three-level model", _psi, psi_conditional)


def _cases_psi(count=12):
    rng = np.random.default_rng(REF_SEED + 10)
    radon = _radon()
    cases = [dict(theta=radon.means.copy(), state=radon.group_supergroup.copy(), mu=1.2, tau2=0.14, omega2=0.3)]
    for _ in range(count - 1):
        K = int(rng.choice([2, 3, 5, 7]))
        J_k = rng.integers(1, 12, size=K)
        state = rng.permutation(np.repeat(np.arange(K), J_k))     # counties not sorted by state
        psi = rng.normal(1.0, 0.6, size=K)
        tau2 = float(np.exp(rng.uniform(np.log(0.02), np.log(2.0))))
        cases.append(dict(theta=psi[state] + rng.normal(0, math.sqrt(tau2), size=state.size), state=state,
                          mu=float(rng.normal(1, 0.5)), tau2=tau2,
                          omega2=float(np.exp(rng.uniform(np.log(0.01), np.log(3.0))))))
    return cases


def _per_state(result, fname, names, K):
    """A result that must be two arrays of K, e.g. (mean, var), one entry per supergroup."""
    what = f"({names[0]}, {names[1]})"
    if result is None:
        raise _Off(f"`{fname}` returned None", f"End it with `return {names[0]}, {names[1]}`.")
    if _has_ellipsis(result):
        raise _Off(f"no answer yet: `{fname}` still returns `...`", NOT_YET_HINT)
    if isinstance(result, str) or not hasattr(result, "__len__") or len(result) != 2:
        raise _Off(f"`{fname}` should return two arrays {what}, it returned {type(result).__name__}"
                   + (f" of length {len(result)}" if hasattr(result, "__len__") else ""),
                   f"End it with `return {names[0]}, {names[1]}`, each an array with one entry per state.")
    out = []
    for i, part in enumerate(result):
        arr = _array(part, f"{fname}(...)[{i}] ({names[i]})")
        if arr.shape != (K,):
            got = "one number" if arr.shape == () else f"shape {arr.shape}"
            raise _Off(f"`{fname}(...)[{i}]` ({names[i]}) should have one entry per state, shape ({K},); it has {got}",
                       "ψ has one entry per state (K of them), not one per county: "
                       "loop over k in range(K) and select the counties with `state == k`.")
        out.append(arr)
    return out


def _psi(report, func):
    from teachkit.models import three_level
    from teachkit.priors import Normal

    func = _function(func, "psi_conditional")
    grid = _GridAgreement()
    for c in _cases_psi():
        theta, state, mu, tau2, omega2 = c["theta"], c["state"], c["mu"], c["tau2"], c["omega2"]
        K, J = int(state.max()) + 1, theta.size
        J_k = np.bincount(state, minlength=K).astype(float)
        mean, var = _per_state(_call(func, "psi_conditional", {**c, "theta": theta.copy(), "state": state.copy()}),
                               "psi_conditional", ("mean", "var"), K)
        ref_mean, ref_var = (np.asarray(v, dtype=float)[0] for v in _normal_params(
            lambda rng: three_level.draw_psi(theta[None, :], np.array([mu]), np.array([tau2]), np.array([omega2]),
                                             state, J_k, rng)))
        case = f"J={J} groups in K={K} supergroups, mu={_g(mu)}, tau2={_g(tau2)}, omega2={_g(omega2)}"
        if not _psi_feedback(report, case, mean, var, ref_mean, ref_var, theta, state, J_k, mu, tau2, omega2):
            return
        for k in range(K):
            mine = theta[state == k]
            s = math.sqrt(min(omega2, tau2 / mine.size))
            grid.add((mean[k], var[k]), _grid_normal(
                lambda p: Normal(mu, omega2).logpdf(p) + Normal(0.0, tau2).logpdf(mine[:, None] - p).sum(axis=0),
                min(mu, mine.mean()) - 12 * s, max(mu, mine.mean()) + 12 * s, size=4001))
    report.good("means and variances of every ψ_k equal those of teachkit's draw_psi at 12 random inputs")
    grid.report(report, "N(ψ_k | μ, ω²) × Π_{j in k} N(θ_j | ψ_k, τ²) for every state")


def _all_close(a, b):
    return all(_close(x, y) for x, y in zip(np.ravel(a), np.ravel(np.broadcast_to(b, np.shape(a)))))


def _psi_feedback(report, case, mean, var, ref_mean, ref_var, theta, state, J_k, mu, tau2, omega2):
    """True if right; otherwise one ✗ naming the slip (the ψ-specific ones first)."""
    ok_mean, ok_var = _all_close(mean, ref_mean), _all_close(var, ref_var)
    if ok_mean and ok_var:
        return True
    where = f"at {case}"
    J, K = theta.size, J_k.size
    sums = np.bincount(state, weights=theta, minlength=K)
    count_hint = (f"The count in ψ_k's precision is J_k, the number of groups in state k ({_g(J_k.min())} to "
                  f"{_g(J_k.max())} here), not J = {J}, all groups: `np.sum(state == k)`.")
    if not ok_var and _all_close(var, 1 / (1 / omega2 + J / tau2)):
        report.bad(f"variance of ψ_k: the same for every state ({_g(var[0])}) {where}", count_hint)
        return False
    summed_all = [(mu / omega2 + theta.sum() / tau2) / (1 / omega2 + n / tau2) for n in (J_k, J)]
    if any(_all_close(mean, m) for m in summed_all):
        report.bad(f"mean of ψ_k: you summed θ over all {J} groups, for every state {where}",
                   "ψ_k's data are the θ_j of the groups in state k only: `theta[state == k].sum()`.")
        return False
    if ok_var:
        # the variance is right, so the precision is: read off the sum of θ each mean implies
        implied = (mean / var - mu / omega2) * tau2
        k = int(np.argmax(np.abs(implied - sums) / np.maximum(np.abs(sums), 1.0)))
        other = [m for m in range(K) if m != k and _close(implied[k], sums[m], 1e-6)]
        if other:
            report.bad(f"mean of ψ_{k}: it uses the groups of state {other[0]}, not those of state {k} {where}",
                       "Select the groups of state k with `state == k` (states are coded 0, 1, ..., K − 1).")
            return False
        P, xbar = 1 / ref_var[k], sums[k] / J_k[k]
        if _all_close(mean, (mu + sums / tau2) * ref_var):
            yours, right = _g2(mean[k], ref_mean[k])
            report.bad(f"mean of ψ_{k}: yours {yours}, the right value {right} {where}",
                       "The prior's term is μ/ω², not μ: weight the prior mean by the prior's precision 1/ω².")
            return False
        usual = [xbar, (mu + xbar) / 2, (mu / omega2 + xbar / tau2) / P, mu / omega2 + sums[k] / tau2]
        if not any(_close(mean[k], m, 1e-6) for m in usual):
            yours, right = _g2(implied[k], sums[k])
            report.bad(f"mean of ψ_{k}: the sum of θ_j it implies is {yours}; the θ_j of the {_g(J_k[k])} groups "
                       f"in state {k} sum to {right} {where}",
                       "Sum the θ_j of the groups in state k, wherever they are in `theta`: "
                       "`theta[state == k].sum()` (groups are not sorted by state).")
            return False
    # otherwise: the usual slips of a normal-mean update, named for the first state that is off
    # (a state with two or more groups when there is one: with one group a sum is its mean)
    off = [k for k in range(K) if not (_close(mean[k], ref_mean[k]) and _close(var[k], ref_var[k]))]
    k = next((m for m in off if J_k[m] > 1), off[0])
    _normal_conditional_feedback(report, f"{case}, state k={k} (J_k={_g(J_k[k])})", mean[k], var[k],
                                 ref_mean[k], ref_var[k], mu, omega2, J_k[k], sums[k] / J_k[k], tau2,
                                 dict(k="J_k", x="θ̄_k", v="τ²", v0="ω²", m0="μ", obs="the θ_j of state k"))
    return False


# ------------------------------------------------------------------ task 2: ω² | ψ, μ
def three_level_omega2_conditional(omega2_conditional=...) -> bool:
    """ex10, task 2: ``omega2_conditional(psi, mu, a, b)`` returns (shape, scale) of the
    inverse-gamma ω² | ψ, μ with ω² ~ IG(a, b). Compared on 12 random inputs with teachkit's
    ``three_level.draw_omega2`` and a grid of prior × likelihood."""
    return _run("ω² | ψ, μ in the three-level model", _omega2, omega2_conditional)


def _cases_omega2(count=12):
    rng = np.random.default_rng(REF_SEED + 11)
    radon = _radon()
    state_means = np.bincount(radon.group_supergroup, weights=radon.means) / np.bincount(radon.group_supergroup)
    cases = [dict(psi=state_means, mu=1.2, a=0.01, b=0.01)]
    for _ in range(count - 1):
        K = int(rng.choice([2, 3, 7, 12]))
        cases.append(dict(psi=rng.normal(1, 0.6, size=K), mu=float(rng.normal(1, 0.3)),
                          a=float(rng.uniform(0.01, 3)), b=float(rng.uniform(0.01, 2))))
    return cases


def _omega2(report, func):
    from teachkit.models import three_level

    _deviations_variance_check(
        report, func, "omega2_conditional", _cases_omega2(), three_level.draw_omega2, values="psi",
        symbols=dict(k="K", SS="Σ_k(ψ_k − μ)²", var="ω²",
                     wrong="the ψ_k scatter around μ, not around their own mean ψ̄: use Σ_k(ψ_k − μ)²"),
        sampler="draw_omega2", density="IG(ω² | a, b) × Π_k N(ψ_k | μ, ω²)")


# ------------------------------------------------------------------ task 3: ω under two priors
def three_level_omega_prior(omega_flat=..., omega_ig=...) -> bool:
    """ex10, task 3: the posterior 2.5%, 50% and 97.5% quantiles of ω = √ω² on the radon data,
    ``omega_flat`` with ω ~ U(0, 1000) (fit_three_level's default) and ``omega_ig`` with
    ω² ~ IG(0.01, 0.01) (the other priors left at their defaults). Compared with teachkit.exact,
    within 4 Monte Carlo standard errors of a quantile from OMEGA_ESS effective draws."""
    return _run("ω on the radon data under two priors", _omega_prior, omega_flat, omega_ig)


def _omega_reference(prior):
    """ω's quantiles OMEGA_QUANTILES and the density of ω at each (from ω²'s quantiles at q ± 0.005)."""
    ex = _exact_radon(prior)
    q = np.array(OMEGA_QUANTILES)
    x = np.sqrt(ex.quantile("omega2", q))
    lo, hi = np.sqrt(ex.quantile("omega2", q - 0.005)), np.sqrt(ex.quantile("omega2", q + 0.005))
    return x, 0.01 / (hi - lo)


def _is_90_interval(x, key, tol):
    """x matches the 5%, 50% and 95% points of ω under prior ``key`` (within ``tol``)."""
    ex = _exact_radon(key)
    ref90 = np.sqrt(ex.quantile("omega2", [0.05, 0.5, 0.95]))
    return bool(np.all(np.abs(x - ref90) <= tol))


def _omega_prior(report, omega_flat, omega_ig):
    names = {"flat": "omega_flat", "ig": "omega_ig"}
    answers = {}
    for key, name in names.items():
        x = _array({"flat": omega_flat, "ig": omega_ig}[key], name)
        if x.shape != (3,):
            raise _Off(f"`{name}` should be three numbers (2.5%, 50%, 97.5%), it has shape {x.shape}",
                       "np.quantile(omega, [0.025, 0.5, 0.975]) with omega the draws of ω, one array of all chains.")
        answers[key] = x
    refs = {key: _omega_reference(key) for key in names}
    tols = {key: np.array([_tol_quantile(q, f, OMEGA_ESS) for q, f in zip(OMEGA_QUANTILES, dens)])
            for key, (_, dens) in refs.items()}

    def agrees(x, key):
        return bool(np.all(np.abs(x - refs[key][0]) <= tols[key]))

    if agrees(answers["flat"], "ig") and agrees(answers["ig"], "flat") and not agrees(answers["flat"], "flat"):
        report.bad("the two answers are swapped",
                   "omega_flat is the fit with the default prior (ω ~ U(0, 1000)); omega_ig the fit with "
                   "omega2_prior=tk.InverseGamma(0.01, 0.01).")
        return
    prior_text = {"flat": "ω ~ U(0, 1000)", "ig": "ω² ~ IG(0.01, 0.01)"}
    for key, name in names.items():
        x, (ref, _), tol = answers[key], refs[key], tols[key]
        label = f"{name} ({prior_text[key]})"
        if agrees(x, key):
            report.good(f"{label}: yours " + ", ".join(_g(v, 3) for v in x)
                        + "; reference " + ", ".join(_g(v, 3) for v in ref))
            continue
        if _is_90_interval(x, key, tol):
            report.bad(f"{label}: these look like the 5%, 50% and 95% points, a 90% interval",
                       "A 95% interval runs from the 2.5% to the 97.5% point: np.quantile(omega, [0.025, 0.5, 0.975]).")
        elif np.all(np.abs(np.sqrt(np.abs(x)) - ref) <= tol):
            report.bad(f"{label}: these are quantiles of ω², not of ω",
                       "Take the square root of the draws of omega2 first: ω = √ω².")
        elif not np.all(np.diff(x) > 0):
            report.bad(f"{label}: the three numbers should increase (2.5%, then 50%, then 97.5%)",
                       "np.quantile(omega, [0.025, 0.5, 0.975]).")
        else:
            i = int(np.argmax(np.abs(x - ref) / tol))
            yours, right = _g2(x[i], ref[i])
            report.bad(f"{label}: the {OMEGA_QUANTILES[i]:.1%} quantile is yours {yours}, reference {right} "
                       f"(accepted ± {_g(tol[i], 2)})",
                       "Check the prior of each fit, and take quantiles of √omega2 over all chains (post.flat).")
    if report.passed:
        report.note(f"(reference: teachkit.exact; accepted within 4 Monte Carlo standard errors of "
                    f"{OMEGA_ESS:,} effective draws)")
