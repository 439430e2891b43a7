r"""Instant feedback for the exercise notebooks (notebooks/exercises/).

Each public function checks one task of one exercise notebook. It prints what
is right (✓) and what is off (✗, with a hint toward why) and returns True or
False. A check never raises on an answer: a string, a wrong shape, NaN, None,
the ``...`` of an unfinished answer, or a function that raises all give a ✗
message, so a student's notebook always runs to its end.

Where the right answer comes from
---------------------------------
Never from a number written in this file: each check computes its reference
when it is called, from teachkit itself.

* Full conditionals: teachkit's own ``draw_*`` functions, made to reveal the
  parameters of their distribution by :class:`_FixedDraws` (a stand-in random
  generator), and, independently, a normalised grid of prior × likelihood.
* Posterior means, sds and quantiles: :mod:`teachkit.exact` (numerical
  integration, no sampling).
* What ``exact`` does not give (probabilities such as P(θ₇ < θ₆ | y), the
  posterior of R or of a new school's mean): a teachkit fit with the check's
  own seed and 4 × 5,000 draws.

Tolerances
----------
An answer computed from MCMC draws differs from the exact value by Monte Carlo
error, so random answers are accepted within ``K_MCSE = 4`` Monte Carlo
standard errors (for a normal error, a correct answer is refused with
probability 6e-5). The MCSE is

* computed from the student's own draws where the check receives them
  (:func:`teachkit.diagnostics.mcse_mean`, or ESS and the draws' sd);
* otherwise that of ``ESS_ASSUMED = 1000`` effective draws, the least the
  exercises ask for: sd/√1000 for a mean, √(p(1−p)/1000) for a probability,
  √(q(1−q)/1000) / f(x_q) for a q-quantile where the density is f;
* plus, in quadrature, the MCSE of the reference when it is simulated.

Answers that are formulas are compared to ``RTOL = 1e-6`` relative; a random
Gibbs step (ex04) by the moments of 3,000 of its draws, within 4.5 standard errors.

Only numpy is imported with this module: teachkit.exact (and with it
scipy.special) and the samplers are imported inside the checks that use them,
and matplotlib and pandas are never needed.
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np

__all__ = [
    # ex02: complete pooling
    "pooled_statistics", "model1_theta_conditional", "model1_sigma2_conditional", "model1_gibbs",
    # ex03: no pooling
    "school_statistics", "model2_theta_summary", "model2_school5_vs_6", "model2_weighted_average",
    # ex04: hierarchical
    "model3_mu_conditional", "model3_tau2_conditional", "model3_theta_step", "model3_gibbs",
    "model3_shrinkage_weights",
    # ex05: Hoff's exercise 8.3
    "hoff_ess", "hoff_summary", "hoff_R", "hoff_theta7", "hoff_shrinkage",
    # ex06: comparisons and what-ifs
    "compare_school5", "school5_values", "school5_fifty", "tau_prior", "new_school",
    "own_data", "own_fit",
]

K_MCSE = 4.0          # accept within this many Monte Carlo standard errors
ESS_ASSUMED = 1000    # effective draws assumed behind an answer given as a bare number
RTOL = 1e-6           # for answers that are formulas
REF_SEED = 20261124   # seed of the checks' own reference fits and random inputs
REF_DRAWS = 5_000     # per chain, 4 chains, for the reference fits


# =====================================================================================
# Reporting: every check prints a header (✓/✗ and the task), one line per item, hints
# =====================================================================================
class _Off(Exception):
    """Stops a check at an answer it cannot go on with; becomes one ✗ line (and a hint)."""

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.message, self.hint = message, hint


class _Report:
    def __init__(self, title):
        self.title, self.lines, self.hints, self.passed = title, [], [], True

    def good(self, message, hint=None):   # hint unused: lets (good if ok else bad)(message, hint) read well
        self.lines.append(f"  ✓ {message}")

    def bad(self, message, hint=None):
        self.passed = False
        self.lines.append(f"  ✗ {message}")
        if hint and hint not in self.hints:
            self.hints.append(hint)

    def note(self, message):
        self.lines.append(f"    {message}")

    def show(self) -> bool:
        if not self.passed and not self.hints:
            self.hints.append("Compare your answer with what the task asks for, item by item.")
        mark = "✓" if self.passed else "✗"
        verdict = "right" if self.passed else "not yet"
        out = [f"{mark} {self.title}: {verdict}", *self.lines]
        out += [f"  Hint: {h}" for h in self.hints]
        print("\n".join(out))
        return self.passed


def _run(title, impl, *args) -> bool:
    """Run one check; whatever goes wrong becomes a ✗ line, never an exception."""
    report = _Report(title)
    try:
        impl(report, *args)
    except _Off as off:
        report.bad(off.message, off.hint)
    except Exception as err:  # a check must never stop a student's notebook
        report.bad(f"the check could not use your answer ({type(err).__name__}: {_short(err)})",
                   "Make sure the answer has the form the task asks for (see the task's text).")
    if not report.lines:
        report.bad("nothing was checked", "Run the cells above this one first.")
    return report.show()


def _short(x, limit=70):
    text = str(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _g(x, digits=4):
    """A number for a message: 4 significant digits, no '-0'."""
    x = float(x)
    if x == 0:
        return "0"
    return f"{x:.{digits}g}"


# =====================================================================================
# Reading answers: each helper raises _Off with a specific message on a bad answer
# =====================================================================================
NOT_YET_HINT = "Replace the `...` with your code, then run the cell again."


def _describe(x):
    if isinstance(x, str):
        return f"the text {_short(repr(x), 40)}"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    return f"{_short(repr(x), 40)} (a {type(x).__name__})"


def _has_ellipsis(x, depth=0):
    """Whether x is `...` or holds one (a list of stubs, an object array filled by a stub loop)."""
    if x is Ellipsis:
        return True
    if depth > 2:
        return False
    if isinstance(x, np.ndarray):
        return x.dtype == object and any(_has_ellipsis(v, depth + 1) for v in x.ravel()[:1000])
    if isinstance(x, (list, tuple)):
        return any(_has_ellipsis(v, depth + 1) for v in x[:1000])
    if isinstance(x, dict):
        return any(_has_ellipsis(v, depth + 1) for v in x.values())
    return False


def _label(name):
    """`code` for a variable name, plain text for a description ("your data")."""
    return name if " " in name else f"`{name}`"


def _present(x, name):
    if _has_ellipsis(x):
        raise _Off(f"no answer yet: {_label(name)} is still `...`", NOT_YET_HINT)
    if x is None:
        raise _Off(f"{_label(name)} is None",
                   "A function without `return` gives None; so does assigning the result of "
                   "`print(...)`. Assign the value itself.")
    if isinstance(x, str):
        raise _Off(f"{_label(name)} is {_describe(x)}",
                   "Give the value itself, not text: no quotes around it.")
    return x


def _array(x, name, shape=None, *, positive=False):
    """x as a float array of ``shape`` (None: any); a (1, J) or (J, 1) array is accepted for (J,)."""
    x = _present(x, name)
    if isinstance(x, (bool, np.bool_)):
        raise _Off(f"{_label(name)} is {x}, a yes/no answer, not a number")
    if callable(x) and not hasattr(x, "__array__"):
        raise _Off(f"{_label(name)} is a function, not its result", "Call the function and use what it returns.")
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise _Off(f"{_label(name)} should be numbers, got {_describe(x)}",
                   "Give a number or a numpy array of numbers.") from None
    if np.isnan(arr).any():
        raise _Off(f"{_label(name)} contains NaN (not a number)",
                   "NaN comes from 0/0, from the mean of an empty selection, or from a "
                   "variable that was never filled in.")
    if np.isinf(arr).any():
        raise _Off(f"{_label(name)} contains an infinite value", "Look for a division by zero.")
    if shape is not None:
        want = tuple(shape)
        if arr.shape != want and arr.size == math.prod(want) and arr.squeeze().shape == tuple(
                d for d in want if d != 1):
            arr = arr.reshape(want)
        if arr.shape != want:
            what = "one number" if want == () else f"shape {want}"
            got = "one number" if arr.shape == () else f"shape {arr.shape}"
            raise _Off(f"{_label(name)} should have {what}, it has {got}",
                       "Check which axis you averaged over: draws are (chains, draws, J) or, "
                       "flattened, (draws, J).")
    if positive and np.any(arr <= 0):
        raise _Off(f"{_label(name)} must be positive, got {_g(arr.min())}",
                   "Variances, and the shape and scale of an inverse-gamma, are > 0.")
    return arr


def _number(x, name, *, positive=False):
    return float(_array(x, name, (), positive=positive))


def _probability(x, name):
    p = _number(x, name)
    if not 0 <= p <= 1:
        raise _Off(f"{_label(name)} = {_g(p)} is not a probability (between 0 and 1)",
                   "A probability from draws is the mean of a True/False array: `np.mean(a < b)`.")
    return p


def _draws(x, name, *, positive=False, min_draws=100):
    """MCMC draws of one scalar: (draws,) or (chains, draws)."""
    arr = _array(x, name, positive=positive)
    if arr.ndim not in (1, 2):
        raise _Off(f"{_label(name)} should be the draws of one parameter, shape (draws,) or (chains, draws); "
                   f"it has shape {arr.shape}")
    if arr.shape[-1] < min_draws:
        raise _Off(f"{_label(name)} has only {arr.shape[-1]} draws per chain; the check needs at least "
                   f"{min_draws}", "Run the sampler for more sweeps.")
    if arr.min() == arr.max():
        raise _Off(f"every draw in {_label(name)} is the same ({_g(arr.flat[0])}): the chain never moved",
                   "Each sweep must draw a new value and store it.")
    return arr


def _function(f, name):
    if f is None or _has_ellipsis(f):
        _present(f, name)
    if not callable(f):
        raise _Off(f"{_label(name)} should be a function, got {_describe(f)}",
                   f"Define it with `def {name}(...):` and pass the name, without calling it.")
    return f


def _call(f, name, kwargs):
    """Call a student's function; an exception becomes a ✗ naming the inputs."""
    try:
        return f(**kwargs)
    except TypeError as err:
        if "argument" in str(err):
            raise _Off(f"calling `{name}({', '.join(kwargs)})` failed: {_short(err)}",
                       "Keep the parameter names of the task's `def` line.") from None
        raise _Off(f"your function raised TypeError: {_short(err)}, with {_inputs(kwargs)}") from None
    except Exception as err:
        raise _Off(f"your function raised {type(err).__name__}: {_short(err)}, with {_inputs(kwargs)}",
                   "Run it yourself on these inputs to see where it fails.") from None


