"""Tests for teachkit.diagnostics.

The main check is agreement with ArviZ 0.23.4 (installed for the tests only)
on the same draws. ArviZ takes a 2-D numpy array as (chain, draw), the same
layout as ours, and a 1-D array as a single chain.

Tolerance: our functions follow ArviZ's algorithm step by step, so the only
differences left are floating-point rounding (ArviZ zero-pads the FFT to
scipy's next_fast_len, we pad to a power of two; sums run in a different
order). Measured differences are below 1e-14 relative; RTOL = 1e-10 leaves
room for other BLAS/FFT builds while still failing on any algorithmic slip
(a different truncation lag, split, rank offset or ddof changes the result
in the 3rd digit or earlier).
"""

import subprocess
import sys
import warnings

import numpy as np
import pytest

from teachkit import diagnostics as dg
from teachkit.diagnostics import DiagnosticError

with warnings.catch_warnings():
    # ArviZ announces its refactor with a warning on import; it is not ours to see.
    warnings.simplefilter("ignore")
    import arviz as az
    from arviz.stats.diagnostics import _rhat as az_classic_rhat
    from arviz.stats.diagnostics import _split_chains as az_split_chains
    from arviz.stats.diagnostics import _z_scale as az_rank_normalise

RTOL = 1e-10


# ----------------------------------------------------------------- draw generators
def ar1(rng, chains, draws, phi):
    """Stationary AR(1) chains x_t = phi x_{t-1} + e_t, e_t ~ N(0, 1)."""
    x = np.empty((chains, draws))
    x[:, 0] = rng.normal(size=chains) / np.sqrt(1 - phi**2)
    noise = rng.normal(size=(chains, draws))
    for t in range(1, draws):
        x[:, t] = phi * x[:, t - 1] + noise[:, t]
    return x


def shifted_means(rng):
    x = rng.normal(size=(4, 1000))
    x[0] += 1.0  # one chain off by one posterior sd
    return x


CASES = {
    "iid normal 4x1000": lambda rng: rng.normal(size=(4, 1000)),
    "AR(1) phi=0.9 4x2000": lambda rng: ar1(rng, 4, 2000, 0.9),
    "shifted means 4x1000": shifted_means,
    "student-t df=2 4x1000": lambda rng: rng.standard_t(2, size=(4, 1000)),
    "one chain 1x1000": lambda rng: rng.normal(size=(1, 1000)),
    # odd length: the split drops the middle draw of each chain
    "AR(1) phi=0.5 3x101": lambda rng: ar1(rng, 3, 101, 0.5),
    # antithetic: tau falls below its floor, so ESS hits the cap S*log10(S)
    "AR(1) phi=-0.7 4x500": lambda rng: ar1(rng, 4, 500, -0.7),
    # strongly autocorrelated and short: every Geyer pair stays positive to the end
    "random walk 4x40": lambda rng: np.cumsum(rng.normal(size=(4, 40)), axis=1),
    # many ties: exercises the averaged ranks
    "poisson(3) 4x400": lambda rng: rng.poisson(3.0, size=(4, 400)).astype(float),
    # the smallest accepted size
    "iid normal 2x10": lambda rng: rng.normal(size=(2, 10)),
}


@pytest.fixture(params=sorted(CASES), scope="module")
def draws(request):
    seed = sorted(CASES).index(request.param) + 20240
    return CASES[request.param](np.random.default_rng(seed))


def arviz_rank_rhat(x):
    """ArviZ's rank-normalised split R-hat, also for one chain.

    arviz.rhat returns NaN for a single chain (it asks for >= 2 chains before
    splitting); we allow one chain, so for that case the same formula is
    assembled from ArviZ's own building blocks.
    """
    if x.shape[0] > 1:
        return az.rhat(x, method="rank")
    split = az_split_chains(x)
    bulk = az_classic_rhat(az_rank_normalise(split))
    tail = az_classic_rhat(az_rank_normalise(np.abs(split - np.median(split))))
    return max(bulk, tail)


# ----------------------------------------------------------------- agreement with ArviZ
def test_ess_bulk_matches_arviz(draws):
    assert dg.ess_bulk(draws) == pytest.approx(az.ess(draws, method="bulk"), rel=RTOL)


def test_ess_tail_matches_arviz(draws):
    assert dg.ess_tail(draws) == pytest.approx(az.ess(draws, method="tail"), rel=RTOL)


def test_ess_mean_and_basic_match_arviz(draws):
    expected = az.ess(draws, method="mean")
    assert dg.ess_mean(draws) == pytest.approx(expected, rel=RTOL)
    assert dg.ess_basic(draws) == pytest.approx(expected, rel=RTOL)


def test_mcse_mean_matches_arviz(draws):
    assert dg.mcse_mean(draws) == pytest.approx(az.mcse(draws, method="mean"), rel=RTOL)


def test_rhat_matches_arviz(draws):
    assert dg.rhat(draws) == pytest.approx(arviz_rank_rhat(draws), rel=RTOL)


