"""alf_queue_bench: single-CPU cost of the ALF queue operations (docs/benchmarks.md).

Counting as in the original: **each enqueue and each dequeue is one element** (a bulk
of b adds b for the enqueue and b for the dequeue), so "Per elem" is the cost of one
element-enqueue *or* one element-dequeue. The same CPU does both. Objects are fake
pointers (small integers). The MPMC scenarios share one queue and the SPSC scenarios
another (ring 512 by default), so the free-running indices keep running across scenarios
and repeats and wrap inside the ring as in the original.

Iterations (L = loops): ``for_loop`` L x 10; ``ALF-MPMC-simple`` L; ``ALF-MPMC-multi``
L / 100 (step 128); ``MPMC-bulk{b}`` L (step b); ``ALF-SPSC-simple`` L x 10;
``ALF-SPSC-multi`` L / 10 (step 128); ``SPSC-bulk{b}`` L.

``baseline-array-push-pop`` is not in the original: a plain, non-concurrent FIFO array of
the same ring size (push to ``tail & mask``, pop from ``head & mask``, full/empty checks,
counters in memory, one compiler barrier per op, no atomics or ordering) run for L x 10
iterations and counted like ALF-SPSC-simple (push and pop one element each), so the SPSC
model can be compared with bare data movement measured in the same run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit

from skbbench.harness.intrinsics import barrier
from skbbench.harness.runner import BenchAbort, Case
from skbbench.harness.window import new_window, time_bench_start, time_bench_stop, window_record
from skbbench.model.alf_queue import (
    alf_mc_dequeue,
    alf_mp_enqueue,
    alf_queue_alloc,
    alf_sc_dequeue,
    alf_sp_enqueue,
)
from skbbench.specs.alfq import BASELINE, MAX_BULK, MULTI, AlfqConfig
from skbbench.timebench import Record

_ONE = np.uint64(1)


@njit(nogil=True, cache=True, _nrt=False)
def time_bench_for_loop(iters, window):
    # time_bench_for_loop: empty loop + barrier
    time_bench_start(window)
    for _ in range(iters):
        barrier()
    time_bench_stop(window, iters)
    return iters


@njit(nogil=True, cache=True, _nrt=False)
def time_bench_array_push_pop(iters, window, mem, mask):
    # baseline: a plain (non-concurrent) FIFO array: push = arr[tail++ & mask] = x,
    # pop = x = arr[head++ & mask], with the full/empty checks; head in mem[0], tail in
    # mem[1], the array at mem[8:]. A compiler barrier after each op keeps the counters in
    # memory (the ALF ops have acquire/release accesses there).
    cnt = np.uint64(0)
    acc = np.uint64(0)
    x = np.uint64(42)
    size = mask + _ONE
    base = np.uint64(8)
    time_bench_start(window)
    for _ in range(iters):
        t = mem[1]
        if t - mem[0] >= size:
            time_bench_stop(window, cnt)
            return np.uint64(0)
        mem[np.uintp(base + (t & mask))] = x
        mem[1] = t + _ONE
        cnt += _ONE
        barrier()
        h = mem[0]
        if h == mem[1]:
            time_bench_stop(window, cnt)
            return np.uint64(0)
        acc += mem[np.uintp(base + (h & mask))]
        mem[0] = h + _ONE
        cnt += _ONE
        barrier()
    time_bench_stop(window, cnt)
    mem[2] = acc
    return cnt


# The MPMC and SPSC scenarios share one body each (inlined into the cached kernels below
# with ``single`` a constant): the SPSC kernel contains no branch and no lock prefix, the
# MPMC one no SPSC code, exactly like the original's separate functions.


@njit(inline="always", nogil=True)
def _enqueue(q, objs, i, n, single):
    if single:
        return alf_sp_enqueue(q, objs, i, n)
    return alf_mp_enqueue(q, objs, i, n)


@njit(inline="always", nogil=True)
def _dequeue(q, out, n, single):
    if single:
        return alf_sc_dequeue(q, out, 0, n)
    return alf_mc_dequeue(q, out, 0, n)


@njit(inline="always", nogil=True)
def _alf_simple(q, iters, window, objs, out, single):
    # ALF-MPMC-simple / ALF-SPSC-simple: enqueue(1) then dequeue(1)
    cnt = np.uint64(0)
    time_bench_start(window)
    for _ in range(iters):
        if _enqueue(q, objs, 0, 1, single) != _ONE:
            time_bench_stop(window, cnt)
            return np.uint64(0)
        cnt += _ONE
        if _dequeue(q, out, 1, single) != _ONE:
            time_bench_stop(window, cnt)
            return np.uint64(0)
        cnt += _ONE
    time_bench_stop(window, cnt)
    return cnt


@njit(inline="always", nogil=True)
def _alf_multi(q, iters, multi, window, objs, out, single):
    # ALF-MPMC-multi / ALF-SPSC-multi: multi single enqueues, then multi single dequeues
    # ("touch more of the array")
    cnt = np.uint64(0)
    time_bench_start(window)
    for _ in range(iters):
        for j in range(multi):
            if _enqueue(q, objs, j & 31, 1, single) != _ONE:
                time_bench_stop(window, cnt)
                return np.uint64(0)
            cnt += _ONE
        for _j in range(multi):
            if _dequeue(q, out, 1, single) != _ONE:
                time_bench_stop(window, cnt)
                return np.uint64(0)
            cnt += _ONE
    time_bench_stop(window, cnt)
    return cnt


@njit(inline="always", nogil=True)
def _alf_bulk(q, iters, bulk, window, objs, out, single):
    # MPMC-bulkN / SPSC-bulkN: enqueue(bulk) then dequeue(bulk)
    b = np.uint64(bulk)
    cnt = np.uint64(0)
    time_bench_start(window)
    for _ in range(iters):
        if _enqueue(q, objs, 0, b, single) != b:
            time_bench_stop(window, cnt)
            return np.uint64(0)
        cnt += b
        if _dequeue(q, out, b, single) != b:
            time_bench_stop(window, cnt)
            return np.uint64(0)
        cnt += b
    time_bench_stop(window, cnt)
    return cnt


@njit(nogil=True, cache=True, _nrt=False)
def time_bench_ALF_MPMC_simple(q, iters, window, objs, out):
    return _alf_simple(q, iters, window, objs, out, False)


@njit(nogil=True, cache=True, _nrt=False)
def time_bench_ALF_SPSC_simple(q, iters, window, objs, out):
    return _alf_simple(q, iters, window, objs, out, True)


@njit(nogil=True, cache=True, _nrt=False)
def time_bench_ALF_MPMC_multi(q, iters, multi, window, objs, out):
    return _alf_multi(q, iters, multi, window, objs, out, False)


@njit(nogil=True, cache=True, _nrt=False)
def time_bench_ALF_SPSC_multi(q, iters, multi, window, objs, out):
    return _alf_multi(q, iters, multi, window, objs, out, True)


@njit(nogil=True, cache=True, _nrt=False)
def time_bench_MPMC_bulk(q, iters, bulk, window, objs, out):
    return _alf_bulk(q, iters, bulk, window, objs, out, False)


@njit(nogil=True, cache=True, _nrt=False)
def time_bench_SPSC_bulk(q, iters, bulk, window, objs, out):
    return _alf_bulk(q, iters, bulk, window, objs, out, True)


def fake_pointers(n: int = MAX_BULK) -> np.ndarray:
    return np.arange(1, n + 1, dtype=np.uint64)


WINDOW = object()  # stands for the run's fresh window in a kernel's argument tuple


def _record(
    kernel: Callable[..., Any], args: tuple[Any, ...], iters: int, step: int
) -> Callable[[], Record]:
    def run() -> Record:
        window = new_window()
        if int(kernel(*(window if a is WINDOW else a for a in args))) <= 0:
            raise BenchAbort("ABORT: function being timed failed")
        return window_record(window, loops=iters, step=step)

    return run


def build_cases(cfg: AlfqConfig) -> list[Case]:
    loops = cfg.loops
    ring = cfg.ring_size
    bulks = cfg.bulk
    tests = set(cfg.tests)
    mpmc = alf_queue_alloc(ring)  # one queue for the MPMC tests, one for SPSC
    spsc = alf_queue_alloc(ring)
    objs = fake_pointers()
    out = np.zeros(MAX_BULK, dtype=np.uint64)
    mem = np.zeros(8 + ring, dtype=np.uint64)
    cases: list[Case] = []

    def add(
        name: str,
        iters: int,
        step: int,
        kernel: Callable[..., Any],
        args: tuple[Any, ...],
    ) -> None:
        cases.append(
            Case(
                name=name,
                loops=iters,
                step=step,
                group="alf_queue_bench",
                run=_record(kernel, args, iters, step),
                params={"ring_size": ring},
            )
        )

    if "for_loop" in tests:
        n = loops * 10
        add("for_loop", n, 0, time_bench_for_loop, (n, WINDOW))
    if "ALF-MPMC-simple" in tests:
        add(
            "ALF-MPMC-simple",
            loops,
            0,
            time_bench_ALF_MPMC_simple,
            (mpmc, loops, WINDOW, objs, out),
        )
    if "ALF-MPMC-multi" in tests:
        n = max(1, loops // 100)
        add(
            "ALF-MPMC-multi",
            n,
            MULTI,
            time_bench_ALF_MPMC_multi,
            (mpmc, n, MULTI, WINDOW, objs, out),
        )
    if "MPMC-bulk" in tests:
        for b in bulks:
            add(
                f"MPMC-bulk{b}",
                loops,
                b,
                time_bench_MPMC_bulk,
                (mpmc, loops, b, WINDOW, objs, out),
            )
    if "ALF-SPSC-simple" in tests:
        n = loops * 10
        add(
            "ALF-SPSC-simple",
            n,
            0,
            time_bench_ALF_SPSC_simple,
            (spsc, n, WINDOW, objs, out),
        )
    if BASELINE in tests:
        n = loops * 10
        add(
            BASELINE,
            n,
            0,
            time_bench_array_push_pop,
            (n, WINDOW, mem, np.uint64(ring - 1)),
        )
    if "ALF-SPSC-multi" in tests:
        n = max(1, loops // 10)
        add(
            "ALF-SPSC-multi",
            n,
            MULTI,
            time_bench_ALF_SPSC_multi,
            (spsc, n, MULTI, WINDOW, objs, out),
        )
    if "SPSC-bulk" in tests:
        for b in bulks:
            add(
                f"SPSC-bulk{b}",
                loops,
                b,
                time_bench_SPSC_bulk,
                (spsc, loops, b, WINDOW, objs, out),
            )
    return cases
