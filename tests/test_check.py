"""teachkit.check: every check accepts a right answer, names the usual wrong ones, and never
raises on a malformed one (it prints ✗ and a hint, so a student's notebook runs to its end)."""

import subprocess
import sys
import time

import numpy as np
import pytest

import teachkit as tk
from teachkit import check

SEED = 20261124
HOFF = dict(mu_prior=tk.Normal(7, 5), sigma2_prior=tk.InverseGamma.hoff(2, 15),
            tau2_prior=tk.InverseGamma.hoff(2, 10))


# ------------------------------------------------------------------ right answers
@pytest.fixture(scope="module")
def fits(data):
    rng = np.random.default_rng(SEED)
    return {
        "no pooling": tk.fit_no_pooling(data, seed=rng),
        "lecture": tk.fit_hierarchical(data, seed=rng),
        "hoff": tk.fit_hierarchical(data, seed=rng, **HOFF),
    }


def theta_conditional(sigma2, n, ybar, m0, v0):
    precision = 1 / v0 + n / sigma2
    return (m0 / v0 + n * ybar / sigma2) / precision, 1 / precision


def sigma2_conditional(theta, n, ybar, ss, a, b):
    return a + n / 2, b + (ss + n * (ybar - theta) ** 2) / 2


def mu_conditional(theta, tau2, m0, v0):
    precision = 1 / v0 + len(theta) / tau2
    return (m0 / v0 + np.sum(theta) / tau2) / precision, 1 / precision


def tau2_conditional(theta, mu, a, b):
    return a + len(theta) / 2, b + np.sum((theta - mu) ** 2) / 2


def theta_step(mu, tau2, sigma2, n, ybar, rng):
    precision = 1 / tau2 + n / sigma2
    mean = (mu / tau2 + n * ybar / sigma2) / precision
    return mean + rng.standard_normal(len(n)) / np.sqrt(precision)


def gibbs_model1(data, sweeps=6000, seed=SEED, theta_cond=theta_conditional):
    rng = np.random.default_rng(seed)
    y = data.values
    n, ybar, ss = y.size, y.mean(), ((y - y.mean()) ** 2).sum()
    sigma2, out = ss / (n - 1), []
    for _ in range(sweeps):
        mean, var = theta_cond(sigma2, n, ybar, 0.0, 1e6)
        theta = rng.normal(mean, np.sqrt(var))
        shape, scale = sigma2_conditional(theta, n, ybar, ss, 0.01, 0.01)
        sigma2 = scale / rng.standard_gamma(shape)
        out.append((theta, sigma2))
    return np.array(out[1000:]).T


def gibbs_model3(data, sweeps=4000, seed=SEED):
    rng = np.random.default_rng(seed)
    n, ybar, ss = data.n, data.means, data.ss
    theta, mu, sigma2, tau2 = ybar.copy(), ybar.mean(), 15.0, 5.0
    draws = {"theta": [], "mu": [], "sigma2": [], "tau2": []}
    for _ in range(sweeps):
        theta = theta_step(mu, tau2, sigma2, n, ybar, rng)
        m, v = mu_conditional(theta, tau2, 7.0, 5.0)
        mu = rng.normal(m, np.sqrt(v))
        sigma2 = (15 + np.sum(ss + n * (ybar - theta) ** 2) / 2) / rng.standard_gamma(1 + n.sum() / 2)
        shape, scale = tau2_conditional(theta, mu, 1.0, 10.0)
        tau2 = scale / rng.standard_gamma(shape)
        for k, v in zip(draws, (theta, mu, sigma2, tau2)):
            draws[k].append(v)
    return {k: np.array(v)[1000:] for k, v in draws.items()}


def weights_of(post, data):
    s2, t2 = post.flat("sigma2")[:, None], post.flat("tau2")[:, None]
    return ((data.n / s2) / (data.n / s2 + 1 / t2)).mean(axis=0)


def fifty(data, ddof=1):
    z = np.random.default_rng(1).standard_normal(50)
    z = (z - z.mean()) / z.std(ddof=ddof)
    return data.means[4] + data.sds[4] * z


@pytest.fixture(scope="module")
def model4(data):
    return tk.fit_school_variances(data, seed=np.random.default_rng(SEED + 4))


