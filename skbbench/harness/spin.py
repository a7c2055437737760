"""Calibrated busy-waits: how kernel-only costs are charged in userspace.

Userspace cannot disable IRQs, bottom halves or preemption, so those costs are explicit
model parameters in cycles(tsc) (defaults from published time_bench samples). A kernel
charges one with ``busy_wait(iters)`` where ``iters = cost_iters(cycles)`` was computed
once from the measured cost of one spin iteration on this machine. The spin loop is the
``for_loop`` body (one compiler barrier per iteration), about one core cycle each.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.harness.intrinsics import barrier, tsc_start, tsc_stop

_CALIBRATION_ITERS = 20_000_000
_ticks_per_iter: float | None = None


@njit(inline="always", nogil=True)
def busy_wait(iters):  # type: ignore[no-untyped-def]
    """Spin ``iters`` iterations that the compiler cannot delete."""
    for _ in range(iters):
        barrier()


@njit(nogil=True, cache=True)
def _time_spin(iters):  # type: ignore[no-untyped-def]
    t0 = tsc_start()
    busy_wait(iters)
    t1 = tsc_stop()
    return t1 - t0


def ticks_per_iter() -> float:
    """Measured TSC ticks per spin iteration on this machine (median of 5, cached)."""
    global _ticks_per_iter
    if _ticks_per_iter is None:
        _time_spin(1000)
        samples = sorted(int(_time_spin(_CALIBRATION_ITERS)) for _ in range(5))
        _ticks_per_iter = samples[2] / _CALIBRATION_ITERS
    return _ticks_per_iter


def cost_iters(cycles: float) -> int:
    """Spin iterations that take ``cycles`` TSC ticks (0 for a zero cost)."""
    if cycles <= 0:
        return 0
    return max(1, int(round(cycles / ticks_per_iter())))


def cost_iters_array(cycles: list[float]) -> np.ndarray:
    return np.array([cost_iters(c) for c in cycles], dtype=np.int64)
