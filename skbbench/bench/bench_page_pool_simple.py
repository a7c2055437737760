"""bench_page_pool_simple: page_pool's alloc + return paths on one CPU, over the page
allocator model (``--version v4.18|modern``).

Baselines (process context): ``for_loop`` (loops x 10, an empty loop with a compiler
barrier), ``atomic_inc`` (loops x 10 atomic increments of a local atomic; the count is
its final value), ``lock`` (loops x spin_lock + spin_unlock of a local spinlock: the
minimum cost of the ptr_ring's lock).

Page-pool scenarios, one element = one alloc + one return, each run with a fresh pool
(order 0, pool_size 1024, no DMA, no NAPI) that ``pp_fill_ptr_ring(pp, 64)`` primed
outside the window: 64 pages allocated, then returned with allow_direct = false (they
land in the ptr_ring). The return path by type: 01 ``page_pool_recycle_direct`` (the
lockless alloc cache -- v4.18 honours it only in softirq), 02 ``page_pool_put_page(...,
false)`` (the ptr_ring), 03 the page leaves the pool every time (modern, as kernels >=
6.5: get_page + page_pool_put_page + put_page; v4.18: put_page, the first pool having no
release state). Run once "from module init" (``no-softirq-page_pool01..03``: process
context, ptr_ring produce takes spin_lock_bh) and once "from a tasklet"
(``tasklet_page_pool01_fast_path``, ``..02_ptr_ring``, ``..03_slow``: softirq).
Simulated CPU 0; after every run the pool is destroyed and every page must be back in the
buddy lists.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from skbbench.bench.pages_common import LastCounters, conserve, page_machine, record
from skbbench.errors import ModelError
from skbbench.harness.calls import FALSE as _FALSE
from skbbench.harness.intrinsics import atomic_add64, atomic_load64, barrier
from skbbench.harness.locks import spin_lock, spin_unlock
from skbbench.harness.runner import Case
from skbbench.harness.window import new_window, time_bench_start, time_bench_stop
from skbbench.model.page_alloc import get_page, put_page
from skbbench.model.page_pool import (
    PagePool,
    page_pool_alloc_pages,
    page_pool_create,
    page_pool_put_page,
    page_pool_recycle_direct,
)
from skbbench.specs.pagepool import (
    ATOMIC_INC,
    BENCH_FUNCS,
    FOR_LOOP,
    LOCK,
    NO_SOFTIRQ_NAMES,
    SIMPLE,
    SIMPLE_LOOP_FACTOR,
    SIMPLE_PREFILL,
    TASKLET_NAMES,
    TYPE_FAST_PATH,
    TYPE_PAGE_ALLOCATOR,
    TYPE_PTR_RING,
    TYPES,
    PagepoolConfig,
)
from skbbench.timebench import Record

_0 = np.uint64(0)
_1 = np.uint64(1)
MODE_FOR_LOOP = 0
MODE_ATOMIC_INC = 1
MODE_LOCK = 2
TYPE_CODES = {TYPE_FAST_PATH: 0, TYPE_PTR_RING: 1, TYPE_PAGE_ALLOCATOR: 2}
NR_PAGES = 8192


@njit(nogil=True, cache=True, _nrt=False)
def time_bench_baseline(mode, loops, word, window):
    # time_bench_for_loop / time_bench_atomic_inc / time_bench_lock
    n = np.uint64(loops)
    cnt = _0
    if mode == 0:
        time_bench_start(window)
        while cnt < n:
            barrier()
            cnt += _1
        time_bench_stop(window, cnt)
    elif mode == 1:
        time_bench_start(window)
        while cnt < n:
            atomic_add64(word, 0, _1)
            cnt += _1
        cnt = atomic_load64(word, 0)  # the count is the atomic's final value
        time_bench_stop(window, cnt)
    else:
        time_bench_start(window)
        while cnt < n:
            spin_lock(word, 8)
            spin_unlock(word, 8)
            cnt += _1
        time_bench_stop(window, cnt)
    return cnt


@njit(nogil=True, cache=True, _nrt=False)
def time_bench_page_pool(s, pool, cpu, loops, typ, modern, in_softirq, window):
    # time_bench_page_pool: alloc + return by type (0 recycle_direct, 1 put_page to the
    # ring, 2 the page leaves the pool); a NULL page ends the loop
    pool = np.uint64(pool)
    cpu = np.uint64(cpu)
    n = np.uint64(loops)
    cnt = _0
    time_bench_start(window)
    while cnt < n:
        page = page_pool_alloc_pages(s, pool, cpu, _0, in_softirq)
        if page == _0:
            break
        if typ == 0:
            page_pool_recycle_direct(s, pool, cpu, page, in_softirq)
        elif typ == 1:
            page_pool_put_page(s, pool, cpu, page, _FALSE, in_softirq)
        elif modern:  # >= 6.5: refcnt 2 makes the page not recyclable
            get_page(s, page)
            page_pool_put_page(s, pool, cpu, page, _FALSE, in_softirq)
            put_page(s, cpu, page)
        else:  # v4.18: nothing to release; the page goes back to the page allocator
            put_page(s, cpu, page)
        cnt += _1
    time_bench_stop(window, cnt)
    return cnt


def pp_fill_ptr_ring(pool: PagePool, elems: int, in_softirq: bool) -> None:
    """pp_fill_ptr_ring: allocate ``elems`` pages, then return them all with
    allow_direct = false (outside the window)."""
    pages = [pool.alloc(0, in_softirq=in_softirq) for _ in range(elems)]
    if not all(pages):
        raise ModelError("pp_fill_ptr_ring: page_pool_alloc_pages returned NULL")
    for p in pages:
        pool.put(0, p, allow_direct=False, in_softirq=in_softirq)


def baseline_case(mode: int, name: str, iters: int) -> Case:
    def run() -> Record:
        word = np.zeros(16, dtype=np.uint64)
        window = new_window()
        got = int(time_bench_baseline(mode, iters, word, window))
        return record(window, iters, 0, got == iters)

    return Case(
        name=name,
        loops=iters,
        step=0,
        run=run,
        group=SIMPLE,
        params={"module": SIMPLE},
        expected_invoked=iters,
    )


def page_pool_case(cfg: PagepoolConfig, typ: str, in_softirq: bool, notes: list[str]) -> Case:
    name = (TASKLET_NAMES if in_softirq else NO_SOFTIRQ_NAMES)[typ]
    last = LastCounters()

    def run() -> Record:
        m = page_machine(NR_PAGES, 1, cfg.profile, name)
        pool = page_pool_create(
            m,
            cfg.version,
            pool_size=cfg.pool_size,
            alloc_cache_size=cfg.alloc_cache,
            what_if=cfg.what_if,
        )
        pp_fill_ptr_ring(pool, SIMPLE_PREFILL, in_softirq)
        window = new_window()
        got = int(
            time_bench_page_pool(
                m.s,
                pool.base,
                0,
                cfg.loops,
                TYPE_CODES[typ],
                cfg.version == "modern",
                in_softirq,
                window,
            )
        )
        last.value = teardown(pool)
        return record(window, cfg.loops, 0, got > 0, "page_pool_alloc_pages returned NULL")

    return Case(
        name=name,
        loops=cfg.loops,
        step=0,
        run=run,
        counters=last,
        group=SIMPLE,
        params={"module": SIMPLE, "version": cfg.version, "type": typ},
        expected_invoked=cfg.loops,
        notes=notes,
    )


def teardown(pool: PagePool) -> dict[str, Any]:
    """page_pool_destroy, then the conservation check of the machine."""
    stats = pool.stats()
    destroyed = pool.destroy()
    if destroyed["inflight"]:
        raise ModelError(f"page_pool: {destroyed['inflight']} pages still in flight at destroy")
    return {
        "page_pool": stats,
        "page_pool_destroy_returned": destroyed["returned"],
        **conserve(pool.machine),
    }


def build_cases(cfg: PagepoolConfig) -> list[Case]:
    iters10 = cfg.loops * SIMPLE_LOOP_FACTOR
    cases = [
        baseline_case(MODE_FOR_LOOP, FOR_LOOP, iters10),
        baseline_case(MODE_ATOMIC_INC, ATOMIC_INC, iters10),
        baseline_case(MODE_LOCK, LOCK, cfg.loops),
    ]
    for typ in TYPES:
        note = f"{SIMPLE}: {BENCH_FUNCS[typ]}(): Cannot use page_pool fast-path"
        cases.append(page_pool_case(cfg, typ, False, [note]))
    for i, typ in enumerate(TYPES):
        notes = [f"{SIMPLE}: pp_tasklet_handler(): in_serving_softirq fast-path"] if i == 0 else []
        notes.append(f"{SIMPLE}: {BENCH_FUNCS[typ]}(): in_serving_softirq fast-path")
        cases.append(page_pool_case(cfg, typ, True, notes))
    return cases