def psi_conditional(theta, state, mu, tau2, omega2):
    """ex10, task 1: the mean and variance of every psi_k, one state at a time."""
    K = state.max() + 1
    precision = np.array([1 / omega2 + np.sum(state == k) / tau2 for k in range(K)])
    sums = np.array([theta[state == k].sum() for k in range(K)])
    return (mu / omega2 + sums / tau2) / precision, 1 / precision


def omega2_conditional(psi, mu, a, b):
    return a + len(psi) / 2, b + np.sum((psi - mu) ** 2) / 2


@pytest.fixture(scope="module")
def radon_omega():
    """ex10, task 3: quantiles of omega from two fits of the radon data (4 x 2,000 draws each)."""
    radon, levels = tk.load_radon(), [0.025, 0.5, 0.975]
    fits = [tk.fit_three_level(radon, draws=2000, seed=np.random.default_rng([SEED, k]), **priors)
            for k, priors in ((10, {}), (11, {"omega2_prior": tk.InverseGamma(0.01, 0.01)}))]
    return tuple(np.quantile(np.sqrt(post.flat("omega2")), levels) for post in fits)


@pytest.fixture(scope="module")
def right(data, fits, model4, radon_omega):
    """The right answer(s) of every check, as the argument tuple to pass."""
    y = data.values
    t2, t3, th = (fits[k].flat("theta") for k in ("no pooling", "lecture", "hoff"))
    avg = t2 @ data.n / data.n_total
    rng = np.random.default_rng(3)
    r_prior = HOFF["tau2_prior"].sample(rng, 10_000)
    r_prior = r_prior / (HOFF["sigma2_prior"].sample(rng, 10_000) + r_prior)
    post3 = fits["lecture"]
    theta_new = post3.flat("mu") + np.sqrt(post3.flat("tau2")) * rng.standard_normal(post3.flat("mu").size)
    tight = tk.fit_hierarchical(data, tau2_prior=tk.UniformSD(1), seed=5)
    post50 = tk.fit_hierarchical(data.with_group(4, fifty(data)), seed=6)
    return {
        "pooled_statistics": (y.size, y.mean(), ((y - y.mean()) ** 2).sum()),
        "model1_theta_conditional": (theta_conditional,),
        "model1_sigma2_conditional": (sigma2_conditional,),
        "model1_gibbs": tuple(gibbs_model1(data)),
        "school_statistics": (data.n, data.means, data.sds),
        "model2_theta_summary": (t2.mean(axis=0), np.quantile(t2, [0.025, 0.975], axis=0).T),
        "model2_school5_vs_6": (False, np.mean(t2[:, 4] > t2[:, 5])),
        "model2_weighted_average": (avg.mean(), avg.std(ddof=1)),
        "model3_mu_conditional": (mu_conditional,),
        "model3_tau2_conditional": (tau2_conditional,),
        "model3_theta_step": (theta_step,),
        "model3_gibbs": (gibbs_model3(data),),
        "model3_shrinkage_weights": (weights_of(post3, data),),
        "hoff_ess": (fits["hoff"], {k: tk.diagnostics.ess_bulk(fits["hoff"][k]) for k in ("sigma2", "mu", "tau2")}),
        "hoff_summary": ({k: (fits["hoff"].mean(k), *fits["hoff"].interval(k)) for k in ("sigma2", "mu", "tau2")},),
        "hoff_R": (r_prior, fits["hoff"].mean("R")),
        "hoff_theta7": (np.mean(th[:, 6] < th[:, 5]), np.mean(th.argmin(axis=1) == 6)),
        "hoff_shrinkage": (fits["hoff"].mean("theta"),),
        "compare_school5": ((t2[:, [4]] > t2[:, [3, 5, 6]]).mean(axis=0), (t3[:, [4]] > t3[:, [3, 5, 6]]).mean(axis=0)),
        "school5_values": (fifty(data),),
        "school5_fifty": (post50.mean("theta[5]"),),
        "tau_prior": (tk.UniformSD(1), tight.mean("theta[5]")),
        "new_school": (theta_new,),
        "own_data": (data,),
        "own_fit": (post3,),
        "school_variances_sigma2": (sv_sigma2_conditional,),
        "school_variances_sigma02": (sv_sigma02_conditional,),
        "school_variances_nu0": (sv_nu0_log_conditional,),
        "school_variances_shrinkage": (school5_shrinkage(post3, data), school5_shrinkage(model4, data)),
        "three_level_psi_conditional": (psi_conditional,),
        "three_level_omega2_conditional": (omega2_conditional,),
        "three_level_omega_prior": radon_omega,
    }


