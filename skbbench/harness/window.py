"""The timed window inside a jitted kernel, as time_bench_start/time_bench_stop.

A timed kernel takes a ``window`` array (``new_window()``) and brackets its loop:

    time_bench_start(window)      # wall clock, then serialized TSC read (last)
    for i in range(loops): ...    # the measured loop
    time_bench_stop(window, cnt)  # serialized TSC read (first), then wall clock

Setup and teardown stay outside the window, as in the originals. ``window_record``
turns the array into a :class:`~skbbench.timebench.Record`.

Parallel kernels call ``native_start_barrier(sync, n)`` right before
``time_bench_start``: the runner's Python barrier releases threads ~0.1 ms apart (each
must take the GIL back), so the threads meet again in native code, like the kernel's
kthreads released together by complete_all.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.harness.inject import inject_fraction
from skbbench.harness.intrinsics import (
    atomic_add64,
    atomic_load64,
    cpu_relax,
    rdtscp_aux,
    tsc_start,
    tsc_stop,
    wall_ns,
)
from skbbench.timebench import Record

W_WALL_START = 0
W_TSC_START = 1
W_TSC_STOP = 2
W_WALL_STOP = 3
W_INVOKED = 4
W_CPU = 5
W_INJECT = 6  # injected slowdown, fraction * 2**20 (0: none; skbbench.harness.inject)
WINDOW_WORDS = 8  # one cache line
_ONE = np.uint64(1)
_SHIFT = np.uint64(20)
_UNIT = np.uint64(1 << 20)


def new_window() -> np.ndarray:
    window = np.zeros(WINDOW_WORDS, dtype=np.uint64)
    window[W_INJECT] = int(inject_fraction() * (1 << 20))
    return window


@njit(inline="always", nogil=True)
def time_bench_start(window):
    """time_bench_start: wall clock first, TSC last (lfence; rdtsc)."""
    window[W_WALL_START] = wall_ns()
    window[W_TSC_START] = tsc_start()


@njit(inline="always", nogil=True)
def time_bench_stop(window, invoked):
    """time_bench_stop: TSC first (rdtscp; lfence), then wall clock, then the count."""
    t = tsc_stop()
    inject = window[W_INJECT]
    if inject != 0:  # measuring compare's detection rate only (see inject_fraction)
        t0 = window[W_TSC_START]
        target = t0 + (((t - t0) * (_UNIT + inject)) >> _SHIFT)
        while t < target:
            t = tsc_stop()
    window[W_TSC_STOP] = t
    window[W_WALL_STOP] = wall_ns()
    window[W_INVOKED] = np.uint64(invoked)
    window[W_CPU] = np.uint64(rdtscp_aux() & np.uint32(0xFFF))


def window_record(window: np.ndarray, loops: int, step: int) -> Record:
    w = [int(x) for x in window[:6]]
    return Record(
        loops=loops,
        step=step,
        invoked=w[W_INVOKED],
        tsc_start=w[W_TSC_START],
        tsc_stop=w[W_TSC_STOP],
        wall_start=w[W_WALL_START],
        wall_stop=w[W_WALL_STOP],
        cpu=w[W_CPU],
    )


@njit(inline="always", nogil=True)
def native_start_barrier(sync, nthreads):
    """Arrive at sync[0] and spin (pause) until ``nthreads`` arrived, at most ~10 s.

    The runner's Python start barrier releases threads ~0.1 ms apart; this second,
    jitted barrier right before time_bench_start lines the timed windows up to within a
    cache-line transfer, like the kernel's complete_all wake-up of spinning kthreads."""
    n = np.uint64(nthreads)
    atomic_add64(sync, 0, _ONE)
    deadline = wall_ns() + np.uint64(10_000_000_000)
    spins = 0
    while atomic_load64(sync, 0) < n:
        cpu_relax()
        spins += 1
        if spins >= 1024:
            spins = 0
            if wall_ns() > deadline:
                break


def new_sync() -> np.ndarray:
    return np.zeros(8, dtype=np.uint64)
