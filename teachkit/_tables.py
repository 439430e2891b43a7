"""A DataFrame that shows its numbers rounded and keeps them at full precision.

Tables in notebooks are compared as text by nbval: printing every float to 16
digits would make them differ with the last bit of a BLAS routine, and would be
unreadable on a slide anyway. Arithmetic on the table still uses full precision.
"""

from __future__ import annotations

import pandas as pd


class RoundedFrame(pd.DataFrame):
    _metadata = ["display_digits", "display_formats"]

    @property
    def _constructor(self):
        return RoundedFrame

    @classmethod
    def wrap(cls, frame: pd.DataFrame, digits: int = 3, formats: dict | None = None) -> "RoundedFrame":
        """``digits`` decimals for float columns; ``formats`` maps a column to its own format."""
        out = cls(frame)
        out.display_digits = digits
        out.display_formats = dict(formats or {})
        return out

    def _shown(self) -> pd.DataFrame:
        digits = getattr(self, "display_digits", 3)
        formats = getattr(self, "display_formats", None) or {}
        shown = pd.DataFrame(self).copy()
        for col in shown.columns:
            if pd.api.types.is_float_dtype(shown[col]):
                fmt = formats.get(col, "{:.%df}" % digits)
                shown[col] = ["—" if pd.isna(x) else _no_negative_zero(fmt.format(x)) for x in shown[col]]
        return shown

    def __repr__(self) -> str:
        return repr(self._shown())

    def _repr_html_(self) -> str:
        return self._shown()._repr_html_()


def _no_negative_zero(text: str) -> str:
    """'-0.00' reads as a sign that means something (and flips with the last bit): show '0.00'."""
    if text.startswith("-") and not text.strip("-0."):
        return text[1:]
    return text
