"""page_bench01: order-0 and order-N alloc_pages + free on the v4.6 page allocator model.

One element = one allocation + one free (of one page or one order-N block), simulated
CPU 0, a fresh machine per run:

* ``single_page_alloc_free`` (loops x 10): alloc_page(GFP_ATOMIC | __GFP_NORETRY) +
  __free_page;
* ``alloc_pages_order_step`` for order = step (loops x 10 up to order 3, loops above):
  alloc_pages(GFP_ATOMIC | __GFP_COMP | __GFP_NOWARN, order) + __free_pages; the module
  prints ``alloc_pages order:...`` before each Type line (the report renders it from the
  printed record);
* ``put_order_step`` (orders 0..4): alloc_pages + put_page, what drivers do.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.bench.pages_common import LastCounters, conserve, page_machine, record
from skbbench.harness.runner import Case
from skbbench.harness.window import new_window, time_bench_start, time_bench_stop
from skbbench.model.mm_types import GFP_COMP, GFP_NORETRY, GFP_NOWARN, MAX_ORDER
from skbbench.model.page_alloc import __free_pages, alloc_pages, put_page
from skbbench.specs.pages import (
    LOOP_FACTOR,
    MODULES,
    ORDER_STEP,
    PAGE_BENCH01,
    PUT_ORDER_STEP,
    SINGLE_ALLOC_FREE,
    PagesConfig,
    order_loops,
)
from skbbench.timebench import Record

_0 = np.uint64(0)
_1 = np.uint64(1)
GFP_SINGLE = GFP_NORETRY  # GFP_ATOMIC | ___GFP_NORETRY (GFP_ATOMIC is the model's 0)
GFP_ORDER = GFP_COMP | GFP_NOWARN  # GFP_ATOMIC | __GFP_COMP | __GFP_NOWARN
NR_PAGES = 4 << (MAX_ORDER - 1)  # four MAX_ORDER - 1 blocks: room for any order


@njit(nogil=True, cache=True, _nrt=False)
def time_alloc_pages(s, cpu, gfp, order, loops, put, window):
    # page_bench01 time_single_page_alloc_free / time_alloc_pages / time_alloc_pages_put:
    # alloc + (__free_pages or put_page) per element; a NULL page returns 0 (ABORT)
    cpu = np.uint64(cpu)
    gfp = np.uint64(gfp)
    order = np.uint64(order)
    n = np.uint64(loops)
    i = _0
    ok = True
    time_bench_start(window)
    while i < n:
        page = alloc_pages(s, cpu, gfp, order)
        if page == _0:
            ok = False
            break
        if put:
            put_page(s, cpu, page)
        else:
            __free_pages(s, cpu, page, order)
        i += _1
    time_bench_stop(window, i)
    return ok


def alloc_free_case(
    name: str,
    module: str,
    gfp: int,
    order: int,
    iters: int,
    put: bool,
    profile: str,
    step: int = 0,
    nr_pages: int = NR_PAGES,
) -> Case:
    """One alloc+free scenario on a fresh 1-CPU machine per run (also page_bench04's
    single_page_alloc_put)."""
    last = LastCounters()

    def run() -> Record:
        m = page_machine(nr_pages, 1, profile, name)
        window = new_window()
        ok = bool(time_alloc_pages(m.s, 0, gfp, order, iters, put, window))
        last.value = conserve(m)
        return record(window, iters, step, ok, "alloc_pages returned NULL")

    return Case(
        name=name,
        loops=iters,
        step=step,
        run=run,
        counters=last,
        group=module,
        params={"module": module, "order": order},
        expected_invoked=iters,
    )


def build_cases(cfg: PagesConfig) -> list[Case]:
    module = MODULES[PAGE_BENCH01]
    cases = [
        alloc_free_case(
            SINGLE_ALLOC_FREE, module, GFP_SINGLE, 0, cfg.loops * LOOP_FACTOR, False, cfg.profile
        )
    ]
    for order in cfg.orders:
        iters = order_loops(cfg.loops, order)
        cases.append(
            alloc_free_case(ORDER_STEP, module, GFP_ORDER, order, iters, False, cfg.profile, order)
        )
    for order in cfg.put_orders:
        iters = order_loops(cfg.loops, order)
        cases.append(
            alloc_free_case(
                PUT_ORDER_STEP, module, GFP_ORDER, order, iters, True, cfg.profile, order
            )
        )
    return cases
