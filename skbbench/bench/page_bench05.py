"""page_bench05_cross_cpu: ``cross_cpu_page_alloc_put`` -- pages allocated on one CPU and
freed on another, on two pinned threads over one machine (simulated CPUs 0 and 1).

A ptr_ring of ``q_size`` (64,000) with locked produce/consume is prefilled with
``prefill`` (32,000) real pages. The producer (the first CPU, ``step:1``) runs ``loops``
x {alloc_pages(GFP_ATOMIC | ___GFP_NORETRY [| __GFP_COMP], page_order) + produce}; the
consumer (``step:0``) ``loops`` x {consume + put_page}: a remote free, into the
consumer's per-CPU list, from which every 31 pages go back to the buddy lists under the
zone lock that the producer's refills take too. One element = one operation. A full or
empty queue stops that CPU early with the original's WARN (kept in the counters). After
each run the destructor consumes what is left (a page with refcount 0 on the queue is an
error, as in the original) and the conservation check runs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit

from skbbench.bench.pages_common import conserve, page_machine, two_cpus
from skbbench.errors import ModelError
from skbbench.harness.runner import BenchAbort, ParallelCase
from skbbench.harness.window import (
    native_start_barrier,
    new_sync,
    new_window,
    time_bench_start,
    time_bench_stop,
    window_record,
)
from skbbench.model.machine import Machine
from skbbench.model.mm_types import (
    GFP_COMP,
    GFP_NORETRY,
    PAGE_RECORD_WORDS,
    PG_COUNTERS,
    REFCOUNT_SHIFT,
)
from skbbench.model.page_alloc import alloc_pages, put_page
from skbbench.model.ptr_ring import (
    ptr_ring_alloc,
    ptr_ring_consume,
    ptr_ring_entries,
    ptr_ring_produce,
)
from skbbench.specs.pages import CROSS_CPU, MODULES, PAGE_BENCH05, PagesConfig
from skbbench.timebench import Record

_0 = np.uint64(0)
_1 = np.uint64(1)
_2 = np.uint64(2)
MIN_CPUS = 2  # the default run skips this module on fewer allowed CPUs
WARN_FULL = 1
WARN_EMPTY = 2
WARN_OOM = 3


@njit(nogil=True, cache=True, _nrt=False)
def cross_cpu_page_worker(s, q, cpu, gfp, order, loops, producer, window, warn, sync, nthreads):
    # page_bench05 time_cross_cpu_page_alloc_put: the producer allocates and produces, the
    # consumer consumes and put_page()s (a remote free); stop early on full/empty
    cpu = np.uint64(cpu)
    gfp = np.uint64(gfp)
    order = np.uint64(order)
    n = np.uint64(loops)
    cnt = _0
    native_start_barrier(sync, nthreads)
    time_bench_start(window)
    while cnt < n:
        if producer:
            page = alloc_pages(s, cpu, gfp, order)
            if page == _0:
                warn[0] = np.uint64(WARN_OOM)
                warn[1] = cnt
                break
            if not ptr_ring_produce(q, _0, page):
                put_page(s, cpu, page)
                warn[0] = _1
                warn[1] = cnt
                break
        else:
            page = ptr_ring_consume(q, _0)
            if page == _0:
                warn[0] = _2
                warn[1] = cnt
                break
            put_page(s, cpu, page)
        cnt += _1
    time_bench_stop(window, cnt)
    return cnt


@dataclass
class _Cross:
    machine: Machine
    q: np.ndarray
    prefilled: int
    sync: np.ndarray = field(default_factory=new_sync)
    warnings: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counters: dict[str, Any] = field(default_factory=dict)


def build_cases(cfg: PagesConfig) -> list[ParallelCase]:
    module = MODULES[PAGE_BENCH05]
    cpus = two_cpus(f"page_bench05 {CROSS_CPU}")
    order = cfg.page_order
    gfp = GFP_NORETRY | (GFP_COMP if order else 0)
    loops = cfg.cross_loops
    nr_pages = (cfg.q_size + 2048) << order

    def setup() -> _Cross:
        m = page_machine(nr_pages, 2, cfg.profile, CROSS_CPU)
        q = ptr_ring_alloc(cfg.q_size)
        warn = np.zeros(2, dtype=np.uint64)
        got = int(
            cross_cpu_page_worker(
                m.s, q, 0, gfp, order, cfg.prefill, True, new_window(), warn, new_sync(), 1
            )
        )
        if got != cfg.prefill:
            raise BenchAbort(f"{module}: cannot prefill the queue ({got} of {cfg.prefill})")
        return _Cross(machine=m, q=q, prefilled=got)

    def run(data: _Cross, index: int, cpu: int) -> Record:
        producer = index % 2 == 0
        window = new_window()
        warn = np.zeros(2, dtype=np.uint64)
        cross_cpu_page_worker(
            data.machine.s, data.q, index, gfp, order, loops, producer, window, warn, data.sync, 2
        )
        if warn[0]:
            what = {WARN_FULL: "enq fullq", WARN_EMPTY: "deq emptyq", WARN_OOM: "alloc failed"}
            with data.lock:
                data.warnings.append(
                    f"time_cross_cpu_page_alloc_put(): WARN: {what[int(warn[0])]}"
                    f"(CPU:{cpu}) i:{int(warn[1])}"
                )
        return window_record(window, loops=loops, step=1 if producer else 0)

    def check(data: _Cross) -> None:
        s = data.machine.s
        queued = np.array(ptr_ring_entries(data.q), dtype=np.int64)
        recs = data.machine.record(0) + queued * PAGE_RECORD_WORDS + PG_COUNTERS
        zero = int((s[recs] >> np.uint64(REFCOUNT_SHIFT) == 0).sum()) if len(queued) else 0
        if zero:
            raise ModelError(f"{module}: ERROR: {zero} pages with zero refcnt on queue!")
        warn = np.zeros(2, dtype=np.uint64)
        left = int(
            cross_cpu_page_worker(
                s, data.q, 0, gfp, order, data.q.shape[0], False, new_window(), warn, new_sync(), 1
            )
        )
        data.counters = {
            **conserve(data.machine),
            "prefill": data.prefilled,
            "left_on_queue": left,
            "warnings": sorted(data.warnings),
        }
        data.counters.pop("page_alloc")  # per-CPU event counts depend on the interleaving

    return [
        ParallelCase(
            name=CROSS_CPU,
            loops=loops,
            step=0,
            cpus=cpus,
            run=run,
            setup=setup,
            check=check,
            counters=lambda data: data.counters,
            group=module,
            params={"module": module, "order": order, "q_size": cfg.q_size, "prefill": cfg.prefill},
            expected_invoked=loops,
        )
    ]