def test_autocorrelation_matches_arviz(draws):
    ours = dg.autocorrelation(draws)
    assert ours.shape == draws.shape
    np.testing.assert_array_equal(ours[:, 0], 1.0)
    # absolute tolerance: the values lie in [-1, 1] and the long lags are near 0
    np.testing.assert_allclose(ours, az.autocorr(draws), rtol=0, atol=1e-12)


def test_one_dimensional_input_is_one_chain():
    x = np.random.default_rng(7).normal(size=500)
    for f in (dg.ess_bulk, dg.ess_tail, dg.ess_mean, dg.mcse_mean, dg.rhat):
        assert f(x) == f(x[np.newaxis, :])
    acorr = dg.autocorrelation(x)
    assert acorr.shape == (500,)
    np.testing.assert_allclose(acorr, az.autocorr(x), rtol=0, atol=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # ArviZ's 0/0
def test_two_valued_parameter_uses_bulk_rhat_when_folding_is_constant():
    # Half zeros and half ones: |x - median| = 0.5 everywhere, so the tail
    # R-hat is 0/0. ArviZ ends up with max(bulk, nan) = bulk; so do we, on purpose.
    rng = np.random.default_rng(5)
    x = np.zeros((4, 100))
    x.flat[rng.permutation(400)[:200]] = 1.0
    bulk = az_classic_rhat(az_rank_normalise(az_split_chains(x)))
    assert dg.rhat(x) == pytest.approx(bulk, rel=RTOL)
    assert dg.rhat(x) == pytest.approx(az.rhat(x, method="rank"), rel=RTOL)


def test_average_ranks_match_scipy_with_ties():
    from scipy.stats import rankdata

    values = np.random.default_rng(3).integers(0, 7, size=(3, 50)).astype(float)
    np.testing.assert_array_equal(dg._average_ranks(values),
                                  rankdata(values, method="average").reshape(values.shape))


# ----------------------------------------------------------------- behaviour, not just agreement
def test_shifted_chain_gives_large_rhat():
    x = CASES["shifted means 4x1000"](np.random.default_rng(1))
    assert dg.rhat(x) > 1.05


def test_well_mixed_chains_give_rhat_near_one():
    x = np.random.default_rng(2).normal(size=(4, 1000))
    assert dg.rhat(x) < 1.01


def test_single_drifting_chain_is_caught_by_the_split():
    rng = np.random.default_rng(4)
    x = rng.normal(size=1000) + np.linspace(0.0, 3.0, 1000)  # a trend: halves disagree
    assert dg.rhat(x) > 1.1


def test_chains_stuck_at_different_values_give_huge_rhat():
    x = np.repeat([[0.0], [1.0], [2.0], [3.0]], 20, axis=1)
    assert dg.rhat(x) > 1e6


def test_ess_of_ar1_is_near_its_theoretical_value():
    # For AR(1), ESS = S (1 - phi) / (1 + phi). Independent of ArviZ; the
    # estimate is noisy, hence the loose bound (seed fixed, so deterministic).
    phi, x = 0.9, ar1(np.random.default_rng(11), 4, 2000, 0.9)
    theory = x.size * (1 - phi) / (1 + phi)
    assert dg.ess_mean(x) == pytest.approx(theory, rel=0.3)
    assert dg.ess_bulk(x) == pytest.approx(theory, rel=0.3)
    iid = np.random.default_rng(12).normal(size=(4, 1000))
    assert dg.ess_bulk(iid) == pytest.approx(iid.size, rel=0.15)


def test_mcse_mean_is_sd_over_sqrt_ess():
    x = ar1(np.random.default_rng(13), 4, 500, 0.5)
    assert dg.mcse_mean(x) == pytest.approx(x.std(ddof=1) / np.sqrt(dg.ess_mean(x)), rel=1e-14)


# ----------------------------------------------------------------- refusals
SCALAR_DIAGNOSTICS = [dg.ess_bulk, dg.ess_tail, dg.ess_basic, dg.ess_mean, dg.mcse_mean, dg.rhat]
ALL_DIAGNOSTICS = SCALAR_DIAGNOSTICS + [dg.autocorrelation]


def test_diagnostic_error_is_a_value_error():
    assert issubclass(DiagnosticError, ValueError)
    with pytest.raises(ValueError):
        dg.rhat(np.ones((4, 100)))


@pytest.mark.parametrize("f", ALL_DIAGNOSTICS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((2, 3, 100)), r"shaped \(chains, draws\).*3 dimensions"),
        (np.float64(1.5), r"0 dimensions"),
        (np.zeros((0, 100)), r"no chains"),
        ([["a", "b"]], r"draws must be numbers"),
    ],
    ids=["3-D", "scalar", "no chains", "strings"],
)
def test_refuses_bad_shapes_and_types(f, bad, message):
    with pytest.raises(DiagnosticError, match=message):
        f(bad)


@pytest.mark.parametrize("f", ALL_DIAGNOSTICS, ids=lambda f: f.__name__)
def test_refuses_nan_and_inf(f):
    x = np.random.default_rng(0).normal(size=(4, 100))
    x[1, 5] = np.nan
    with pytest.raises(DiagnosticError, match=r"finite, found 1 NaN and 0 infinite"):
        f(x)
    x[1, 5] = -np.inf
    with pytest.raises(DiagnosticError, match=r"finite, found 0 NaN and 1 infinite"):
        f(x)