def _inputs(kwargs):
    def show(v):
        if isinstance(v, np.ndarray) and v.size > 1:
            return "[" + ", ".join(_g(x, 3) for x in v.ravel()[:4]) + (", ...]" if v.size > 4 else "]")
        if isinstance(v, np.random.Generator):
            return "a Generator"
        if isinstance(v, numbers.Number) or (isinstance(v, np.ndarray) and v.size == 1):
            return _g(v)
        return type(v).__name__
    return ", ".join(f"{k}={show(v)}" for k, v in kwargs.items())


def _pair(result, fname, names):
    """A function's result that must be two numbers, e.g. (mean, variance)."""
    what = f"({names[0]}, {names[1]})"
    if result is None:
        raise _Off(f"`{fname}` returned None", f"End it with `return {names[0]}, {names[1]}`.")
    if result is Ellipsis:
        raise _Off(f"`{fname}` returned `...`", NOT_YET_HINT)
    if _has_ellipsis(result):
        raise _Off(f"no answer yet: `{fname}` still returns `...`", NOT_YET_HINT)
    if isinstance(result, str) or not hasattr(result, "__len__") or len(result) != 2:
        raise _Off(f"`{fname}` should return two numbers {what}, it returned {_describe(result)}",
                   f"End it with `return {names[0]}, {names[1]}`.")
    return tuple(_number(r, f"{fname}(...)[{i}] ({names[i]})") for i, r in enumerate(result))


