r"""Interactive explorers for the notebooks: move a slider, watch the shrinkage change.

    explorer = teachkit.widgets.ShrinkageExplorer(teachkit.load_homework())
    explorer                                    # in a notebook: the controls and the figure
    explorer.controls["sample_size"].value = 100
    explorer.estimates()                        # the numbers behind the figure, a table

The layer here is thin on purpose. Controls give values; the values
become numbers in :func:`teachkit.spectrum.shrinkage_estimates`, which calls the
exact integration of :mod:`teachkit.exact` (the same numbers the notebooks get);
the numbers become a figure in :func:`teachkit.plots.shrinkage_explorer_view`. The
figure is rendered to PNG and shown in a :class:`teachkit.controls.Figure`, so it
updates in place with any matplotlib backend, and a test without a browser can see
it change.

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

import html
import io
import math
from contextlib import contextmanager

import ipywidgets as widgets
import numpy as np
from traitlets import validate

from teachkit import _explorer_text as words
from teachkit import controls as ui
from teachkit import spectrum
from teachkit.data import GroupedData, load_homework, require_grouped
from teachkit.priors import InverseGamma, Normal, UniformSD

__all__ = ["ShrinkageExplorer"]

#: Bounds of the controls (also what the checks refuse outside of).
SAMPLE_SIZE = (1, 200)
TAU = (0.01, 100.0)
MU_PRIOR_SD = (0.1, 10_000.0)
TAU_PRIOR_UPPER = (0.01, 1000.0)
IG_SHAPE = (0.001, 100.0)
IG_SCALE = (0.001, 1000.0)


def _wide():
    """A new Layout for each control (a shared one would hide or show them all together)."""
    return widgets.Layout(width="300px")


# ======================================================================= guarded controls
class _Guarded:
    """A control whose proposed values pass ``self.check`` (value -> message or None) first.

    A refused value never reaches the control: the old value stays, ``self.refused``
    gets the message. (Without a check, the control behaves as ipywidgets' own.)
    """

    check = None
    refused = None

    def _guard(self, proposal):
        problem = self.check(proposal["value"]) if self.check is not None else None
        if problem is not None:
            if self.refused is not None:
                self.refused(self, problem)
            return True
        return False

    @validate("value")
    def _validate_value(self, proposal):
        if self._guard(proposal):
            return self.value
        return super()._validate_value(proposal)  # the slider's own clamping


class _IntSlider(_Guarded, ui.Slider):
    pass


class _LogSlider(_Guarded, ui.LogSlider):
    pass


def _between(what, low, high, unit="", *, integer=False):
    """A check: the value must be a (whole) number in [low, high]."""
    kind = "a whole number" if integer else "a number"

    def check(value):
        ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
            and math.isfinite(value) and low <= value <= high
        if ok and integer:
            ok = float(value).is_integer()
        if not ok:
            return f"{what} must be {kind} from {low:g} to {high:g}{unit}; {_show(value)} was refused"
        return None

    return check


def _show(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    return repr(value)


def _layout_key(ax):
    """What the explorer's layout depends on that changes: the widest y tick label."""
    ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    labels = ax.yaxis.get_major_formatter().format_ticks(ticks)
    return max((len(label) for label in labels), default=0)


def _png(canvas) -> bytes:
    """The canvas as drawn, as PNG bytes: one draw (``savefig`` would draw the figure again
    whenever it has a layout engine, even the placeholder of a fixed layout)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


# ======================================================================= the explorer
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
        self.data = data
        self.fast = bool(fast)
        self._quiet = 0
        j = spectrum.group_index(data, school)
        self.controls = self._build_controls(data, data.labels[j])
        self.message = widgets.HTML("", layout=widgets.Layout(min_height="1.6em"))
        self.status = ui.Status()
        self.image = ui.Figure(layout=widgets.Layout(width="100%", max_width="1000px"))
        self._change = None   # what the status line says changed, when the numbers do not
        self.figure = self._new_figure()
        self._frame = None   # (what the layout depends on, the axes' position) once laid out
        self._base_ylim = None
        for name, control in self.controls.items():
            control.observe(self._on_change, names="value")
        self._sync_enabled()
        self._initial = self._values()
        self.reset_button = widgets.Button(description="reset", icon="undo",
                                           tooltip="back to the data as observed and the lecture's priors",
                                           layout=widgets.Layout(width="90px"))
        self.reset_button.on_click(lambda _: self.reset())
        self.widget = self._layout()
        self.result = self._compute(self._values())   # the data as observed: errors here are real errors
        self.redraw()
        self._after_compute()

    # ------------------------------------------------------------------ building
    def _build_controls(self, data, school):
        j = data.labels.index(school)
        c = {}
        c["school"] = ui.Select(options=list(data.labels), value=school, description=data.group_name,
                                layout=_wide())
        c["sample_size"] = _IntSlider(value=int(data.n[j]), min=SAMPLE_SIZE[0], max=SAMPLE_SIZE[1], step=1,
                                      description="its sample size n", continuous_update=False,
                                      layout=_wide())
        c["tau_mode"] = ui.Choice(options=["learned", "fixed"], value="learned", description="τ is",
                                  tooltips=["τ learned from the data (Model 3)",
                                            "τ held at the value of the slider below"])
        c["tau"] = _LogSlider(value=1.0, base=10, min=math.log10(TAU[0]), max=math.log10(TAU[1]), step=0.05,
                              description="τ", continuous_update=False, layout=_wide())
        c["mu_prior_sd"] = _LogSlider(value=1000.0, base=10, min=math.log10(MU_PRIOR_SD[0]),
                                      max=math.log10(MU_PRIOR_SD[1]), step=0.1,
                                      description="μ ~ N(0, sd²): sd", continuous_update=False,
                                      layout=_wide())
        c["tau_prior"] = ui.Choice(options=[("τ ~ U(0, U)", "uniform"), ("τ² ~ IG(a, b)", "inverse-gamma")],
                                   value="uniform", description="prior on τ",
                                   tooltips=["τ uniform between 0 and an upper bound U",
                                             "τ² inverse-gamma with shape a and scale b"])
        c["tau_prior_upper"] = _LogSlider(value=1000.0, base=10, min=math.log10(TAU_PRIOR_UPPER[0]),
                                          max=math.log10(TAU_PRIOR_UPPER[1]), step=0.1,
                                          description="upper bound U", continuous_update=False,
                                          layout=_wide())
        c["tau_prior_shape"] = _LogSlider(value=1.0, base=10, min=math.log10(IG_SHAPE[0]),
                                          max=math.log10(IG_SHAPE[1]), step=0.1,
                                          description="shape a", continuous_update=False, layout=_wide())
        c["tau_prior_scale"] = _LogSlider(value=10.0, base=10, min=math.log10(IG_SCALE[0]),
                                          max=math.log10(IG_SCALE[1]), step=0.1,
                                          description="scale b", continuous_update=False, layout=_wide())
        unit = f" {data.unit}" if data.unit else ""
        checks = {
            "sample_size": _between("the sample size n", *SAMPLE_SIZE, integer=True),
            "tau": _between("the between-school sd τ", *TAU, unit),
            "mu_prior_sd": _between("the prior sd of μ", *MU_PRIOR_SD, unit),
            "tau_prior_upper": _between("the upper bound of τ's prior", *TAU_PRIOR_UPPER, unit),
            "tau_prior_shape": _between("the shape a of τ²'s prior", *IG_SHAPE),
            "tau_prior_scale": _between("the scale b of τ²'s prior", *IG_SCALE),
        }
        for name, check in checks.items():
            c[name].check = check
            c[name].refused = self._on_refused
        for name, control in c.items():
            control._explorer_name = name
        return c

    def _layout(self):
        c = self.controls

        def column(title, *children):
            head = widgets.HTML(f"<b>{html.escape(title)}</b>")
            return widgets.VBox([head, *children], layout=widgets.Layout(margin="0 12px 0 0"))

        group = self.data.group_name
        top = widgets.HBox([
            column(f"Vary one {group}", c["school"], c["sample_size"], self.reset_button),
            column(f"τ: how much {group}s differ", c["tau_mode"], c["tau"]),
            column("Priors", c["mu_prior_sd"], c["tau_prior"], c["tau_prior_upper"],
                   c["tau_prior_shape"], c["tau_prior_scale"]),
        ], layout=widgets.Layout(flex_flow="row wrap"))
        return widgets.VBox([top, self.message, self.status, self.image])

    def _new_figure(self):
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from teachkit import _style

        with matplotlib.rc_context(_style.RC):
            fig = Figure(figsize=_style.SLIDE_FIGSIZE, dpi=_style.DPI, layout="constrained")
        FigureCanvasAgg(fig)
        return fig

    # ------------------------------------------------------------------ values -> numbers
    def _values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def _compute(self, v) -> spectrum.ShrinkageEstimates:
        data = self.data
        school = v["school"]
        j = data.labels.index(school)
        if v["sample_size"] != data.n[j]:
            data = spectrum.with_sample_size(data, school, int(v["sample_size"]))
        mu_prior = Normal(0.0, float(v["mu_prior_sd"]) ** 2)
        if v["tau_mode"] == "fixed":
            return spectrum.shrinkage_estimates(data, tau=float(v["tau"]), mu_prior=mu_prior, fast=self.fast)
        if v["tau_prior"] == "uniform":
            tau2_prior = UniformSD(float(v["tau_prior_upper"]))
        else:
            tau2_prior = InverseGamma(float(v["tau_prior_shape"]), float(v["tau_prior_scale"]))
        return spectrum.shrinkage_estimates(data, mu_prior=mu_prior, tau2_prior=tau2_prior, fast=self.fast)

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
        if self._quiet:
            return
        self._say(f"{problem}. Kept {self._describe_value(control)}.")

    def _describe_value(self, control) -> str:
        symbol = {"sample_size": "n", "tau": "τ", "mu_prior_sd": "sd", "tau_prior_upper": "U",
                  "tau_prior_shape": "a", "tau_prior_scale": "b"}.get(control._explorer_name,
                                                                      control._explorer_name)
        value = control.value
        return f"{symbol} = {value:.4g}" if isinstance(value, float) else f"{symbol} = {value}"

    def _on_change(self, change):
        if self._quiet:
            return
        name = change["owner"]._explorer_name
        with self._quietly():
            if name == "school":   # a new school to vary starts at its own sample size
                j = self.data.labels.index(change["new"])
                self.controls["sample_size"].value = int(self.data.n[j])
            elif name == "tau" and self.controls["tau_mode"].value == "learned":
                self.controls["tau_mode"].value = "fixed"   # setting τ means holding it there
            self._sync_enabled()
        self._change = self._change_phrase([name])
        self._apply("that value")

    def _apply(self, what):
        """Compute and draw what the controls say now; if anything fails, put the controls
        back to the figure shown, and say why. A callback must not raise: in a browser
        its traceback would go to a log the student never sees."""
        try:
            result = self._compute(self._values())
            self.redraw(result)
        except Exception as err:   # noqa: BLE001
            self._change = None
            self._revert()
            self._say(f"Could not compute with {what} ({type(err).__name__}: {err}). "
                      "Kept the previous settings.")
            return
        self.result = result
        self.message.value = ""
        self._after_compute()

    def _revert(self):
        """Put every control back to the values of the figure shown now."""
        with self._quietly():
            for other, value in self._last_values.items():
                self.controls[other].value = value
            self._sync_enabled()

    def _say(self, text):
        text = text[:1].upper() + text[1:]
        self.message.value = (
            '<div role="alert" style="color:#A3231F; background:#FDECEA; border-left:4px solid #D55E00; '
            f'padding:3px 8px; font-size:14px;">⚠ {html.escape(text)}</div>'
        )

    def _sync_enabled(self):
        c = self.controls
        fixed = c["tau_mode"].value == "fixed"
        c["tau"].disabled = not fixed
        uniform = c["tau_prior"].value == "uniform"
        for name in ("tau_prior", "tau_prior_upper", "tau_prior_shape", "tau_prior_scale"):
            c[name].disabled = fixed   # with τ fixed, its prior plays no part
        c["tau_prior_upper"].layout.display = None if uniform else "none"
        for name in ("tau_prior_shape", "tau_prior_scale"):
            c[name].layout.display = "none" if uniform else None

    def _after_compute(self):
        """After a new result is drawn: the status line, the τ slider, the values to go back to."""
        r = self.result
        if r.tau is None:   # the disabled τ slider shows where the data put τ
            with self._quietly():
                self.controls["tau"].value = min(max(r.tau_median, TAU[0]), TAU[1])
        self._last_values = self._values()
        self._write_status()

    # ------------------------------------------------------------------ numbers -> figure
    def _ylim(self, result):
        """The y range: fixed by the first figure (every school's sample mean, estimate and
        95% interval on the data as observed), so that the axis does not jump as a slider
        moves; widened only when μ or an estimate leaves it (a tight prior on μ). An
        interval reaching beyond it is cut, with a triangle at the edge."""
        table = result.table
        values = [table["sample mean"], table["partial pooling"], [result.mu]]
        if self._base_ylim is None:
            values += [table["95% low"], table["95% high"]]
        values = np.concatenate([np.asarray(v, dtype=float) for v in values])
        low, high = float(values.min()), float(values.max())
        pad = 0.05 * (high - low) if high > low else 1.0
        low, high = low - pad, high + pad
        if self._base_ylim is None:
            self._base_ylim = (low, high)
        return min(low, self._base_ylim[0]), max(high, self._base_ylim[1])

    def _title(self, r) -> str:
        return words.tau_phrase(r, self.data.unit)

    def _change_phrase(self, names):
        """What the status line says first: a changed prior, which the numbers alone do not
        name (a new school, n or τ is in the rest of the line)."""
        v = self._values()
        if v["tau_mode"] == "learned" and any(n.startswith("tau_prior") for n in names):
            if v["tau_prior"] == "uniform":
                return f"Prior on τ now U(0, {ui.format_value(v['tau_prior_upper'])})"
            return (f"Prior on τ² now IG({ui.format_value(v['tau_prior_shape'])}, "
                    f"{ui.format_value(v['tau_prior_scale'])})")
        if "mu_prior_sd" in names:
            return f"Prior on μ now N(0, {ui.format_value(v['mu_prior_sd'])}²)"
        return None

    def _write_status(self):
        change, self._change = self._change, None
        self.status.value = words.status(self.result, self.controls["school"].value, self.data.group_name,
                                         self.data.unit, change)

    def redraw(self, result=None):
        """Draw ``result`` (default: the current estimates) into :attr:`figure` and show it
        in :attr:`image`; the image changes only once the PNG is complete.

        The figure is re-used. Its layout (constrained: room for the labels, the
        legend and the title) is computed on the first draw and kept while the y tick
        labels keep their width, which saves a third of the time of a redraw; the PNG
        is written with light compression for the same reason (it never leaves the
        kernel's machine and the browser's).
        """
        import matplotlib

        from teachkit import _style, plots

        result = self.result if result is None else result
        fig = self.figure
        with matplotlib.rc_context(_style.RC):   # the axes too are made in teachkit's look
            for _ in range(2):
                fig.clear()
                frame = self._frame
                ax = fig.add_subplot() if frame is None else fig.add_axes(frame[1])
                plots.shrinkage_explorer_view(result.table, result.mu, self.controls["school"].value,
                                              title=self._title(result), unit=self.data.unit,
                                              n_max=SAMPLE_SIZE[1], ylim=self._ylim(result), ax=ax)
                key = _layout_key(ax)
                if frame is not None and frame[0] == key:
                    break
                # lay out once, then draw again in the frame found (the labels are placed
                # for the axes' width, which the layout changes)
                fig.set_layout_engine("constrained")
                fig.canvas.draw()
                self._frame = (key, ax.get_position())
                fig.set_layout_engine("none")
            fig.canvas.draw()
        png = _png(fig.canvas)
        alt = plots.alt_text(ax)   # the plot's own description, which starts from the title above
        with self.image.hold_sync():   # the picture and its text reach the browser together
            self.image.value = png
            self.image.alt = alt

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
            control = self.controls[name]
            problem = control.check(value) if getattr(control, "check", None) is not None else None
            if problem is None and hasattr(control, "options"):
                allowed = [o[1] if isinstance(o, tuple) else o for o in control.options]
                if value not in allowed:
                    problem = f"the value of {name} must be one of {allowed}; {value!r} was refused"
            if problem is not None:
                self._say(f"{problem}. Nothing was changed.")
                return
        if "school" in values and "sample_size" not in values:
            j = self.data.labels.index(values["school"])
            values = {**values, "sample_size": int(self.data.n[j])}
        if "tau" in values and "tau_mode" not in values:
            values = {**values, "tau_mode": "fixed"}
        with self._quietly():
            for name, value in values.items():
                self.controls[name].value = value
            self._sync_enabled()
        self._change = change or self._change_phrase(list(values))
        self._apply("those values")

    def reset(self):
        """Back to the starting point: the first school's observed size, τ learned, the lecture's priors."""
        tau = self.controls["tau"].value   # shows the learned τ; not a setting
        self._set({**self._initial, "tau": tau, "tau_mode": self._initial["tau_mode"]},
                  change="Back to the data as observed and the lecture's priors")

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
        v = self._values()
        tau = "learned" if v["tau_mode"] == "learned" else f"fixed at {v['tau']:.3g}"
        return (f"ShrinkageExplorer({self.data.group_name} {v['school']} with n = {v['sample_size']}, "
                f"τ {tau})")
