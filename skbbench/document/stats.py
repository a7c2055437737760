"""The statistics a result document stores per case, computed from its raw repeats, and
the warnings they raise.

Every value comes from the repeats' raw windows (``skbbench.timebench.Record``): per
repeat the cycles(tsc) and ns per element (a parallel repeat averages its CPUs), then
min/median/mean/max/stddev over the repeats a case keeps, the median repeat (the one the
kernel format prints) and each worker process's median. No numba here.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from skbbench.timebench import Record


def run_values(records: Sequence[Record]) -> tuple[float, float]:
    """(cycles, ns) per element of one repeat; a parallel repeat averages its CPUs."""
    cyc = [r.tsc_interval / r.invoked for r in records if r.invoked > 0]
    ns = [r.time_interval / r.invoked for r in records if r.invoked > 0]
    if not cyc:
        return 0.0, 0.0
    return sum(cyc) / len(cyc), sum(ns) / len(ns)


def median_index(values: Sequence[float]) -> int:
    """Index of the median value (the lower middle one for an even count)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    return order[(len(order) - 1) // 2] if order else 0


@dataclass(frozen=True)
class Summary:
    """min / median / mean / max / stddev of one quantity over a case's repeats."""

    min: float
    median: float
    mean: float
    max: float
    stddev: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary | None:
        if not values:
            return None
        return cls(
            min(values),
            statistics.median(values),
            statistics.fmean(values),
            max(values),
            statistics.stdev(values) if len(values) > 1 else 0.0,
        )

    def to_dict(self) -> dict[str, float]:
        return {
            "min": self.min,
            "median": self.median,
            "mean": self.mean,
            "max": self.max,
            "stddev": self.stddev,
        }


@dataclass(frozen=True)
class CaseStats:
    """A case's statistics over the repeats it keeps (disturbed processes left out).
    ``median_run`` indexes all of the case's repeats, kept or not."""

    cycles: Summary | None
    ns: Summary | None
    median_run: int
    repeats: int
    processes: int
    process_medians_cycles: tuple[float, ...]
    process_medians_ns: tuple[float, ...]
    quartiles_cycles: tuple[float, float] | None = None  # first and third, of the repeats

    @classmethod
    def compute(
        cls, values: Sequence[tuple[float, float]], processes: Sequence[int], kept: Sequence[int]
    ) -> CaseStats:
        """From the (cycles, ns) and worker process of every repeat, over the ``kept``
        repeat indices."""
        pairs = [values[i] for i in kept]
        cycles = [p[0] for p in pairs]
        by_process: dict[int, list[tuple[float, float]]] = {}
        for i in kept:
            by_process.setdefault(processes[i], []).append(values[i])
        order = sorted(by_process)
        median = median_index(cycles)
        return cls(
            cycles=Summary.of(cycles),
            ns=Summary.of([p[1] for p in pairs]),
            median_run=kept[median] if kept else 0,
            repeats=len(pairs),
            processes=len(order),
            process_medians_cycles=tuple(
                statistics.median(p[0] for p in by_process[k]) for k in order
            ),
            process_medians_ns=tuple(statistics.median(p[1] for p in by_process[k]) for k in order),
            quartiles_cycles=_quartiles(cycles),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "cycles": self.cycles.to_dict() if self.cycles else {},
            "ns": self.ns.to_dict() if self.ns else {},
            "median_run": self.median_run,
            "repeats": self.repeats,
            "processes": self.processes,
            "process_medians": {
                "cycles": list(self.process_medians_cycles),
                "ns": list(self.process_medians_ns),
            },
        }


def _quartiles(values: Sequence[float]) -> tuple[float, float] | None:
    if len(values) < 2:
        return None
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


# the noise between runs this machine normally has: half the interquartile range of a
# case's repeats, against its median, beyond which the reported median is in doubt
MEDIAN_NOISE = 0.03
UNSTABLE_CV = 0.05  # coefficient of variation of a case's repeats in one process
OUTLIER = 1.5  # a repeat this many times the median was disturbed (preemption, steal)
UNSTABLE_PROCESS_CV = 0.03  # CV of the per-process medians


def median_doubt(stats: CaseStats) -> float:
    """Half the interquartile range of the repeats against their median: how far the
    reported median could move in a run like this one (0 without enough repeats)."""
    cyc, q = stats.cycles, stats.quartiles_cycles
    if cyc is None or q is None or not cyc.median:
        return 0.0
    return (q[1] - q[0]) / 2 / cyc.median


def scatter_warnings(name: str, step: int, stats: CaseStats) -> list[str]:
    """Lines for a case whose repeats scatter. ``unstable:`` when the median itself is in
    doubt (the middle repeats spread beyond MEDIAN_NOISE); ``scatter:`` when repeats lie
    far from a median they do not move (a large CV, or repeats far above it); ``unstable
    between processes:`` when the process medians lie apart."""
    cyc = stats.cycles
    label = f"'{name}' (step:{step})"
    out = []
    if cyc is not None and cyc.median and cyc.mean:
        cv = cyc.stddev / cyc.mean
        spread = (
            f"CV {cv:.1%}; from {cyc.min / cyc.median:.2f}x to {cyc.max / cyc.median:.2f}x "
            "the median"
        )
        doubt = median_doubt(stats)
        if doubt > MEDIAN_NOISE:
            out.append(
                f"unstable: {label}: the median is in doubt by +-{doubt:.0%} (middle repeats "
                f"apart; {spread}): the machine was busy or the VM preempted"
            )
        elif cv > UNSTABLE_CV or cyc.max > OUTLIER * cyc.median:
            out.append(
                f"scatter: {label}: repeats scatter ({spread}), the median is not moved by them"
            )
    medians = stats.process_medians_cycles
    if len(medians) > 1:
        m = statistics.fmean(medians)
        pcv = statistics.stdev(medians) / m if m else 0.0
        if pcv > UNSTABLE_PROCESS_CV:
            out.append(
                f"unstable between processes: {label}: process medians scatter {pcv:.1%} "
                "(clock drift or load between processes)"
            )
    return out
