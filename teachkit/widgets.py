r"""Interactive explorers for the notebooks: move a slider, watch the shrinkage change.

    explorer = teachkit.widgets.ShrinkageExplorer(teachkit.load_homework())
    explorer                                    # in a notebook: the controls and the figure
    explorer.controls["sample_size"].value = 100
    explorer.estimates()                        # the numbers behind the figure, a table

The layer here is thin on purpose; the explorer is three parts, each in its module:

* the **state** (:mod:`teachkit._explorer_state`): what the controls say, as one frozen
  value, and its numbers from :func:`teachkit.spectrum.shrinkage_estimates`, which calls
  the exact integration of :mod:`teachkit.exact` (the same numbers the notebooks get);
* the **view** (:mod:`teachkit._explorer_view`): one figure, drawn by
  :func:`teachkit.plots.shrinkage_explorer_view`, and for each result its PNG, its alt
  text and the status line; no widget needed, so a test without a browser can see it;
* the **controls** (:mod:`teachkit._explorer_controls`): the widgets, made from a state
  and read back as one, and their layout.

:class:`ShrinkageExplorer` connects them: a control changes, its state is computed and
drawn, and the picture goes to a :class:`teachkit.controls.Figure` (PNG and alt text
together) and a :class:`teachkit.controls.Status`; if anything fails, the controls go
back to what the picture shows.

Every part can be used without a mouse or without seeing it (WCAG 2.1 AA): the
controls of :mod:`teachkit.controls` are native HTML elements named by their labels
(sliders announce the value shown, also on a log scale; the toggles are radio
groups); the figure's alt text (the plot's own, from :mod:`teachkit._alt`) and a
``role="status"`` line (:mod:`teachkit._explorer_text`), both computed from the numbers,
say in words what the figure shows and what changed.

Values outside what the model accepts (n < 1, τ ≤ 0, a prior bound below 0.01, ...)
are refused by the control itself: the previous value stays, and a message says
why, in the explorer's layout (``explorer.message``). Nothing raises.
"""

from __future__ import annotations

from contextlib import contextmanager

import ipywidgets as widgets

from teachkit import _explorer_controls as panel
from teachkit import _explorer_text as words
from teachkit import controls as ui
from teachkit._explorer_state import BOUNDS, ExplorerState
from teachkit._explorer_view import ExplorerView
from teachkit.data import GroupedData, load_homework, require_grouped

__all__ = ["ShrinkageExplorer"]

#: Bounds of the controls (also what the checks refuse outside of).
SAMPLE_SIZE, TAU, MU_PRIOR_SD, TAU_PRIOR_UPPER, IG_SHAPE, IG_SCALE = (
    BOUNDS[name][:2] for name in ("sample_size", "tau", "mu_prior_sd", "tau_prior_upper",
                                  "tau_prior_shape", "tau_prior_scale"))