def _close(a, b, rtol=RTOL):
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-12)


# =====================================================================================
# References computed from teachkit at call time
# =====================================================================================
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

    return fit_hierarchical(_homework(), draws=REF_DRAWS, warmup=1000, chains=4, seed=REF_SEED,
                            **_priors(priors))


def _ess_of(x):
    """Effective size of draws shaped (chains, draws), or of an indicator; at least 1."""
    from teachkit import diagnostics

    try:
        return max(diagnostics.ess_basic(x), 1.0)
    except diagnostics.DiagnosticError:
        return float(np.size(x))


def _tol_mean(sd, ess_ref=None):
    """K_MCSE Monte Carlo standard errors of a mean from ESS_ASSUMED draws (+ a simulated reference)."""
    var = 1 / ESS_ASSUMED + (1 / ess_ref if ess_ref else 0.0)
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


# =====================================================================================
# ex02: complete pooling
# =====================================================================================
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
        report.bad(f"SS = {_g(got['ss'])} is Σy², about 0 instead of about ȳ",
                   "Subtract ȳ before squaring: `((data.values - ybar) ** 2).sum()`.")
    else:
        report.bad(f"SS = {_g(got['ss'])} is not Σ(y − ȳ)²",
                   "Square the deviations from ȳ and add them up.")


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
        report.bad(f"variance: yours {_g(var)}, the right value {_g(ref_var)} {where}",
                   hint or f"Collect the terms in the exponent that are quadratic in the unknown; "
                           f"the coefficient of −½·(unknown)² is the precision 1/{s['v0']} + {s['k']}/{s['v']}.")
    else:
        report.good(f"variance right at every input ({_g(ref_var)} {where})")
    if not good_mean:
        slips = [
            (xbar, f"your mean ignores the prior: it should be pulled from {s['x']} toward {s['m0']}"),
            ((prior_mean + xbar) / 2, "not a plain average: weight each by its precision"),
            ((prior_mean / prior_var + xbar / obs_var) / P,
             f"the data's term is {s['k']}·{s['x']}/{s['v']}, the sum of all observations over {s['v']}"),
            (prior_mean / prior_var + k * xbar / obs_var, "divide the weighted sum by the precision"),
        ]
        hint = next((h for m, h in slips if _close(mean, m, 1e-6)), None)
        report.bad(f"mean: yours {_g(mean)}, the right value {_g(ref_mean)} {where}",
                   hint or "The mean is the precision-weighted average of the prior mean and the data.")
    else:
        report.good(f"mean right ({_g(ref_mean)} {where})")
    return False


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


