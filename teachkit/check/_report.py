"""How a check reports: a ✓/✗ header naming the task, one line per item checked, then hints.

A check's implementation raises :class:`_Off` on an answer it cannot go on with;
:func:`_run` turns that, or any other error, into a ✗ line, so a check never raises.
"""

from __future__ import annotations




class _Off(Exception):
    """Stops a check at an answer it cannot go on with; becomes one ✗ line (and a hint)."""

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.message, self.hint = message, hint


class _Report:
    def __init__(self, title):
        self.title, self.lines, self.hints, self.passed = title, [], [], True

    def good(self, message, hint=None):   # hint unused: lets (good if ok else bad)(message, hint) read well
        self.lines.append(f"  ✓ {message}")

    def bad(self, message, hint=None):
        self.passed = False
        self.lines.append(f"  ✗ {message}")
        if hint and hint not in self.hints:
            self.hints.append(hint)

    def note(self, message):
        self.lines.append(f"    {message}")

    def show(self) -> bool:
        if not self.passed and not self.hints:
            self.hints.append("Compare your answer with what the task asks for, item by item.")
        mark = "✓" if self.passed else "✗"
        verdict = "right" if self.passed else "not yet"
        out = [f"{mark} {self.title}: {verdict}", *self.lines]
        out += [f"  Hint: {h}" for h in self.hints]
        print("\n".join(out))
        return self.passed


def _run(title, impl, *args) -> bool:
    """Run one check; whatever goes wrong becomes a ✗ line, never an exception."""
    report = _Report(title)
    try:
        impl(report, *args)
    except _Off as off:
        report.bad(off.message, off.hint)
    except Exception as err:  # a check must never stop a student's notebook
        report.bad(f"the check could not use your answer ({type(err).__name__}: {_short(err)})",
                   "Make sure the answer has the form the task asks for (see the task's text).")
    if not report.lines:
        report.bad("nothing was checked", "Run the cells above this one first.")
    return report.show()


def _short(x, limit=70):
    text = str(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _g(x, digits=4):
    """A number for a message: 4 significant digits, no '-0'."""
    x = float(x)
    if x == 0:
        return "0"
    return f"{x:.{digits}g}"


def _g2(a, b, digits=4):
    """Two numbers for 'yours ..., the right value ...': 4 significant digits, or as many more
    as it takes to show that they differ (1384.04 and 1384.00, not 1384 and 1384)."""
    for d in range(digits, 13):
        if _g(a, d) != _g(b, d):
            return _g(a, d), _g(b, d)
    return _g(a, 13), _g(b, 13)


SYMBOL = {"sigma2": "σ²", "mu": "μ", "tau2": "τ²"}
