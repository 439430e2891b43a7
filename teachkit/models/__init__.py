"""The lecture's three models, each in its own module with its derivation in the docstring.

* complete_pooling: Model 1, one mean and one variance for everyone.
* no_pooling:       Model 2, every group fitted on its own.
* hierarchical:     Model 3, group means drawn from a common normal: partial pooling.
* hierarchical_noncentred: Model 3's non-centred and interweaving samplers
                    (``fit_hierarchical(..., method="noncentred" | "interweaving")``).
* school_variances: Model 4, Model 3 with one variance per group, the variances
                    drawn from a common inverse-gamma (Hoff §8.5).
* three_level:      a third level: group means drawn around their supergroup's mean,
                    supergroup means around μ (houses in counties in states).

`help(teachkit.models.hierarchical)` shows the derivation of its full conditionals.
"""

from teachkit.models.complete_pooling import fit_complete_pooling
from teachkit.models.hierarchical import fit_hierarchical
from teachkit.models.no_pooling import fit_no_pooling
from teachkit.models.school_variances import fit_school_variances
from teachkit.models.three_level import fit_three_level

__all__ = ["fit_complete_pooling", "fit_no_pooling", "fit_hierarchical", "fit_school_variances",
           "fit_three_level"]