def model1_sigma2_conditional(sigma2_conditional=...) -> bool:
    """ex02, task 3: ``sigma2_conditional(theta, n, ybar, ss, a, b)`` returns (shape, scale)
    of the inverse-gamma σ² | θ, y in Model 1 with σ² ~ IG(a, b). Compared with teachkit's
    ``complete_pooling.draw_sigma2`` and a grid of prior × likelihood."""
    return _run("σ² | θ, y in Model 1", _model1_sigma2_conditional, sigma2_conditional)


def _random_cases_sigma2(count=12):
    rng = np.random.default_rng(REF_SEED + 1)
    y = _homework().values
    cases = [dict(theta=7.5, n=y.size, ybar=y.mean(), ss=((y - y.mean()) ** 2).sum(), a=0.01, b=0.01)]
    for _ in range(count - 1):
        n = int(rng.choice([5, 20, 165]))
        cases.append(dict(theta=float(rng.normal(7, 2)), n=n, ybar=float(rng.normal(7, 2)),
                          ss=float(rng.uniform(5, 30) * (n - 1)), a=float(rng.uniform(0.5, 3)),
                          b=float(rng.uniform(0.5, 20))))
    return cases


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
                 (a + (k - 1) / 2, f"with an IG(a, b) prior the shape is a + {s['k']}/2; (k − 1)/2 belongs to the uniform prior on the sd"),
                 (k / 2, "the prior's a is missing from the shape")]
        hint = next((h for v, h in slips if _close(shape, v)), None)
        report.bad(f"shape: yours {_g(shape)}, the right value {_g(ref_shape)} {where}",
                   hint or f"Count the powers of the variance: prior (σ²)^−(a+1), likelihood (σ²)^−{s['k']}/2.")
    else:
        report.good(f"shape right ({_g(ref_shape)} {where})")
    if not ok_scale:
        slips = [(b + ss_right, f"the scale is b + {s['SS']}/2: the exponent is −{s['SS']}/(2·variance)"),
                 (b + ss_wrong / 2, s["wrong"]),
                 (ss_right / 2, "the prior's b is missing from the scale")]
        hint = next((h for v, h in slips if _close(scale, v)), None)
        report.bad(f"scale: yours {_g(scale)}, the right value {_g(ref_scale)} {where}",
                   hint or "Collect everything multiplying −1/variance in the exponent.")
    else:
        report.good(f"scale right ({_g(ref_scale)} {where})")
    return False


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


# =====================================================================================
# ex03: no pooling
# =====================================================================================
def school_statistics(n_j=..., means=..., sds=...) -> bool:
    """ex03, task 1: per school (in label order 1..8) its size, mean and sample sd (n − 1)."""
    return _run("size, mean and sd of each school", _school_statistics, n_j, means, sds)


