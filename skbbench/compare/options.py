"""What a comparison is asked: the metric, the mode, the statistic of a worker process,
the clock handling, the thresholds -- as one checked value (:class:`CompareOptions`) --
and the verdicts it can give. Every choice is an Enum; the CLI's choices come from them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from skbbench.document import Metric
from skbbench.errors import UsageError

__all__ = [
    "Clock",
    "CompareOptions",
    "Metric",
    "Mode",
    "RatioVerdict",
    "Stat",
    "Verdict",
    "parse_ratio",
]


class Mode(str, Enum):
    """absolute: judge each case's values (same machine). relative: judge only counters and
    the ratio between two variants of each run (across machines, CI)."""

    ABSOLUTE = "absolute"
    RELATIVE = "relative"


class Stat(str, Enum):
    """The value of a worker process: this statistic of its repeats."""

    MIN = "min"
    MEDIAN = "median"


class Clock(str, Enum):
    """normalize: cycles as estimated core cycles (x each process's core-clock/TSC ratio);
    raw: cycles(tsc) as measured."""

    NORMALIZE = "normalize"
    RAW = "raw"


class Verdict(str, Enum):
    FASTER = "faster"
    SLOWER = "slower"
    NO_CHANGE = "no change"
    NOT_SIGNIFICANT = "not significant"
    FAILED = "failed"
    NO_DATA = "no data"


class RatioVerdict(str, Enum):
    OK = "ok"
    WORSE = "worse"
    BETTER = "better"
    MISSING = "missing"


def choices(enum: type[Enum]) -> list[str]:
    """The values of an Enum, for click.Choice."""
    return [str(m.value) for m in enum]


DEFAULT_ALPHA = 0.05
DEFAULT_TOLERANCE = 0.25
PERCENT_LIMIT = 10.0  # thresholds and tolerances below 1000 %


def parse_ratio(spec: str) -> tuple[str, str]:
    """``'after/before'`` -> ('after', 'before')."""
    num, sep, den = spec.partition("/")
    if not sep or not num.strip() or not den.strip() or "/" in den:
        raise UsageError(
            f"--ratio {spec!r}: expected NUMERATOR/DENOMINATOR variant names, e.g. after/before"
        )
    return num.strip(), den.strip()


@dataclass(frozen=True)
class CompareOptions:
    """A comparison's settings, checked once. ``threshold`` None: the minimum effect
    comes from the documents' between-process noise (absolute mode)."""

    metric: Metric = Metric.CYCLES
    mode: Mode = Mode.ABSOLUTE
    threshold: float | None = None
    alpha: float = DEFAULT_ALPHA
    ratio: str | None = None  # relative mode: NUM/DEN variant names
    tolerance: float = DEFAULT_TOLERANCE
    stat: Stat = Stat.MIN
    clock: Clock = Clock.NORMALIZE
    variant_key: str = "variant"

    def __post_init__(self) -> None:
        for name, enum in (
            ("metric", Metric),
            ("mode", Mode),
            ("stat", Stat),
            ("clock", Clock),
        ):
            value = getattr(self, name)
            try:
                object.__setattr__(self, name, enum(value))
            except ValueError:
                raise UsageError(
                    f"--{name} {value!r}: not one of {', '.join(choices(enum))}"
                ) from None
        if self.threshold is not None and not 0 <= self.threshold < PERCENT_LIMIT:
            raise UsageError(
                f"--threshold {self.threshold * 100:g}%: out of range (0 to <1000 percent)"
            )
        if not 0 <= self.tolerance < PERCENT_LIMIT:
            raise UsageError(
                f"--tolerance {self.tolerance * 100:g}%: out of range (0 to <1000 percent)"
            )
        if not 0 < self.alpha < 1:
            raise UsageError(f"--alpha {self.alpha:g}: out of range (0 < alpha < 1)")
        if self.ratio is not None:
            parse_ratio(self.ratio)

    @property
    def ratio_pair(self) -> tuple[str, str] | None:
        return parse_ratio(self.ratio) if self.ratio else None

    @property
    def normalize(self) -> bool:
        """Cycles compared as estimated core cycles."""
        return self.clock is Clock.NORMALIZE and self.metric is Metric.CYCLES