def run(capsys, name, *args):
    """Call a check; it must not raise, must return a bool and print a ✓/✗ header."""
    result = getattr(check, name)(*args)
    out = capsys.readouterr().out
    assert isinstance(result, bool)
    assert out.startswith("✓ " if result else "✗ "), out
    return result, out


def test_every_check_is_listed_and_tested(right):
    assert sorted(check.__all__) == sorted(right)


@pytest.mark.parametrize("name", check.__all__)
def test_right_answer_passes(capsys, right, name):
    start = time.perf_counter()
    ok, out = run(capsys, name, *right[name])
    seconds = time.perf_counter() - start
    assert ok, out
    assert "✗" not in out and "Hint" not in out
    assert seconds < 5, f"{name} took {seconds:.1f} s"   # ~0.1-0.5 s on an idle machine


# ------------------------------------------------------------------ malformed answers
MALFORMED = [
    (Ellipsis, "no answer yet"),
    (None, "is None"),
    ("7.5", "is the text"),
    (float("nan"), "NaN"),
    (np.zeros((3, 3)), ("should", "holds", "only", "must be positive")),
]
FUNCTION_ANSWERS = {"model1_theta_conditional", "model1_sigma2_conditional", "model3_mu_conditional",
                    "model3_tau2_conditional", "model3_theta_step", "school_variances_sigma2",
                    "school_variances_sigma02", "school_variances_nu0", "three_level_psi_conditional",
                    "three_level_omega2_conditional"}
OBJECT_ANSWERS = {"model3_gibbs", "hoff_ess", "hoff_summary", "tau_prior", "own_data", "own_fit"}


@pytest.mark.parametrize("name", check.__all__)
@pytest.mark.parametrize("bad, expected", MALFORMED, ids=["ellipsis", "none", "string", "nan", "shape"])
def test_malformed_first_argument(capsys, right, name, bad, expected):
    args = list(right[name])
    args[0] = bad
    if bad is not None and bad is not Ellipsis:
        if name in FUNCTION_ANSWERS:
            expected = "should be a function"
        elif isinstance(bad, str):
            pass
        elif name in OBJECT_ANSWERS:
            expected = "should be"
        elif name == "model2_school5_vs_6":
            expected = "True or False"
    ok, out = run(capsys, name, *args)
    expected = (expected,) if isinstance(expected, str) else expected
    assert not ok and any(e in out for e in expected) and "Hint:" in out, out


@pytest.mark.parametrize("name", [n for n in check.__all__ if n not in FUNCTION_ANSWERS | OBJECT_ANSWERS])
@pytest.mark.parametrize("bad, expected", MALFORMED, ids=["ellipsis", "none", "string", "nan", "shape"])
def test_malformed_last_argument(capsys, right, name, bad, expected):
    args = list(right[name])
    args[-1] = bad
    ok, out = run(capsys, name, *args)
    expected = (expected,) if isinstance(expected, str) else expected
    assert not ok and any(e in out for e in expected) and "Hint:" in out, out


@pytest.mark.parametrize("name", check.__all__)
def test_no_arguments_means_no_answer_yet(capsys, name):
    ok, out = run(capsys, name)
    assert not ok and "no answer yet" in out and "Hint:" in out


def test_stub_loop_output_is_no_answer_yet(capsys):
    # a student's sampler skeleton run with `theta = ...` stubs fills arrays with Ellipsis
    stub = np.array([...] * 50, dtype=object)
    ok, out = run(capsys, "model1_gibbs", stub, stub)
    assert not ok and "no answer yet" in out
    ok, out = run(capsys, "model3_gibbs", {k: stub for k in ("theta", "mu", "sigma2", "tau2")})
    assert not ok and "no answer yet" in out


@pytest.mark.parametrize("name", ["model1_theta_conditional", "model1_sigma2_conditional",
                                  "model3_mu_conditional", "model3_tau2_conditional",
                                  "three_level_omega2_conditional"])
