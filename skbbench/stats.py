"""The statistics compare uses: Mann-Whitney U (exact for small samples) and Welch's t-test
on log values, with the Student t distribution from the regularized incomplete beta
function. Pure Python (no scipy).

Which test when (docs/measurement.md): the noise that matters is between processes, so
when both sides have values from at least two worker processes the test runs on the
per-process medians, in logs (a slowdown is a factor; process medians are medians of
repeats, so one disturbed repeat does not reach them), with Welch's t-test. A side with
one process has no between-process spread to test against: the repeats of that one
process are all there is, tested with Mann-Whitney U, and compare warns.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

EXACT_MAX = 50


@dataclass(frozen=True)
class MannWhitney:
    u: float  # U statistic of the first sample
    p: float  # two-sided p-value
    method: str  # "exact" | "normal" | "degenerate"


@functools.lru_cache(maxsize=256)
def _u_cumulative(m: int, n: int) -> tuple[tuple[int, ...], int]:
    """Cumulative counts of U = 0..m*n under H0 (no ties) and C(m+n, m).

    The number of arrangements with U = u is the coefficient of q^u in the Gaussian
    binomial prod_{i=1..n} (1 - q^(m+i)) / (1 - q^i); each factor is applied in place:
    a multiplication by (1 - q^k) then an exact division by (1 - q^i)."""
    size = m * n + m + n + 1
    poly = [0] * size
    poly[0] = 1
    for i in range(1, n + 1):
        k = m + i
        for d in range(size - 1, k - 1, -1):
            poly[d] -= poly[d - k]
        for d in range(i, size):
            poly[d] += poly[d - i]
    counts = poly[: m * n + 1]
    cum = []
    total = 0
    for c in counts:
        total += c
        cum.append(total)
    return tuple(cum), total


def _ranks(values: Sequence[float]) -> tuple[list[float], list[int]]:
    """Mid-ranks (1-based) of ``values`` and the sizes of the tie groups (> 1)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        mid = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[order[k]] = mid
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


def mann_whitney_u(x: Sequence[float], y: Sequence[float]) -> MannWhitney:
    """Two-sided Mann-Whitney U test of ``x`` against ``y`` (see the module docstring)."""
    m, n = len(x), len(y)
    if m == 0 or n == 0:
        raise ValueError("Mann-Whitney U needs at least one value in each sample")
    ranks, ties = _ranks(list(x) + list(y))
    u1 = sum(ranks[:m]) - m * (m + 1) / 2
    if not ties and m <= EXACT_MAX and n <= EXACT_MAX:
        cum, total = _u_cumulative(m, n)
        k = int(round(min(u1, m * n - u1)))
        return MannWhitney(u1, min(1.0, 2 * cum[k] / total), "exact")
    big_n = m + n
    tie_term = sum(t * t * t - t for t in ties) / (big_n * (big_n - 1))
    var = m * n / 12 * ((big_n + 1) - tie_term)
    if var <= 0:
        return MannWhitney(u1, 1.0, "degenerate")
    z = max(0.0, abs(u1 - m * n / 2) - 0.5) / math.sqrt(var)
    return MannWhitney(u1, min(1.0, math.erfc(z / math.sqrt(2))), "normal")


def min_p_value(m: int, n: int) -> float:
    """Smallest two-sided p the exact test can produce with m and n repeats."""
    if m == 0 or n == 0:
        return 1.0
    return min(1.0, 2 / math.comb(m + n, m))


# --------------------------------------------------------------------------------------
# Welch's t-test


@dataclass(frozen=True)
class WelchT:
    t: float
    df: float
    p: float  # two-sided


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(c) > tiny else 1.0 + aa / tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(c) > tiny else 1.0 + aa / tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-14:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbeta = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    front = math.exp(lbeta + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with ``df`` degrees of freedom."""
    if df <= 0 or t != t:
        return 1.0
    return min(1.0, betainc(df / 2.0, 0.5, df / (df + t * t)))


def welch_t(x: Sequence[float], y: Sequence[float]) -> WelchT:
    """Welch's two-sample t-test (unequal variances), two-sided; needs 2+ values a side."""
    m, n = len(x), len(y)
    if m < 2 or n < 2:
        raise ValueError("Welch's t-test needs at least two values in each sample")
    mx, my = sum(x) / m, sum(y) / n
    vx = sum((v - mx) ** 2 for v in x) / (m - 1)
    vy = sum((v - my) ** 2 for v in y) / (n - 1)
    se2 = vx / m + vy / n
    if se2 <= 0.0:
        return WelchT(
            0.0 if mx == my else math.copysign(math.inf, my - mx),
            m + n - 2.0,
            1.0 if mx == my else 0.0,
        )
    t = (my - mx) / math.sqrt(se2)
    df = se2 * se2 / ((vx / m) ** 2 / (m - 1) + (vy / n) ** 2 / (n - 1))
    return WelchT(t, df, t_two_sided_p(t, df))
