"""teachkit.check for ex10 (the three-level model): the usual wrong answers to ψ_k | θ, μ, τ², ω²,
ω² | ψ, μ and ω's quantiles under two priors are each named, with a hint; a misbehaving answer
gives a ✗ and a hint, never a traceback. (The right answers, and malformed ones such as None,
text or NaN, are tested with every other check in tests/test_check.py.)"""

import numpy as np
import pytest

import teachkit as tk
from teachkit import check

SEED = 20261124


def psi_conditional(theta, state, mu, tau2, omega2):
    K = state.max() + 1
    J_k = np.bincount(state, minlength=K)
    sums = np.bincount(state, weights=theta, minlength=K)
    precision = 1 / omega2 + J_k / tau2
    return (mu / omega2 + sums / tau2) / precision, 1 / precision


def omega2_conditional(psi, mu, a, b):
    return a + len(psi) / 2, b + np.sum((psi - mu) ** 2) / 2


def run(capsys, name, *args):
    ok = getattr(check, name)(*args)
    out = capsys.readouterr().out
    assert isinstance(ok, bool) and out.startswith("✓ " if ok else "✗ "), out
    return ok, out


# ------------------------------------------------------------------ task 1: ψ_k | θ, μ, τ², ω²
def all_groups_summed(theta, state, mu, tau2, omega2):
    mean, var = psi_conditional(theta, state, mu, tau2, omega2)
    return (mu / omega2 + theta.sum() / tau2) * var, var


def count_is_J(theta, state, mu, tau2, omega2):
    K = state.max() + 1
    precision = np.full(K, 1 / omega2 + theta.size / tau2)
    return (mu / omega2 + np.bincount(state, weights=theta) / tau2) / precision, 1 / precision


def all_groups_count_J(theta, state, mu, tau2, omega2):
    K = state.max() + 1
    precision = 1 / omega2 + theta.size / tau2
    return np.full(K, (mu / omega2 + theta.sum() / tau2) / precision), np.full(K, 1 / precision)


def sorted_blocks(theta, state, mu, tau2, omega2):
    """Takes the first J_0 counties for state 0, the next J_1 for state 1, ...: right only if sorted."""
    J_k = np.bincount(state)
    ends = np.cumsum(J_k)
    sums = np.array([theta[end - n:end].sum() for n, end in zip(J_k, ends)])
    precision = 1 / omega2 + J_k / tau2
    return (mu / omega2 + sums / tau2) / precision, 1 / precision


def shifted_states(theta, state, mu, tau2, omega2):
    """States counted from 1 (state 1 is the first): the sums land one state off."""
    mean, var = psi_conditional(theta, state, mu, tau2, omega2)
    sums = np.roll(np.bincount(state, weights=theta), 1)
    return (mu / omega2 + sums / tau2) * var, var


def prior_mean_unweighted(theta, state, mu, tau2, omega2):
    mean, var = psi_conditional(theta, state, mu, tau2, omega2)
    return (mu + np.bincount(state, weights=theta) / tau2) * var, var


def state_average_not_sum(theta, state, mu, tau2, omega2):
    mean, var = psi_conditional(theta, state, mu, tau2, omega2)
    return (mu / omega2 + np.bincount(state, weights=theta) / np.bincount(state) / tau2) * var, var


def sd_not_variance(theta, state, mu, tau2, omega2):
    mean, var = psi_conditional(theta, state, mu, tau2, omega2)
    return mean, np.sqrt(var)


def no_prior_precision(theta, state, mu, tau2, omega2):
    mean, var = psi_conditional(theta, state, mu, tau2, omega2)
    return mean, tau2 / np.bincount(state)


def one_per_county(theta, state, mu, tau2, omega2):
    mean, var = psi_conditional(theta, state, mu, tau2, omega2)
    return mean[state], var[state]


@pytest.mark.parametrize(("func", "expected", "hint"), [
    (all_groups_summed, "summed θ over all", "theta[state == k].sum()"),
    (all_groups_count_J, "the same for every state", "not J = 421"),
    (count_is_J, "the same for every state", "number of groups in state k"),
    (sorted_blocks, "the sum of θ_j it implies", "not sorted by state"),
    (shifted_states, "uses the groups of state", "coded 0, 1"),
    (prior_mean_unweighted, "mean of ψ_0", "The prior's term is μ/ω², not μ"),
    (state_average_not_sum, "mean: yours", "J_k·θ̄_k/τ²"),
    (sd_not_variance, "variance: yours", "standard deviation"),
    (no_prior_precision, "variance: yours", "prior's precision 1/ω² is missing"),
    (one_per_county, "shape (7,); it has shape (421,)", "not one per county"),
], ids=lambda x: x.__name__ if callable(x) else None)
def test_psi_slips_are_named(capsys, func, expected, hint):
    ok, out = run(capsys, "three_level_psi_conditional", func)
    assert not ok and expected in out and hint in out, out


def test_psi_right_answer_with_a_loop_passes(capsys):
    def loop(theta, state, mu, tau2, omega2):
        K = state.max() + 1
        mean, var = np.zeros(K), np.zeros(K)
        for k in range(K):
            theta_k = theta[state == k]
            precision = 1 / omega2 + len(theta_k) / tau2
            mean[k], var[k] = (mu / omega2 + theta_k.sum() / tau2) / precision, 1 / precision
        return mean, var

    ok, out = run(capsys, "three_level_psi_conditional", loop)
    assert ok and "draw_psi" in out and "grid" in out, out


