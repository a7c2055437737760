"""The interval of a comparison's effect: a confidence interval for the ratio
current/baseline of a case, from Welch's t on the logs of the values compare tests (the
per-process values; a side with one process: its repeats), read back as a ratio of
geometric means."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from skbbench.compare.absolute import Sides
from skbbench.compare.result import Comparison
from skbbench.compare.samples import process_clocks
from skbbench.disturbance import disturbed_by_run
from skbbench.document import Document
from skbbench.stats import t_two_sided_p

LEVEL = 0.95


def t_quantile(p_two_sided: float, df: float) -> float:
    """The t with P(|T| >= t) = ``p_two_sided`` (bisection on the tail probability)."""
    lo, hi = 0.0, 1.0
    while t_two_sided_p(hi, df) > p_two_sided:
        hi *= 2
    for _ in range(100):
        mid = (lo + hi) / 2
        if t_two_sided_p(mid, df) > p_two_sided:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def ratio_interval(
    base: Sequence[float], cur: Sequence[float], level: float = LEVEL
) -> tuple[float, float] | None:
    """The ``level`` confidence interval of cur/base (geometric means); None with fewer
    than two positive values a side."""
    x = [math.log(v) for v in base if v > 0]
    y = [math.log(v) for v in cur if v > 0]
    m, n = len(x), len(y)
    if m < 2 or n < 2:
        return None
    vx, vy = statistics.variance(x), statistics.variance(y)
    diff = statistics.fmean(y) - statistics.fmean(x)
    se2 = vx / m + vy / n
    if se2 <= 0:
        return math.exp(diff), math.exp(diff)
    df = se2 * se2 / ((vx / m) ** 2 / (m - 1) + (vy / n) ** 2 / (n - 1))
    half = t_quantile(1 - level, df) * math.sqrt(se2)
    return math.exp(diff - half), math.exp(diff + half)


def case_intervals(
    base: Document, cur: Document, comp: Comparison, level: float = LEVEL
) -> dict[str, tuple[float, float]]:
    """Case key -> the interval of its ratio, for the cases ``comp`` compared with values
    on both sides, read as ``compare_documents`` read them."""
    opts = comp.options
    exclude = (disturbed_by_run(base), disturbed_by_run(cur))
    normalized = comp.clock is not None and comp.clock.normalized
    clocks = (process_clocks(base), process_clocks(cur)) if normalized else None
    sides = Sides(opts.metric, opts.stat, clocks, exclude)
    bcases = {c.key: c for c in base.cases}
    ccases = {c.key: c for c in cur.cases}
    out = {}
    for c in comp.cases:
        if c.key not in bcases or c.key not in ccases or c.ratio is None:
            continue
        bs, cs = sides.samples(bcases[c.key], 0), sides.samples(ccases[c.key], 1)
        several = len(bs.processes) >= 2 and len(cs.processes) >= 2
        found = (
            ratio_interval(bs.processes, cs.processes, level)
            if several
            else ratio_interval(bs.repeats, cs.repeats, level)
        )
        if found is not None:
            out[c.key] = found
    return out
