"""Reading a student's answer: each helper returns the answer in the form a check needs
or raises :class:`~teachkit.check._report._Off` with a message saying what is off.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from teachkit.check._reference import RTOL
from teachkit.check._report import _g, _Off, _short


NOT_YET_HINT = "Replace the `...` with your code, then run the cell again."


def _describe(x):
    if isinstance(x, str):
        return f"the text {_short(repr(x), 40)}"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    return f"{_short(repr(x), 40)} (a {type(x).__name__})"


def _has_ellipsis(x, depth=0):
    """Whether x is `...` or holds one (a list of stubs, an object array filled by a stub loop)."""
    if x is Ellipsis:
        return True
    if depth > 2:
        return False
    if isinstance(x, np.ndarray):
        return x.dtype == object and any(_has_ellipsis(v, depth + 1) for v in x.ravel()[:1000])
    if isinstance(x, (list, tuple)):
        return any(_has_ellipsis(v, depth + 1) for v in x[:1000])
    if isinstance(x, dict):
        return any(_has_ellipsis(v, depth + 1) for v in x.values())
    return False


def _label(name):
    """`code` for a variable name, plain text for a description ("your data")."""
    return name if " " in name else f"`{name}`"


def _present(x, name):
    if _has_ellipsis(x):
        raise _Off(f"no answer yet: {_label(name)} is still `...`", NOT_YET_HINT)
    if x is None:
        raise _Off(f"{_label(name)} is None",
                   "A function without `return` gives None; so does assigning the result of "
                   "`print(...)`. Assign the value itself.")
    if isinstance(x, str):
        raise _Off(f"{_label(name)} is {_describe(x)}",
                   "Give the value itself, not text: no quotes around it.")
    return x


def _array(x, name, shape=None, *, positive=False):
    """x as a float array of ``shape`` (None: any); a (1, J) or (J, 1) array is accepted for (J,)."""
    x = _present(x, name)
    if isinstance(x, (bool, np.bool_)):
        raise _Off(f"{_label(name)} is {x}, a yes/no answer, not a number")
    if callable(x) and not hasattr(x, "__array__"):
        raise _Off(f"{_label(name)} is a function, not its result", "Call the function and use what it returns.")
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise _Off(f"{_label(name)} should be numbers, got {_describe(x)}",
                   "Give a number or a numpy array of numbers.") from None
    if np.isnan(arr).any():
        raise _Off(f"{_label(name)} contains NaN (not a number)",
                   "NaN comes from 0/0, from the mean of an empty selection, or from a "
                   "variable that was never filled in.")
    if np.isinf(arr).any():
        raise _Off(f"{_label(name)} contains an infinite value", "Look for a division by zero.")
    if shape is not None:
        want = tuple(shape)
        if arr.shape != want and arr.size == math.prod(want) and arr.squeeze().shape == tuple(
                d for d in want if d != 1):
            arr = arr.reshape(want)
        if arr.shape != want:
            what = "one number" if want == () else f"shape {want}"
            got = "one number" if arr.shape == () else f"shape {arr.shape}"
            raise _Off(f"{_label(name)} should have {what}, it has {got}",
                       "Check which axis you averaged over: draws are (chains, draws, J) or, "
                       "flattened, (draws, J).")
    if positive and np.any(arr <= 0):
        raise _Off(f"{_label(name)} must be positive, got {_g(arr.min())}",
                   "Variances, and the shape and scale of an inverse-gamma, are > 0.")
    return arr


def _number(x, name, *, positive=False):
    return float(_array(x, name, (), positive=positive))


def _probability(x, name):
    p = _number(x, name)
    if not 0 <= p <= 1:
        raise _Off(f"{_label(name)} = {_g(p)} is not a probability (between 0 and 1)",
                   "A probability from draws is the mean of a True/False array: `np.mean(a < b)`.")
    return p


def _draws(x, name, *, positive=False, min_draws=100):
    """MCMC draws of one scalar: (draws,) or (chains, draws)."""
    arr = _array(x, name, positive=positive)
    if arr.ndim not in (1, 2):
        raise _Off(f"{_label(name)} should be the draws of one parameter, shape (draws,) or (chains, draws); "
                   f"it has shape {arr.shape}")
    if arr.shape[-1] < min_draws:
        raise _Off(f"{_label(name)} has only {arr.shape[-1]} draws per chain; the check needs at least "
                   f"{min_draws}", "Run the sampler for more sweeps.")
    if arr.min() == arr.max():
        raise _Off(f"every draw in {_label(name)} is the same ({_g(arr.flat[0])}): the chain never moved",
                   "Each sweep must draw a new value and store it.")
    return arr


def _function(f, name):
    if f is None or _has_ellipsis(f):
        _present(f, name)
    if not callable(f):
        raise _Off(f"{_label(name)} should be a function, got {_describe(f)}",
                   f"Define it with `def {name}(...):` and pass the name, without calling it.")
    return f


def _call(f, name, kwargs):
    """Call a student's function; an exception becomes a ✗ naming the inputs."""
    try:
        return f(**kwargs)
    except TypeError as err:
        if "argument" in str(err):
            raise _Off(f"calling `{name}({', '.join(kwargs)})` failed: {_short(err)}",
                       "Keep the parameter names of the task's `def` line.") from None
        raise _Off(f"your function raised TypeError: {_short(err)}, with {_inputs(kwargs)}") from None
    except Exception as err:
        raise _Off(f"your function raised {type(err).__name__}: {_short(err)}, with {_inputs(kwargs)}",
                   "Run it yourself on these inputs to see where it fails.") from None


def _inputs(kwargs):
    def show(v):
        if isinstance(v, np.ndarray) and v.size > 1:
            return "[" + ", ".join(_g(x, 3) for x in v.ravel()[:4]) + (", ...]" if v.size > 4 else "]")
        if isinstance(v, np.random.Generator):
            return "a Generator"
        if isinstance(v, numbers.Number) or (isinstance(v, np.ndarray) and v.size == 1):
            return _g(v)
        return type(v).__name__
    return ", ".join(f"{k}={show(v)}" for k, v in kwargs.items())


def _pair(result, fname, names):
    """A function's result that must be two numbers, e.g. (mean, variance)."""
    what = f"({names[0]}, {names[1]})"
    if result is None:
        raise _Off(f"`{fname}` returned None", f"End it with `return {names[0]}, {names[1]}`.")
    if result is Ellipsis:
        raise _Off(f"`{fname}` returned `...`", NOT_YET_HINT)
    if _has_ellipsis(result):
        raise _Off(f"no answer yet: `{fname}` still returns `...`", NOT_YET_HINT)
    if isinstance(result, str) or not hasattr(result, "__len__") or len(result) != 2:
        raise _Off(f"`{fname}` should return two numbers {what}, it returned {_describe(result)}",
                   f"End it with `return {names[0]}, {names[1]}`.")
    return tuple(_number(r, f"{fname}(...)[{i}] ({names[i]})") for i, r in enumerate(result))


def _close(a, b, rtol=RTOL):
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-12)


def _is_posterior(post, name="post"):
    from teachkit.posterior import Posterior

    _present(post, name)
    if not isinstance(post, Posterior):
        raise _Off(f"{_label(name)} should be a teachkit Posterior (what fit_hierarchical returns), "
                   f"got {_describe(post)}")
    return post