def _school_statistics(report, n, means, sds):
    data = _homework()
    J = data.J
    by_school = [data.group_values(j) for j in range(J)]
    ref_n = np.array([v.size for v in by_school], dtype=float)
    ref_m = np.array([v.mean() for v in by_school])
    ref_s = np.array([v.std(ddof=1) for v in by_school])
    got_n, got_m, got_s = (_array(x, name, (J,)) for x, name in ((n, "n_j"), (means, "means"), (sds, "sds")))
    if np.array_equal(got_n, ref_n):
        report.good(f"sizes: {', '.join(str(int(v)) for v in ref_n)}")
    else:
        report.bad("sizes are not the number of students per school",
                   "Count per school: `np.bincount(data.groups)`, or the length of each group's values.")
    for label, got, ref, other, slip in (
            ("means", got_m, ref_m, None, ""),
            ("sds", got_s, ref_s, np.array([v.std(ddof=0) for v in by_school]),
             "np.std divides by n; the sample sd divides by n − 1: use `ddof=1`.")):
        if np.allclose(got, ref, rtol=1e-9):
            report.good(f"{label}: {', '.join(f'{v:.2f}' for v in ref)}")
        elif other is not None and np.allclose(got, other, rtol=1e-9):
            report.bad(f"{label} are off by a factor √((n−1)/n)", slip)
        elif np.allclose(np.sort(got), np.sort(ref), rtol=1e-9):
            report.bad(f"{label} are right but in the wrong order", "List the schools in order 1, 2, ..., 8.")
        else:
            wrong = int(np.flatnonzero(~np.isclose(got, ref, rtol=1e-9))[0])
            report.bad(f"{label}: school {data.labels[wrong]} is {_g(got[wrong])}, should be {_g(ref[wrong])}",
                       "Select a school's values with `data.values[data.groups == j]` (j from 0).")


@functools.lru_cache(maxsize=1)
def _exact2():
    from teachkit import exact

    return exact.no_pooling(_homework())


def model2_theta_summary(theta_means=..., theta_intervals=...) -> bool:
    """ex03, task 2: posterior means of θ_1..θ_8 (shape (8,)) and central 95% intervals
    (shape (8, 2)) in Model 2 with the lecture's priors; against teachkit.exact."""
    return _run("θ_j in Model 2: means and 95% intervals", _model2_theta_summary, theta_means, theta_intervals)


def _density_at(exact_marginal, name, x):
    """Density of a posterior at x from its CDF (central difference), for quantile tolerances."""
    h = 1e-4 * max(abs(x), 1.0)
    return float((exact_marginal.cdf(name, x + h) - exact_marginal.cdf(name, x - h)) / (2 * h))


def _model2_theta_summary(report, means, intervals):
    data = _homework()
    J = data.J
    got_m = _array(means, "theta_means", (J,))
    got_i = _array(intervals, "theta_intervals", (J, 2))
    if np.allclose(got_i, got_i[:, ::-1]) or np.any(got_i[:, 0] > got_i[:, 1]):
        raise _Off("each row of `theta_intervals` should be (lower, upper) with lower < upper",
                   "`post.interval('theta', 0.95)` gives that shape.")
    ex = _exact2()
    bad_m, bad_i = [], []
    for j in range(J):
        e = ex[j]
        if abs(got_m[j] - e.mean("theta")) > _tol_mean(e.sd("theta")):
            bad_m.append(j)
        for k, q in enumerate((0.025, 0.975)):
            xq = float(e.quantile("theta", q))
            if abs(got_i[j, k] - xq) > _tol_quantile(q, _density_at(e, "theta", xq)):
                bad_i.append((j, k, xq))
    if not bad_m:
        report.good("posterior means of all 8 schools")
    else:
        j = bad_m[0]
        report.bad(f"posterior mean of θ_{data.labels[j]}: yours {_g(got_m[j])}, "
                   f"reference {_g(ex[j].mean('theta'))} ({len(bad_m)} school(s) off)",
                   "Average the draws of each school: `post.mean('theta')` (one value per school).")
    if not bad_i:
        report.good("95% intervals of all 8 schools")
    else:
        j, k, xq = bad_i[0]
        side = "lower" if k == 0 else "upper"
        if np.allclose(got_i[:, 0], got_m - 1.96 * np.array([e.sd("theta") for e in ex]), atol=0.3):
            hint = "Use the 2.5% and 97.5% quantiles of the draws, not mean ± 1.96 sd."
        else:
            hint = "The central 95% interval runs from the 2.5% to the 97.5% quantile: `post.interval('theta', 0.95)`."
        report.bad(f"{side} end for θ_{data.labels[j]}: yours {_g(got_i[j, k])}, reference {_g(xq)}", hint)
    if not (bad_m or bad_i):
        report.note(f"(accepted within {int(K_MCSE)} Monte Carlo standard errors of "
                    f"{ESS_ASSUMED} effective draws; reference: teachkit.exact)")


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


def model2_school5_vs_6(overlap=..., prob=...) -> bool:
    """ex03, task 3: do the 95% intervals of θ_5 and θ_6 overlap in Model 2 (True/False),
    and P(θ_5 > θ_6 | y)."""
    return _run("school 5 against school 6 in Model 2", _model2_school5_vs_6, overlap, prob)


