"""The core clock of both sides: each worker process probes its core-clock/TSC ratio;
compare shows the change, flags a drift above the noise and, by default, compares
estimated core cycles (cycles(tsc) x the process's ratio)."""

from __future__ import annotations

import statistics

from skbbench.compare.result import ClockDrift
from skbbench.compare.samples import cv, process_clocks
from skbbench.disturbance import ByRun
from skbbench.document import Document

DRIFT_FLOOR = 0.01  # a core-clock change below 1 % is not called drift
DRIFT_FACTOR = 3.0  # ... nor one within 3 x the between-process CV of the ratio


def clock_drift(
    base: Document, cur: Document, normalize: bool, exclude: tuple[ByRun, ByRun]
) -> ClockDrift:
    """Each side's core-clock/TSC ratio (disturbed processes left out) and whether the
    change is above the noise."""
    bc, cc = (
        {k: v for k, v in process_clocks(doc).items() if k[1] not in skip.get(k[0], {})}
        for doc, skip in ((base, exclude[0]), (cur, exclude[1]))
    )
    if not bc or not cc:
        return ClockDrift(None, None, None, None, False, False)
    b, c = statistics.median(bc.values()), statistics.median(cc.values())
    cvs = [v for v in (cv(list(bc.values())), cv(list(cc.values()))) if v is not None]
    noise = max(cvs) if cvs else None
    change = c / b - 1
    flagged = abs(change) > max(DRIFT_FLOOR, DRIFT_FACTOR * (noise or 0.0))
    return ClockDrift(b, c, change, noise, flagged, normalize)
