"""qmempool_bench_parallel: all CPUs hammer one kmem_cache / one qmempool (docs/benchmarks.md).

Parallel scenarios (``ParallelCase``: one pinned thread per CPU, start barrier, each
thread times itself; thread i drives simulated CPU i of the cache and pool):

* ``benchmark_kmem_cache_fastpath_reuse``: P loops of kmem_cache_alloc + free per CPU
  on one shared cache (``qmempool_test4``);
* ``parallel_qmempool_fastpath_reuse_softirq_inline``: shared cache +
  ``qmempool_create(32, 128, 16)``; each CPU warms up with 2 allocs + 2 frees of the
  BH-protected API (its own localq; the first CPU takes the 16 preallocated, later ones
  refill from the slab), then P unprotected inline alloc+free;
* ``parallel_kmem_cache_pattern``: P x 1024 per CPU (alloc 1024, free 1024) on a shared
  cache (``qmempool_test``);
* ``parallel_qmempool_pattern_softirq_inline``: the same on
  ``qmempool_create(64, 1024 x ncpus, 0)`` ("only test qmempool part, don't hit slab";
  1024 x ncpus is rounded up to a power of two for the ALF queue).

followed, as in the original, by the single-CPU comparisons: ``kmem fastpath reuse`` and
the four ``qmempool fastpath`` variants (P x 30), ``benchmark_kmem_cache_pattern`` and the
four ``qmempool N-pattern`` variants (P / 10 x 1024). The original creates each cache and
pool once per group and reuses it across its scenarios; here every run (repeat) gets fresh
ones so repeats are independent. After every parallel run the pool and cache are torn down
and must balance: each object the threads allocated came back (no object remaining in the
cache, no element twice in the pool) -- the conservation check.

The original's default ``parallel_cpus`` is all online CPUs; an explicit count larger than
the allowed CPUs is a UsageError.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit

from skbbench.bench import qmempool_common as qb
from skbbench.bench.kmem import SHEAVES, SHEAVES_618, SLAB, SLUB, kmem_alloc, kmem_free
from skbbench.errors import ModelError, UsageError
from skbbench.harness.cpus import choose_parallel_cpus
from skbbench.harness.intrinsics import barrier
from skbbench.harness.runner import BenchAbort, Case, ParallelCase
from skbbench.harness.window import (
    native_start_barrier,
    new_sync,
    new_window,
    time_bench_start,
    time_bench_stop,
    window_record,
)
from skbbench.model.alf_queue_layout import ALF_MAX_SIZE
from skbbench.model.qmempool import (
    QMemPool,
    __qmempool_alloc_softirq,
    __qmempool_free_softirq,
    qmempool_create,
)
from skbbench.model.slub import KC_DEFAULT  # the Kconfig of the pool's own refills
from skbbench.specs.qmempool import (
    FASTPATH_FACTOR,
    GROUP_PARALLEL,
    N_PARALLEL,
    P_KMEM_FASTPATH,
    P_KMEM_PATTERN,
    P_QMEMPOOL_FASTPATH,
    P_QMEMPOOL_PATTERN,
    S_KMEM_PATTERN,
    VARIANTS,
    QmempoolConfig,
)
from skbbench.timebench import Record

_0 = np.uint64(0)
_1 = np.uint64(1)


@njit(inline="always", nogil=True)
def _parallel_fastpath_reuse(allocator, s, cpu, iters, window, sync, nthreads):
    # benchmark_kmem_cache_fastpath_reuse on every CPU
    native_start_barrier(sync, nthreads)
    cnt = np.uint64(0)
    time_bench_start(window)
    for _ in range(iters):
        obj = kmem_alloc(allocator, False, KC_DEFAULT, s, cpu)
        if obj == _0:
            break
        barrier()
        kmem_free(allocator, False, KC_DEFAULT, s, cpu, obj)
        cnt += _1
    time_bench_stop(window, cnt)
    return cnt


@njit(nogil=True, cache=True, _nrt=False)
def parallel_kmem_cache_fastpath_reuse(s, cpu, iters, window, sync, nthreads):
    return _parallel_fastpath_reuse(SLUB, s, cpu, iters, window, sync, nthreads)


@njit(nogil=True, cache=True, _nrt=False)
def parallel_kmem_cache_fastpath_reuse_slab(s, cpu, iters, window, sync, nthreads):
    return _parallel_fastpath_reuse(SLAB, s, cpu, iters, window, sync, nthreads)


@njit(nogil=True, cache=True, _nrt=False)
def parallel_qmempool_fastpath(pool, s, cpu, iters, window, sync, nthreads):
    # the timed part of parallel_qmempool_fastpath_reuse_softirq_inline
    native_start_barrier(sync, nthreads)
    c = np.uint64(cpu)
    cnt = np.uint64(0)
    time_bench_start(window)
    for _ in range(iters):
        obj = __qmempool_alloc_softirq(pool, s, c)
        if obj == _0:
            break
        barrier()
        __qmempool_free_softirq(pool, s, c, obj)
        cnt += _1
    time_bench_stop(window, cnt)
    return cnt


@njit(nogil=True, cache=True, _nrt=False)
def parallel_qmempool_pattern(pool, s, cpu, iters, objs, window, sync, nthreads):
    # parallel_qmempool_pattern_softirq_inline: alloc N, free N, unprotected inline API
    native_start_barrier(sync, nthreads)
    c = np.uint64(cpu)
    n = objs.shape[0]
    cnt = np.uint64(0)
    time_bench_start(window)
    for _ in range(iters):
        for j in range(n):
            obj = __qmempool_alloc_softirq(pool, s, c)
            if obj == _0:
                # give back what this iteration holds, then stop
                for k in range(j):
                    __qmempool_free_softirq(pool, s, c, objs[np.uintp(k)])
                time_bench_stop(window, cnt)
                return _0
            objs[np.uintp(j)] = obj
        barrier()
        for j in range(n):
            __qmempool_free_softirq(pool, s, c, objs[np.uintp(j)])
            cnt += _1
    time_bench_stop(window, cnt)
    return cnt


@njit(inline="always", nogil=True)
def _parallel_pattern(allocator, s, cpu, iters, objs, window, sync, nthreads):
    # parallel_kmem_cache_pattern: alloc N, free N on every CPU
    native_start_barrier(sync, nthreads)
    n = objs.shape[0]
    cnt = np.uint64(0)
    time_bench_start(window)
    for _ in range(iters):
        for j in range(n):
            obj = kmem_alloc(allocator, False, KC_DEFAULT, s, cpu)
            if obj == _0:
                for k in range(j):
                    kmem_free(allocator, False, KC_DEFAULT, s, cpu, objs[np.uintp(k)])
                time_bench_stop(window, cnt)
                return _0
            objs[np.uintp(j)] = obj
        barrier()
        for j in range(n):
            kmem_free(allocator, False, KC_DEFAULT, s, cpu, objs[np.uintp(j)])
            cnt += _1
    time_bench_stop(window, cnt)
    return cnt


@njit(nogil=True, cache=True, _nrt=False)
def parallel_kmem_cache_pattern(s, cpu, iters, objs, window, sync, nthreads):
    return _parallel_pattern(SLUB, s, cpu, iters, objs, window, sync, nthreads)


@njit(nogil=True, cache=True, _nrt=False)
def parallel_kmem_cache_pattern_slab(s, cpu, iters, objs, window, sync, nthreads):
    return _parallel_pattern(SLAB, s, cpu, iters, objs, window, sync, nthreads)


@njit(nogil=True, cache=True, _nrt=False)
def parallel_kmem_cache_fastpath_reuse_sheaves(s, cpu, iters, window, sync, nthreads):
    return _parallel_fastpath_reuse(SHEAVES, s, cpu, iters, window, sync, nthreads)


@njit(nogil=True, cache=True, _nrt=False)
def parallel_kmem_cache_fastpath_reuse_sheaves_618(s, cpu, iters, window, sync, nthreads):
    return _parallel_fastpath_reuse(SHEAVES_618, s, cpu, iters, window, sync, nthreads)


@njit(nogil=True, cache=True, _nrt=False)
def parallel_kmem_cache_pattern_sheaves(s, cpu, iters, objs, window, sync, nthreads):
    return _parallel_pattern(SHEAVES, s, cpu, iters, objs, window, sync, nthreads)


@njit(nogil=True, cache=True, _nrt=False)
def parallel_kmem_cache_pattern_sheaves_618(s, cpu, iters, objs, window, sync, nthreads):
    return _parallel_pattern(SHEAVES_618, s, cpu, iters, objs, window, sync, nthreads)


FASTPATH = {
    "slub": parallel_kmem_cache_fastpath_reuse,
    "slab": parallel_kmem_cache_fastpath_reuse_slab,
    "sheaves": parallel_kmem_cache_fastpath_reuse_sheaves,
    "sheaves-6.18": parallel_kmem_cache_fastpath_reuse_sheaves_618,
}
PATTERN = {
    "slub": parallel_kmem_cache_pattern,
    "slab": parallel_kmem_cache_pattern_slab,
    "sheaves": parallel_kmem_cache_pattern_sheaves,
    "sheaves-6.18": parallel_kmem_cache_pattern_sheaves_618,
}


@dataclass
class _Shared:
    cache: qb.Cache
    nthreads: int
    mp: QMemPool | None = None
    sync: np.ndarray = field(default_factory=new_sync)
    counters: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def pow2_at_least(n: int) -> int:
    p = 1
    while p < n:
        p <<= 1
    return p


def conserve(data: _Shared) -> None:
    """Tear down the pool and cache after a run; every object must be accounted for."""
    counters: dict[str, Any] = {}
    if data.mp is not None:
        mp = data.mp
        mp.raise_if_error()
        held = mp.contents()
        if len(held) != len(set(held)):
            raise ModelError(f"qmempool: {len(held) - len(set(held))} elements held twice")
        if any(h == 0 for h in held):
            raise ModelError("qmempool: a NULL element in a queue")
        counters["qmempool"] = mp.stats()
        counters["qmempool_held"] = len(held)
        counters["qmempool_destroy_freed"] = mp.destroy()
    counters[qb.counters_key(data.cache)] = data.cache.counters()
    data.cache.destroy()  # ModelError if any object was not returned
    data.counters = counters


def build_cases(cfg: QmempoolConfig) -> list[Case | ParallelCase]:
    loops = cfg.parallel_loops
    cpus = choose_parallel_cpus(cfg.parallel_cpus or None)
    ncpu = len(cpus)
    n = N_PARALLEL
    sharedq_pattern = pow2_at_least(n * ncpu)
    if sharedq_pattern > ALF_MAX_SIZE:
        raise UsageError(
            f"{ncpu} CPUs: the pattern pool's sharedq (1024 x CPUs) exceeds {ALF_MAX_SIZE}"
        )
    group = GROUP_PARALLEL
    params: dict[str, Any] = {"module": group}
    notes = [f"Limit to {ncpu} parallel CPUs"] if cfg.parallel_cpus else []
    max_slabs = max(256, 4 * ncpu * (n // 32 + 8))
    pcfg = qb.CacheSpec.of(cfg, nr_cpus=max(cfg.cpus, ncpu), max_slabs=max_slabs)
    cases: list[Case | ParallelCase] = []

    def counters(data: _Shared) -> dict[str, Any]:
        return data.counters

    # 1. fastpath_slab
    def setup_kmem4() -> _Shared:
        return _Shared(cache=qb.new_cache(pcfg, "qmempool_test4"), nthreads=ncpu)

    def run_kmem_fastpath(data: _Shared, index: int, cpu: int) -> Record:
        window = new_window()
        got = int(
            FASTPATH[cfg.allocator](data.cache.s, index, loops, window, data.sync, data.nthreads)
        )
        if got <= 0:
            raise BenchAbort("ERROR: function being timed failed")
        return window_record(window, loops=loops, step=0)

    cases.append(
        ParallelCase(
            name=P_KMEM_FASTPATH,
            loops=loops,
            step=0,
            cpus=cpus,
            run=run_kmem_fastpath,
            setup=setup_kmem4,
            check=conserve,
            counters=counters,
            group=group,
            params=params,
            notes=list(notes),
        )
    )
    cases.append(qb.kmem_fastpath_case(pcfg, loops * FASTPATH_FACTOR, group, params))

    # 2. fastpath_qmempool
    def setup_pool4() -> _Shared:
        cache = qb.new_cache(pcfg, "qmempool_test4")
        return _Shared(cache=cache, nthreads=ncpu, mp=qmempool_create(32, 128, 16, cache))

    def run_qmempool_fastpath(data: _Shared, index: int, cpu: int) -> Record:
        mp = data.mp
        assert mp is not None
        qb.warm_up(mp, index)  # BH-protected API, before this CPU's window
        window = new_window()
        got = int(
            parallel_qmempool_fastpath(
                mp.pool, mp.s, index, loops, window, data.sync, data.nthreads
            )
        )
        if got <= 0:
            raise BenchAbort("ERROR: function being timed failed")
        return window_record(window, loops=loops, step=0)

    cases.append(
        ParallelCase(
            name=P_QMEMPOOL_FASTPATH,
            loops=loops,
            step=0,
            cpus=cpus,
            run=run_qmempool_fastpath,
            setup=setup_pool4,
            check=conserve,
            counters=counters,
            group=group,
            params=params,
            notes=list(notes),
        )
    )
    for v in VARIANTS:
        cases.append(qb.qmempool_fastpath_case(pcfg, v, loops * FASTPATH_FACTOR, group, params))

    # 3./4. N_pattern_slab
    def setup_kmem() -> _Shared:
        return _Shared(cache=qb.new_cache(pcfg, "qmempool_test"), nthreads=ncpu)

    def run_kmem_pattern(data: _Shared, index: int, cpu: int) -> Record:
        objs = np.zeros(n, dtype=np.uint64)  # each thread its own array
        window = new_window()
        got = int(
            PATTERN[cfg.allocator](
                data.cache.s, index, loops, objs, window, data.sync, data.nthreads
            )
        )
        if got <= 0:
            raise BenchAbort("ERROR: function being timed failed")
        return window_record(window, loops=loops * n, step=0)

    cases.append(
        ParallelCase(
            name=P_KMEM_PATTERN,
            loops=loops * n,
            step=0,
            cpus=cpus,
            run=run_kmem_pattern,
            setup=setup_kmem,
            check=conserve,
            counters=counters,
            group=group,
            params={**params, "N": n},
            notes=list(notes),
        )
    )
    single_iters = max(1, loops // 10)
    cases.append(qb.kmem_pattern_case(pcfg, S_KMEM_PATTERN, single_iters, n, group, params))

    # 5. N_pattern_qmempool
    def setup_pool_pattern() -> _Shared:
        cache = qb.new_cache(pcfg, "qmempool_test")
        return _Shared(
            cache=cache, nthreads=ncpu, mp=qmempool_create(64, sharedq_pattern, 0, cache)
        )

    def run_qmempool_pattern(data: _Shared, index: int, cpu: int) -> Record:
        mp = data.mp
        assert mp is not None
        objs = np.zeros(n, dtype=np.uint64)
        window = new_window()
        got = int(
            parallel_qmempool_pattern(
                mp.pool, mp.s, index, loops, objs, window, data.sync, data.nthreads
            )
        )
        if got <= 0:
            raise BenchAbort("ERROR: function being timed failed")
        return window_record(window, loops=loops * n, step=0)

    cases.append(
        ParallelCase(
            name=P_QMEMPOOL_PATTERN,
            loops=loops * n,
            step=0,
            cpus=cpus,
            run=run_qmempool_pattern,
            setup=setup_pool_pattern,
            check=conserve,
            counters=counters,
            group=group,
            params={**params, "N": n, "sharedq": sharedq_pattern},
            notes=list(notes),
        )
    )
    for v in VARIANTS:
        cases.append(
            qb.qmempool_pattern_case(pcfg, v, single_iters, n, 64, sharedq_pattern, group, params)
        )
    return cases
