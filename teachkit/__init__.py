"""teachkit: partial pooling and shrinkage, taught with a Gibbs sampler you can read.

The public API, in the order data flows:

    data = teachkit.load_homework()                  # GroupedData
    post = teachkit.fit_hierarchical(data, seed=1)   # Posterior, draws (chain, draw, ...)
    post.summary()                                   # table with ESS and R-hat
    teachkit.plots.caterpillar(post, "theta")        # figures

Heavy modules (scipy, pandas, matplotlib) are imported only where they are used,
so that `import teachkit` stays quick for a student waiting on a kernel.
"""

from importlib import import_module

from teachkit.data import GroupedData, load_homework, load_radon
from teachkit.priors import Gamma, InverseGamma, Normal, UniformSD

__version__ = "0.1.0"

_LAZY = {
    "fit_complete_pooling": "teachkit.models.complete_pooling",
    "fit_no_pooling": "teachkit.models.no_pooling",
    "fit_hierarchical": "teachkit.models.hierarchical",
    "fit_school_variances": "teachkit.models.school_variances",
    "fit_three_level": "teachkit.models.three_level",
    "predict_new_school": "teachkit.predict",
    "predict_new_student": "teachkit.predict",
    "Posterior": "teachkit.posterior",
}
_SUBMODULES = {"priors", "data", "models", "posterior", "diagnostics", "exact", "plots", "spectrum",
               "widgets", "check", "exercises", "datasets", "predict"}

__all__ = ["GroupedData", "load_homework", "load_radon", "Normal", "InverseGamma", "UniformSD", "Gamma",
           *_LAZY, *sorted(_SUBMODULES)]


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    if name in _SUBMODULES:
        return import_module(f"teachkit.{name}")
    raise AttributeError(f"module 'teachkit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