def test_function_answers_that_misbehave(capsys, name):
    def raises(**kwargs):
        raise ZeroDivisionError("division by zero")

    def returns_none(**kwargs):
        return None

    def returns_stubs(**kwargs):
        return ..., ...

    def returns_three(**kwargs):
        return 1.0, 2.0, 3.0

    def returns_nan(**kwargs):
        return float("nan"), 1.0

    def wrong_signature(x):
        return 1.0, 1.0

    for func, expected in ((raises, "raised ZeroDivisionError"), (returns_none, "returned None"),
                           (returns_stubs, "no answer yet"), (returns_three, "two numbers"),
                           (returns_nan, "NaN"), (wrong_signature, "parameter names")):
        ok, out = run(capsys, name, func)
        assert not ok and expected in out and "Hint:" in out, (func.__name__, out)


def test_theta_step_that_misbehaves(capsys):
    def raises(mu, tau2, sigma2, n, ybar, rng):
        raise ValueError("oops")

    def global_random(mu, tau2, sigma2, n, ybar, rng):
        return theta_step(mu, tau2, sigma2, n, ybar, np.random.default_rng())

    def no_randomness(mu, tau2, sigma2, n, ybar, rng):
        precision = 1 / tau2 + n / sigma2
        return (mu / tau2 + n * ybar / sigma2) / precision

    def wrong_length(mu, tau2, sigma2, n, ybar, rng):
        return theta_step(mu, tau2, sigma2, n, ybar, rng)[:3]

    for func, expected in ((raises, "raised ValueError"), (global_random, "only from the `rng`"),
                           (no_randomness, "not a draw"), (wrong_length, "shape (8,)")):
        ok, out = run(capsys, "model3_theta_step", func)
        assert not ok and expected in out, (func.__name__, out)


# ------------------------------------------------------------------ wrong answers, named
def test_pooled_statistics_wrong(capsys, data):
    y = data.values
    ss = ((y - y.mean()) ** 2).sum()
    ok, out = run(capsys, "pooled_statistics", y.size, y.mean(), ss / (y.size - 1))
    assert not ok and "is a variance" in out
    ok, out = run(capsys, "pooled_statistics", y.size, data.means.mean(), ss)
    assert not ok and "mean of the 8 school means" in out
    ok, out = run(capsys, "pooled_statistics", 8, y.mean(), ss)
    assert not ok and "not the number of students" in out


def test_model1_theta_conditional_wrong(capsys):
    def sd_not_var(sigma2, n, ybar, m0, v0):
        m, v = theta_conditional(sigma2, n, ybar, m0, v0)
        return m, np.sqrt(v)

    def no_prior_precision(sigma2, n, ybar, m0, v0):
        return theta_conditional(sigma2, n, ybar, m0, v0)[0], sigma2 / n

    def ignores_prior(sigma2, n, ybar, m0, v0):
        return ybar, theta_conditional(sigma2, n, ybar, m0, v0)[1]

    def one_observation(sigma2, n, ybar, m0, v0):
        return theta_conditional(sigma2, n, ybar, m0, v0)[0], 1 / (1 / v0 + 1 / sigma2)

    for func, expected in ((sd_not_var, "standard deviation"), (no_prior_precision, "prior's precision"),
                           (ignores_prior, "ignores the prior"), (one_observation, "adds precision")):
        ok, out = run(capsys, "model1_theta_conditional", func)
        assert not ok and expected in out and "variance: yours" in out or "mean: yours" in out, out


def test_model1_sigma2_conditional_wrong(capsys):
    def whole_n(theta, n, ybar, ss, a, b):
        return a + n, sigma2_conditional(theta, n, ybar, ss, a, b)[1]

    def about_ybar(theta, n, ybar, ss, a, b):
        return a + n / 2, b + ss / 2

    def swapped(theta, n, ybar, ss, a, b):
        return sigma2_conditional(theta, n, ybar, ss, a, b)[::-1]

    for func, expected in ((whole_n, "adds ½ to the shape"), (about_ybar, "deviations are from θ"),
                           (swapped, "swapped")):
        ok, out = run(capsys, "model1_sigma2_conditional", func)
        assert not ok and expected in out, out


def test_model1_gibbs_wrong(capsys, data):
    theta, sigma2 = gibbs_model1(data)

    def sd_for_var(sigma2, n, ybar, m0, v0):
        m, v = theta_conditional(sigma2, n, ybar, m0, v0)
        return m, np.sqrt(v)    # a sampler that draws with sd = variance: too narrow

    ok, out = run(capsys, "model1_gibbs", *gibbs_model1(data, theta_cond=sd_for_var))
    assert not ok and "✗ posterior sd of θ" in out and "Monte Carlo standard errors" in out
    ok, out = run(capsys, "model1_gibbs", np.full(5000, 7.5), sigma2)
    assert not ok and "never moved" in out
    ok, out = run(capsys, "model1_gibbs", theta, sigma2[:-10])
    assert not ok and "has shape" in out


