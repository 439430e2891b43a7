"""Densities from draws with numpy only: a kernel density estimate, bounded where the parameter is."""

from __future__ import annotations

import math

import numpy as np


def _bandwidth(x: np.ndarray) -> float:
    """Silverman's rule of thumb, 0.9·min(sd, IQR/1.34)·n^(-1/5): robust to heavy tails."""
    sd = x.std(ddof=1) if x.size > 1 else 0.0
    q75, q25 = np.quantile(x, [0.75, 0.25])
    spread = min(sd, (q75 - q25) / 1.349) if q75 > q25 else sd
    if not spread > 0:
        raise ValueError("cannot estimate a density: all draws are the same value")
    return 0.9 * spread * x.size ** -0.2


def _kde(draws, grid, lower=None, upper=None) -> np.ndarray:
    """Gaussian kernel density estimate of ``draws`` at ``grid``.

    Near a bound of the support (σ² > 0) the kernels that would spill over it
    are reflected back (the reflection method), so the density does not sag
    to half its height at the bound.
    """
    x = np.asarray(draws, dtype=float).ravel()
    bw = _bandwidth(x)
    sources = [x]
    for bound in (lower, upper):
        if bound is not None:
            near = x[np.abs(x - bound) < 6 * bw]
            sources.append(2 * bound - near)
    density = np.zeros(grid.size)
    for points in sources:
        for chunk in np.array_split(points, max(1, points.size // 2048)):
            z = (grid[:, None] - chunk[None, :]) / bw
            density += np.exp(-0.5 * z * z).sum(axis=1)
    density /= x.size * bw * math.sqrt(2 * math.pi)
    outside = np.zeros(grid.size, dtype=bool)
    if lower is not None:
        outside |= grid < lower
    if upper is not None:
        outside |= grid > upper
    density[outside] = 0.0
    return density


def _grid(x, lower=None, upper=None, *, tail=0.005, pad=0.1, size=256) -> np.ndarray:
    """Points to evaluate a density at: the central 99% of ``x``, padded, kept inside the support."""
    lo, hi = np.quantile(x, [tail, 1 - tail])
    width = hi - lo if hi > lo else 1.0
    lo, hi = lo - pad * width, hi + pad * width
    if lower is not None:
        lo = max(lo, lower)
    if upper is not None:
        hi = min(hi, upper)
    return np.linspace(lo, hi, size)
