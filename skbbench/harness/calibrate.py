"""Busy-wait TSC calibration against CLOCK_MONOTONIC (jitted, so both clocks are read tight)."""

from __future__ import annotations

from numba import njit

from skbbench.harness.intrinsics import rdtsc, wall_ns


@njit(cache=True)
def _spin_calibrate(duration_ns):
    w0 = wall_ns()
    t0 = rdtsc()
    w1 = w0
    while w1 - w0 < duration_ns:
        w1 = wall_ns()
    t1 = rdtsc()
    w2 = wall_ns()
    return t1 - t0, (w1 + w2) // 2 - w0


def tsc_ticks_per_ns(duration_ns: int) -> float:
    _spin_calibrate(1000)
    ticks, ns = _spin_calibrate(duration_ns)
    return int(ticks) / int(ns)
