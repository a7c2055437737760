"""time_bench_parallel: the concurrent runner's sample scenarios that exist in userspace.

Each scenario runs on every selected CPU at once (one pinned thread per CPU, a start
barrier, each thread timing its own window) and prints per-CPU lines plus the `Sum
Type:` line. `_local` variants give every CPU its own lock/atomic on its own cache line;
`_global` variants share one, so the difference is the cost of cache-line contention.
Counting: one element = one lock+unlock pair, one inc+dec pair, or one read (reads run
loops x 100 as in the original). `time_atomic_read_N_writers_global` (step N): CPUs with
index < N increment, the others read one shared atomic. The irq/bh/preempt scenarios of
the original have no userspace equivalent and are not replicated.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit

from skbbench.harness.intrinsics import atomic_add64, atomic_load64, barrier
from skbbench.harness.locks import spin_lock, spin_unlock
from skbbench.harness.memory import aligned_words
from skbbench.harness.runner import ParallelCase
from skbbench.harness.window import (
    native_start_barrier,
    new_sync,
    new_window,
    time_bench_start,
    time_bench_stop,
    window_record,
)
from skbbench.specs.parallel import ParallelConfig
from skbbench.timebench import Record

LINE = 8  # uint64 words per cache line
_ONE = np.uint64(1)
_MINUS_ONE = np.uint64(2**64 - 1)


@njit(nogil=True, cache=True)
def lock_unlock(loops, window, mem, slot, sync, nthreads):
    native_start_barrier(sync, nthreads)
    time_bench_start(window)
    for _ in range(loops):
        spin_lock(mem, slot)
        barrier()
        spin_unlock(mem, slot)
    time_bench_stop(window, loops)
    return loops


@njit(nogil=True, cache=True)
def atomic_inc_dec(loops, window, mem, slot, sync, nthreads):
    native_start_barrier(sync, nthreads)
    time_bench_start(window)
    for _ in range(loops):
        atomic_add64(mem, slot, _ONE)
        atomic_add64(mem, slot, _MINUS_ONE)
    time_bench_stop(window, loops)
    return loops


@njit(nogil=True, cache=True)
def atomic_read(loops, window, mem, slot, sync, nthreads):
    acc = np.uint64(0)
    native_start_barrier(sync, nthreads)
    time_bench_start(window)
    for _ in range(loops):
        acc += atomic_load64(mem, slot)
    time_bench_stop(window, loops)
    mem[slot + 1] = acc
    return loops


@njit(nogil=True, cache=True)
def atomic_inc(loops, window, mem, slot, sync, nthreads):
    native_start_barrier(sync, nthreads)
    time_bench_start(window)
    for _ in range(loops):
        atomic_add64(mem, slot, _ONE)
    time_bench_stop(window, loops)
    return loops


def _case(
    name: str,
    kernel_for: Callable[[int], Any],
    loops: int,
    cpus: list[int],
    shared: bool,
    step: int = 0,
) -> ParallelCase:
    def setup() -> tuple[np.ndarray, np.ndarray]:
        return aligned_words(LINE * (len(cpus) + 1)), new_sync()

    def run(data: tuple[np.ndarray, np.ndarray], index: int, cpu: int) -> Record:
        mem, sync = data
        window = new_window()
        slot = 0 if shared else LINE * (index + 1)
        kernel_for(index)(loops, window, mem, slot, sync, len(cpus))
        return window_record(window, loops=loops, step=step)

    return ParallelCase(
        name=name,
        loops=loops,
        step=step,
        cpus=cpus,
        run=run,
        setup=setup,
        params={"shared": shared},
        group="time_bench_parallel",
        expected_invoked=loops,
    )


def _n_writers(n: int, index: int) -> Any:
    """CPUs with index < N increment the shared atomic, the others read it."""
    return atomic_inc if index < n else atomic_read


def build_cases(cfg: ParallelConfig) -> list[ParallelCase]:
    from skbbench.harness.cpus import choose_parallel_cpus

    cpus = choose_parallel_cpus(cfg.parallel_cpus or None)
    loops = cfg.loops
    cases = [
        _case("time_lock_unlock_local", lambda i: lock_unlock, loops, cpus, False),
        _case("time_lock_unlock_global", lambda i: lock_unlock, loops, cpus, True),
        _case("time_atomic_inc_dec_local", lambda i: atomic_inc_dec, loops, cpus, False),
        _case("time_atomic_inc_dec_global", lambda i: atomic_inc_dec, loops, cpus, True),
        _case("time_atomic_read_local", lambda i: atomic_read, loops * 100, cpus, False),
        _case("time_atomic_read_global", lambda i: atomic_read, loops * 100, cpus, True),
    ]
    for n in range(1, len(cpus) + 1):
        cases.append(
            _case(
                "time_atomic_read_N_writers_global",
                functools.partial(_n_writers, n),
                loops,
                cpus,
                True,
                step=n,
            )
        )
    return cases
