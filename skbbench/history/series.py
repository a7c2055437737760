"""A history of runs of one config: per case the series of its values, the change points
E-divisive means finds in it (skbbench.history.edivisive) that move the level by at least
the minimum effect, and whether the latest segment is a regression.

The value of a case in a run is compare's: the median over the run's kept worker
processes of each process's minimum repeat (``--stat``), in estimated core cycles when
every run carries clock probes (cycles(tsc) otherwise), so the drift of the core clock
between runs hours apart does not read as a change of the code.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from skbbench.compare.configs import config_differences
from skbbench.compare.options import Metric, Stat
from skbbench.compare.samples import case_samples, process_clocks
from skbbench.disturbance import disturbed_by_run, excluded
from skbbench.document import Document
from skbbench.errors import EXIT_OK, EXIT_REGRESSION, UsageError
from skbbench.history.edivisive import DEFAULT_ALPHA, DEFAULT_PERMUTATIONS, change_points
from skbbench.history.order import commit_of, order_runs

DEFAULT_MIN_EFFECT = 0.05


class Trend(str, Enum):
    """The latest segment against the one before it."""

    SLOWER = "slower"
    FASTER = "faster"
    STABLE = "stable"
    TOO_SHORT = "too short"


@dataclass(frozen=True)
class HistoryOptions:
    alpha: float = DEFAULT_ALPHA
    min_effect: float = DEFAULT_MIN_EFFECT
    permutations: int = DEFAULT_PERMUTATIONS
    metric: Metric = Metric.CYCLES
    stat: Stat = Stat.MIN

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise UsageError(f"--alpha {self.alpha:g}: out of range (0 < alpha < 1)")
        if not 0 <= self.min_effect < 10:
            raise UsageError(
                f"--min-effect {self.min_effect * 100:g}%: out of range (0 to <1000 percent)"
            )
        if not 19 <= self.permutations <= 100_000:
            raise UsageError(f"--permutations {self.permutations}: out of range (19 to 100000)")


@dataclass(frozen=True)
class HistoryRun:
    label: str
    created: str | None
    commit: str | None


@dataclass(frozen=True)
class Step:
    """A change point: the series moves at run ``run`` (index into the history's runs)
    from ``before`` to ``after`` (segment medians)."""

    run: int
    before: float
    after: float
    p_value: float

    @property
    def change(self) -> float:
        return self.after / self.before - 1 if self.before > 0 else 0.0


@dataclass
class CaseHistory:
    key: str
    name: str
    values: list[float | None]  # per run (None: the case failed or is missing there)
    steps: list[Step] = field(default_factory=list)
    trend: Trend = Trend.STABLE

    def latest_change(self) -> float | None:
        return self.steps[-1].change if self.steps else None


@dataclass
class History:
    runs: list[HistoryRun]
    ordered_by: str
    options: HistoryOptions
    unit: str
    cases: list[CaseHistory] = field(default_factory=list)

    def regressions(self) -> list[CaseHistory]:
        return [c for c in self.cases if c.trend is Trend.SLOWER]

    @property
    def exit_status(self) -> int:
        return EXIT_REGRESSION if self.regressions() else EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        o = self.options
        return {
            "ordered_by": self.ordered_by,
            "unit": self.unit,
            "alpha": o.alpha,
            "min_effect": o.min_effect,
            "permutations": o.permutations,
            "stat": o.stat.value,
            "runs": [vars(r) for r in self.runs],
            "cases": [
                {
                    "key": c.key,
                    "name": c.name,
                    "values": c.values,
                    "change_points": [
                        {
                            "run": s.run,
                            "label": self.runs[s.run].label,
                            "before": s.before,
                            "after": s.after,
                            "change": s.change,
                            "p": s.p_value,
                        }
                        for s in c.steps
                    ],
                    "latest": c.trend.value,
                }
                for c in self.cases
            ],
            "regressions": [c.key for c in self.regressions()],
            "exit_status": self.exit_status,
        }


def _run_value(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _merge_small(
    values: Sequence[float], cuts: list[int], min_effect: float
) -> list[tuple[int, float, float]]:
    """Drop, smallest first, the cuts whose segments' medians differ by less than
    ``min_effect``; (cut, median before, median after) of those left."""
    cuts = sorted(cuts)
    while True:
        bounds = [0, *cuts, len(values)]
        medians = [statistics.median(values[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
        effects = [
            (abs(after / before - 1) if before > 0 else 0.0, i)
            for i, (before, after) in enumerate(zip(medians, medians[1:], strict=False))
        ]
        small = [e for e in effects if e[0] < min_effect]
        if not small:
            return [(cuts[i], medians[i], medians[i + 1]) for i in range(len(cuts))]
        del cuts[min(small)[1]]


def analyse_series(
    values: Sequence[float], options: HistoryOptions
) -> list[tuple[int, float, float, float]]:
    """(index, median before, median after, p) of the change points of ``values`` that
    move the level by at least the minimum effect (the levels: segment medians)."""
    found = change_points(values, options.alpha, options.permutations)
    p_of = {c.index: c.p_value for c in found}
    kept = _merge_small(values, [c.index for c in found], options.min_effect)
    return [(i, before, after, p_of[i]) for i, before, after in kept]


def _trend(steps: list[Step], n: int, min_effect: float) -> Trend:
    if n < 6:
        return Trend.TOO_SHORT
    if not steps:
        return Trend.STABLE
    change = steps[-1].change
    if change > min_effect:
        return Trend.SLOWER
    if change < -min_effect:
        return Trend.FASTER
    return Trend.STABLE


def build_history(
    docs: Sequence[tuple[str, Document]], options: HistoryOptions | None = None
) -> History:
    """The history of ``docs`` ((label, document) pairs of runs of one config)."""
    opts = options or HistoryOptions()
    if len(docs) < 2:
        raise UsageError("a history needs at least two result files")
    first_label, first = docs[0]
    for label, doc in docs[1:]:
        differ = config_differences(first, doc)
        if differ:
            raise UsageError(
                f"{label} and {first_label} measured different configurations ("
                + "; ".join(differ)
                + "): a history is made of runs of one config"
            )
    order, how = order_runs(docs)
    ordered = [docs[i] for i in order]
    normalize = opts.metric is Metric.CYCLES and all(process_clocks(d) for _, d in ordered)
    unit = (
        ("core cycles (est.)" if normalize else "cycles(tsc)")
        if opts.metric is Metric.CYCLES
        else "ns"
    )
    runs = [HistoryRun(label, d.created, commit_of(d)) for label, d in ordered]
    history = History(runs, how, opts, unit)
    keys: list[str] = []
    names: dict[str, str] = {}
    per_run: list[dict[str, float | None]] = []
    for _, doc in ordered:
        clocks = process_clocks(doc) if normalize else None
        by_run = disturbed_by_run(doc)
        values: dict[str, float | None] = {}
        for case in doc.cases:
            if case.key not in names:
                keys.append(case.key)
                names[case.key] = case.name
            if case.error:
                values[case.key] = None
                continue
            s = case_samples(case, opts.metric, clocks, opts.stat, excluded(case, by_run))
            values[case.key] = _run_value(s.processes)
        per_run.append(values)
    for key in keys:
        series = [r.get(key) for r in per_run]
        present = [i for i, v in enumerate(series) if v is not None]
        known = [float(v) for v in series if v is not None]
        steps = [
            Step(present[i], before, after, p)
            for i, before, after, p in analyse_series(known, opts)
        ]
        history.cases.append(
            CaseHistory(key, names[key], series, steps, _trend(steps, len(known), opts.min_effect))
        )
    return history