def _model2_school5_vs_6(report, overlap, prob):
    _present(overlap, "overlap")
    if not isinstance(overlap, (bool, np.bool_)):
        raise _Off(f"`overlap` should be True or False, got {_describe(overlap)}",
                   "Compare the ends: the intervals overlap when low5 < high6 and low6 < high5.")
    p = _probability(prob, "prob")
    ex = _exact2()
    lo5, hi5 = ex[4].quantile("theta", [0.025, 0.975])
    lo6, hi6 = ex[5].quantile("theta", [0.025, 0.975])
    ref_overlap = bool(lo5 < hi6 and lo6 < hi5)
    if bool(overlap) == ref_overlap:
        report.good(f"the intervals {'overlap' if ref_overlap else 'do not overlap'}")
    else:
        report.bad(f"overlap = {bool(overlap)}, but the intervals {'overlap' if ref_overlap else 'do not overlap'}",
                   "Print both intervals and compare their ends.")
    ref = _prob_greater_model2(4, 5)
    tol = _tol_prob(ref)
    if abs(p - ref) <= tol:
        report.good(f"P(θ_5 > θ_6 | y): yours {p:.3f}, reference {ref:.3f} (accepted ± {tol:.3f})")
    elif abs((1 - p) - ref) <= tol:
        report.bad(f"P(θ_5 > θ_6 | y): yours {p:.3f} is P(θ_5 < θ_6 | y)",
                   "Count the draws in which school 5's θ is the larger one.")
    else:
        report.bad(f"P(θ_5 > θ_6 | y): yours {p:.3f}, reference {ref:.3f} (accepted ± {tol:.3f})",
                   "Compare the draws pairwise, draw by draw: `np.mean(theta[:, 4] > theta[:, 5])`.")


def model2_weighted_average(avg_mean=..., avg_sd=...) -> bool:
    """ex03, task 4: posterior mean and sd of the student-weighted average
    Σ_j n_j θ_j / n in Model 2."""
    return _run("the weighted average of the θ_j in Model 2", _model2_weighted_average, avg_mean, avg_sd)


def _model2_weighted_average(report, mean, sd):
    data = _homework()
    m, s = _number(mean, "avg_mean"), _number(sd, "avg_sd", positive=True)
    ex = _exact2()
    w = data.n / data.n.sum()
    means = np.array([e.mean("theta") for e in ex])
    sds = np.array([e.sd("theta") for e in ex])
    ref_m, ref_s = float(w @ means), float(np.sqrt(np.sum(w**2 * sds**2)))
    tol_m, tol_s = _tol_mean(ref_s), K_MCSE * ref_s / math.sqrt(2 * ESS_ASSUMED)
    if abs(m - ref_m) <= tol_m:
        report.good(f"mean: yours {m:.3f}, reference {ref_m:.3f} (accepted ± {tol_m:.3f})")
    elif abs(m - means.mean()) <= tol_m:
        report.bad(f"mean: yours {m:.3f} is the plain average of the 8 θ_j",
                   "Weight each school by its number of students: Σ n_j θ_j / n.")
    else:
        report.bad(f"mean: yours {m:.3f}, reference {ref_m:.3f} (accepted ± {tol_m:.3f})",
                   "Compute Σ n_j θ_j / n in every draw, then average over draws.")
    if abs(s - ref_s) <= tol_s:
        report.good(f"sd: yours {s:.3f}, reference {ref_s:.3f} (accepted ± {tol_s:.3f})")
    elif abs(s - float(np.sqrt(np.mean(sds**2) / data.J))) <= tol_s:
        report.bad(f"sd: yours {s:.3f} is that of the plain average", "Weight by n_j.")
    else:
        report.bad(f"sd: yours {s:.3f}, reference {ref_s:.3f} (accepted ± {tol_s:.3f})",
                   "Take the sd of the weighted average's draws, one value per draw, not of the θ_j.")


