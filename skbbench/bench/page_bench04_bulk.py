"""page_bench04_bulk: the v5.13 bulk page allocator API (alloc_pages_bulk list and array
forms, over the v4.6 per-CPU lists) against single pages.

* ``single_page_alloc_put`` (loops): alloc_page + put_page;
* ``time_bulk_page_alloc_free_list`` per bulk b (loops / b calls):
  ``n = alloc_pages_bulk_list(GFP_ATOMIC | ___GFP_NORETRY, b, &list)``, then every list
  page freed with ``__free_pages(page, 0)``; count += n;
* ``time_bulk_page_alloc_free_array`` per bulk b: ``n = alloc_pages_bulk_array(gfp, b,
  array)`` on a NULL-initialised array, every page freed with put_page and its slot reset
  to NULL; count += n.

One element = one page allocated and freed. A call that returns fewer than b pages is
counted (the original's ratelimited ``got less pages``); b = 1 takes the single-page
allocator inside the bulk API (the original's note). Simulated CPU 0, a fresh machine
per run.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.bench.page_bench01 import GFP_SINGLE, alloc_free_case
from skbbench.bench.pages_common import LastCounters, conserve, page_machine, record
from skbbench.harness.runner import Case
from skbbench.harness.window import new_window, time_bench_start, time_bench_stop
from skbbench.model.mm_types import U_PG_LRU_NEXT
from skbbench.model.page_alloc import (
    __free_pages,
    alloc_pages_bulk_array,
    alloc_pages_bulk_list,
    pfn_to_page,
    put_page,
)
from skbbench.specs.pages import (
    ARRAY_SZ,
    BULK_ARRAY,
    BULK_LIST,
    MODULES,
    PAGE_BENCH04,
    SINGLE_ALLOC_PUT,
    PagesConfig,
)
from skbbench.timebench import Record

_0 = np.uint64(0)
_1 = np.uint64(1)


@njit(nogil=True, cache=True, _nrt=False)
def time_bulk_page_alloc_free(s, cpu, gfp, bulk, iters, use_list, arr, head, window, less):
    # page_bench04_bulk time_bulk_page_alloc_free_list / _array: iters bulk calls, every
    # page freed; count = pages obtained; less[0] = calls that got fewer than bulk
    cpu = np.uint64(cpu)
    gfp = np.uint64(gfp)
    b = np.uint64(bulk)
    n_iters = np.uint64(iters)
    cnt = _0
    it = _0
    time_bench_start(window)
    while it < n_iters:
        if use_list:
            head[0] = _0  # LIST_HEAD(list)
            n = alloc_pages_bulk_list(s, cpu, gfp, b, head)
            page = head[0]
            while page != _0:  # list_for_each_entry_safe: list_del, __free_pages(page, 0)
                nxt = s[pfn_to_page(s, page) + U_PG_LRU_NEXT]
                s[pfn_to_page(s, page) + U_PG_LRU_NEXT] = _0
                __free_pages(s, cpu, page, _0)
                page = nxt
        else:
            n = alloc_pages_bulk_array(s, cpu, gfp, b, arr)
            j = _0
            while j < n:
                put_page(s, cpu, arr[j])
                arr[j] = _0
                j += _1
        if n < b:
            less[0] += _1
        cnt += n
        it += _1
    time_bench_stop(window, cnt)
    return cnt


def bulk_case(cfg: PagesConfig, name: str, bulk: int, use_list: bool) -> Case:
    module = MODULES[PAGE_BENCH04]
    iters = cfg.bulk_loops // bulk
    last = LastCounters()

    def run() -> Record:
        m = page_machine(4096, 1, cfg.profile, name)
        arr = np.zeros(ARRAY_SZ, dtype=np.uint64)
        head = np.zeros(1, dtype=np.uint64)
        less = np.zeros(1, dtype=np.uint64)
        window = new_window()
        got = int(
            time_bulk_page_alloc_free(
                m.s, 0, GFP_SINGLE, bulk, iters, use_list, arr, head, window, less
            )
        )
        last.value = {**conserve(m), "got_less_pages_calls": int(less[0])}
        return record(window, iters * bulk, bulk, got > 0, "no page allocated")

    return Case(
        name=name,
        loops=iters * bulk,
        step=bulk,
        run=run,
        counters=last,
        group=module,
        params={"module": module, "bulk": bulk},
        expected_invoked=iters * bulk,
    )


def build_cases(cfg: PagesConfig) -> list[Case]:
    module = MODULES[PAGE_BENCH04]
    cases = [
        alloc_free_case(SINGLE_ALLOC_PUT, module, GFP_SINGLE, 0, cfg.bulk_loops, True, cfg.profile)
    ]
    cases += [bulk_case(cfg, BULK_LIST, b, True) for b in cfg.bulks]
    cases += [bulk_case(cfg, BULK_ARRAY, b, False) for b in cfg.bulks]
    return cases
