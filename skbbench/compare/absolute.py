"""Absolute mode: per case a verdict on per-process values (Welch's t on their logs), or
on one process's repeats (Mann-Whitney U), against a minimum effect taken from the
measured between-process noise."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

from skbbench.compare.options import Metric, Stat, Verdict
from skbbench.compare.result import CaseComparison
from skbbench.compare.samples import Clocks, Samples, case_samples, cv
from skbbench.disturbance import ByRun, excluded
from skbbench.document import Case
from skbbench.stats import mann_whitney_u, min_p_value, welch_t

THRESHOLD_FACTOR = 3.0  # auto minimum effect: 3 x the between-process CV ...
THRESHOLD_FLOOR = 0.02  # ... and never below 2 %
ONE_PROCESS_THRESHOLD = 0.05  # minimum effect when a side has one process


@dataclass(frozen=True)
class Sides:
    """How both sides' values are read: the metric, the statistic of a process, each
    side's clocks (None: cycles(tsc) as measured) and disturbed processes."""

    metric: Metric
    stat: Stat
    clocks: tuple[Clocks, Clocks] | None
    exclude: tuple[ByRun, ByRun]

    def samples(self, case: Case, side: int) -> Samples:
        clocks = self.clocks[side] if self.clocks else None
        return case_samples(
            case, self.metric, clocks, self.stat, excluded(case, self.exclude[side])
        )


def compare_case(
    base: Case, cur: Case, sides: Sides, threshold: float, alpha: float, one_process_floor: float
) -> CaseComparison:
    """The verdict of one case: on per-process values when both sides have two or more
    processes (Welch's t-test on logs), else on the repeats (Mann-Whitney U), with a
    minimum effect of at least ``one_process_floor``."""
    bs, cs = sides.samples(base, 0), sides.samples(cur, 1)
    common: dict[str, Any] = dict(
        key=cur.key,
        name=cur.name,
        step=cur.step,
        params=cur.params,
        repeats=(len(bs.repeats), len(cs.repeats)),
        processes=(len(bs.processes), len(cs.processes)),
    )
    if cur.error:
        bm = statistics.median(bs.processes) if bs.processes else None
        return CaseComparison(
            **common,
            base_median=bm,
            cur_median=None,
            ratio=None,
            p_value=None,
            method="",
            verdict=Verdict.FAILED,
            detail=cur.error,
        )
    if not bs.repeats or not cs.repeats:
        side = "baseline" if not bs.repeats else "current"
        why = base.error if not bs.repeats and base.error else "no repeat with values"
        return CaseComparison(
            **common,
            base_median=statistics.median(bs.processes) if bs.processes else None,
            cur_median=statistics.median(cs.processes) if cs.processes else None,
            ratio=None,
            p_value=None,
            method="",
            verdict=Verdict.NO_DATA,
            detail=f"{side}: {why}",
        )
    detail = ""
    if len(bs.processes) >= 2 and len(cs.processes) >= 2:
        bm, cm = statistics.median(bs.processes), statistics.median(cs.processes)
        test = welch_t([math.log(v) for v in bs.processes], [math.log(v) for v in cs.processes])
        p, method = test.p, "welch-t/processes"
    else:
        bm, cm = statistics.median(bs.repeats), statistics.median(cs.repeats)
        mw = mann_whitney_u(bs.repeats, cs.repeats)
        p, method = mw.p, f"mann-whitney/repeats ({mw.method})"
        detail = "one process: between-process noise not measured"
        threshold = max(threshold, one_process_floor)
    ratio = (1.0 if cm == bm else math.inf) if bm <= 0 else cm / bm
    change = ratio - 1
    if abs(change) < threshold:
        verdict = Verdict.NO_CHANGE
    elif p < alpha:
        verdict = Verdict.SLOWER if change > 0 else Verdict.FASTER
    else:
        verdict = Verdict.NOT_SIGNIFICANT
        n = common["repeats"]
        if not method.startswith("welch") and min_p_value(*n) >= alpha:
            detail = f"{n[0]} vs {n[1]} repeats cannot reach p < {alpha:g}"
    return CaseComparison(
        **common,
        base_median=bm,
        cur_median=cm,
        ratio=ratio,
        p_value=p,
        method=method,
        verdict=verdict,
        detail=detail,
    )


def auto_threshold(pairs: list[tuple[Case, Case]], sides: Sides) -> tuple[float, str]:
    """The minimum effect from the measured between-process noise: THRESHOLD_FACTOR times
    the median CV of the per-process values (both sides, every case with two or more
    processes), at least THRESHOLD_FLOOR; ONE_PROCESS_THRESHOLD without such cases."""
    cvs = []
    for pair in pairs:
        for side, case in enumerate(pair):
            value = cv(sides.samples(case, side).processes)
            if value is not None:
                cvs.append(value)
    if not cvs:
        return ONE_PROCESS_THRESHOLD, "one process: default"
    noise = statistics.median(cvs)
    value = max(THRESHOLD_FLOOR, THRESHOLD_FACTOR * noise)
    return value, f"auto: {THRESHOLD_FACTOR:g} x between-process CV {noise:.2%}"
