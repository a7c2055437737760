"""A known slowdown injected into every timed window, for measuring how well compare
detects a change (tools/false_alarm.py) -- never a measurement. Numba-free, so the
metadata can record it."""

from __future__ import annotations

import os

INJECT_ENV = "SKBBENCH_INJECT_SLOWDOWN"


def inject_fraction() -> float:
    """``SKBBENCH_INJECT_SLOWDOWN=0.1`` makes each window last 10% longer, i.e. adds 10% of
    the measured cost to every element. 0 when unset or not a number; at most 10."""
    raw = os.environ.get(INJECT_ENV, "")
    try:
        value = float(raw) if raw else 0.0
    except ValueError:
        value = 0.0
    return min(max(value, 0.0), 10.0)
