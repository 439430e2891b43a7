r"""Posteriors of the lecture's models by deterministic integration: no sampling.

What this module is for
-----------------------
A Gibbs sampler is only trusted once it has been checked against the right answer.
Here the right answer is computed a second way, by numerical integration, so the
tests can require that sampler means and quantiles fall within a few Monte Carlo
standard errors of it, and a notebook can put the two side by side. The results
are accurate to about 1e-7 relative for means and sds and 1e-5 for quantiles
(tests/test_exact.py checks them against brute-force grids), and one call takes
a few milliseconds (Model 3: about 10 ms for the lecture's 8 schools).

    exact.complete_pooling(data_or_values)   Model 1 -> ExactPosterior
    exact.no_pooling(data)                   Model 2 -> list of ExactPosterior, one per group
    exact.hierarchical(data)                 Model 3 -> ExactHierarchical
    exact.hierarchical_given_tau(data, tau)  Model 3 with τ fixed -> ExactGivenTau
    exact.three_level(data)                  houses in counties in states -> ExactThreeLevel
                                             (θ, ψ, μ out, a 3-D grid over (σ, τ, ω); derivation
                                             in teachkit/exact/three_level.py)

Each result has .mean(name), .sd(name), .cdf(name, x) and .quantile(name, q);
the defaults are the lecture's priors. Only numpy is imported with the module;
scipy.special (the normal CDF) is imported on first use.

The trick: integrate out in closed form whatever is normal
----------------------------------------------------------
All three models have normal means (θ, θ_j, μ) with normal priors. Given the
variances, a normal mean is exactly normal a posteriori, so it can be integrated
out with pencil and paper. What remains is a one- or two-dimensional integral
over variances, which a fine grid does accurately.

Two facts do all the work. For n values with mean ȳ and sum of squares
ss = Σ_i (y_i − ȳ)² about it,

  (A)  Σ_i (y_i − θ)² = ss + n (ȳ − θ)²,

so, as a function of θ, the likelihood of the n values is a normal kernel in θ
centred at ȳ with variance σ²/n. And for any normal kernel,

  (B)  ∫ N(x | θ, a) N(θ | m, b) dθ = N(x | m, a + b),

the sum of two independent normals is normal with the variances added.

Models 1 and 2: θ out, then a 1-D grid over σ
---------------------------------------------
Model 1: y_i ~ N(θ, σ²), i = 1..n;  θ ~ N(m0, v0);  σ² ~ p(σ²).
By (A),

    Π_i N(y_i | θ, σ²) = (2πσ²)^(−(n−1)/2) n^(−1/2) exp(−ss/(2σ²)) · N(ȳ | θ, σ²/n),

and by (B) the θ-integral of the last factor against the prior gives

    p(σ² | y) ∝ p(σ²) (2πσ²)^(−(n−1)/2) exp(−ss/(2σ²)) · N(ȳ | m0, v0 + σ²/n).     (1)

Given σ², θ is the usual normal-normal update:

    θ | σ², y ~ N(θ̂, 1/P),   P = 1/v0 + n/σ²,   θ̂ = (m0/v0 + n ȳ/σ²) / P.        (2)

So the posterior of θ is a mixture of the normals (2), weighted by (1). We put
(1) on a grid in s = log σ (density in s = density in σ² × dσ²/ds = × 2σ²),
integrate with Simpson's rule, and get

* moments of σ² directly, and its CDF by integrating the grid density;
* the mean, sd and CDF of θ as the same weighted sums of the normal
  components' means, second moments and CDFs; quantiles by root-finding on the CDF.

The issue asked for a 2-D grid over (θ, σ²). This is the same double integral
with the inner (θ) dimension done exactly, so it is more accurate for the same
work; tests/test_exact.py checks it against the plain 2-D grid.

Model 2 is Model 1 applied to each group on its own.

Model 3: θ and μ out, then a 2-D grid over (σ, τ)
--------------------------------------------------
y_ij ~ N(θ_j, σ²);  θ_j ~ N(μ, τ²);  μ ~ N(m0, v0);  σ², τ² with their priors.

Step 1, the θ_j.  By (A) and then (B) with θ_j ~ N(μ, τ²), group j contributes

    p(y_j | μ, σ², τ²) = (2πσ²)^(−(n_j−1)/2) n_j^(−1/2) exp(−ss_j/(2σ²)) · N(ȳ_j | μ, V_j),
    V_j = σ²/n_j + τ²:

a group mean scatters around μ by its sampling noise σ²/n_j plus the real
spread between groups τ².

Step 2, μ.  The factors containing μ, N(μ | m0, v0) Π_j N(ȳ_j | μ, V_j), are
J + 1 normal kernels in μ, so μ given (σ², τ²) is normal (precision-weighted
average):

    μ | σ², τ², y ~ N(μ̂, 1/P),   P = 1/v0 + Σ_j 1/V_j,   μ̂ = (m0/v0 + Σ_j ȳ_j/V_j) / P,   (3)

and integrating μ out leaves (completing the square; the exponent is written as
a weighted sum of squares about μ̂, which does not lose digits like Σx² − (Σx)²/P)

    p(σ², τ² | y) ∝ p(σ²) p(τ²) (2πσ²)^(−(N−J)/2) exp(−SS_w/(2σ²))
                    · Π_j (2π V_j)^(−1/2) · (v0 P)^(−1/2)
                    · exp(−½ [Σ_j (ȳ_j − μ̂)²/V_j + (m0 − μ̂)²/v0]),                       (4)

with N = Σ n_j and SS_w = Σ_j ss_j. (The constant n_j^(−1/2) is dropped.)

Step 3, θ_j back.  Given μ, σ², τ² the group mean is the conjugate update
θ_j ~ N(w_j ȳ_j + (1 − w_j) μ, w_j σ²/n_j) with the shrinkage weight

    w_j = (n_j/σ²) / (n_j/σ² + 1/τ²) = τ² / (τ² + σ²/n_j),

and averaging over μ ~ (3) (tower rule for the mean, total variance for the variance):

    E[θ_j | σ², τ², y]   = w_j ȳ_j + (1 − w_j) μ̂,
    Var[θ_j | σ², τ², y] = w_j σ²/n_j + (1 − w_j)² / P.                                     (5)

Step 4, the grid.  Every posterior mean is now a 2-D integral of (3) or (5)
against (4). The issue asked for integration "over (μ, τ, σ)"; here μ is done
analytically by (3)-(4), so only (σ, τ) is on a grid. The grid variables are

* s = log σ: σ is well determined by the within-group data; Jacobian dσ/ds = σ.
* t for τ depends on the prior on τ, because the two behave differently at τ = 0:

  - sd ~ U(0, U): the prior density of τ is flat, and (4) is finite and positive
    at τ = 0 (it becomes the complete-pooling likelihood), so τ's posterior
    density is *positive at zero*. A grid in log τ would cut that mass off. We use
    t = asinh(τ/c), c a rough scale of the spread of the group means: τ = c·sinh(t),
    Jacobian dτ/dt = c·cosh(t), linear near 0 and logarithmic for large τ (where
    the posterior has a slowly decaying, power-law tail). The grid starts exactly
    at t = 0, where the density is an even, smooth function of t (it depends on τ²,
    and cosh is even), for which Simpson's rule loses no accuracy at the endpoint.
  - τ² ~ IG(a, b): the density vanishes at τ = 0 faster than any power. But the
    prior density of τ under a vague IG(ε, ε) rises like 1/τ on the way down until
    it is cut off near τ ≈ √ε, so the posterior can carry a narrow spike in τ
    there (a plateau in log τ). A logarithmic grid t = log τ (Jacobian τ)
    resolves that and the tail alike.

Grid ranges are found from the data: starting from rough estimates, a coarse
grid is widened until the log density on every open edge is DROP = 40 below its
maximum (e^−40 ≈ 4e−18 of the peak), then trimmed; edges at a prior's bound
(sd ≤ U) are used as they are. The fine grid is then n_sigma × n_tau points.

The posteriors of σ² and τ² have power-law tails, so the integrands of E[σ²],
E[σ⁴], E[τ²], E[τ⁴] fall off more slowly than the density: the range is also
widened until density × (1 + σ²/σ̂²)²(1 + τ²/c²)² has dropped by e^−20 (but never
past where the density is e^−80 of its peak). If a moment's integrand still has
not died out there, the moment is infinite (or too large to pin down) and is
reported as inf: e.g. under IG(0.01, 0.01) the sd of σ² for a group of four
values. Models 1 and 2 use the same rules in one dimension.

With the defaults, means and sds are converged to about 1e-7 relative and
quantiles to about 1e-5 (a finer grid changes them by no more), on the lecture's
data and on small simulated data sets; tests/test_exact.py checks this.

Each prior on a variance enters as a density of the standard deviation,
p(sd) = p(var)·2·sd: for sd ~ U(0, U) that is the constant 1/U on (0, U],
finite at 0, which is what makes τ = 0 easy to evaluate.

Layout: ``models12`` holds Models 1 and 2 (``complete_pooling``, ``no_pooling``,
``ExactPosterior``), ``model3`` Model 3 (``hierarchical``, ``hierarchical_given_tau``,
``ExactHierarchical``, ``ExactGivenTau``), ``three_level`` the three-level model
(``three_level``, ``ExactThreeLevel``, with its own derivation); what they share is in ``_quadrature``
(steps 1-2 and the grids of step 4, the 1-D marginals) and ``_args`` (argument checks).
"""

from teachkit.exact._quadrature import DROP, MOMENT_DROP  # noqa: F401 (constants the docstring names)
from teachkit.exact.model3 import ExactGivenTau, ExactHierarchical, hierarchical, hierarchical_given_tau
from teachkit.exact.models12 import ExactPosterior, complete_pooling, no_pooling
from teachkit.exact.three_level import ExactThreeLevel, three_level

__all__ = ["complete_pooling", "no_pooling", "hierarchical", "hierarchical_given_tau", "three_level",
           "ExactPosterior", "ExactHierarchical", "ExactGivenTau", "ExactThreeLevel"]
