"""The shrinkage explorer's controls: made from a state, read back as a state, laid out.

Each setting of :class:`teachkit._explorer_state.ExplorerState` has one control of
:mod:`teachkit.controls` (native HTML elements named by their labels: sliders that
announce the value shown, radio groups, a drop-down list), with the same name:
``school`` (Select), ``sample_size`` (Slider), ``tau_mode`` (Choice), ``tau``
(LogSlider), ``mu_prior_sd``, ``tau_prior`` (Choice), ``tau_prior_upper``,
``tau_prior_shape`` and ``tau_prior_scale`` (LogSliders).

A numeric control checks a proposed value first (:func:`teachkit._explorer_state.problem`):
a refused value never reaches it, the old value stays, and the control calls its
``refused(control, sentence)``. Nothing raises in a browser's callback.
"""

from __future__ import annotations

import html
import math

import ipywidgets as widgets
from traitlets import validate

from teachkit import controls as ui
from teachkit._explorer_state import BOUNDS, ExplorerState, problem

#: How the status line and the messages name each numeric setting.
SYMBOLS = {"sample_size": "n", "tau": "τ", "mu_prior_sd": "sd", "tau_prior_upper": "U",
           "tau_prior_shape": "a", "tau_prior_scale": "b"}


class _Guarded:
    """A control whose proposed values pass ``self.check`` (value -> sentence or None) first.

    A refused value never reaches the control: the old value stays, and ``self.refused``
    (if set) gets the sentence. Without a check, the control behaves as its base class.
    """

    check = None
    refused = None

    def _guard(self, proposal):
        refused = self.check(proposal["value"]) if self.check is not None else None
        if refused is not None:
            if self.refused is not None:
                self.refused(self, refused)
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


def _wide():
    """A new Layout for each control (a shared one would hide or show them all together)."""
    return widgets.Layout(width="300px")


def _log_slider(name, value, step, description):
    low, high = BOUNDS[name][:2]
    return _LogSlider(value=value, base=10, min=math.log10(low), max=math.log10(high), step=step,
                      description=description, continuous_update=False, layout=_wide())


def build(data, state: ExplorerState, refused) -> dict:
    """The controls showing ``state``, by name; a refused value calls ``refused(control, sentence)``."""
    c = {}
    c["school"] = ui.Select(options=list(data.labels), value=state.school, description=data.group_name,
                            layout=_wide())
    low, high = BOUNDS["sample_size"][:2]
    c["sample_size"] = _IntSlider(value=state.sample_size, min=low, max=high, step=1,
                                  description="its sample size n", continuous_update=False, layout=_wide())
    c["tau_mode"] = ui.Choice(options=["learned", "fixed"], value=state.tau_mode, description="τ is",
                              tooltips=["τ learned from the data (Model 3)",
                                        "τ held at the value of the slider below"])
    c["tau"] = _log_slider("tau", state.tau, 0.05, "τ")
    c["mu_prior_sd"] = _log_slider("mu_prior_sd", state.mu_prior_sd, 0.1, "μ ~ N(0, sd²): sd")
    c["tau_prior"] = ui.Choice(options=[("τ ~ U(0, U)", "uniform"), ("τ² ~ IG(a, b)", "inverse-gamma")],
                               value=state.tau_prior, description="prior on τ",
                               tooltips=["τ uniform between 0 and an upper bound U",
                                         "τ² inverse-gamma with shape a and scale b"])
    c["tau_prior_upper"] = _log_slider("tau_prior_upper", state.tau_prior_upper, 0.1, "upper bound U")
    c["tau_prior_shape"] = _log_slider("tau_prior_shape", state.tau_prior_shape, 0.1, "shape a")
    c["tau_prior_scale"] = _log_slider("tau_prior_scale", state.tau_prior_scale, 0.1, "scale b")
    for name, control in c.items():
        control._explorer_name = name
        if name in BOUNDS:
            control.check = lambda value, name=name: problem(name, value, data.unit)
            control.refused = refused
    sync_enabled(c)
    return c


def read(controls) -> ExplorerState:
    """The state the controls show."""
    return ExplorerState(**{name: control.value for name, control in controls.items()})


def write(controls, state: ExplorerState):
    """Show ``state`` in the controls (the caller keeps their observers quiet)."""
    for name, value in state.as_dict().items():
        controls[name].value = value
    sync_enabled(controls)


def refusal(controls, name, value) -> str | None:
    """Why ``controls[name]`` would refuse ``value`` (None if it takes it)."""
    control = controls[name]
    if getattr(control, "check", None) is not None:
        return control.check(value)
    if hasattr(control, "options"):
        allowed = [o[1] if isinstance(o, tuple) else o for o in control.options]
        if value not in allowed:
            return f"the value of {name} must be one of {allowed}; {value!r} was refused"
    return None


def describe_value(control) -> str:
    """'n = 9', 'τ = 1.81': a control's setting as the messages write it."""
    symbol = SYMBOLS.get(control._explorer_name, control._explorer_name)
    value = control.value
    return f"{symbol} = {value:.4g}" if isinstance(value, float) else f"{symbol} = {value}"


def sync_enabled(controls):
    """τ's slider only when τ is fixed; τ's prior only when τ is learned, and of that prior
    only the sliders of the kind chosen."""
    c = controls
    fixed = c["tau_mode"].value == "fixed"
    c["tau"].disabled = not fixed
    uniform = c["tau_prior"].value == "uniform"
    for name in ("tau_prior", "tau_prior_upper", "tau_prior_shape", "tau_prior_scale"):
        c[name].disabled = fixed   # with τ fixed, its prior plays no part
    c["tau_prior_upper"].layout.display = None if uniform else "none"
    for name in ("tau_prior_shape", "tau_prior_scale"):
        c[name].layout.display = "none" if uniform else None


def alert(text: str) -> str:
    """The message (HTML) that says why a value was refused: a ``role="alert"`` line."""
    text = text[:1].upper() + text[1:]
    return ('<div role="alert" style="color:#A3231F; background:#FDECEA; border-left:4px solid #D55E00; '
            f'padding:3px 8px; font-size:14px;">⚠ {html.escape(text)}</div>')


def layout(controls, group_name, *, reset_button, message, status, image):
    """The whole explorer: three columns of controls, then the message, the status line and
    the figure."""
    c = controls

    def column(title, *children):
        head = widgets.HTML(f"<b>{html.escape(title)}</b>")
        return widgets.VBox([head, *children], layout=widgets.Layout(margin="0 12px 0 0"))

    top = widgets.HBox([
        column(f"Vary one {group_name}", c["school"], c["sample_size"], reset_button),
        column(f"τ: how much {group_name}s differ", c["tau_mode"], c["tau"]),
        column("Priors", c["mu_prior_sd"], c["tau_prior"], c["tau_prior_upper"],
               c["tau_prior_shape"], c["tau_prior_scale"]),
    ], layout=widgets.Layout(flex_flow="row wrap"))
    return widgets.VBox([top, message, status, image])
