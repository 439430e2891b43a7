"""Agreement of draws with an exact value, within Monte Carlo error: the one yardstick the
sampler tests share (test_exact_agreement, test_mixing, test_school_variances).

Means: |mean of the draws − exact mean| < 4 MCSE, MCSE = sd / sqrt(ESS).
Quantiles: the share of draws below the exact q-quantile is an average of an indicator whose
expectation is q; it must lie within 4 MCSE of q, the MCSE computed from the indicator's own
effective sample size.
"""

import numpy as np

from teachkit import diagnostics

Z = 4.0


def assert_mean_agrees(draws, exact_mean, what):
    err = abs(draws.mean() - exact_mean)
    mcse = diagnostics.mcse_mean(draws)
    assert err < Z * mcse, f"{what}: draws {draws.mean():.5f} vs exact {exact_mean:.5f} ({err / mcse:.1f} MCSE)"


def assert_quantile_agrees(draws, exact_quantile, q, what):
    below = (draws < exact_quantile).astype(float)
    share = below.mean()
    mcse = np.sqrt(q * (1 - q) / diagnostics.ess_basic(below))
    assert abs(share - q) < Z * mcse, f"{what}: {share:.4f} of draws below the exact {q}-quantile"
