"""The result of a fit: posterior draws shaped (chain, draw, ...), and what to ask of them.

Every sampler in teachkit returns a :class:`Posterior`. Plots, widgets and
exercise checks read draws from it only, so the slicing conventions live here,
once: ``post["theta"]`` is ``(chains, draws, J)``, ``post.flat("theta")`` is
``(chains * draws, J)``, and ``post.scalars()`` walks every scalar parameter with
its label (``theta[5]`` is school 5, whatever its position).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

__all__ = ["Posterior"]

QUANTILES = (0.025, 0.25, 0.5, 0.75, 0.975)


@dataclass(eq=False)
class Posterior:
    """Posterior draws of one model fit.

    Attributes
    ----------
    draws : dict name -> ndarray, shaped (chains, draws) or (chains, draws, J)
    warmup_draws : dict, the same names, the discarded warm-up sweeps (for trace plots)
    model : a short name, e.g. "hierarchical"
    priors : dict name -> prior object
    labels : the group labels, used to name vector parameters (theta[5])
    vector_labels : labels of vector parameters that are not per group, by name
        (the three-level model's ``psi``, one per supergroup: psi[MN])
    seconds : wall-clock time spent sampling
    data : the GroupedData that was fitted (or None)
    """

    draws: dict
    warmup_draws: dict
    model: str
    priors: dict
    labels: tuple = ()
    seconds: float = float("nan")
    data: object = None
    seed: object = None
    vector_labels: dict = field(default_factory=dict)

    # --------------------------------------------------------------- shapes
    @property
    def names(self) -> list[str]:
        return list(self.draws)

    @property
    def nchains(self) -> int:
        return next(iter(self.draws.values())).shape[0]

    @property
    def ndraws(self) -> int:
        return next(iter(self.draws.values())).shape[1]

    @property
    def nwarmup(self) -> int:
        return next(iter(self.warmup_draws.values())).shape[1] if self.warmup_draws else 0

    def __getitem__(self, name: str) -> np.ndarray:
        name, index = self._parse(name)
        x = self._get(name)
        return x if index is None else x[:, :, index]

    def __contains__(self, name: str) -> bool:
        try:
            self._parse(name)
        except KeyError:
            return False
        return True

    def flat(self, name: str) -> np.ndarray:
        """Draws with chains stacked: shape (chains * draws,) or (chains * draws, J)."""
        x = self[name]
        return x.reshape(-1, *x.shape[2:])

    def scalars(self, names=None) -> Iterator[tuple[str, np.ndarray]]:
        """(label, draws shaped (chains, draws)) for every scalar in ``names`` (default: all)."""
        for name in self._names(names):
            x = self._get(name)
            if x.ndim == 2:
                yield name, x
            else:
                for j in range(x.shape[2]):
                    yield f"{name}[{self._label(j, name)}]", x[:, :, j]

    def _names(self, names):
        if names is None:
            return self.names
        if isinstance(names, str):
            names = [names]
        for name in names:
            self._parse(name)
        return list(names)

    def _get(self, name):
        if name in self.draws:
            return self.draws[name]
        derived = self._derived(name)
        if derived is None:
            raise KeyError(
                f"{name!r} is not a parameter of this {self.model} posterior; "
                f"it has {', '.join(self.names)}"
            )
        return derived

    def _derived(self, name):
        # R = tau2 / (sigma2 + tau2): the share of variance between groups (Hoff, ex. 8.3)
        # (not for Model 4, whose σ_j² differ by group)
        if name == "R" and {"tau2", "sigma2"} <= set(self.draws) and self.draws["sigma2"].ndim == 2:
            return self.draws["tau2"] / (self.draws["sigma2"] + self.draws["tau2"])
        if name in ("sigma", "tau", "omega") and f"{name}2" in self.draws:
            return np.sqrt(self.draws[f"{name}2"])
        return None

    def _parse(self, name: str):
        """'theta[5]' -> ('theta', position of label '5'); 'mu' -> ('mu', None)."""
        if not isinstance(name, str):
            raise KeyError(f"parameter names are strings, got {name!r}")
        if name.endswith("]") and "[" in name:
            base, label = name[:-1].split("[", 1)
            self._get(base)
            labels = [str(lab) for lab in self.vector_labels.get(base, self.labels)]
            if label not in labels:
                raise KeyError(f"{base} has no group labelled {label!r}; the groups are {labels}")
            return base, labels.index(label)
        self._get(name)
        return name, None

    def _label(self, j: int, name: str | None = None) -> str:
        labels = self.vector_labels.get(name, self.labels)
        return str(labels[j]) if j < len(labels) else str(j + 1)

    # --------------------------------------------------------------- summaries
    def interval(self, name: str, prob: float = 0.95) -> np.ndarray:
        """Central credible interval: array [low, high], or shape (J, 2) for a vector parameter."""
        if not (isinstance(prob, (int, float)) and 0 < prob < 1):
            raise ValueError(f"interval: prob must be between 0 and 1, got {prob!r}")
        x = self.flat(name)
        lo, hi = np.quantile(x, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
        return np.stack([lo, hi], axis=-1)

    def mean(self, name: str):
        return self.flat(name).mean(axis=0)

    def median(self, name: str):
        return np.median(self.flat(name), axis=0)

    def summary(self, names=None, digits: int = 2):
        """A table with a row per scalar parameter.

        Columns: mean, sd, 2.5%, 25%, 50%, 75%, 97.5%, ess_bulk, r_hat. Shown with
        ``digits`` decimals (R-hat with 3), held at full precision.
        """
        import pandas as pd

        from teachkit import diagnostics
        from teachkit._tables import RoundedFrame

        rows = {}
        for label, x in self.scalars(names):
            q = np.quantile(x, QUANTILES)
            rows[label] = {
                "mean": x.mean(),
                "sd": x.std(ddof=1),
                **{f"{100 * p:g}%": v for p, v in zip(QUANTILES, q)},
                "ess_bulk": diagnostics.ess_bulk(x),
                "r_hat": diagnostics.rhat(x),
            }
        table = pd.DataFrame.from_dict(rows, orient="index")
        return RoundedFrame.wrap(table, digits=digits, formats={"ess_bulk": "{:.0f}", "r_hat": "{:.3f}"})

    def max_rhat(self, names=None) -> float:
        """The largest split-R-hat over the scalars of ``names``: the one number to assert on."""
        from teachkit import diagnostics

        return max(diagnostics.rhat(x) for _, x in self.scalars(names))

    def min_ess(self, names=None) -> float:
        """The smallest bulk effective sample size over the scalars of ``names``."""
        from teachkit import diagnostics

        return min(diagnostics.ess_bulk(x) for _, x in self.scalars(names))

    # --------------------------------------------------------------- export
    def to_inference_data(self):
        """An ArviZ InferenceData with the same draws (needs ArviZ, which teachkit does not require)."""
        try:
            import arviz as az
        except ImportError:
            raise ImportError(
                "to_inference_data needs ArviZ, which is not a teachkit dependency: pip install arviz"
            ) from None
        coords = {"group": [str(lab) for lab in self.labels]} if self.labels else {}
        dims = {name: ["group"] for name, x in self.draws.items()
                if x.ndim == 3 and self.labels and name not in self.vector_labels}
        for name, labels in self.vector_labels.items():
            coords[name] = [str(lab) for lab in labels]
            dims[name] = [name]
        warm = {name: x for name, x in self.warmup_draws.items()} if self.nwarmup else None
        return az.from_dict(posterior=dict(self.draws), warmup_posterior=warm,
                            coords=coords, dims=dims, save_warmup=bool(warm))

    def __repr__(self) -> str:
        priors = ", ".join(f"{k} ~ {p}" if "~" not in str(p) else f"{k}: {p}"
                           for k, p in self.priors.items())
        params = ", ".join(name if x.ndim == 2 else f"{name}[{x.shape[2]}]"
                           for name, x in self.draws.items())
        return (
            f"<Posterior {self.model}: {self.nchains} chains × {self.ndraws} draws "
            f"(+{self.nwarmup} warm-up), {self.seconds:.2f} s\n"
            f"  parameters: {params}\n"
            f"  priors: {priors}>"
        )