# =====================================================================================
# ex04: hierarchical
# =====================================================================================
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
    from teachkit.priors import InverseGamma

    func = _function(func, "tau2_conditional")
    grid = _GridAgreement()
    for c in _random_cases_tau2():
        shape, scale = _pair(_call(func, "tau2_conditional", {**c, "theta": c["theta"].copy()}),
                             "tau2_conditional", ("shape", "scale"))
        prior = InverseGamma(c["a"], c["b"])
        ref_shape, ref_scale = (float(np.squeeze(v)) for v in _ig_params(
            lambda rng: hierarchical.draw_tau2(c["theta"][None, :], np.array([c["mu"]]), prior, rng)))
        theta = c["theta"]
        ss_mu = float(((theta - c["mu"]) ** 2).sum())
        ss_bar = float(((theta - theta.mean()) ** 2).sum())
        case = f"J={theta.size}, mu={_g(c['mu'])}, a={_g(c['a'])}, b={_g(c['b'])}"
        if not _ig_feedback(report, case, shape, scale, ref_shape, ref_scale, c["a"], c["b"], theta.size,
                            ss_mu, ss_bar,
                            dict(k="J", SS="Σ_j(θ_j − μ)²",
                                 wrong="the θ_j scatter around μ, not around their own mean θ̄: "
                                       "use Σ_j(θ_j − μ)²")):
            return
        grid.add((shape, scale), _grid_variance(
            lambda v: prior.logpdf(v) - theta.size / 2 * np.log(v) - ss_mu / (2 * v), ss_mu / theta.size))
    report.good("shape and scale equal those of teachkit's draw_tau2 at 12 random inputs")
    grid.report(report, "IG(τ² | a, b) × Π_j N(θ_j | μ, τ²)")


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


# =====================================================================================
# ex05: Hoff's exercise 8.3
# =====================================================================================
HOFF_NAMES = ("sigma2", "mu", "tau2")
SYMBOL = {"sigma2": "σ²", "mu": "μ", "tau2": "τ²"}


def _is_posterior(post, name="post"):
    from teachkit.posterior import Posterior

    _present(post, name)
    if not isinstance(post, Posterior):
        raise _Off(f"{_label(name)} should be a teachkit Posterior (what fit_hierarchical returns), "
                   f"got {_describe(post)}")
    return post


def hoff_ess(post=..., ess=...) -> bool:
    """ex05, task 1: ``post`` is your fit with Hoff's priors, ``ess`` a dict with the bulk
    effective sample sizes of "sigma2", "mu" and "tau2"; each must be above 1,000."""
    return _run("effective sample sizes with Hoff's priors", _hoff_ess, post, ess)


def _hoff_ess(report, post, ess):
    from teachkit import diagnostics

    post = _is_posterior(post)
    if post.model != "hierarchical":
        raise _Off(f"`post` is a {post.model} fit; the exercise is about the hierarchical model",
                   "Fit it with tk.fit_hierarchical.")
    for key, prior in _priors("hoff").items():
        name = key.removesuffix("_prior")
        if post.priors.get(name) != prior:
            raise _Off(f"the prior on {name} is {post.priors.get(name)}, Hoff's is {prior}",
                       "Pass mu_prior, sigma2_prior and tau2_prior as in the cell above.")
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
        if not _close(got, ref, 1e-6):
            report.bad(f"ESS of {SYMBOL[name]}: yours {got:.0f}, teachkit's ess_bulk of these draws {ref:.0f}",
                       "Use `tk.diagnostics.ess_bulk(post[name])`: post[name] keeps the chains apart.")
        elif ref <= 1000:
            report.bad(f"ESS of {SYMBOL[name]} is {ref:.0f}, not above 1,000",
                       "Run more draws: the ESS grows in proportion to the number of draws.")
        else:
            report.good(f"ESS of {SYMBOL[name]}: {ref:.0f} > 1,000")
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
    rng = np.random.default_rng(REF_SEED)
    sigma2 = pri["sigma2_prior"].sample(rng, size)
    tau2 = pri["tau2_prior"].sample(rng, size)
    return tau2 / (sigma2 + tau2)


def hoff_R(R_prior=..., R_mean=...) -> bool:
    """ex05, task 3: draws of R = τ²/(σ² + τ²) from the prior (at least 1,000), and the
    posterior mean of R with Hoff's priors."""
    return _run("R = τ²/(σ² + τ²): prior and posterior", _hoff_R, R_prior, R_mean)


def _hoff_R(report, prior_draws, posterior_mean):
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
    tol_m = _tol_mean(float(R.std()), _ess_of(R))
    if abs(m - ref_m) <= tol_m:
        report.good(f"posterior mean of R: yours {m:.3f}, reference {ref_m:.3f} (accepted ± {tol_m:.3f})")
    elif abs(m - float(ref.mean())) <= tol_m:
        report.bad(f"posterior mean of R: yours {m:.3f} is the prior mean", "Use the posterior draws: `post['R']`.")
    else:
        report.bad(f"posterior mean of R: yours {m:.3f}, reference {ref_m:.3f} (accepted ± {tol_m:.3f})",
                   "`post.mean('R')` averages R over the posterior draws.")


