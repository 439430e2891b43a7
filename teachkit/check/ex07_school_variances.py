"""Checks of notebooks/exercises/ex07_school_variances.ipynb (Model 4: one variance per school, Hoff §8.5)."""

from __future__ import annotations

import functools
import math

import numpy as np

from teachkit.check._answers import _array, _call, _close, _function, _has_ellipsis, _number, _pair, _present, NOT_YET_HINT
from teachkit.check._reference import (
    _exact3, _ess_of, _fit_rng, _FixedDraws, _homework, _ig_params, ESS_ASSUMED, K_MCSE, REF_SEED,
)
from teachkit.check._report import _g, _Off, _run

REF_DRAWS_4 = 2_000   # per chain, 4 chains (+500 warm-up): Model 4's reference fit; its own MCSE enters the tolerance


# ------------------------------------------------------------------ task 1: σ_j² | θ_j, ν0, σ0², y
def school_variances_sigma2(sigma2_conditional=...) -> bool:
    """ex07, task 1: ``sigma2_conditional(theta, nu0, sigma02, n, ybar, ss)`` returns (shape, scale)
    of the inverse-gamma σ_j² | θ_j, ν0, σ0², y for every school (two arrays of J). Compared on
    12 random inputs with teachkit's ``school_variances.draw_sigma2``."""
    return _run("σ_j² | θ_j, ν0, σ0², y in Model 4", _sigma2, sigma2_conditional)


def _cases_sigma2(count=12):
    rng = np.random.default_rng(REF_SEED + 7)
    data = _homework()
    cases = [dict(theta=data.means.copy(), nu0=4.0, sigma02=15.0, n=data.n.astype(float),
                  ybar=data.means.copy(), ss=data.ss.copy())]
    for _ in range(count - 1):
        J = int(rng.choice([2, 5, 8]))
        n = rng.integers(1, 30, size=J).astype(float)
        ybar = rng.normal(7, 2, size=J)
        cases.append(dict(theta=ybar + rng.normal(0, 1, size=J), nu0=float(rng.integers(1, 40)),
                          sigma02=float(rng.uniform(2, 30)), n=n, ybar=ybar,
                          ss=(n - 1) * rng.uniform(5, 25, size=J)))
    return cases


def _per_school(result, fname, J):
    """Two arrays of J (a single number is accepted for all schools)."""
    if result is None:
        raise _Off(f"`{fname}` returned None", "End it with `return shape, scale`.")
    if _has_ellipsis(result):
        raise _Off(f"no answer yet: `{fname}` still returns `...`", NOT_YET_HINT)
    if isinstance(result, str) or not hasattr(result, "__len__") or len(result) != 2:
        raise _Off(f"`{fname}` should return two arrays (shape, scale), it returned {type(result).__name__}",
                   "End it with `return shape, scale`, one entry per school in each.")
    out = []
    for i, part in enumerate(result):
        arr = _array(part, f"{fname}(...)[{i}]")
        try:
            out.append(np.broadcast_to(arr, (J,)).astype(float))
        except ValueError:
            raise _Off(f"`{fname}(...)[{i}]` has shape {arr.shape}, but there are {J} schools",
                       "Work elementwise with the arrays n, ybar and ss: one entry per school.") from None
    return out


