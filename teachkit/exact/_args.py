"""Checks of the arguments of ``exact``'s functions: each error names the function and the argument."""

from __future__ import annotations

import numpy as np

from teachkit.priors import InverseGamma, UniformSD


def _check_prior(func, name, prior, kinds):
    if not isinstance(prior, kinds):
        allowed = " or ".join(k.__name__ for k in kinds)
        raise ValueError(f"exact.{func}: {name} must be a teachkit.priors {allowed}, got {prior!r}")
    return prior


def _check_grid_size(func, name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"exact.{func}: {name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value) | 1   # Simpson's rule needs an odd number of points


_VARIANCE_PRIORS = (InverseGamma, UniformSD)


def _describe(x):
    text = repr(x)
    return text if len(text) <= 60 else f"{type(x).__name__} {text[:50]}..."


def _check_two_groups(func, data):
    if data.J < 2:
        raise ValueError(
            f"exact.{func}: needs at least 2 groups to learn how group means vary (τ²); "
            f"the data have {data.J}. Use exact.complete_pooling for a single group."
        )
