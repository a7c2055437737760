"""E-divisive means (Matteson and James, 2014, with exponent 1) on one series.

A split of a segment at ``tau`` has the energy statistic

    Q(tau) = m * n / (m + n) * (2 E|X - Y| - E|X - X'| - E|Y - Y'|)

with X the ``m`` values left of ``tau`` and Y the ``n`` right of it and each distance
raised to ``EXPONENT``: how much further apart values across the split are than values
on the same side. The search is hierarchical:
each segment of the current segmentation proposes its best split, the best of them is
tested by permutation (the values of every segment shuffled within it, the best statistic
recomputed; p = (1 + permutations at least as large) / (1 + permutations)), and accepted
while p < ``alpha``. This is the method behind MongoDB's signal processing and Apache
Otava (Hunter); they replace the permutation test by a t-test, this module keeps the
permutation test of the paper. numpy only; the permutations come from a seeded
generator, so one series always gives the same answer.

The distances are raised to ``EXPONENT`` (the paper's alpha, any value in (0, 2); 1 is
its usual choice): with 0.2 a run that the host slowed by half weighs little more than
one a few percent above the level, so a handful of disturbed runs cannot hide a step,
while the test stays exact (the permutations see the same statistic).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

DEFAULT_ALPHA = 0.05
DEFAULT_PERMUTATIONS = 199
MIN_SIZE = 3  # values on each side of a split
EXPONENT = 0.2  # of the distances (the paper's alpha)
SEED = 20140101

Array = NDArray[np.float64]


@dataclass(frozen=True)
class ChangePoint:
    """The series changes before value ``index`` (0-based; the first value of the new
    segment), with the statistic and the permutation p-value that accepted it."""

    index: int
    statistic: float
    p_value: float


def _best_split(x: Array, min_size: int, exponent: float = EXPONENT) -> tuple[int, float]:
    """(tau, Q(tau)) of the best split of ``x`` (tau is the size of the left part); (0,
    0.0) when ``x`` is too short to split."""
    n = len(x)
    if n < 2 * min_size:
        return 0, 0.0
    d = np.abs(x[:, None] - x[None, :]) ** exponent
    # c[i, j] = sum of d[:i, :j]
    c = np.zeros((n + 1, n + 1))
    c[1:, 1:] = d.cumsum(0).cumsum(1)
    taus = np.arange(min_size, n - min_size + 1)
    m = taus.astype(np.float64)
    k = n - m
    total = c[n, n]
    within_left = c[taus, taus]  # both orders of every pair
    between = c[taus, n] - within_left
    within_right = total - within_left - 2 * between
    q = (
        m
        * k
        / n
        * (2 * between / (m * k) - within_left / (m * (m - 1)) - within_right / (k * (k - 1)))
    )
    best = int(np.argmax(q))
    return int(taus[best]), float(q[best])


def _segments(bounds: list[int]) -> list[tuple[int, int]]:
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _proposal(x: Array, bounds: list[int], min_size: int, exponent: float) -> tuple[int, float]:
    """The best split over all segments: (absolute index, statistic); (0, 0.0) if none."""
    best_at, best_q = 0, 0.0
    for a, b in _segments(bounds):
        tau, q = _best_split(x[a:b], min_size, exponent)
        if tau and q > best_q:
            best_at, best_q = a + tau, q
    return best_at, best_q


def change_points(
    values: Sequence[float],
    alpha: float = DEFAULT_ALPHA,
    permutations: int = DEFAULT_PERMUTATIONS,
    min_size: int = MIN_SIZE,
    seed: int = SEED,
    exponent: float = EXPONENT,
) -> list[ChangePoint]:
    """The change points of ``values`` in series order, each significant at ``alpha``
    by the permutation test."""
    x = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("the series holds a value that is not a finite number")
    rng = np.random.default_rng(seed)
    bounds = [0, len(x)]
    found: list[ChangePoint] = []
    while True:
        at, q = _proposal(x, bounds, min_size, exponent)
        if not at or q <= 0:
            break
        above = 0
        shuffled = x.copy()
        for _ in range(permutations):
            for a, b in _segments(bounds):
                shuffled[a:b] = rng.permutation(x[a:b])
            if _proposal(shuffled, bounds, min_size, exponent)[1] >= q:
                above += 1
        p = (1 + above) / (1 + permutations)
        if p >= alpha:
            break
        found.append(ChangePoint(at, q, p))
        bounds = sorted([*bounds, at])
    return sorted(found, key=lambda c: c.index)