def _sigma2(report, func):
    from teachkit.models import school_variances as sv

    func = _function(func, "sigma2_conditional")
    for c in _cases_sigma2():
        J = c["n"].size
        shape, scale = _per_school(_call(func, "sigma2_conditional", {k: np.copy(v) for k, v in c.items()}),
                                   "sigma2_conditional", J)
        ref_shape, ref_scale = (np.ravel(v) for v in _ig_params(lambda rng: sv.draw_sigma2(
            c["theta"][None, :], np.array([c["nu0"]]), np.array([c["sigma02"]]), c["n"], c["ybar"], c["ss"], rng)))
        nu0, s02, n = c["nu0"], c["sigma02"], c["n"]
        ss_theta = c["ss"] + n * (c["ybar"] - c["theta"]) ** 2
        case = f"J={J}, nu0={_g(nu0)}, sigma02={_g(s02)}"
        if not np.allclose(shape, ref_shape, rtol=1e-6):
            slips = [(nu0 / 2 + n, "each student adds ½ to the shape: (ν0 + n_j)/2"),
                     (n / 2, "the prior's ν0/2 is missing from the shape"),
                     (ref_scale, "shape and scale are swapped: return (shape, scale)")]
            hint = next((h for v, h in slips if np.allclose(shape, v, rtol=1e-6)),
                        "Count the powers of σ_j²: prior (σ_j²)^−(ν0/2+1), likelihood (σ_j²)^−n_j/2.")
            j = int(np.argmax(~np.isclose(shape, ref_shape, rtol=1e-6)))
            report.bad(f"shape: yours {_g(shape[j])}, the right value {_g(ref_shape[j])} for school {j + 1} at {case}",
                       hint)
            return
        if not np.allclose(scale, ref_scale, rtol=1e-6):
            slips = [((nu0 * s02 + c["ss"]) / 2, "the students scatter around θ_j, not around ȳ_j: "
                                                 "SS_j(θ_j) = ss_j + n_j(ȳ_j − θ_j)²"),
                     (nu0 * s02 / 2 + ss_theta, "the exponent is −SS_j(θ_j)/(2σ_j²): halve it"),
                     ((s02 + ss_theta) / 2, "the prior's scale is ν0σ0²/2, not σ0²/2"),
                     (ss_theta / 2, "the prior's ν0σ0²/2 is missing from the scale")]
            hint = next((h for v, h in slips if np.allclose(scale, v, rtol=1e-6)),
                        "Collect everything multiplying −1/σ_j² in the exponent.")
            j = int(np.argmax(~np.isclose(scale, ref_scale, rtol=1e-6)))
            report.bad(f"scale: yours {_g(scale[j])}, the right value {_g(ref_scale[j])} for school {j + 1} at {case}",
                       hint)
            return
    report.good("shape (ν0 + n_j)/2 and scale (ν0σ0² + SS_j(θ_j))/2 equal teachkit's draw_sigma2 "
                "at 12 random inputs")


# ------------------------------------------------------------------ task 2: σ0² | σ², ν0
def school_variances_sigma02(sigma02_conditional=...) -> bool:
    """ex07, task 2: ``sigma02_conditional(sigma2, nu0, a, b)`` returns (shape, rate) of the gamma
    σ0² | σ², ν0 with σ0² ~ Gamma(a, b). Compared with teachkit's ``school_variances.draw_sigma02``."""
    return _run("σ0² | σ², ν0 in Model 4", _sigma02, sigma02_conditional)


def _sigma02(report, func):
    from teachkit.models import school_variances as sv
    from teachkit.priors import Gamma

    func = _function(func, "sigma02_conditional")
    rng = np.random.default_rng(REF_SEED + 8)
    cases = [dict(sigma2=_homework().ss / (_homework().n - 1), nu0=4.0, a=1.0, b=0.01)]
    for _ in range(11):
        cases.append(dict(sigma2=rng.uniform(3, 40, size=int(rng.choice([2, 5, 8]))),
                          nu0=float(rng.integers(1, 50)), a=float(rng.uniform(0.5, 5)), b=float(rng.uniform(0.01, 2))))
    for c in cases:
        shape, rate = _pair(_call(func, "sigma02_conditional", {k: np.copy(v) for k, v in c.items()}),
                            "sigma02_conditional", ("shape", "rate"))
        draw = functools.partial(sv.draw_sigma02, c["sigma2"][None, :], np.array([c["nu0"]]), Gamma(c["a"], c["b"]))
        ref_rate = 1 / float(np.squeeze(draw(_FixedDraws(gamma="one"))))        # Gamma(shape)/rate with g = 1
        ref_shape = float(np.squeeze(draw(_FixedDraws(gamma="shape")))) * ref_rate
        J, nu0, a, b, s2 = c["sigma2"].size, c["nu0"], c["a"], c["b"], c["sigma2"]
        case = f"J={J}, nu0={_g(nu0)}, a={_g(a)}, b={_g(b)}"
        if not _close(shape, ref_shape):
            slips = [(a + J * nu0, "each σ_j² contributes (σ0²)^(ν0/2): the shape is a + Jν0/2"),
                     (J * nu0 / 2, "the prior's a is missing from the shape"),
                     (a + nu0 / 2, "all J schools contribute: a + Jν0/2")]
            hint = next((h for v, h in slips if _close(shape, v)),
                        "Collect the powers of σ0²: prior (σ0²)^(a−1), each IG density (ν0σ0²/2)^(ν0/2).")
            report.bad(f"shape: yours {_g(shape)}, the right value {_g(ref_shape)} at {case}", hint)
            return
        if not _close(rate, ref_rate):
            slips = [(b + nu0 / 2 * s2.sum(), "it is Σ_j 1/σ_j² (the IG density has exp(−ν0σ0²/(2σ_j²))), not Σ_j σ_j²"),
                     (b + (1 / s2).sum(), "the factor ν0/2 in front of Σ_j 1/σ_j² is missing"),
                     (1 / ref_rate, "that is the scale 1/rate; return the rate"),
                     (nu0 / 2 * (1 / s2).sum(), "the prior's rate b is missing")]
            hint = next((h for v, h in slips if _close(rate, v)),
                        "Collect everything multiplying −σ0² in the exponent.")
            report.bad(f"rate: yours {_g(rate)}, the right value {_g(ref_rate)} at {case}", hint)
            return
    report.good("shape a + Jν0/2 and rate b + (ν0/2)Σ_j 1/σ_j² equal teachkit's draw_sigma02 at 12 random inputs")


