"""What every Gibbs sampler here shares: checking arguments, the random generator,
dispersed starting points, and recording draws into a Posterior.

Kept apart from the model modules so that those hold only the model: its
derivation, its full conditionals and its loop.
"""

from __future__ import annotations

import numbers
import time

import numpy as np

from teachkit.data import GroupedData, require_grouped
from teachkit.posterior import Posterior
from teachkit.priors import InverseGamma, Normal, UniformSD


# ------------------------------------------------------------------ arguments
def check_data(data, model: str) -> GroupedData:
    require_grouped(data, model)
    if np.ptp(data.values) == 0:
        raise ValueError(
            f"{model}: all {data.n_total} values are identical ({data.values[0]:g}), so there is "
            "no spread to estimate a variance from"
        )
    return data


def check_sizes(model: str, draws, warmup, chains) -> tuple[int, int, int]:
    for name, value, minimum in (("draws", draws, 1), ("warmup", warmup, 0), ("chains", chains, 1)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
            kind = "a positive integer" if minimum else "a non-negative integer"
            raise ValueError(f"{model}: {name} must be {kind}, got {value!r}")
    return int(draws), int(warmup), int(chains)


def make_rng(seed, model: str) -> np.random.Generator:
    """The one source of randomness of a fit: an int seed, a Generator, or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng(int(seed))
    raise ValueError(
        f"{model}: seed must be a non-negative int or a numpy.random.Generator, got {seed!r}"
    )


def check_prior(model: str, name: str, prior, kinds: tuple):
    if not isinstance(prior, kinds):
        allowed = " or ".join(k.__name__ for k in kinds)
        raise ValueError(f"{model}: {name} must be a teachkit.priors {allowed}, got {prior!r}")
    return prior


MEAN_PRIOR = (Normal,)
VARIANCE_PRIOR = (InverseGamma, UniformSD)


# ------------------------------------------------------------------ starting points
def dispersed(center, spread, chains, rng, size=()):
    """Starting values spread over center ± 2·spread, so that R-hat can see chains that disagree."""
    return center + spread * rng.uniform(-2.0, 2.0, size=(chains, *size))


def dispersed_variance(center, chains, rng, size=()):
    """Starting variances from center/10 to center·10 (log-uniform)."""
    return center * np.exp(rng.uniform(-np.log(10), np.log(10), size=(chains, *size)))


# ------------------------------------------------------------------ recording
class Trace:
    """Preallocated storage for (chains, warmup + draws, ...) arrays, filled one sweep at a time."""

    def __init__(self, chains: int, warmup: int, draws: int, shapes: dict):
        self.warmup = warmup
        self.store = {name: np.empty((chains, warmup + draws, *shape)) for name, shape in shapes.items()}
        self.started = time.perf_counter()

    def record(self, t: int, **values):
        for name, value in values.items():
            self.store[name][:, t] = value

    def posterior(self, *, model, priors, data, seed, vector_labels=None) -> Posterior:
        seconds = time.perf_counter() - self.started
        for name, x in self.store.items():
            if not np.all(np.isfinite(x)):  # a bug, never a result to hand to a student
                raise FloatingPointError(f"{model}: non-finite draws of {name}")
        w = self.warmup
        return Posterior(
            draws={name: x[:, w:] for name, x in self.store.items()},
            warmup_draws={name: x[:, :w] for name, x in self.store.items()},
            model=model,
            priors=priors,
            labels=data.labels,
            seconds=seconds,
            data=data,
            seed=seed,
            vector_labels=vector_labels or {},
        )