def hoff_theta7(p_less=..., p_smallest=...) -> bool:
    """ex05, task 4: P(θ_7 < θ_6 | y) and P(θ_7 is the smallest of the 8 | y), Hoff's priors."""
    return _run("school 7: P(θ_7 < θ_6) and P(θ_7 smallest)", _hoff_theta7, p_less, p_smallest)


def _prob_check(report, label, got, indicator, alternatives, hint):
    ref = float(indicator.mean())
    tol = _tol_prob(ref, _ess_of(indicator.astype(float)))
    if abs(got - ref) <= tol:
        report.good(f"{label}: yours {got:.3f}, reference {ref:.3f} (accepted ± {tol:.3f})")
        return
    for alt, why in alternatives:
        if abs(got - alt) <= tol:
            report.bad(f"{label}: yours {got:.3f} is {why}", hint)
            return
    report.bad(f"{label}: yours {got:.3f}, reference {ref:.3f} (accepted ± {tol:.3f})", hint)


def _hoff_theta7(report, p_less, p_smallest):
    a, b = _probability(p_less, "p_less"), _probability(p_smallest, "p_smallest")
    theta = _reference_fit("hoff")["theta"]     # (chains, draws, J): school 7 is index 6
    _prob_check(report, "P(θ_7 < θ_6 | y)", a, theta[..., 6] < theta[..., 5],
                [(1 - float((theta[..., 6] < theta[..., 5]).mean()), "P(θ_7 > θ_6 | y)"),
                 (float((theta[..., 5] < theta[..., 4]).mean()), "P(θ_6 < θ_5 | y): school k is column k − 1")],
                "Compare the draws of the two schools draw by draw; school 7 is column 6 (counting from 0).")
    smallest = theta.argmin(axis=-1)
    _prob_check(report, "P(θ_7 is the smallest | y)", b, smallest == 6,
                [(float((smallest == 7).mean()), "P(θ_8 is the smallest | y): school k is column k − 1"),
                 (float((smallest == 5).mean()), "P(θ_6 is the smallest | y): school k is column k − 1"),
                 (float((theta[..., 6] < theta[..., 5]).mean()), "P(θ_7 < θ_6 | y), not the smallest of all 8")],
                "In each draw find the school with the smallest θ (`argmin` along the school axis), "
                "then count how often it is school 7.")


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
        between = np.all((np.minimum(data.means, mu) <= ref) & (ref <= np.maximum(data.means, mu)))
        (report.good if between else report.note)(
            f"each lies between its school's sample mean and E[μ | y] = {mu:.2f}: shrinkage")
    elif np.allclose(m, data.means, atol=1e-6):
        report.bad("these are the sample means ȳ_j", "Average the posterior draws of each θ_j: `post.mean('theta')`.")
    else:
        j = int(np.argmax(np.abs(m - ref) / tol))
        report.bad(f"school {data.labels[j]}: yours {_g(m[j])}, reference {_g(ref[j])} "
                   f"(accepted ± {_g(tol[j], 2)})",
                   "Use the fit with Hoff's priors, and one mean per school: `post.mean('theta')`.")


# =====================================================================================
# ex06: comparisons and what-ifs
# =====================================================================================
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
    if abs(m - ref) <= tol:
        report.good(f"with τ²: {prior}, E[θ_5 | y] = {m:.2f} (reference {ref:.2f}, accepted ± {tol:.2f})")
        report.note(f"(the lecture's prior sd ~ U(0, 1000) gives {base:.2f}; E[τ² | y] is "
                    f"{ex.mean('tau2'):.2f} here against {_exact3('lecture').mean('tau2'):.2f})")
    elif abs(m - base) <= tol:
        report.bad(f"E[θ_5 | y]: yours {m:.2f} is the value under the lecture's prior",
                   "Pass your prior to the fit: `tk.fit_hierarchical(data, tau2_prior=prior, ...)`.")
    else:
        report.bad(f"E[θ_5 | y]: yours {m:.2f}, reference with {prior}: {ref:.2f} (accepted ± {tol:.2f})",
                   "Fit with `tau2_prior=prior` and the other priors left at their defaults; "
                   "school 5 is `post.mean('theta[5]')`.")


def new_school(theta_new=...) -> bool:
    """ex06, task 4: draws of θ_new, the mean of a ninth school with no data yet, from
    Model 3 with the lecture's priors (one per posterior draw: θ_new ~ N(μ, τ²))."""
    return _run("a ninth school: θ_new", _new_school, theta_new)


def _new_school(report, theta_new):
    x = _draws(theta_new, "theta_new", min_draws=1000).ravel()
    fit = _reference_fit("lecture")
    rng = np.random.default_rng(REF_SEED)
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
