"""What a comparison found: per case a verdict, per variant group a ratio verdict, the
counters that differ, the core clock of both sides, and the warnings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from skbbench.compare.options import CompareOptions, Mode, RatioVerdict, Verdict
from skbbench.errors import EXIT_OK, EXIT_REGRESSION


@dataclass
class CaseComparison:
    key: str
    name: str
    step: int
    params: dict[str, Any]
    base_median: float | None
    cur_median: float | None
    ratio: float | None
    p_value: float | None
    method: str
    verdict: Verdict
    repeats: tuple[int, int]
    processes: tuple[int, int] = (1, 1)
    detail: str = ""


@dataclass
class CounterDiff:
    key: str
    counter: str
    baseline: Any
    current: Any


@dataclass
class RatioComparison:
    group: str
    numerator: str
    denominator: str
    base_ratio: float | None
    cur_ratio: float | None
    change: float | None
    verdict: RatioVerdict
    p_value: float | None = None
    detail: str = ""


@dataclass
class ClockDrift:
    """The core-clock/TSC ratio of each side (median over its processes)."""

    baseline: float | None
    current: float | None
    change: float | None  # current / baseline - 1
    noise: float | None  # between-process CV of the ratio within the sides
    flagged: bool  # a drift above the noise
    normalized: bool  # cycles were compared as estimated core cycles


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:g}%"


def _plain(value: Any) -> Any:
    """Enums as their values, tuples as lists (JSON/YAML-ready)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@dataclass
class Comparison:
    baseline: str
    current: str
    options: CompareOptions
    threshold: float  # the minimum effect used (given, or from the noise)
    threshold_source: str = "given"
    clock: ClockDrift | None = None
    cases: list[CaseComparison] = field(default_factory=list)
    ratios: list[RatioComparison] = field(default_factory=list)
    counters: list[CounterDiff] = field(default_factory=list)
    only_baseline: list[str] = field(default_factory=list)
    only_current: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def mode(self) -> Mode:
        return self.options.mode

    @property
    def tolerance(self) -> float | None:
        return self.options.tolerance if self.mode is Mode.RELATIVE else None

    @property
    def ratio(self) -> str | None:
        return self.options.ratio if self.mode is Mode.RELATIVE else None

    def failures(self) -> list[str]:
        """One line per reason for exit status 1 (empty: no regression)."""
        out = []
        if self.mode is Mode.ABSOLUTE:
            slower = [c for c in self.cases if c.verdict is Verdict.SLOWER]
            if slower:
                out.append(f"{len(slower)} case(s) slower")
        failed = [c for c in self.cases if c.verdict is Verdict.FAILED]
        if failed:
            out.append(f"{len(failed)} case(s) failed in the current run")
        if self.counters:
            keys = {d.key for d in self.counters}
            out.append(f"{len(self.counters)} counter difference(s) in {len(keys)} case(s)")
        moved = [r for r in self.ratios if r.verdict in (RatioVerdict.WORSE, RatioVerdict.BETTER)]
        if moved:
            out.append(
                f"{len(moved)} variant ratio(s) outside the +-{_pct(self.tolerance)} tolerance"
            )
        missing = [r for r in self.ratios if r.verdict is RatioVerdict.MISSING]
        if missing:
            out.append(f"{len(missing)} variant ratio(s) missing in the current run")
        return out

    @property
    def regression(self) -> bool:
        return bool(self.failures())

    @property
    def exit_status(self) -> int:
        return EXIT_REGRESSION if self.regression else EXIT_OK

    def verdict_counts(self) -> dict[Verdict, int]:
        counts = dict.fromkeys(Verdict, 0)
        for c in self.cases:
            counts[c.verdict] += 1
        return {k: v for k, v in counts.items() if v}

    def to_dict(self) -> dict[str, Any]:
        opts = self.options
        doc: dict[str, Any] = {
            "baseline": self.baseline,
            "current": self.current,
            "metric": opts.metric.value,
            "mode": opts.mode.value,
            "threshold": self.threshold,
            "alpha": opts.alpha,
            "threshold_source": self.threshold_source,
            "tolerance": self.tolerance,
            "ratio": self.ratio,
            "stat": opts.stat.value,
            "clock": asdict(self.clock) if self.clock else None,
            "cases": [_plain(asdict(c)) for c in self.cases],
            "ratios": [_plain(asdict(r)) for r in self.ratios],
            "counters": [asdict(d) for d in self.counters],
            "only_baseline": self.only_baseline,
            "only_current": self.only_current,
            "warnings": self.warnings,
        }
        doc["failures"] = self.failures()
        doc["regression"] = self.regression
        doc["exit_status"] = self.exit_status
        return doc
