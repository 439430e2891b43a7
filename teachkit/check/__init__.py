r"""Instant feedback for the exercise notebooks (notebooks/exercises/).

Each public function checks one task of one exercise notebook. It prints what
is right (✓) and what is off (✗, with a hint toward why) and returns True or
False. A check never raises on an answer: a string, a wrong shape, NaN, None,
the ``...`` of an unfinished answer, or a function that raises all give a ✗
message, so a student's notebook always runs to its end.

Where the right answer comes from
---------------------------------
Never from a number written in this package: each check computes its reference
when it is called, from teachkit itself.

* Full conditionals: teachkit's own ``draw_*`` functions, made to reveal the
  parameters of their distribution by :class:`_FixedDraws` (a stand-in random
  generator), and, independently, a normalised grid of prior × likelihood.
* Posterior means, sds and quantiles: :mod:`teachkit.exact` (numerical
  integration, no sampling).
* What ``exact`` does not give (probabilities such as P(θ₇ < θ₆ | y), the
  posterior of R or of a new school's mean): a teachkit fit with the check's
  own seed and 4 × 5,000 draws (Model 4, ex07: 4 × 2,000, whose own Monte Carlo error
  enters the tolerance). Its random stream, ``default_rng([REF_SEED, 100 + k])``, is one
  no notebook uses, so a student's fit is never compared with the very same draws.

Tolerances
----------
An answer computed from MCMC draws differs from the exact value by Monte Carlo
error, so random answers are accepted within ``K_MCSE = 4`` Monte Carlo
standard errors (for a normal error, a correct answer is refused with
probability 6e-5). The MCSE is

* computed from the student's own draws where the check receives them
  (:func:`teachkit.diagnostics.mcse_mean`, or ESS and the draws' sd; ``hoff_R`` and
  ``hoff_theta7`` take the student's fit as an optional last argument for this);
* otherwise that of ``ESS_ASSUMED = 1000`` effective draws, the least the
  exercises ask for: sd/√1000 for a mean, √(p(1−p)/1000) for a probability,
  √(q(1−q)/1000) / f(x_q) for a q-quantile where the density is f;
* plus, in quadrature, the MCSE of the reference when it is simulated.

Answers that are formulas are compared to ``RTOL = 1e-6`` relative; a random
Gibbs step (ex04) by the moments of 3,000 of its draws, within 4.5 standard errors.

Layout
------
One module per exercise notebook, named after it (``ex02_complete_pooling`` ...
``ex10_three_levels``), holding that notebook's checks; and what they
share: ``_report`` (the ✓/✗ feedback), ``_answers`` (reading and validating an
answer), ``_reference`` (reference answers and tolerances) and ``_conditionals``
(feedback on a full conditional, ex02, ex04 and ex10). A new exercise gets a module of
its own, and its checks are re-exported here and listed in ``__all__``.

Only numpy is imported with this package: teachkit.exact (and with it
scipy.special) and the samplers are imported inside the checks that use them,
and matplotlib and pandas are never needed.
"""

from teachkit.check._reference import ESS_ASSUMED, K_MCSE, REF_DRAWS, REF_SEED, RTOL  # noqa: F401 (constants of the docstring)
from teachkit.check.ex02_complete_pooling import (
    model1_gibbs, model1_sigma2_conditional, model1_theta_conditional, pooled_statistics,
)
from teachkit.check.ex03_no_pooling import (
    model2_school5_vs_6, model2_theta_summary, model2_weighted_average, school_statistics,
)
from teachkit.check.ex04_hierarchical import (
    model3_gibbs, model3_mu_conditional, model3_shrinkage_weights, model3_tau2_conditional, model3_theta_step,
)
from teachkit.check.ex05_shrinkage_hoff import hoff_ess, hoff_R, hoff_shrinkage, hoff_summary, hoff_theta7
from teachkit.check.ex06_comparisons_and_what_if import (
    compare_school5, new_school, own_data, own_fit, school5_fifty, school5_values, tau_prior,
)
from teachkit.check.ex07_school_variances import (
    school_variances_nu0, school_variances_shrinkage, school_variances_sigma02, school_variances_sigma2,
)
from teachkit.check.ex10_three_levels import (
    three_level_omega2_conditional, three_level_omega_prior, three_level_psi_conditional,
)

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
    # ex07: school-specific variances (Model 4)
    "school_variances_sigma2", "school_variances_sigma02", "school_variances_nu0", "school_variances_shrinkage",
    # ex10: a third level (houses in counties in states)
    "three_level_psi_conditional", "three_level_omega2_conditional", "three_level_omega_prior",
]