def test_psi_answers_that_misbehave(capsys):
    def raises(theta, state, mu, tau2, omega2):
        raise IndexError("index 7 is out of bounds")

    def returns_none(theta, state, mu, tau2, omega2):
        return None

    def returns_stubs(theta, state, mu, tau2, omega2):
        return ..., ...

    def returns_three(theta, state, mu, tau2, omega2):
        return 1.0, 2.0, 3.0

    def returns_nan(theta, state, mu, tau2, omega2):
        mean, var = psi_conditional(theta, state, mu, tau2, omega2)
        return mean * np.nan, var

    def one_number(theta, state, mu, tau2, omega2):
        return 1.0, 0.1

    def wrong_signature(theta, groups, mu, tau2, omega2):
        return psi_conditional(theta, groups, mu, tau2, omega2)

    for func, expected in ((raises, "raised IndexError"), (returns_none, "returned None"),
                           (returns_stubs, "no answer yet"), (returns_three, "two arrays"),
                           (returns_nan, "NaN"), (one_number, "it has one number"),
                           (wrong_signature, "parameter names")):
        ok, out = run(capsys, "three_level_psi_conditional", func)
        assert not ok and expected in out and "Hint:" in out, (func.__name__, out)


# ------------------------------------------------------------------ task 2: ω² | ψ, μ
@pytest.mark.parametrize(("func", "expected", "hint"), [
    (lambda psi, mu, a, b: (a + (len(psi) - 1) / 2, b + np.sum((psi - mu) ** 2) / 2),
     "shape: yours", "(K − 1)/2 belongs to the uniform prior on the sd"),
    (lambda psi, mu, a, b: (a + len(psi), b + np.sum((psi - mu) ** 2) / 2), "shape: yours", "adds ½ to the shape"),
    (lambda psi, mu, a, b: (a + len(psi) / 2, b + np.sum((psi - psi.mean()) ** 2) / 2),
     "scale: yours", "scatter around μ, not around their own mean"),
    (lambda psi, mu, a, b: (a + len(psi) / 2, b + np.sum((psi - mu) ** 2)), "scale: yours", "Σ_k(ψ_k − μ)²/2"),
    (lambda psi, mu, a, b: (a + len(psi) / 2, np.sum((psi - mu) ** 2) / 2), "scale: yours", "prior's b is missing"),
    (lambda psi, mu, a, b: (b + np.sum((psi - mu) ** 2) / 2, a + len(psi) / 2), "swapped", "(shape, scale)"),
    (lambda psi, mu, a, b: ((len(psi) - 1) / 2, np.sum((psi - mu) ** 2) / 2), "shape: yours",
     "(K − 1)/2 is the shape under the flat prior on the sd"),
    (lambda psi, mu, a, b: (a + len(psi) / 2 + 0.3, b + np.sum((psi - mu) ** 2) / 2), "shape: yours",
     "prior (ω²)^−(a+1), likelihood (ω²)^−K/2"),
], ids=["shape (K-1)/2", "shape a+K", "about the mean", "scale without 1/2", "no b", "swapped",
        "the flat prior's conditional", "shape off otherwise"])
def test_omega2_slips_are_named(capsys, func, expected, hint):
    ok, out = run(capsys, "three_level_omega2_conditional", func)
    assert not ok and expected in out and hint in out, out


# ------------------------------------------------------------------ task 3: ω under two priors
@pytest.fixture(scope="module")
def omega():
    """ω's 2.5%, 50% and 97.5% quantiles under each prior, from two fits of the task's size; and the
    5%, 50% and 95% points of the same draws (a 90% interval, a plausible slip)."""
    radon, levels = tk.load_radon(), [0.025, 0.5, 0.975]
    flat = tk.fit_three_level(radon, draws=5000, seed=np.random.default_rng([SEED, 20]))
    ig = tk.fit_three_level(radon, draws=5000, seed=np.random.default_rng([SEED, 21]),
                            omega2_prior=tk.InverseGamma(0.01, 0.01))
    return ([np.quantile(np.sqrt(post.flat("omega2")), levels) for post in (flat, ig)]
            + [np.quantile(np.sqrt(post.flat("omega2")), [0.05, 0.5, 0.95]) for post in (flat, ig)])


def test_omega_prior_right_and_slips(capsys, omega):
    flat, ig, flat90, ig90 = omega
    ok, out = run(capsys, "three_level_omega_prior", flat, ig)
    assert ok and "teachkit.exact" in out, out
    for args, expected, hint in (((ig, flat), "swapped", "omega2_prior=tk.InverseGamma(0.01, 0.01)"),
                                 ((flat**2, ig), "quantiles of ω², not of ω", "square root"),
                                 ((flat90, ig90), "a 90% interval", "2.5% to the 97.5% point"),
                                 ((flat, ig[::-1]), "should increase", "np.quantile"),
                                 ((flat, flat), "omega_ig (ω² ~ IG(0.01, 0.01)): the", "Check the prior"),
                                 ((flat[:2], ig), "three numbers", "np.quantile"),
                                 ((flat, ...), "no answer yet", "Replace the `...`")):
        ok, out = run(capsys, "three_level_omega_prior", *args)
        assert not ok and expected in out and hint in out, (expected, out)
    ok, out = run(capsys, "three_level_omega_prior", flat, ig)      # a wrong answer leaves nothing behind
    assert ok, out