def test_school_statistics_wrong(capsys, data):
    sds0 = np.array([data.group_values(j).std() for j in range(data.J)])
    ok, out = run(capsys, "school_statistics", data.n, data.means, sds0)
    assert not ok and "ddof=1" in out
    ok, out = run(capsys, "school_statistics", data.n, data.means[::-1], data.sds)
    assert not ok and "wrong order" in out


def test_model2_wrong(capsys, right):
    means, intervals = right["model2_theta_summary"]
    ok, out = run(capsys, "model2_theta_summary", means + 0.5, intervals)
    assert not ok and "posterior mean of θ_" in out
    ok, out = run(capsys, "model2_theta_summary", means, intervals[:, ::-1])
    assert not ok and "(lower, upper)" in out
    ok, out = run(capsys, "model2_theta_summary", means, intervals * [1.1, 0.9])
    assert not ok and "end for θ_" in out
    overlap, prob = right["model2_school5_vs_6"]
    ok, out = run(capsys, "model2_school5_vs_6", True, prob)
    assert not ok and "do not overlap" in out
    ok, out = run(capsys, "model2_school5_vs_6", overlap, 1 - prob)
    assert not ok and "is P(θ_5 < θ_6 | y)" in out
    ok, out = run(capsys, "model2_school5_vs_6", overlap, 1.5)
    assert not ok and "not a probability" in out
    theta = right["model2_theta_summary"][0]
    ok, out = run(capsys, "model2_weighted_average", theta.mean(), right["model2_weighted_average"][1])
    assert not ok and "plain average" in out


def test_model3_conditionals_wrong(capsys):
    def one_theta(theta, tau2, m0, v0):
        return mu_conditional(theta, tau2, m0, v0)[0], 1 / (1 / v0 + 1 / tau2)

    def mean_not_sum(theta, tau2, m0, v0):
        precision = 1 / v0 + len(theta) / tau2
        return (m0 / v0 + np.mean(theta) / tau2) / precision, 1 / precision

    for func, expected in ((one_theta, "each of the J observations"), (mean_not_sum, "sum of all observations")):
        ok, out = run(capsys, "model3_mu_conditional", func)
        assert not ok and expected in out, out

    def about_mean(theta, mu, a, b):
        return a + len(theta) / 2, b + np.sum((theta - np.mean(theta)) ** 2) / 2

    def whole_j(theta, mu, a, b):
        return a + len(theta), tau2_conditional(theta, mu, a, b)[1]

    for func, expected in ((about_mean, "scatter around μ"), (whole_j, "adds ½ to the shape")):
        ok, out = run(capsys, "model3_tau2_conditional", func)
        assert not ok and expected in out, out


def test_model3_theta_step_wrong(capsys):
    def no_shrinkage(mu, tau2, sigma2, n, ybar, rng):
        return ybar + rng.standard_normal(len(n)) * np.sqrt(sigma2 / n)

    def var_as_sd(mu, tau2, sigma2, n, ybar, rng):
        precision = 1 / tau2 + n / sigma2
        mean = (mu / tau2 + n * ybar / sigma2) / precision
        return mean + rng.standard_normal(len(n)) / precision

    for func, expected in ((no_shrinkage, "centre on the school means"), (var_as_sd, "by the variance")):
        ok, out = run(capsys, "model3_theta_step", func)
        assert not ok and expected in out, out


def test_model3_gibbs_and_weights_wrong(capsys, right, data):
    draws = dict(right["model3_gibbs"][0])
    ok, out = run(capsys, "model3_gibbs", {**draws, "mu": draws["mu"] + 1})
    assert not ok and "✗ posterior mean of μ" in out
    ok, out = run(capsys, "model3_gibbs", {k: v for k, v in draws.items() if k != "tau2"})
    assert not ok and "has no 'tau2'" in out
    (w,) = right["model3_shrinkage_weights"]
    ok, out = run(capsys, "model3_shrinkage_weights", 1 - w)
    assert not ok and "weights of μ" in out
    ex = tk.exact.hierarchical(data)
    plug = ex.mean("tau2") / (ex.mean("tau2") + ex.mean("sigma2") / data.n)
    ok, out = run(capsys, "model3_shrinkage_weights", plug)
    assert not ok and "plugged" in out


