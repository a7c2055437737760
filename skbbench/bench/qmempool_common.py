"""What qmempool_bench and qmempool_bench_parallel share: the timed kernels (qmempool
fastpath / N-pattern per API variant, the SLUB N-pattern), the warm-up, cache creation,
teardown with the conservation check, and the single-CPU case builders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from skbbench.bench.kmem import SHEAVES, SHEAVES_618, SLAB, SLUB, kmem_alloc, kmem_free
from skbbench.bench.slab_bulk_kernels import FASTPATH_KERNELS
from skbbench.harness.intrinsics import barrier
from skbbench.harness.runner import BenchAbort, Case
from skbbench.harness.window import new_window, time_bench_start, time_bench_stop, window_record
from skbbench.model import sheaves_create, slab_create
from skbbench.model.qmempool import (
    QMemPool,
    __qmempool_alloc,
    __qmempool_alloc_softirq,
    __qmempool_free,
    __qmempool_free_softirq,
    call_qmempool_alloc,
    call_qmempool_free,
    exported,
    qmempool_create,
)
from skbbench.model.sheaves_create import SheavesCache
from skbbench.model.slab_create import SlabCache
from skbbench.model.slub import KC_DEFAULT  # the Kconfig of the pool's own refills
from skbbench.model.slub_create import SlubCache, kmem_cache_create
from skbbench.specs.qmempool import (
    FASTPATH_NAMES,
    KMEM_FASTPATH,
    NORMAL,
    PATTERN_NAMES,
    SOFTIRQ,
    SOFTIRQ_INLINE,
    QmempoolConfig,
)
from skbbench.timebench import Record

_0 = np.uint64(0)
_1 = np.uint64(1)


# --- kernels -----------------------------------------------------------------------------------


@njit(inline="always", nogil=True)
def _kmem_cache_pattern(allocator, s, cpu, iters, objs, window):
    # alloc N (= len(objs)) into an array, barrier, free all N; one count per free
    n = objs.shape[0]
    cnt = np.uint64(0)
    time_bench_start(window)
    for _ in range(iters):
        for j in range(n):
            obj = kmem_alloc(allocator, False, KC_DEFAULT, s, cpu)
            if obj == _0:
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
def benchmark_kmem_cache_pattern(s, cpu, iters, objs, window):
    return _kmem_cache_pattern(SLUB, s, cpu, iters, objs, window)


@njit(nogil=True, cache=True, _nrt=False)
def benchmark_kmem_cache_pattern_slab(s, cpu, iters, objs, window):
    return _kmem_cache_pattern(SLAB, s, cpu, iters, objs, window)


@njit(nogil=True, cache=True, _nrt=False)
def benchmark_kmem_cache_pattern_sheaves(s, cpu, iters, objs, window):
    return _kmem_cache_pattern(SHEAVES, s, cpu, iters, objs, window)


@njit(nogil=True, cache=True, _nrt=False)
def benchmark_kmem_cache_pattern_sheaves_618(s, cpu, iters, objs, window):
    return _kmem_cache_pattern(SHEAVES_618, s, cpu, iters, objs, window)


PATTERN_KERNELS = {
    "slub": benchmark_kmem_cache_pattern,
    "slab": benchmark_kmem_cache_pattern_slab,
    "sheaves": benchmark_kmem_cache_pattern_sheaves,
    "sheaves-6.18": benchmark_kmem_cache_pattern_sheaves_618,
}


@njit(inline="always", nogil=True)
def _fastpath_inline(pool, s, cpu, iters, window, softirq):
    # NORMAL_INLINE: __qmempool_alloc / __qmempool_free (BH-protected), or with the
    # constant softirq=True, SOFTIRQ_INLINE: the _softirq pair (no protection)
    c = np.uint64(cpu)
    cnt = np.uint64(0)
    time_bench_start(window)
    for _ in range(iters):
        if softirq:
            obj = __qmempool_alloc_softirq(pool, s, c)
        else:
            obj = __qmempool_alloc(pool, s, c)
        if obj == _0:
            break
        barrier()
        if softirq:
            __qmempool_free_softirq(pool, s, c, obj)
        else:
            __qmempool_free(pool, s, c, obj)
        cnt += _1
    time_bench_stop(window, cnt)
    return cnt


@njit(nogil=True, cache=True, _nrt=False)
def qmempool_fastpath_exported(pool_addr, s_addr, fn_alloc, fn_free, cpu, iters, window):
    # NORMAL / SOFTIRQ: calls into the exported symbols
    c = np.uint64(cpu)
    cnt = np.uint64(0)
    time_bench_start(window)
    for _ in range(iters):
        obj = call_qmempool_alloc(fn_alloc, pool_addr, s_addr, c)
        if obj == _0:
            break
        barrier()
        call_qmempool_free(fn_free, pool_addr, s_addr, c, obj)
        cnt += _1
    time_bench_stop(window, cnt)
    return cnt


@njit(inline="always", nogil=True)
def _pattern_inline(pool, s, cpu, iters, objs, window, softirq):
    # N-pattern, NORMAL_INLINE or (constant softirq=True) SOFTIRQ_INLINE
    c = np.uint64(cpu)
    n = objs.shape[0]
    cnt = np.uint64(0)
    time_bench_start(window)
    for _ in range(iters):
        for j in range(n):
            if softirq:
                obj = __qmempool_alloc_softirq(pool, s, c)
            else:
                obj = __qmempool_alloc(pool, s, c)
            if obj == _0:
                time_bench_stop(window, cnt)
                return _0
            objs[np.uintp(j)] = obj
        barrier()
        for j in range(n):
            if softirq:
                __qmempool_free_softirq(pool, s, c, objs[np.uintp(j)])
            else:
                __qmempool_free(pool, s, c, objs[np.uintp(j)])
            cnt += _1
    time_bench_stop(window, cnt)
    return cnt


@njit(nogil=True, cache=True, _nrt=False)
def qmempool_pattern_exported(pool_addr, s_addr, fn_alloc, fn_free, cpu, iters, objs, window):
    c = np.uint64(cpu)
    n = objs.shape[0]
    cnt = np.uint64(0)
    time_bench_start(window)
    for _ in range(iters):
        for j in range(n):
            obj = call_qmempool_alloc(fn_alloc, pool_addr, s_addr, c)
            if obj == _0:
                time_bench_stop(window, cnt)
                return _0
            objs[np.uintp(j)] = obj
        barrier()
        for j in range(n):
            call_qmempool_free(fn_free, pool_addr, s_addr, c, objs[np.uintp(j)])
            cnt += _1
    time_bench_stop(window, cnt)
    return cnt


# --- running one variant -------------------------------------------------------------------------


@njit(nogil=True, cache=True, _nrt=False)
def qmempool_fastpath_bh_inline(pool, s, cpu, iters, window):
    return _fastpath_inline(pool, s, cpu, iters, window, False)


@njit(nogil=True, cache=True, _nrt=False)
def qmempool_fastpath_softirq_inline(pool, s, cpu, iters, window):
    return _fastpath_inline(pool, s, cpu, iters, window, True)


@njit(nogil=True, cache=True, _nrt=False)
def qmempool_pattern_bh_inline(pool, s, cpu, iters, objs, window):
    return _pattern_inline(pool, s, cpu, iters, objs, window, False)


@njit(nogil=True, cache=True, _nrt=False)
def qmempool_pattern_softirq_inline(pool, s, cpu, iters, objs, window):
    return _pattern_inline(pool, s, cpu, iters, objs, window, True)


def fn_addresses(variant: str) -> tuple[int, int]:
    ex = exported()
    if variant == NORMAL:
        return ex.alloc, ex.free
    return ex.alloc_softirq, ex.free_softirq  # SOFTIRQ: the free is BH-protected (quirk)


def run_fastpath(mp: QMemPool, variant: str, cpu: int, iters: int, window: np.ndarray) -> int:
    """The timed fast-path loop of one variant (pool already warmed up)."""
    if variant in (NORMAL, SOFTIRQ):
        fa, ff = fn_addresses(variant)
        return int(
            qmempool_fastpath_exported(
                mp.pool.ctypes.data, mp.s.ctypes.data, fa, ff, cpu, iters, window
            )
        )
    kernel = (
        qmempool_fastpath_softirq_inline
        if variant == SOFTIRQ_INLINE
        else qmempool_fastpath_bh_inline
    )
    return int(kernel(mp.pool, mp.s, cpu, iters, window))


def run_pattern(
    mp: QMemPool, variant: str, cpu: int, iters: int, objs: np.ndarray, window: np.ndarray
) -> int:
    if variant in (NORMAL, SOFTIRQ):
        fa, ff = fn_addresses(variant)
        return int(
            qmempool_pattern_exported(
                mp.pool.ctypes.data, mp.s.ctypes.data, fa, ff, cpu, iters, objs, window
            )
        )
    kernel = (
        qmempool_pattern_softirq_inline if variant == SOFTIRQ_INLINE else qmempool_pattern_bh_inline
    )
    return int(kernel(mp.pool, mp.s, cpu, iters, objs, window))


def warm_up(mp: QMemPool, cpu: int) -> None:
    """Two qmempool_alloc then two qmempool_free (BH-protected API), outside the window."""
    a = mp.alloc(cpu)
    b = mp.alloc(cpu)
    if not a or not b:
        raise BenchAbort("ABORT: qmempool warm-up allocation failed")
    mp.free(cpu, a)
    mp.free(cpu, b)


@dataclass(frozen=True)
class CacheSpec:
    """The kmem_cache every run of a case creates (kmem_cache_create's arguments)."""

    object_size: int
    nr_cpus: int
    profile: str
    allocator: str = "slub"
    max_slabs: int = 256

    @classmethod
    def of(cls, cfg: QmempoolConfig, nr_cpus: int | None = None, max_slabs: int = 256) -> CacheSpec:
        return cls(cfg.object_size, nr_cpus or cfg.cpus, cfg.profile, cfg.allocator, max_slabs)


Cache = SlubCache | SlabCache | SheavesCache


def new_cache(spec: CacheSpec, name: str) -> Cache:
    """kmem_cache_create of the chosen allocator model."""
    if spec.allocator in ("sheaves", "sheaves-6.18"):
        return sheaves_create.kmem_cache_create(
            object_size=spec.object_size,
            nr_cpus=spec.nr_cpus,
            profile=spec.profile,
            max_slabs=spec.max_slabs,
            name=name,
            form="6.18" if spec.allocator == "sheaves-6.18" else "7.0",
        )
    create = slab_create.kmem_cache_create if spec.allocator == "slab" else kmem_cache_create
    return create(
        object_size=spec.object_size,
        nr_cpus=spec.nr_cpus,
        profile=spec.profile,
        max_slabs=spec.max_slabs,
        name=name,
    )


def teardown(mp: QMemPool | None, cache: Cache) -> dict[str, Any]:
    """qmempool_destroy + kmem_cache_destroy; both must balance (objects conserved)."""
    out: dict[str, Any] = {}
    if mp is not None:
        mp.raise_if_error()
        out["qmempool"] = mp.stats()
        out["qmempool_qstats_cpu0"] = list(mp.qstats(0))
        out["qmempool_destroy_freed"] = mp.destroy()
    out[counters_key(cache)] = cache.counters()
    cache.destroy()
    return out


def counters_key(cache: Cache) -> str:
    """The key of the cache's counters in a case's counters."""
    if isinstance(cache, SheavesCache):
        return "sheaves"
    return "slab" if isinstance(cache, SlabCache) else "slub"


class _Last:
    """The counters of the last run of a case (each run builds fresh state)."""

    def __init__(self) -> None:
        self.value: dict[str, Any] = {}

    def __call__(self) -> dict[str, Any]:
        return self.value


def _record(window: np.ndarray, got: int, iters: int) -> Record:
    if got <= 0:
        raise BenchAbort("ABORT: function being timed failed")
    return window_record(window, loops=iters, step=0)


def kmem_fastpath_case(spec: CacheSpec, iters: int, group: str, params: dict[str, Any]) -> Case:
    last = _Last()

    def run() -> Record:
        cache = new_cache(spec, "qmempool_test4")
        window = new_window()
        kernel = FASTPATH_KERNELS[(spec.allocator, False)]  # slab_bulk_test01's
        got = int(kernel(KC_DEFAULT, cache.s, 0, iters, window))
        last.value = teardown(None, cache)
        return _record(window, got, iters)

    return Case(
        name=KMEM_FASTPATH,
        loops=iters,
        step=0,
        run=run,
        counters=last,
        group=group,
        params=dict(params),
    )


def qmempool_fastpath_case(
    spec: CacheSpec,
    variant: str,
    iters: int,
    group: str,
    params: dict[str, Any],
    localq: int = 32,
    sharedq: int = 128,
    prealloc: int = 16,
) -> Case:
    last = _Last()

    def run() -> Record:
        cache = new_cache(spec, "qmempool_test4")
        mp = qmempool_create(localq, sharedq, prealloc, cache)
        warm_up(mp, 0)
        mp.reset_stats()
        window = new_window()
        got = run_fastpath(mp, variant, 0, iters, window)
        last.value = teardown(mp, cache)
        return _record(window, got, iters)

    return Case(
        name=FASTPATH_NAMES[variant],
        loops=iters,
        step=0,
        run=run,
        counters=last,
        group=group,
        params={**params, "variant": variant},
    )


def kmem_pattern_case(
    spec: CacheSpec, name: str, iters: int, n: int, group: str, params: dict[str, Any]
) -> Case:
    last = _Last()

    def run() -> Record:
        cache = new_cache(spec, "qmempool_test")
        objs = np.zeros(n, dtype=np.uint64)
        window = new_window()
        got = int(PATTERN_KERNELS[spec.allocator](cache.s, 0, iters, objs, window))
        last.value = teardown(None, cache)
        return _record(window, got, iters * n)

    return Case(
        name=name,
        loops=iters * n,
        step=0,
        run=run,
        counters=last,
        group=group,
        params={**params, "N": n},
    )


def qmempool_pattern_case(
    spec: CacheSpec,
    variant: str,
    iters: int,
    n: int,
    localq: int,
    sharedq: int,
    group: str,
    params: dict[str, Any],
) -> Case:
    last = _Last()

    def run() -> Record:
        cache = new_cache(spec, "qmempool_test")
        mp = qmempool_create(localq, sharedq, 0, cache)
        objs = np.zeros(n, dtype=np.uint64)
        window = new_window()
        got = run_pattern(mp, variant, 0, iters, objs, window)
        last.value = teardown(mp, cache)
        return _record(window, got, iters * n)

    return Case(
        name=PATTERN_NAMES[variant],
        loops=iters * n,
        step=0,
        run=run,
        counters=last,
        group=group,
        params={**params, "N": n, "variant": variant},
    )