# ------------------------------------------------------------------ task 3: ν0 | σ², σ0²
def school_variances_nu0(nu0_log_conditional=...) -> bool:
    """ex07, task 3: ``nu0_log_conditional(grid, sigma2, sigma02, alpha)`` returns log p(ν0 | σ², σ0²)
    up to a constant at every ν0 in ``grid``. Compared, after normalising, with teachkit's
    ``school_variances.log_nu0_conditional``."""
    return _run("ν0 | σ², σ0² in Model 4 (log weights on the grid)", _nu0, nu0_log_conditional)


def _normalised(log_w):
    log_w = np.asarray(log_w, dtype=float)
    top = log_w.max()
    return log_w - (top + math.log(np.exp(log_w - top).sum()))


def _nu0(report, func):
    from scipy.special import gammaln

    from teachkit.models import school_variances as sv

    func = _function(func, "nu0_log_conditional")
    rng = np.random.default_rng(REF_SEED + 9)
    cases = [dict(grid=np.arange(1.0, 201.0), sigma2=_homework().ss / (_homework().n - 1), sigma02=15.0, alpha=1.0)]
    for _ in range(7):
        cases.append(dict(grid=np.arange(1.0, float(rng.integers(20, 400))), sigma2=rng.uniform(3, 40, size=int(rng.choice([3, 8, 20]))),
                          sigma02=float(rng.uniform(3, 30)), alpha=float(rng.choice([0.0, 0.1, 1.0]))))
    for c in cases:
        grid, s2, s02, alpha = c["grid"], c["sigma2"], c["sigma02"], c["alpha"]
        out = _call(func, "nu0_log_conditional", {k: np.copy(v) for k, v in c.items()})
        if out is None:
            raise _Off("`nu0_log_conditional` returned None", "End it with `return log_p` (one value per grid point).")
        mine = _array(out, "nu0_log_conditional(...)", (grid.size,)) if not _has_ellipsis(out) else _present(out, "log_p")
        J = s2.size
        ref = sv.log_nu0_conditional(grid, sv.nu0_prior_terms(grid, alpha, J), s2[None, :], np.array([s02]))[0]
        case = f"J={J}, sigma02={_g(s02)}, alpha={_g(alpha)}, grid 1..{int(grid[-1])}"
        if np.allclose(_normalised(mine), _normalised(ref), atol=1e-6):
            continue
        half = grid / 2
        slips = [(ref + alpha * grid, "the prior's −α ν0 is missing"),
                 (ref + J * gammaln(half) - gammaln(half), "log Γ(ν0/2) appears once per school: J log Γ(ν0/2)"),
                 (ref - J * half * np.log(half) + half * np.log(half), "(ν0/2) log(ν0σ0²/2) appears once per school")]
        hint = next((h for v, h in slips if np.allclose(_normalised(mine), _normalised(v), atol=1e-6)), None)
        if hint is None and np.all(mine >= 0) and _close(mine.sum(), 1.0, 1e-6):
            hint = "these look like probabilities; the task asks for their logarithm (up to a constant)"
        report.bad(f"log weights differ from the right ones beyond a constant at {case}",
                   hint or "Sum log IG(σ_j² | ν0/2, ν0σ0²/2) over the schools and add −α ν0; keep every term "
                           "that contains ν0.")
        return
    report.good("log p(ν0 | σ², σ0²) equals teachkit's up to a constant at 8 inputs (grids up to 400 points)")


# ------------------------------------------------------------------ task 4: school 5's shrinkage
@functools.lru_cache(maxsize=1)
def _reference_fit4():
    from teachkit.models.school_variances import fit_school_variances

    return fit_school_variances(_homework(), draws=REF_DRAWS_4, warmup=500, chains=4, seed=_fit_rng(4))