def test_hoff_wrong(capsys, right, fits, data):
    post, ess = right["hoff_ess"]
    ok, out = run(capsys, "hoff_ess", fits["lecture"], ess)
    assert not ok and "Hoff's is" in out
    ok, out = run(capsys, "hoff_ess", post, {k: v / 2 for k, v in ess.items()})
    assert not ok and "teachkit's ess_bulk" in out
    short = tk.fit_hierarchical(data, draws=100, warmup=100, seed=1, **HOFF)
    ok, out = run(capsys, "hoff_ess", short, {k: tk.diagnostics.ess_bulk(short[k]) for k in ess})
    assert not ok and "not above 1,000" in out
    (summary,) = right["hoff_summary"]
    ok, out = run(capsys, "hoff_summary", {**summary, "tau2": (post.median("tau2"), *post.interval("tau2"))})
    assert not ok and "That is the median" in out
    ok, out = run(capsys, "hoff_summary", {k: v for k, v in summary.items() if k != "mu"})
    assert not ok and "has no entry 'mu'" in out
    r_prior, r_mean = right["hoff_R"]
    ok, out = run(capsys, "hoff_R", 1 - r_prior, r_mean)
    assert not ok and "1 − R" in out
    ok, out = run(capsys, "hoff_R", r_prior, r_prior.mean())
    assert not ok and "is the prior mean" in out
    ok, out = run(capsys, "hoff_R", r_prior[:500], r_mean)
    assert not ok and "at least 1,000" in out
    p_less, p_smallest = right["hoff_theta7"]
    theta = post.flat("theta")
    # P(θ_7 < θ_6 | y) is near 1/2, so its complement cannot be told apart; an off-by-one can
    ok, out = run(capsys, "hoff_theta7", np.mean(theta[:, 5] < theta[:, 4]), p_smallest)
    assert not ok and "P(θ_6 < θ_5 | y)" in out
    ok, out = run(capsys, "hoff_theta7", p_less, np.mean(theta.argmin(axis=1) == 7))
    assert not ok and "P(θ_8 is the smallest | y)" in out
    ok, out = run(capsys, "hoff_shrinkage", data.means)
    assert not ok and "sample means" in out


def test_what_if_wrong(capsys, right, data, fits):
    p2, p3 = right["compare_school5"]
    ok, out = run(capsys, "compare_school5", 1 - p2, p3)
    assert not ok and "is P(θ_5 < θ_4 | y)" in out
    ok, out = run(capsys, "compare_school5", p2, p3 * 2)
    assert not ok and "outside [0, 1]" in out
    ok, out = run(capsys, "school5_values", fifty(data, ddof=0))
    assert not ok and "ddof=0" in out
    ok, out = run(capsys, "school5_values", fifty(data)[:49])
    assert not ok and "not 50" in out
    ok, out = run(capsys, "school5_fifty", fits["lecture"].mean("theta[5]"))
    assert not ok and "original 9 students" in out
    ok, out = run(capsys, "school5_fifty", data.means[4])
    assert not ok and "sample mean" in out
    ok, out = run(capsys, "tau_prior", tk.UniformSD(1), fits["lecture"].mean("theta[5]"))
    assert not ok and "under the lecture's prior" in out
    ok, out = run(capsys, "tau_prior", "UniformSD(1)", 8.7)
    assert not ok and "is the text" in out
    ok, out = run(capsys, "tau_prior", tk.Normal(0, 1), 8.7)
    assert not ok and "teachkit prior for a variance" in out
    post3 = fits["lecture"]
    mu, tau2, sigma2 = post3.flat("mu"), post3.flat("tau2"), post3.flat("sigma2")
    z = np.random.default_rng(9).standard_normal(mu.size)
    for draws, expected in ((mu, "that of μ alone"), (mu + tau2 * z, "τ² as the sd"),
                            (mu + np.sqrt(tau2 + sigma2) * z, "one new student")):
        ok, out = run(capsys, "new_school", draws)
        assert not ok and expected in out, out
    ok, out = run(capsys, "own_data", "my_survey.csv")
    assert not ok and "Read the file" in out
    one = tk.GroupedData.from_arrays([1.0, 2.0, 3.0], ["a", "a", "a"])
    ok, out = run(capsys, "own_data", one)
    assert not ok and "at least 2 groups" in out
    ok, out = run(capsys, "own_fit", fits["no pooling"])
    assert not ok and "no pooling fit" in out
    short = tk.fit_hierarchical(data, draws=60, warmup=20, seed=2)
    ok, out = run(capsys, "own_fit", short)
    assert not ok and "smallest ESS" in out


