"""The values compare tests: per case, every kept repeat and one value per worker process
(the minimum or the median of its repeats), in cycles(tsc), estimated core cycles or ns."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from skbbench.compare.options import Metric, Stat
from skbbench.document import Case, Document

# A worker process: the "run" label of its config in a merged ``run`` document (None
# otherwise) and its number.
ProcessKey = tuple[str | None, int]
Clocks = dict[ProcessKey, float]


@dataclass
class Samples:
    """One side of one case: every repeat's value and each process's value."""

    repeats: list[float]
    processes: list[float]


def stat_of(stat: Stat) -> Callable[[Sequence[float]], float]:
    return min if stat is Stat.MIN else statistics.median


def process_clocks(doc: Document) -> Clocks:
    """Worker process -> its core-clock/TSC ratio (mean of the probes before and after
    its cases); {} for a document without probes (schema 1)."""
    out: Clocks = {}
    for info in doc.machine.processes:
        ratio = info.core_per_tsc
        if ratio is not None:
            out[(info.run, info.process)] = ratio
    return out


def case_samples(
    case: Case,
    metric: Metric,
    clocks: Clocks | None,
    stat: Stat,
    exclude: frozenset[int] = frozenset(),
) -> Samples:
    """Per-element values of a case: ``cycles`` from the TSC (times the process's
    core-clock ratio when ``clocks`` is given: estimated core cycles), or ``ns``; the
    value of a process is the ``stat`` of its repeats. Processes in ``exclude``
    (disturbed, ``skbbench.disturbance``) are left out."""
    by_process = case.values_by_process(metric, exclude)
    if clocks is not None and metric is Metric.CYCLES:
        for p, values in by_process.items():
            ratio = clocks.get((case.run, p), 1.0)
            by_process[p] = [v * ratio for v in values]
    repeats = [v for values in by_process.values() for v in values]
    pick = stat_of(stat)
    return Samples(repeats, [pick(values) for values in by_process.values()])


def cv(values: Sequence[float]) -> float | None:
    """Coefficient of variation (None for fewer than two values or a zero mean)."""
    if len(values) < 2:
        return None
    mean = statistics.fmean(values)
    return statistics.stdev(values) / mean if mean > 0 else None
