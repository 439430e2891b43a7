"""What the shrinkage explorer's controls say, as one value: :class:`ExplorerState`.

A state is a frozen record: the group being varied and its sample size, how τ is set
(learned, or fixed at a value) and the priors. The explorer's controls show one state;
:meth:`ExplorerState.estimates` turns it into numbers with
:func:`teachkit.spectrum.shrinkage_estimates` (the exact integration the notebooks use).
No widgets and no figure here: a test can make states and compare their numbers.

The bounds of the settings are here too (what the model accepts, and what the sliders
span); :func:`problem` says in a sentence why a value is refused, and a state built with
such a value raises ValueError with that sentence.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from teachkit import spectrum
from teachkit.priors import InverseGamma, Normal, UniformSD

#: name -> (lowest, highest, what it is, whole numbers only): what the model accepts
BOUNDS = {
    "sample_size": (1, 200, "the sample size n", True),
    "tau": (0.01, 100.0, "the between-school sd τ", False),
    "mu_prior_sd": (0.1, 10_000.0, "the prior sd of μ", False),
    "tau_prior_upper": (0.01, 1000.0, "the upper bound of τ's prior", False),
    "tau_prior_shape": (0.001, 100.0, "the shape a of τ²'s prior", False),
    "tau_prior_scale": (0.001, 1000.0, "the scale b of τ²'s prior", False),
}
#: the settings in the unit of the data (the others have none)
IN_DATA_UNIT = ("tau", "mu_prior_sd", "tau_prior_upper")
#: name -> the values it can take
CHOICES = {"tau_mode": ("learned", "fixed"), "tau_prior": ("uniform", "inverse-gamma")}


def problem(name: str, value, unit: str = "") -> str | None:
    """Why ``value`` is refused for the setting ``name`` (None if it is accepted):
    "the sample size n must be a whole number from 1 to 200; 0 was refused"."""
    if name in CHOICES:
        if value not in CHOICES[name]:
            return f"the value of {name} must be one of {list(CHOICES[name])}; {value!r} was refused"
        return None
    low, high, what, integer = BOUNDS[name]
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and math.isfinite(value) and low <= value <= high
    if ok and integer:
        ok = float(value).is_integer()
    if ok:
        return None
    kind = "a whole number" if integer else "a number"
    suffix = f" {unit}" if unit and name in IN_DATA_UNIT else ""
    return f"{what} must be {kind} from {low:g} to {high:g}{suffix}; {_show(value)} was refused"


def _show(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    return repr(value)


@dataclass(frozen=True)
class ExplorerState:
    """What the controls say. ``school``: the label of the group varied; ``sample_size``: its
    n (its sample mean and sd held fixed); ``tau_mode``: "learned" (Model 3) or "fixed" at
    ``tau``; μ ~ N(0, ``mu_prior_sd``²); ``tau_prior``: "uniform" (τ ~ U(0,
    ``tau_prior_upper``)) or "inverse-gamma" (τ² ~ IG(``tau_prior_shape``,
    ``tau_prior_scale``)). With τ learned, ``tau`` is only what its slider shows."""

    school: str
    sample_size: int
    tau_mode: str = "learned"
    tau: float = 1.0
    mu_prior_sd: float = 1000.0
    tau_prior: str = "uniform"
    tau_prior_upper: float = 1000.0
    tau_prior_shape: float = 1.0
    tau_prior_scale: float = 10.0

    def __post_init__(self):
        for name in (*CHOICES, *BOUNDS):
            refused = problem(name, getattr(self, name))
            if refused is not None:
                raise ValueError(refused)
        object.__setattr__(self, "school", str(self.school))
        object.__setattr__(self, "sample_size", int(self.sample_size))
        for name in BOUNDS:
            if name != "sample_size":
                object.__setattr__(self, name, float(getattr(self, name)))

    @classmethod
    def observed(cls, data, school) -> ExplorerState:
        """The data as observed (``school`` at its own n), τ learned, the default priors."""
        j = spectrum.group_index(data, school)
        return cls(school=data.labels[j], sample_size=int(data.n[j]))

    def replace(self, **changes) -> ExplorerState:
        """This state with some settings changed (checked as a new state is)."""
        unknown = set(changes) - set(self.as_dict())
        if unknown:
            raise ValueError(f"unknown setting(s) {sorted(unknown)}: the settings are {list(self.as_dict())}")
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def inputs(self, data) -> tuple:
        """Everything the estimates of ``data`` depend on (two states with equal inputs have
        equal estimates): which group's n was changed and to what, μ's prior, and τ or its prior.
        Another school to vary at its own n, or a prior of τ while τ is fixed, changes nothing."""
        j = spectrum.group_index(data, self.school)
        resized = (self.school, self.sample_size) if self.sample_size != data.n[j] else None
        if self.tau_mode == "fixed":
            tau = ("fixed", self.tau)
        elif self.tau_prior == "uniform":
            tau = ("uniform", self.tau_prior_upper)
        else:
            tau = ("inverse-gamma", self.tau_prior_shape, self.tau_prior_scale)
        return resized, self.mu_prior_sd, tau

    def estimates(self, data, *, fast: bool = True) -> spectrum.ShrinkageEstimates:
        """The estimates of every group of ``data`` in this state (``fast``: the coarser exact
        grids of :data:`teachkit.spectrum.FAST_GRID`)."""
        j = spectrum.group_index(data, self.school)
        if self.sample_size != data.n[j]:
            data = spectrum.with_sample_size(data, self.school, self.sample_size)
        mu_prior = Normal(0.0, self.mu_prior_sd ** 2)
        if self.tau_mode == "fixed":
            return spectrum.shrinkage_estimates(data, tau=self.tau, mu_prior=mu_prior, fast=fast)
        if self.tau_prior == "uniform":
            tau2_prior = UniformSD(self.tau_prior_upper)
        else:
            tau2_prior = InverseGamma(self.tau_prior_shape, self.tau_prior_scale)
        return spectrum.shrinkage_estimates(data, mu_prior=mu_prior, tau2_prior=tau2_prior, fast=fast)