# ------------------------------------------------------------------ light import, no answers in the source
def test_import_is_light():
    code = ("import sys, teachkit.check; "
            "heavy = [m for m in ('scipy', 'pandas', 'matplotlib') if m in sys.modules]; "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_checks_are_deterministic(capsys, right):
    names = ("model1_theta_conditional", "model3_theta_step", "hoff_theta7", "new_school", "hoff_R")
    first = [run(capsys, name, *right[name])[1] for name in names]
    again = [run(capsys, name, *right[name])[1] for name in names]
    assert first == again


# ------------------------------------------------------------------ ex07: Model 4's conditionals and school 5
def sv_sigma2_conditional(theta, nu0, sigma02, n, ybar, ss):
    return (nu0 + n) / 2, (nu0 * sigma02 + ss + n * (ybar - theta) ** 2) / 2


def sv_sigma02_conditional(sigma2, nu0, a, b):
    return a + len(sigma2) * nu0 / 2, b + nu0 / 2 * np.sum(1 / sigma2)


def sv_nu0_log_conditional(grid, sigma2, sigma02, alpha):
    from scipy.special import gammaln

    half = grid / 2
    return (-alpha * grid + len(sigma2) * (half * np.log(half * sigma02) - gammaln(half))
            - (half + 1) * np.sum(np.log(sigma2)) - half * sigma02 * np.sum(1 / sigma2))


def school5_shrinkage(post, data):
    ybar5 = data.means[4]
    return float((ybar5 - post.mean("theta[5]")) / (ybar5 - post.mean("mu")))


def test_school_variances_slips_get_their_hints(capsys):
    def ss_about_the_mean(theta, nu0, sigma02, n, ybar, ss):
        return (nu0 + n) / 2, (nu0 * sigma02 + ss) / 2

    def sum_of_variances(sigma2, nu0, a, b):
        return a + len(sigma2) * nu0 / 2, b + nu0 / 2 * np.sum(sigma2)

    def no_prior(grid, sigma2, sigma02, alpha):
        return sv_nu0_log_conditional(grid, sigma2, sigma02, 0.0)

    def probabilities(grid, sigma2, sigma02, alpha):
        log_p = sv_nu0_log_conditional(grid, sigma2, sigma02, alpha)
        p = np.exp(log_p - log_p.max())
        return p / p.sum()

    for name, func, expected in (
            ("school_variances_sigma2", ss_about_the_mean, "scatter around θ_j, not around ȳ_j"),
            ("school_variances_sigma02", sum_of_variances, "Σ_j 1/σ_j²"),
            ("school_variances_nu0", no_prior, "−α ν0 is missing"),
            ("school_variances_nu0", probabilities, "look like probabilities")):
        ok, out = run(capsys, name, func)
        assert not ok and expected in out, (name, out)


def test_school_variances_shrinkage_names_one_minus(capsys, right):
    shrink3, shrink4 = right["school_variances_shrinkage"]
    ok, out = run(capsys, "school_variances_shrinkage", shrink3, 1 - shrink4)
    assert not ok and "1 − the shrinkage" in out
    ok, out = run(capsys, "school_variances_shrinkage", shrink3 + 0.3, shrink4)
    assert not ok and "Model 3: yours" in out


# ------------------------------------------------------------------ messages and tolerances after the exercises' review
def test_sum_of_squares_about_zero_is_named(capsys, data):
    y = data.values
    ok, out = run(capsys, "pooled_statistics", y.size, y.mean(), (y**2).sum())
    assert not ok and "the sum of squares about 0, not about ȳ" in out, out


def test_conditional_feedback_shows_numbers_that_differ(capsys):
    import re

    def about_ybar(theta, n, ybar, ss, a, b):       # the slip changes the scale by n(ȳ − θ)²/2
        return a + n / 2, b + ss / 2

    ok, out = run(capsys, "model1_sigma2_conditional", about_ybar)
    yours, right = re.search(r"scale: yours (\S+), the right value (\S+)", out).groups()
    assert not ok and yours != right, out

    def uniform_prior_shape(theta, n, ybar, ss, a, b):
        return a + (n - 1) / 2, sigma2_conditional(theta, n, ybar, ss, a, b)[1]

    ok, out = run(capsys, "model1_sigma2_conditional", uniform_prior_shape)
    assert not ok and "(n − 1)/2 belongs to the uniform prior" in out, out

    def uniform_prior_tau(theta, mu, a, b):
        return a + (len(theta) - 1) / 2, tau2_conditional(theta, mu, a, b)[1]

    ok, out = run(capsys, "model3_tau2_conditional", uniform_prior_tau)
    assert not ok and "(J − 1)/2 belongs to the uniform prior" in out, out


def test_hoff_ess_accepts_any_sound_estimate(capsys, right):
    post, ess = right["hoff_ess"]
    ok, out = run(capsys, "hoff_ess", post, {k: 1.1 * v for k, v in ess.items()})
    assert ok, out
    basic = {k: tk.diagnostics.ess_basic(post[k]) for k in ess}
    assert all(abs(basic[k] / ess[k] - 1) <= 0.15 for k in ess), (basic, ess)
    ok, out = run(capsys, "hoff_ess", post, basic)
    assert ok, out
    ok, out = run(capsys, "hoff_ess", post, {k: v / post.nchains for k, v in ess.items()})
    assert not ok and "about that of one chain" in out, out
    ok, out = run(capsys, "hoff_ess", post, {k: post[k].size for k in ess})
    assert not ok and "the number of draws" in out, out


def test_reference_fits_do_not_reuse_a_notebooks_stream(data):
    from teachkit.check._reference import _reference_fit

    notebook = tk.fit_hierarchical(data, draws=5000, warmup=1000, chains=4, seed=np.random.default_rng(SEED), **HOFF)
    assert not np.array_equal(_reference_fit("hoff")["R"], notebook["R"])


def test_hoff_checks_take_the_fit(capsys, right, fits):
    post = fits["hoff"]
    ok, out = run(capsys, "hoff_theta7", *right["hoff_theta7"], post)
    assert ok, out
    ok, out = run(capsys, "hoff_R", *right["hoff_R"], post)
    assert ok, out
    for name in ("hoff_theta7", "hoff_R"):
        ok, out = run(capsys, name, *right[name], fits["lecture"])
        assert not ok and "Hoff's is" in out, out


def test_hoff_shrinkage_names_a_school_outside(capsys, right, monkeypatch):
    from teachkit.check import ex05_shrinkage_hoff as ex05
    from teachkit.check._reference import _exact3

    real = _exact3("hoff")

    class Moved:                          # school 2's posterior mean put beyond its sample mean
        def mean(self, name):
            out = np.array(real.mean(name), dtype=float)
            if name == "theta":
                out[1] = tk.load_homework().means[1] - 0.001
            return out if out.ndim else float(out)

        def sd(self, name):
            return real.sd(name)

    monkeypatch.setattr(ex05, "_exact3", lambda priors: Moved())
    (means,) = right["hoff_shrinkage"]
    ok, out = run(capsys, "hoff_shrinkage", means)
    assert "school(s) 2 lie outside" in out and "each lies between" not in out, out


def test_tau_prior_is_named_as_the_task_writes_it(capsys, data):
    ex = tk.exact.hierarchical(data, tau2_prior=tk.InverseGamma(1, 10))
    ok, out = run(capsys, "tau_prior", tk.InverseGamma(1, 10), ex.mean("theta")[4])
    assert ok and "with τ² ~ IG(1, 10)," in out and "τ ~ U(0, 1000)" in out, out
    ex = tk.exact.hierarchical(data, tau2_prior=tk.UniformSD(1))
    ok, out = run(capsys, "tau_prior", tk.UniformSD(1), ex.mean("theta")[4])
    assert ok and "with τ ~ U(0, 1)," in out and "τ²: sd" not in out, out


def test_school_variances_shrinkage_names_both_causes(capsys, right):
    ok, out = run(capsys, "school_variances_shrinkage", *right["school_variances_shrinkage"])
    assert ok and "smaller τ²" in out and "E[σ_5² | y]" in out, out
