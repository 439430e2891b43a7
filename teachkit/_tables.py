"""A DataFrame that shows its numbers rounded and keeps them at full precision.

Tables in notebooks are compared as text by nbval: printing every float to 16
digits would make them differ with the last bit of a BLAS routine, and would be
unreadable on a slide anyway. Arithmetic on the table still uses full precision.
"""

from __future__ import annotations

import pandas as pd


class RoundedFrame(pd.DataFrame):
    _metadata = ["display_digits"]

    @property
    def _constructor(self):
        return RoundedFrame

    @classmethod
    def wrap(cls, frame: pd.DataFrame, digits: int = 3) -> "RoundedFrame":
        out = cls(frame)
        out.display_digits = digits
        return out

    def _shown(self) -> pd.DataFrame:
        digits = getattr(self, "display_digits", 3)
        shown = pd.DataFrame(self).copy()
        for col in shown.columns:
            if pd.api.types.is_float_dtype(shown[col]):
                shown[col] = [("—" if pd.isna(x) else f"{x:.{digits}f}") for x in shown[col]]
        return shown

    def __repr__(self) -> str:
        return repr(self._shown())

    def _repr_html_(self) -> str:
        return self._shown()._repr_html_()