def school_variances_shrinkage(shrink3=..., shrink4=...) -> bool:
    """ex07, task 4: school 5's shrinkage (ȳ_5 − E[θ_5 | y]) / (ȳ_5 − E[μ | y]) in Model 3
    (lecture's priors) and in Model 4 (teachkit's defaults). Model 3 against teachkit.exact,
    Model 4 against a fit with the check's own seed."""
    return _run("how far school 5 is shrunk: Model 3 and Model 4", _shrinkage, shrink3, shrink4)


def _shrinkage(report, shrink3, shrink4):
    s3, s4 = _number(shrink3, "shrink3"), _number(shrink4, "shrink4")
    ybar5 = float(_homework().means[4])
    ex = _exact3("lecture")
    theta5, mu = float(ex.mean("theta")[4]), float(ex.mean("mu"))
    ref3 = (ybar5 - theta5) / (ybar5 - mu)
    tol3 = _tol_shrink(ref3, ybar5 - mu, float(ex.sd("theta")[4]), float(ex.sd("mu")))
    post = _reference_fit4()
    t5, m = post["theta[5]"], post["mu"]
    ref4 = (ybar5 - float(t5.mean())) / (ybar5 - float(m.mean()))
    tol4 = _tol_shrink(ref4, ybar5 - float(m.mean()), float(t5.std()), float(m.std()), _ess_of(t5), _ess_of(m))
    ok = True
    for label, got, ref, tol in (("Model 3", s3, ref3, tol3), ("Model 4", s4, ref4, tol4)):
        if abs(got - ref) <= tol:
            report.good(f"{label}: school 5 is moved {got:.2f} of the way from ȳ_5 to E[μ | y] "
                        f"(reference {ref:.2f} ± {tol:.2f})")
        elif abs((1 - got) - ref) <= tol:
            ok = False
            report.bad(f"{label}: yours {got:.2f} is 1 − the shrinkage",
                       "Shrinkage is the share of the way from ȳ_5 toward μ: (ȳ_5 − E[θ_5|y]) / (ȳ_5 − E[μ|y]).")
        else:
            ok = False
            report.bad(f"{label}: yours {got:.2f}, reference {ref:.2f} (accepted ± {tol:.2f})",
                       "Use posterior means: post.mean('theta[5]') and post.mean('mu'); ȳ_5 is data.means[4].")
    if ok:
        report.note(_shrinkage_why(ref3, ref4, ex, post))


def _shrinkage_why(ref3, ref4, ex, post):
    """Why Model 4 moves school 5 more (or less) than Model 3, from the reference numbers: two causes,
    each named only if the numbers show it."""
    n = _homework().n
    tau3, tau4 = float(ex.mean("tau2")), float(post.mean("tau2"))
    s3, s4 = float(ex.mean("sigma2")), np.asarray(post.mean("sigma2"), dtype=float)
    least_precise = int(np.argmax(s4 / n)) == 4        # school 5's mean has the largest σ_j²/n_j
    if ref4 <= ref3:
        return f"Model 4 moves school 5 less than Model 3 ({ref4:.2f} against {ref3:.2f})."
    causes = []
    if tau4 < tau3:
        causes.append(f"Model 4 finds a smaller τ² (E[τ² | y] {tau4:.2f} against {tau3:.2f}), which pulls "
                      "every school further toward μ")
    if s4[4] > s3 and least_precise:
        causes.append(f"school 5's own variance (E[σ_5² | y] {s4[4]:.1f}, against the shared σ²'s {s3:.1f}) "
                      f"makes its {int(n[4])} students' mean the least precise of all, so its own data get the smallest weight")
    if not causes:
        return f"Model 4 moves school 5 further than Model 3 ({ref4:.2f} against {ref3:.2f})."
    return "Why: " + "; and ".join(causes) + "."


def _tol_shrink(s, gap, sd_theta, sd_mu, ess_theta=None, ess_mu=None):
    """K_MCSE Monte Carlo errors of s = (ȳ − a)/(ȳ − b), a and b means of draws (delta method)."""
    var_a = sd_theta**2 * (1 / ESS_ASSUMED + (1 / ess_theta if ess_theta else 0.0))
    var_b = sd_mu**2 * (1 / ESS_ASSUMED + (1 / ess_mu if ess_mu else 0.0))
    return K_MCSE * math.sqrt(var_a + (s**2) * var_b) / abs(gap)
