"""Accessible controls for the explorers: sliders, choices, a figure and a status line.

ipywidgets' own sliders do not tell a screen reader their name (the visible
description is not linked to the handle), a log slider announces its exponent
(τ shows 1.81 and reads 0.26), toggle buttons do not expose which one is pressed,
and ``ipywidgets.Image`` has no alt text. These widgets render plain HTML instead,
through anywidget (the same JavaScript on ipywidgets 7.7 and 8, JupyterLab,
Notebook and Colab), with what assistive technology reads:

=============  ===========================================================
``Slider``     ``<input type="range">`` named by a ``<label>``; arrows, Page Up/Down,
``LogSlider``  Home and End move it; ``aria-valuetext`` is the value shown (``readout``)
``Choice``     a ``<fieldset>`` of radio buttons named by its ``<legend>`` (drawn as
               buttons; the pressed one is the checked radio); arrows move between them
``Select``     a ``<select>`` named by a ``<label>``
``Figure``     an ``<img>`` whose ``alt`` changes with its PNG (set both in one
               ``hold_sync()``)
``Status``     one ``role="status"`` region, created once, whose text changes, so a
               screen reader announces each new text
=============  ===========================================================

On the Python side each has ``value`` (observe it as any widget's), ``description``,
``disabled`` and ``layout``; the sliders also ``min``, ``max``, ``step`` (exponents
for ``LogSlider``, of ``base``, as in ``ipywidgets.FloatLogSlider``) and
``continuous_update``. The text a slider shows and announces, ``readout``, is
computed here too, so that a test without a browser can read it (the browser formats
the value the same way, see ``format_value``).
"""

from __future__ import annotations

import math
from pathlib import Path

import anywidget
from traitlets import Bool, Bytes, CFloat, CInt, List, Unicode, observe, validate

__all__ = ["Slider", "LogSlider", "Choice", "Select", "Figure", "Status", "format_value"]

_STATIC = Path(__file__).parent / "static"


def format_value(value: float) -> str:
    """What a log slider shows and announces: 3 significant digits, no exponent
    (1.81, 0.01, 1000). The browser formats a value being dragged the same way."""
    return f"{float(f'{value:.3g}'):g}" if abs(value) < 1e6 else f"{value:.3g}"


class _Control(anywidget.AnyWidget):
    _esm = _STATIC / "controls.js"
    _css = _STATIC / "controls.css"
    kind = Unicode().tag(sync=True)
    description = Unicode("").tag(sync=True)
    tooltip = Unicode("").tag(sync=True)
    disabled = Bool(False).tag(sync=True)


class _SliderBase(_Control):
    step = CFloat(1.0).tag(sync=True)
    continuous_update = Bool(False).tag(sync=True)
    readout = Unicode("").tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._set_readout()

    def _clamp(self, value):
        raise NotImplementedError

    @validate("value")
    def _validate_value(self, proposal):
        return self._clamp(proposal["value"])

    @observe("value")
    def _on_value(self, change):
        self._set_readout()

    def _set_readout(self):
        self.readout = self._text(self.value)


class Slider(_SliderBase):
    """A whole-number slider from ``min`` to ``max``; announces its value."""

    kind = Unicode("slider").tag(sync=True)
    value = CInt(0).tag(sync=True)
    min = CInt(0).tag(sync=True)
    max = CInt(100).tag(sync=True)
    step = CInt(1).tag(sync=True)

    def _clamp(self, value):
        return int(min(max(value, self.min), self.max))

    def _text(self, value):
        return str(int(value))


class LogSlider(_SliderBase):
    """A slider on a log scale: the handle moves the exponent (``min`` to ``max`` in steps
    of ``step``), ``value`` is ``base ** exponent``, and the slider shows and announces
    ``value`` (not the exponent)."""

    kind = Unicode("log-slider").tag(sync=True)
    value = CFloat(1.0).tag(sync=True)
    base = CFloat(10.0).tag(sync=True)
    min = CFloat(0.0).tag(sync=True)
    max = CFloat(4.0).tag(sync=True)
    step = CFloat(0.1).tag(sync=True)

    def _clamp(self, value):
        return float(min(max(value, self.base ** self.min), self.base ** self.max))

    def _text(self, value):
        return format_value(value)


def _pairs(options):
    pairs = [tuple(o) if isinstance(o, (tuple, list)) else (str(o), o) for o in options]
    if not pairs or any(len(p) != 2 for p in pairs):
        raise ValueError(f"options must be values or (label, value) pairs, at least one; got {options!r}")
    return [(str(label), value) for label, value in pairs]


class _OptionsMixin:
    """``options``: a list of values, or of (label, value) pairs; stored as pairs."""

    def __init__(self, options=(), **kwargs):
        super().__init__(options=_pairs(options), **kwargs)

    @validate("options")
    def _validate_options(self, proposal):
        return _pairs(proposal["value"])

    @validate("value")
    def _validate_value(self, proposal):
        allowed = [value for _, value in self.options]
        if proposal["value"] not in allowed:
            raise ValueError(f"{self.description or type(self).__name__}: {proposal['value']!r} "
                             f"is not one of {allowed}")
        return proposal["value"]

    @property
    def labels(self):
        return [label for label, _ in self.options]


class Choice(_OptionsMixin, _Control):
    """One of a few options, shown as a row of buttons that are radio buttons: the
    group is named by ``description``, the pressed button is the checked one."""

    kind = Unicode("choice").tag(sync=True)
    options = List().tag(sync=True)
    value = Unicode().tag(sync=True)
    tooltips = List(Unicode()).tag(sync=True)


class Select(_OptionsMixin, _Control):
    """A drop-down list named by ``description``."""

    kind = Unicode("select").tag(sync=True)
    options = List().tag(sync=True)
    value = Unicode().tag(sync=True)


class Figure(_Control):
    """A PNG with a text alternative: ``value`` (the PNG's bytes) and ``alt``."""

    kind = Unicode("figure").tag(sync=True)
    value = Bytes(b"").tag(sync=True)
    alt = Unicode("").tag(sync=True)
    format = "png"


class Status(_Control):
    """A line of text in a ``role="status"`` live region: each new ``value`` is announced."""

    kind = Unicode("status").tag(sync=True)
    value = Unicode("").tag(sync=True)


def log_range(low: float, high: float, base: float = 10.0) -> tuple[float, float]:
    """The exponents of ``base`` for a LogSlider from ``low`` to ``high``."""
    return math.log(low, base), math.log(high, base)
