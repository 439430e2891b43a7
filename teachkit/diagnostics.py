"""Convergence diagnostics for MCMC draws: autocorrelation, ESS, MCSE and R-hat.

Every function takes the draws of ONE scalar parameter as an array shaped
``(chains, draws)`` (the same order as ArviZ). A 1-D array is read as a single
chain. The methods follow

    Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021), "Rank-normalization,
    folding, and localization: an improved R-hat for assessing convergence of
    MCMC", Bayesian Analysis 16(2).

and compute exactly what ArviZ computes (tests/test_diagnostics.py checks this
to ~1e-10), which is also the algorithm of Stan's ``posterior`` package. The
recipe has three ingredients, each a small helper below:

1. *Split* every chain into its first and second half. A chain that is still
   drifting has halves that disagree, so treating the halves as separate chains
   lets the between-chain comparison notice the drift.
2. *Rank-normalise*: replace every draw by its rank among all draws, then map
   the ranks onto normal quantiles. The diagnostics then work for heavy-tailed
   posteriors (even without a finite mean), and the bulk ESS and bulk R-hat
   do not change when the parameter is transformed monotonically (σ and
   log σ give the same answer), because ranks do not.
3. Estimate the *effective sample size* from the autocorrelations of the
   chains, combining all chains and cutting the noisy tail of the
   autocorrelation sum off with Geyer's initial sequence rules.

When a number cannot be supported by the draws (too few draws, NaN, all draws
identical) the functions raise :class:`DiagnosticError` instead of returning
a misleading value.

scipy is imported inside the functions that need it, so that importing this
module stays instant.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "DiagnosticError",
    "MIN_DRAWS",
    "autocorrelation",
    "ess_bulk",
    "ess_tail",
    "ess_basic",
    "ess_mean",
    "mcse_mean",
    "rhat",
    "check_convergence",
    "ConvergenceReport",
]

#: Fewest draws per chain the ESS, MCSE and R-hat functions accept. Each chain
#: is split in half, and with halves shorter than 5 draws Geyer's sequence
#: below cannot look at a single pair of lags past lag 1: the ESS would then be
#: set by the safety cap alone, a number that says nothing about the chains.
MIN_DRAWS = 10

# Tail ESS looks at how well the sampler explores these two quantiles.
TAIL_PROBABILITIES = (0.05, 0.95)


class DiagnosticError(ValueError):
    """The draws cannot support the requested diagnostic (see the message for why)."""


# --------------------------------------------------------------------------- checks
def _as_chains(x, min_draws: int = MIN_DRAWS) -> np.ndarray:
    """Return ``x`` as a float array (chains, draws) after checking it can be diagnosed.

    ``min_draws`` is per chain: :data:`MIN_DRAWS` for everything that splits
    chains, 2 for the autocorrelation (a lag needs two draws).
    """
    try:
        draws = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as err:
        raise DiagnosticError(f"draws must be numbers: {err}") from None
    if draws.ndim == 1:
        draws = draws[np.newaxis, :]
    if draws.ndim != 2:
        raise DiagnosticError(
            f"expected the draws of one scalar parameter shaped (chains, draws) or (draws,), "
            f"got an array with {draws.ndim} dimensions, shape {draws.shape}"
        )
    n_chains, n_draws = draws.shape
    if n_chains == 0:
        raise DiagnosticError("no chains: the array of draws has 0 rows")
    if n_draws < min_draws:
        raise DiagnosticError(
            f"need at least {min_draws} draws per chain, got {n_draws}"
            + (" (each chain is split in half, and each half needs at least 5 draws)"
               if min_draws == MIN_DRAWS else "")
        )
    n_nan = int(np.isnan(draws).sum())
    n_inf = int(np.isinf(draws).sum())
    if n_nan or n_inf:
        raise DiagnosticError(
            f"draws must be finite, found {n_nan} NaN and {n_inf} infinite value(s); "
            "a sampler that produces these needs fixing before its output is diagnosed"
        )
    return draws


def _require_variation(split: np.ndarray) -> None:
    """Refuse split chains that never change: every variance would be 0 and R-hat, ESS 0/0.

    The check is exact and made on the split chains, before any arithmetic,
    because that is what the diagnostics see (a rounding error in a mean must
    not turn "constant" into "tiny variance").
    """
    if split.min() == split.max():
        raise DiagnosticError(
            f"all draws are identical (every one equals {split.flat[0]!r}), so R-hat and the "
            "effective sample size are undefined (0/0). Either the parameter is fixed, or "
            "the sampler never moved."
        )


# --------------------------------------------------------------------------- helpers
def _split_chains(draws: np.ndarray) -> np.ndarray:
    """Cut each chain into its first and second half: (m, n) -> (2m, n // 2).

    With an odd number of draws the middle draw is dropped so that the halves
    have equal length (as Stan and ArviZ do).
    """
    half = draws.shape[1] // 2
    return np.vstack([draws[:, :half], draws[:, -half:]])


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..S of the entries of ``values`` (any shape); tied values share their mean rank.

    Same result as ``scipy.stats.rankdata(values, method="average")``, written
    with numpy because importing scipy.stats takes about a second.
    """
    flat = values.ravel()
    order = np.argsort(flat)  # stability is not needed: tied values get the same rank anyway
    in_order = flat[order]
    # A run of equal values occupies sorted positions start..end-1, i.e. ranks
    # start+1 .. end; every member of the run gets the mean of those, (start+1+end)/2.
    starts_run = np.concatenate([[True], in_order[1:] != in_order[:-1]])
    run_of_position = np.cumsum(starts_run) - 1
    run_starts = np.flatnonzero(starts_run)
    run_ends = np.append(run_starts[1:], flat.size)
    mean_rank_of_run = (run_starts + 1 + run_ends) / 2.0
    ranks = np.empty(flat.size)
    ranks[order] = mean_rank_of_run[run_of_position]
    return ranks.reshape(values.shape)


def _rank_normalise(values: np.ndarray) -> np.ndarray:
    """Map every draw to a normal quantile of its rank among ALL draws (all chains pooled).

        z = Φ⁻¹( (r - 3/8) / (S + 1/4) ),   r = rank (ties averaged), S = number of draws

    The offsets 3/8 and 1/4 (Blom, 1958) keep the fraction strictly inside (0, 1)
    and make the z-values close to the expected normal order statistics.
    """
    from scipy.special import ndtri  # the normal quantile function Φ⁻¹; lazy, see module doc

    ranks = _average_ranks(values)
    return ndtri((ranks - 3.0 / 8.0) / (values.size + 1.0 / 4.0))


def _autocovariance(chains: np.ndarray) -> np.ndarray:
    """Autocovariance of every chain at every lag t = 0..n-1, computed with the FFT.

        γ_t = (1/n) Σ_{i=1}^{n-t} (x_i - x̄)(x_{i+t} - x̄)

    Dividing by n (not n - t) is the usual choice: it keeps the estimate
    positive semi-definite and damps the noisy long lags. Zero-padding to at
    least 2n stops the FFT's circular product from wrapping the end of a chain
    onto its start.
    """
    n = chains.shape[1]
    centred = chains - chains.mean(axis=1, keepdims=True)
    n_fft = 1 << (2 * n - 1).bit_length()  # a power of two >= 2n: fast and wrap-free
    spectrum = np.fft.rfft(centred, n=n_fft, axis=1)
    lagged_products = np.fft.irfft(spectrum * np.conjugate(spectrum), n=n_fft, axis=1)
    return lagged_products[:, :n] / n


def _ess_of_chains(chains: np.ndarray) -> float:
    """Effective sample size of the mean of ``chains`` (m chains of n draws, already split,
    not all equal: the callers check).

    Multi-chain autocorrelation at lag t (Vehtari et al. 2021, section 3.2, in
    the form Stan and ArviZ compute it):

        ρ_t = 1 - (W - mean_over_chains(γ_t)) / var⁺

    with W the mean within-chain variance, B/n the variance of the chain means
    and var⁺ = (n-1)/n · W + B/n. Then

        ESS = m·n / τ,   τ = -1 + 2 Σ_{pairs kept} (ρ_2k + ρ_2k+1) + ρ_2K

    Only pairs of lags are summed (Geyer's *initial positive sequence*): the
    sum of an even and the following odd lag is positive for a Markov chain,
    so the first pair whose sum is ≤ 0 marks where noise takes over and the
    sum stops there. The pair sums are also forced to be non-increasing
    (Geyer's *initial monotone sequence*), which smooths out noise bumps. Of
    the pair K where the sum stops only the even lag ρ_2K is added, once (and
    only if positive, when the stop was caused by a non-positive sum); this
    follows Stan and ArviZ and reduces the variance of τ for antithetic chains.
    τ is kept ≥ 1/log10(m·n), capping ESS at m·n·log10(m·n).
    """
    n_chains, n = chains.shape
    total_draws = n_chains * n
    acov = _autocovariance(chains)
    within = acov[:, 0].mean() * n / (n - 1)  # W, the chains' sample variances averaged
    var_plus = within * (n - 1) / n
    if n_chains > 1:
        var_plus += chains.mean(axis=1).var(ddof=1)  # + B/n

    rho = 1.0 - (within - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0  # by definition; the formula gives 1 only up to the factor n/(n-1) in W

    # Pairs (ρ0, ρ1), (ρ2, ρ3), ...; the last pair must end at lag n-2 at the latest.
    n_pairs = (n - 1) // 2
    pair_sums = rho[: 2 * n_pairs].reshape(n_pairs, 2).sum(axis=1)
    non_positive = np.flatnonzero(pair_sums <= 0)
    if non_positive.size:  # the usual case: stop at the first pair with sum <= 0
        stop = non_positive[0]
        leftover = max(rho[2 * stop], 0.0)
    else:  # every pair stayed positive up to the end of the chains: stop at the last
        stop = n_pairs - 1
        leftover = rho[2 * stop]
    kept = np.minimum.accumulate(pair_sums[:stop])  # initial monotone sequence
    tau = -1.0 + 2.0 * kept.sum() + leftover
    tau = max(tau, 1.0 / np.log10(total_draws))
    return float(total_draws / tau)


def _potential_scale_reduction(chains: np.ndarray) -> float:
    """Classic R-hat of m chains of n draws (Gelman et al., BDA3 §11.4):

        R̂ = sqrt( var⁺ / W ),   var⁺ = (n-1)/n · W + B/n

    W = mean of the within-chain variances, B/n = variance of the chain means.
    """
    n = chains.shape[1]
    within = chains.var(axis=1, ddof=1).mean()
    between_over_n = chains.mean(axis=1).var(ddof=1)
    if within == 0:
        # Every chain is constant, yet (the callers check) they are not all equal:
        # each is stuck at its own value, the worst possible mixing.
        return float("inf")
    var_plus = (n - 1) / n * within + between_over_n
    return float(np.sqrt(var_plus / within))


# --------------------------------------------------------------------------- public
def autocorrelation(x) -> np.ndarray:
    """Autocorrelation of each chain at every lag: ρ_t = γ_t / γ_0.

    ``x`` is (chains, draws) or a single chain (draws,); the result has the same
    shape, with lag t in column t and ρ_0 = 1. Each chain uses its own mean,
    and γ_t is the autocovariance divided by n (see ``_autocovariance``).
    Chains need at least 2 draws and must not be constant (γ_0 = 0).
    """
    single_chain = np.ndim(x) == 1
    draws = _as_chains(x, min_draws=2)
    # Compare the draws themselves: after subtracting a rounded mean a constant
    # chain can show a tiny non-zero variance instead of an exact 0.
    constant = np.flatnonzero(draws.min(axis=1) == draws.max(axis=1))
    if constant.size:
        raise DiagnosticError(
            f"chain {int(constant[0])} is constant, so its autocorrelation is undefined (0/0)"
        )
    acov = _autocovariance(draws)
    acorr = acov / acov[:, :1]
    return acorr[0] if single_chain else acorr


def ess_bulk(x) -> float:
    """Bulk effective sample size: ESS of the rank-normalised split chains.

        ESS_bulk = ESS( z ),   z = Φ⁻¹((rank - 3/8) / (S + 1/4)) of the split chains

    Tells how many independent draws the centre of the distribution is worth;
    use it to judge the reliability of posterior means and medians. Vehtari et
    al. recommend at least 100 per chain.
    """
    split = _split_chains(_as_chains(x))
    _require_variation(split)
    return _ess_of_chains(_rank_normalise(split))


def ess_basic(x) -> float:
    """Effective sample size of the split chains themselves (no rank normalisation).

        ESS = m·n / τ   (see ``_ess_of_chains``)

    This is the ESS that belongs to the Monte Carlo error of the posterior
    *mean*; it needs the mean and variance to exist, which the bulk ESS does not.
    """
    split = _split_chains(_as_chains(x))
    _require_variation(split)
    return _ess_of_chains(split)


# The ESS for the mean is the basic ESS; ArviZ calls it method="mean".
ess_mean = ess_basic


def ess_tail(x) -> float:
    """Tail effective sample size: the smaller ESS of the two 5% tails.

        ESS_tail = min( ESS(I[x ≤ q_0.05]), ESS(I[x ≤ q_0.95]) )

    where q_p is the p-quantile of all draws pooled (linear interpolation,
    R's type 7) and I[·] is 1 when true, 0 otherwise, computed on the split
    chains. Tells how reliable the 5% and 95% quantiles (a 90% interval) are.
    """
    draws = _as_chains(x)
    _require_variation(_split_chains(draws))
    smallest = []
    for p, q in zip(TAIL_PROBABILITIES, np.quantile(draws, TAIL_PROBABILITIES)):
        indicator = _split_chains((draws <= q).astype(float))
        if indicator.min() == indicator.max():
            raise DiagnosticError(
                f"x <= (the {p:.0%} quantile) holds for every draw, so the ESS of this "
                "indicator is undefined; this happens when many draws share the largest "
                "value (a discrete or boundary-bound parameter)"
            )
        smallest.append(_ess_of_chains(indicator))
    return min(smallest)


def mcse_mean(x) -> float:
    """Monte Carlo standard error of the posterior mean: sd / sqrt(ESS_mean).

    sd is the sample standard deviation (ddof=1) of all draws pooled, and
    ESS_mean is :func:`ess_mean`. With independent draws this is the familiar
    sd/sqrt(S); autocorrelation makes ESS smaller and the error larger.
    """
    draws = _as_chains(x)
    # ess_mean checks the draws vary, before the division below can be 0/0
    effective_size = ess_mean(draws)
    return float(draws.std(ddof=1) / np.sqrt(effective_size))


def rhat(x) -> float:
    """Rank-normalised split-R̂ (Vehtari et al. 2021).

        R̂ = max( R̂_bulk, R̂_tail )
        R̂_bulk = R̂( z(split chains) )
        R̂_tail = R̂( z(|split chains - median|) )

    z(·) is the rank normalisation and R̂(·) the classic formula
    sqrt(var⁺ / W). The bulk part detects chains whose locations differ; the
    folded (tail) part detects chains whose spreads differ. Values above 1.01
    mean the chains have not mixed. A single chain is allowed: its two halves
    are compared with each other.
    """
    split = _split_chains(_as_chains(x))
    _require_variation(split)
    bulk = _potential_scale_reduction(_rank_normalise(split))
    # Folding around the median turns a difference in spread into a difference in location.
    folded = np.abs(split - np.median(split))
    if folded.min() == folded.max():
        # Only a parameter with two values, one each side of the median, folds to a
        # constant: every chain then has exactly the same spread, the tail R-hat has
        # nothing to compare (0/0), and the bulk R-hat alone answers the question.
        return bulk
    tail = _potential_scale_reduction(_rank_normalise(folded))
    return max(bulk, tail)


# ------------------------------------------------------------- the check a notebook runs
#: The thresholds of :func:`check_convergence`, after Vehtari et al. (2021): R-hat below 1.01,
#: and at least 100 effective draws per chain (400 for 4 chains) in the bulk, for means and
#: medians, and in the tails, for the ends of intervals.
RHAT_LIMIT = 1.01
ESS_PER_CHAIN = 100


class ConvergenceReport:
    """What :func:`check_convergence` found: ``ok`` is True when every parameter passed;
    shown as one line per fit (✓ with the worst R-hat and ESS, or ✗ with what to do)."""

    def __init__(self, lines, ok):
        self.lines, self.ok = list(lines), bool(ok)

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return "\n".join(self.lines)


def check_convergence(*posteriors, names=None, labels=None, rhat_limit=RHAT_LIMIT,
                      ess_per_chain=ESS_PER_CHAIN) -> ConvergenceReport:
    """Check that the chains of each fit agree (R-hat) and are worth enough draws (bulk and tail ESS).

    Returns a :class:`ConvergenceReport`, shown as one line per fit: ✓ with the largest
    R-hat and the smallest bulk and tail ESS, or ✗ naming the parameter that failed, by how
    much, and what to do. It never raises on a failed check (a notebook goes on, and says
    so); it raises ``ValueError`` only when asked something it cannot check. Passing is
    necessary, not sufficient: chains that crawl the same way can pass (notebook 08).

        tk.diagnostics.check_convergence(post)
        ✓ partial pooling: largest R-hat 1.002 (below 1.01), smallest ESS 4,544 bulk, 3,121 tail (above 400)
    """
    from teachkit._style import model_name

    if not posteriors:
        raise ValueError("check_convergence: give at least one Posterior")
    if labels is not None and len(labels) != len(posteriors):
        raise ValueError(f"check_convergence: {len(labels)} labels for {len(posteriors)} posteriors")
    if not 1 < rhat_limit < 2:
        raise ValueError(f"check_convergence: rhat_limit must lie between 1 and 2, got {rhat_limit!r}")
    lines, ok = [], True
    for k, post in enumerate(posteriors):
        if not hasattr(post, "scalars"):
            raise ValueError(f"check_convergence: argument {k + 1} is a {type(post).__name__}, not a Posterior")
        label = labels[k] if labels is not None else model_name(post.model)
        rhats, bulk, tail = {}, {}, {}
        for name, x in post.scalars(names):
            rhats[name], bulk[name] = rhat(x), ess_bulk(x)
            try:
                tail[name] = ess_tail(x)
            except DiagnosticError:   # a discrete parameter whose 95% quantile is its largest value
                pass
        worst_rhat = max(rhats, key=rhats.get)
        worst_bulk = min(bulk, key=bulk.get)
        worst_tail = min(tail, key=tail.get) if tail else None
        need = ess_per_chain * post.nchains
        problems = []
        if rhats[worst_rhat] >= rhat_limit:
            problems.append(f"R-hat of {worst_rhat} is {rhats[worst_rhat]:.3f}, not below {rhat_limit}: "
                            f"its {post.nchains} chains have not agreed yet")
        if bulk[worst_bulk] < need:
            problems.append(f"bulk ESS of {worst_bulk} is {bulk[worst_bulk]:,.0f}, below {need:,}: "
                            "too few effective draws for its mean")
        if worst_tail is not None and tail[worst_tail] < need:
            problems.append(f"tail ESS of {worst_tail} is {tail[worst_tail]:,.0f}, below {need:,}: "
                            "too few effective draws for the ends of its intervals")
        if problems:
            ok = False
            lines.append(f"✗ {label}: " + "; ".join(problems) + ". Draw more (a larger draws=), "
                         "or use a sampler that mixes better (method=\"interweaving\", notebook 08).")
        else:
            tail_text = f", {tail[worst_tail]:,.0f} tail" if worst_tail is not None else ""
            lines.append(f"✓ {label}: largest R-hat {rhats[worst_rhat]:.3f} (below {rhat_limit}), "
                         f"smallest ESS {bulk[worst_bulk]:,.0f} bulk{tail_text} (above {need:,})")
    return ConvergenceReport(lines, ok)