class ShrinkageExplorer:
    r"""Watch partial pooling change as one school's sample size, the priors and τ move.

    Parameters
    ----------
    data : GroupedData, default ``load_homework()``
    school : the label of the school to vary at first (default "5")
    fast : use the coarser exact grids of :data:`teachkit.spectrum.FAST_GRID`
        (within 0.001 h of the default grids; about 5 times quicker)

    Attributes
    ----------
    controls : dict of the widgets shown (:mod:`teachkit.controls`), by name:
        ``school`` (Select), ``sample_size`` (Slider: that school's n, its sample
        mean and sd held fixed), ``tau_mode`` (Choice "learned"/"fixed"),
        ``tau`` (LogSlider, 0.01–100; setting it switches ``tau_mode`` to "fixed"),
        ``mu_prior_sd`` (μ ~ N(0, sd²)), ``tau_prior`` ("uniform" or "inverse-gamma"),
        ``tau_prior_upper`` (τ ~ U(0, upper)), ``tau_prior_shape`` and
        ``tau_prior_scale`` (τ² ~ IG(shape, scale)). Set ``.value`` to drive them
        from code; each change recomputes and redraws at once.
    state : the :class:`teachkit._explorer_state.ExplorerState` shown now
    view : the :class:`teachkit._explorer_view.ExplorerView` that draws it
    message : ipywidgets.HTML, empty, or why the last value was refused
    status : teachkit.controls.Status, one sentence in a live region: what changed, the
        school being varied (its n, estimate, 95% interval and weight), μ and τ
    image : teachkit.controls.Figure, the figure as PNG, and its alt text (``image.alt``)
    figure : the matplotlib Figure behind ``image`` (re-used for every update)
    widget : the whole layout (what a notebook displays)
    result : the :class:`teachkit.spectrum.ShrinkageEstimates` shown now
    """

    def __init__(self, data: GroupedData | None = None, *, school="5", fast: bool = True):
        data = load_homework() if data is None else data
        require_grouped(data, "ShrinkageExplorer")
        if data.J < 2:
            raise ValueError("the explorer needs at least 2 groups (it shows partial pooling between them)")
        self.data, self.fast = data, bool(fast)
        self._quiet = 0
        self._initial = ExplorerState.observed(data, school)
        self.controls = panel.build(data, self._initial, refused=self._on_refused)
        self.message = widgets.HTML("", layout=widgets.Layout(min_height="1.6em"))
        self.status = ui.Status()
        self.image = ui.Figure(layout=widgets.Layout(width="100%", max_width="1000px"))
        self.view = ExplorerView(data, n_max=SAMPLE_SIZE[1])
        self.reset_button = widgets.Button(description="reset", icon="undo",
                                           tooltip="back to the data as observed and the default priors",
                                           layout=widgets.Layout(width="90px"))
        self.reset_button.on_click(lambda _: self.reset())
        self.widget = panel.layout(self.controls, data.group_name, reset_button=self.reset_button,
                                   message=self.message, status=self.status, image=self.image)
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        # the data as observed: errors here are real errors
        result = self._initial.estimates(data, fast=self.fast)
        self._show(self._initial, result, self.view.show(result, self._initial.school))

    @property
    def figure(self):
        return self.view.figure

    # ------------------------------------------------------------------ events
    @contextmanager
    def _quietly(self):
        """Change controls from here without triggering a recomputation."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _on_refused(self, control, problem):
        if not self._quiet:
            self._say(f"{problem}. Kept {panel.describe_value(control)}.")

    def _on_change(self, change):
        if self._quiet:
            return
        name = change["owner"]._explorer_name
        state = self._follow(panel.read(self.controls), [name])
        self._apply(state, words.change(state, [name]), "that value")

    def _follow(self, state, names):
        """What a change implies: a new school to vary starts at its own sample size;
        setting τ means holding it there."""
        if "school" in names and "sample_size" not in names:
            state = state.replace(sample_size=ExplorerState.observed(self.data, state.school).sample_size)
        if "tau" in names and "tau_mode" not in names:
            state = state.replace(tau_mode="fixed")
        return state

    def _apply(self, state, change, what):
        """Compute and draw ``state``; if anything fails, put the controls back to the figure
        shown, and say why. A callback must not raise: in a browser its traceback would go to
        a log the student never sees."""
        try:
            same = state.inputs(self.data) == self.state.inputs(self.data)
            result = self.result if same else state.estimates(self.data, fast=self.fast)
            picture = self.view.show(result, state.school, change)
        except Exception as err:   # noqa: BLE001
            with self._quietly():
                panel.write(self.controls, self.state)
            self._say(f"Could not compute with {what} ({type(err).__name__}: {err}). "
                      "Kept the previous settings.")
            return
        self._show(state, result, picture)

    def _show(self, state, result, picture):
        """Show a result that was drawn: the picture, its status line, and the controls, whose
        disabled τ slider shows where the data put τ when τ is learned."""
        if result.tau is None:
            state = state.replace(tau=min(max(result.tau_median, TAU[0]), TAU[1]))
        with self.image.hold_sync():   # the picture and its text reach the browser together
            self.image.value = picture.png
            self.image.alt = picture.alt
        self.state, self.result = state, result
        self.message.value = ""
        with self._quietly():
            panel.write(self.controls, state)
        self.status.value = picture.status

    def _say(self, text):
        self.message.value = panel.alert(text)

    def redraw(self, result=None):
        """Draw ``result`` (default: the current estimates) and show it in :attr:`image`; the
        image changes only once the PNG is complete."""
        picture = self.view.show(self.result if result is None else result, self.state.school)
        with self.image.hold_sync():
            self.image.value = picture.png
            self.image.alt = picture.alt

    # ------------------------------------------------------------------ public views
    def set(self, **values):
        """Set several controls at once, with one recomputation: ``set(tau_mode="fixed", tau=0.01)``.

        Names are those of :attr:`controls`. If any value is refused, nothing changes
        and :attr:`message` says why (as when a control is set on its own). Returns None,
        so that a notebook cell ending with it does not show the explorer a second time.
        """
        self._set(values)

    def _set(self, values, change=None):
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}: the controls are {list(self.controls)}")
        for name, value in values.items():
            refused = panel.refusal(self.controls, name, value)
            if refused is not None:
                self._say(f"{refused}. Nothing was changed.")
                return
        state = self._follow(self.state.replace(**values), list(values))
        self._apply(state, change or words.change(state, list(values)), "those values")

    def reset(self):
        """Back to the starting point: the first school's observed size, τ learned, the default priors."""
        self._set({**self._initial.as_dict(), "tau": self.state.tau},   # τ's slider shows the learned τ
                  change="Back to the data as observed and the default priors")

    def estimates(self):
        """The numbers shown now: one row per school with n, sample mean (no pooling),
        partial pooling (posterior mean), 95% low and high, and the shrinkage weight w_j
        (its posterior mean; with τ fixed, its mean over σ given τ). Shown rounded."""
        return self.result.table.copy()

    def snapshot(self):
        """The figure shown now, as a static image (``IPython.display.Image``): it stays in a
        saved notebook and in slides, where a live widget shows nothing. It carries the
        figure's alt text as output metadata (``{"image/png": {"alt": ...}}``, what
        nbconvert writes into the HTML and the slides)."""
        from IPython.display import Image

        return Image(data=self.image.value, format="png", metadata={"alt": self.image.alt})

    @property
    def mu(self) -> float:
        """The posterior mean of μ (given τ when τ is fixed)."""
        return self.result.mu

    def _ipython_display_(self):
        """Show the layout through ``display()``, which draws widgets under ipywidgets 8 and 7
        alike (Colab ships 7.7.1, whose widgets have no ``_repr_mimebundle_``)."""
        from IPython.display import display

        if hasattr(self.widget, "_repr_mimebundle_"):
            display(self._repr_mimebundle_(), raw=True)   # ipywidgets 8: our text/plain with the view
        else:
            display(self.widget)                           # ipywidgets 7: its own _ipython_display_

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle)
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self):
        s = self.state
        tau = "learned" if s.tau_mode == "learned" else f"fixed at {s.tau:.3g}"
        return f"ShrinkageExplorer({self.data.group_name} {s.school} with n = {s.sample_size}, τ {tau})"
