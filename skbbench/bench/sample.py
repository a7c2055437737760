"""time_bench_sample: the primitives that exist in userspace, with the original names.

Counting units as in the original (docs/benchmarks.md): ``for_loop`` runs loops x 10
iterations of an empty loop with a compiler barrier; the cmpxchg tests always fail (the
compared value never matches), as the original measures a failing locked op, and run
loops / 2 iterations; the others run ``loops`` iterations, one element per call, op or
lock+unlock pair. ``cmpxchg_double`` (cmpxchg16b) and ``atomic_add`` are not in the
original module; they are the calibration data for the allocator models (SLUB's
cmpxchg_double, refcounts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit

from skbbench.harness.intrinsics import (
    atomic_add64,
    barrier,
    call_indirect,
    call_noinline,
    cmpxchg64,
    cmpxchg128,
)
from skbbench.harness.locks import spin_lock, spin_unlock
from skbbench.harness.memory import aligned_words
from skbbench.harness.runner import BenchAbort, Case
from skbbench.harness.window import new_window, time_bench_start, time_bench_stop, window_record
from skbbench.specs.sample import SampleConfig
from skbbench.timebench import Record


@njit(nogil=True, cache=True)
def for_loop(loops, window, mem):
    time_bench_start(window)
    for _ in range(loops):
        barrier()
    time_bench_stop(window, loops)
    return loops


@njit(nogil=True, cache=True)
def funcion_call_cost(loops, window, mem):
    acc = 0
    time_bench_start(window)
    for _ in range(loops):
        acc = call_noinline(acc)
    time_bench_stop(window, loops)
    mem[1] = np.uint64(acc)
    return loops


@njit(nogil=True, cache=True)
def func_ptr_call_cost(loops, window, mem):
    acc = 0
    time_bench_start(window)
    for _ in range(loops):
        acc = call_indirect(acc)
    time_bench_stop(window, loops)
    mem[1] = np.uint64(acc)
    return loops


@njit(nogil=True, cache=True)
def cmpxchg_fail(loops, window, mem):
    # mem[0] holds 0; comparing with 1 always fails, like the original.
    old = np.uint64(1)
    new = np.uint64(2)
    time_bench_start(window)
    for _ in range(loops):
        cmpxchg64(mem, 0, old, new)
    time_bench_stop(window, loops)
    return loops


@njit(nogil=True, cache=True)
def cmpxchg_double_fail(loops, window, mem):
    one = np.uint64(1)
    two = np.uint64(2)
    time_bench_start(window)
    for _ in range(loops):
        cmpxchg128(mem, 0, one, one, two, two)
    time_bench_stop(window, loops)
    return loops


@njit(nogil=True, cache=True)
def atomic_add(loops, window, mem):
    one = np.uint64(1)
    time_bench_start(window)
    for _ in range(loops):
        atomic_add64(mem, 2, one)
    time_bench_stop(window, loops)
    return loops


@njit(nogil=True, cache=True)
def spin_lock_unlock(loops, window, mem):
    time_bench_start(window)
    for _ in range(loops):
        spin_lock(mem, 8)
        barrier()
        spin_unlock(mem, 8)
    time_bench_stop(window, loops)
    return loops


# name -> (kernel, iterations as a function of loops)
SAMPLES: dict[str, tuple[Any, Callable[[int], int]]] = {
    "for_loop": (for_loop, lambda loops: loops * 10),
    "funcion_call_cost": (funcion_call_cost, lambda loops: loops),
    "func_ptr_call_cost": (func_ptr_call_cost, lambda loops: loops),
    "cmpxchg": (cmpxchg_fail, lambda loops: loops // 2),
    "cmpxchg_double": (cmpxchg_double_fail, lambda loops: loops // 2),
    "atomic_add": (atomic_add, lambda loops: loops),
    "spin_lock_unlock": (spin_lock_unlock, lambda loops: loops),
}


def _runner(kernel: Any, iterations: int, loops: int) -> Callable[[], Record]:
    def run() -> Record:
        window = new_window()
        mem = aligned_words(16)
        if kernel(iterations, window, mem) <= 0:
            raise BenchAbort()
        return window_record(window, loops=iterations, step=0)

    return run


def build_cases(cfg: SampleConfig) -> list[Case]:
    loops = cfg.loops
    names = cfg.tests
    cases = []
    for name in SAMPLES:
        if name not in names:
            continue
        kernel, iters = SAMPLES[name]
        n = iters(loops)
        cases.append(
            Case(
                name=name,
                loops=n,
                step=0,
                run=_runner(kernel, n, loops),
                group="sample",
                expected_invoked=n,
            )
        )
    return cases
