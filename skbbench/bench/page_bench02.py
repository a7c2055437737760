"""page_bench02: ``step_outstanding_pages`` -- N pages outstanding on the v4.6 page
allocator model, for N = 1, 2, 4 ... 8192.

Repeat {allocate N pages (``__GFP_COMP | __GFP_NOWARN``, no GFP_ATOMIC) into a store
array, then __free_pages all N} until at least ``loops`` pages went through; one element
= one page allocated and freed, so the invoke count overshoots to ceil(loops / N) x N.
Models NIC RX/TX rings keeping N pages in flight: up to the pcp high mark (186) the
per-CPU list serves every page; beyond it every batch of 31 goes through the zone lock
both ways. The module prints ``N=%d outstanding pages order:...`` before each Type line
(rendered from the printed record). Simulated CPU 0, a fresh machine per run.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.bench.pages_common import LastCounters, conserve, page_machine, record
from skbbench.harness.runner import Case
from skbbench.harness.window import new_window, time_bench_start, time_bench_stop
from skbbench.model.mm_types import GFP_COMP, GFP_NOWARN
from skbbench.model.page_alloc import __free_pages, alloc_pages
from skbbench.specs.pages import (
    MODULES,
    OUTSTANDING,
    PAGE_BENCH02,
    SERIES_OUTSTANDING,
    PagesConfig,
    outstanding_invoked,
)
from skbbench.timebench import Record

_0 = np.uint64(0)
_1 = np.uint64(1)
GFP_OUTSTANDING = GFP_COMP | GFP_NOWARN


@njit(nogil=True, cache=True, _nrt=False)
def time_alloc_pages_outstanding(s, cpu, gfp, order, loops, store, window, fail):
    # page_bench02 time_alloc_pages_outstanding: N = len(store) pages allocated, then all
    # freed, until cnt >= loops; a NULL page frees what is held and returns 0 (FAILED)
    cpu = np.uint64(cpu)
    gfp = np.uint64(gfp)
    order = np.uint64(order)
    target = np.uint64(loops)
    n = np.uint64(store.shape[0])
    cnt = _0
    i = _0
    time_bench_start(window)
    while cnt < target:
        j = _0
        while j < n:
            page = alloc_pages(s, cpu, gfp, order)
            if page == _0:
                time_bench_stop(window, cnt)
                fail[0] = i
                fail[1] = j
                k = _0
                while k < j:
                    __free_pages(s, cpu, store[k], order)
                    k += _1
                return False
            store[j] = page
            j += _1
        j = _0
        while j < n:
            __free_pages(s, cpu, store[j], order)
            j += _1
        cnt += n
        i += _1
    time_bench_stop(window, cnt)
    return True


def outstanding_case(cfg: PagesConfig, n: int) -> Case:
    module = MODULES[PAGE_BENCH02]
    order = cfg.page_order
    loops = cfg.outstanding_loops
    nr_pages = (n + 1024) << order
    last = LastCounters()

    def run() -> Record:
        m = page_machine(nr_pages, 1, cfg.profile, OUTSTANDING)
        store = np.zeros(n, dtype=np.uint64)
        fail = np.zeros(2, dtype=np.uint64)
        window = new_window()
        ok = bool(
            time_alloc_pages_outstanding(m.s, 0, GFP_OUTSTANDING, order, loops, store, window, fail)
        )
        last.value = conserve(m)
        why = f"FAILED N={n} outstanding pages order:{order} i:{int(fail[0])} j:{int(fail[1])}"
        return record(window, loops, n, ok, why)

    return Case(
        name=OUTSTANDING,
        loops=loops,
        step=n,
        run=run,
        counters=last,
        group=module,
        params={"module": module, "order": order, "outstanding": n, "series": SERIES_OUTSTANDING},
        expected_invoked=outstanding_invoked(loops, n),
    )


def build_cases(cfg: PagesConfig) -> list[Case]:
    return [outstanding_case(cfg, n) for n in cfg.outstanding]