@pytest.mark.parametrize("f", SCALAR_DIAGNOSTICS, ids=lambda f: f.__name__)
def test_refuses_fewer_than_min_draws(f):
    assert dg.MIN_DRAWS == 10
    x = np.random.default_rng(0).normal(size=(4, 9))
    with pytest.raises(DiagnosticError, match=r"at least 10 draws per chain, got 9.*at least 5"):
        f(x)
    f(np.random.default_rng(0).normal(size=(4, 10)))  # the boundary itself is accepted


@pytest.mark.parametrize("f", SCALAR_DIAGNOSTICS, ids=lambda f: f.__name__)
def test_refuses_constant_draws(f):
    with pytest.raises(DiagnosticError, match=r"all draws are identical .*2\.5.*undefined"):
        f(np.full((4, 100), 2.5))


def test_refuses_draws_constant_apart_from_the_dropped_middle_draw():
    # 11 draws per chain: the split drops draw 5, so the diagnostics see constants only.
    x = np.zeros((2, 11))
    x[:, 5] = 1.0
    with pytest.raises(DiagnosticError, match=r"all draws are identical"):
        dg.rhat(x)


def test_ess_tail_refuses_when_the_upper_quantile_is_the_maximum():
    # A 0/1 parameter that is 1 in 10% of draws: the 95% quantile is 1, the
    # largest value, so "x <= q95" is true everywhere and carries no information.
    x = np.zeros((4, 100))
    x[:, :10] = 1.0
    with pytest.raises(DiagnosticError, match=r"95% quantile\) holds for every draw"):
        dg.ess_tail(x)


def test_autocorrelation_refuses_a_constant_chain_and_too_short_chains():
    x = np.random.default_rng(0).normal(size=(3, 50))
    x[1] = 0.1  # a value whose mean rounds: the check must not rely on the variance
    with pytest.raises(DiagnosticError, match=r"chain 1 is constant"):
        dg.autocorrelation(x)
    with pytest.raises(DiagnosticError, match=r"at least 2 draws per chain, got 1"):
        dg.autocorrelation(np.ones((3, 1)))


# ----------------------------------------------------------------- import cost
def test_import_does_not_load_scipy_and_use_does_not_load_scipy_stats():
    code = (
        "import sys, teachkit.diagnostics as d\n"
        "print('scipy' in sys.modules)\n"
        "import numpy as np\n"
        "d.rhat(np.random.default_rng(0).normal(size=(4, 100)))\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["False", "False"]


# ------------------------------------------------------------- check_convergence
def _posterior(chains, model="hierarchical"):
    from teachkit.posterior import Posterior

    chains = np.asarray(chains, dtype=float)
    return Posterior(draws={"mu": chains, "tau2": np.exp(chains)}, warmup_draws={}, model=model, priors={})


def test_check_convergence_passes_well_mixed_chains_and_names_the_worst():
    rng = np.random.default_rng(3)
    report = dg.check_convergence(_posterior(rng.normal(size=(4, 1000))))
    assert report.ok and bool(report)
    assert repr(report).startswith("✓ partial pooling: largest R-hat 1.0")
    assert "(below 1.01)" in repr(report) and " bulk, " in repr(report) and " tail (above 400)" in repr(report)


def test_check_convergence_flags_chains_that_disagree_and_says_what_to_do():
    rng = np.random.default_rng(4)
    chains = rng.normal(size=(4, 1000)) + np.array([0.0, 0.0, 0.0, 3.0])[:, None]   # one chain elsewhere
    report = dg.check_convergence(_posterior(chains), labels=["my fit"])
    assert not report.ok
    text = repr(report)
    assert text.startswith("✗ my fit: R-hat of ") and "not below 1.01" in text and "Draw more" in text


def test_check_convergence_flags_too_few_effective_draws_even_when_rhat_passes():
    rng = np.random.default_rng(5)
    ar = np.zeros((4, 2000))
    for t in range(1, 2000):                       # AR(1) with coefficient 0.995: slow, but stationary
        ar[:, t] = 0.995 * ar[:, t - 1] + rng.normal(size=4) * np.sqrt(1 - 0.995**2)
    report = dg.check_convergence(_posterior(ar), rhat_limit=1.5)
    assert not report.ok and "bulk ESS of" in repr(report) and "below 400" in repr(report)
    assert "tail ESS of" in repr(report) and "ends of its intervals" in repr(report)


def test_check_convergence_refuses_what_it_cannot_check():
    with pytest.raises(ValueError, match="at least one Posterior"):
        dg.check_convergence()
    with pytest.raises(ValueError, match="argument 1 is a ndarray"):
        dg.check_convergence(np.zeros((4, 100)))
    with pytest.raises(ValueError, match="2 labels for 1 posteriors"):
        dg.check_convergence(_posterior(np.zeros((4, 100)) + np.arange(100)), labels=["a", "b"])
