r"""Figures for the lecture: data, MCMC diagnostics, and what pooling does to estimates.

Every function reads a :class:`~teachkit.posterior.Posterior` (or the data) and
draws one figure. They all follow the same rules:

* ``ax=`` (or ``axes=`` for multi-panel figures) draws into axes you made, so
  figures can be composed; without it a new figure sized for a 16:9 slide is made.
* Single-panel functions return ``(ax, key_artists)``; multi-panel functions
  return ``(fig, axes)``. Each docstring says what the artists are. Artists that
  are not returned but that you may want to find carry a ``gid``, e.g.
  ``ax.findobj(lambda a: a.get_gid() == "mu")``.
* Every figure describes itself: a text alternative computed from what it draws
  (``teachkit._alt``), returned by :func:`alt_text` and shown by notebooks as the
  image's alt text (output metadata ``{"image/png": {"alt": ...}}``). Colours meet
  WCAG 2.1 AA contrast, and chains differ by line style and marker, not colour alone.
* Nothing is shown (no ``plt.show()``) and matplotlib's global settings are never
  changed: the look (Okabe–Ito colours, 14 pt text) is applied only while a
  figure is built, with ``matplotlib.rc_context`` (see ``teachkit._style``).

The figures, one module per family (all re-exported here as ``teachkit.plots.<name>``):

=============  ===========================  ==============================================
module         figure                       what it shows
=============  ===========================  ==============================================
``data``       ``data_overview``            hours by school: every student as a dot, with
                                            a box per school
               ``mean_vs_size``             sample mean against sample size: small
                                            schools are extreme
``traces``     ``trace``                    density and trace of every chain, per parameter
               ``autocorrelation``          autocorrelation by lag, per chain, per parameter
``intervals``  ``boxplots``                 posterior draws of θ_j, one box per school
               ``caterpillar``              median, 50% and 95% intervals, one row per
                                            parameter; optionally two models side by side
``pooling``    ``shrinkage``                each school's estimate without pooling → with
                                            partial pooling
               ``pooling_spectrum``         every θ_j's estimate as τ runs from 0 (complete
                                            pooling) to ∞ (no pooling), with the posterior
                                            of τ beneath
               ``shrinkage_explorer_view``  the figure of the shrinkage explorer widget
``priors``     ``prior_posterior``          prior and posterior density of one parameter
``mixing``     ``funnel``                   θ_j − μ against log τ, one panel per sampler,
                                            with a path of consecutive draws (notebook 08)
               ``tau_trace``                τ by iteration, one row per sampler
``levels``     ``shrinkage_three_levels``   three levels: every county's data mean → its
                                            estimate, pulled toward its state; every
                                            state's own estimate → its estimate, pulled
                                            toward the overall mean μ
``variances``  ``nu0_posterior``            Model 4: posterior of ν0 (bars) against its prior
               ``new_school``               θ_j of every surveyed school beside a new
                                            school's θ_new and a new student's hours there
=============  ===========================  ==============================================

What the figures share is in private modules: ``_figure`` (the look, applied with
``teachkit._style``, and new or given axes), ``_labels`` (parameter names, units, axis
labels; ``math_label``), ``_density`` (kernel density estimates), ``_annotate`` (legends
and labels placed without overlap), ``_columns`` (the two columns of the shrinkage
figures) and ``_explorer_figure`` (the explorer's artists, made once and then moved). A
new figure goes in the module of its family, or a new one, and is re-exported here and
listed in ``__all__``.

Parameter names follow ``Posterior``: ``"theta"`` (every school), ``"theta[5]"``
(school 5), ``"mu"``, ``"sigma2"``, ``"tau2"``, and the derived ``"sigma"``,
``"tau"`` and ``"R"`` = τ²/(σ² + τ²).
"""
from teachkit.plots._labels import math_label
from teachkit.plots.data import data_overview, mean_vs_size
from teachkit.plots.mixing import PATH_LENGTH, funnel, tau_trace  # noqa: F401
from teachkit.plots.levels import shrinkage_three_levels
from teachkit.plots.intervals import CATERPILLAR_QUANTILES, boxplots, caterpillar  # noqa: F401
from teachkit.plots.pooling import (  # noqa: F401 (the constants the docstrings name)
    AREA_PER_STUDENT, EXPLORER_AREA_PER_STUDENT, HIGHLIGHT, pooling_spectrum, shrinkage,
    shrinkage_explorer_view,
)
from teachkit.plots.priors import PRIOR_MC_DRAWS, prior_posterior  # noqa: F401
from teachkit.plots.traces import autocorrelation, trace
from teachkit.plots.variances import NEW_SCHOOL_QUANTILES, new_school, nu0_posterior  # noqa: F401


def alt_text(fig) -> str | None:
    """The text alternative of a figure (or of an axes' figure) drawn by teachkit.plots: what it
    shows, in words, computed from its data (None for other figures). Notebooks carry it as the
    image's alt text; in JupyterLab, which does not show that, ``print(tk.plots.alt_text(ax))``.
    """
    from teachkit import _alt

    return _alt.get_alt(fig)


__all__ = [
    "data_overview",
    "mean_vs_size",
    "trace",
    "autocorrelation",
    "boxplots",
    "caterpillar",
    "shrinkage",
    "shrinkage_three_levels",
    "prior_posterior",
    "math_label",
    "shrinkage_explorer_view",
    "pooling_spectrum",
    "funnel",
    "tau_trace",
    "nu0_posterior",
    "new_school",
    "alt_text",
]
