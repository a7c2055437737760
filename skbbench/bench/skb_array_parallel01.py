"""skb_array_parallel01: one ptr_ring / skb_array shared by pinned threads.

A queue of ``q_size`` (64,000) prefilled with ``prefill`` (32,000) fake pointers
(skb_array_produce_bh, outside the windows). Role by position as the original's by CPU
parity: the first, third ... CPU produces (``skb_array_produce``, ``step:1``), the others
consume (``skb_array_consume``, ``step:0``); each CPU runs ``loops`` single operations,
one element each ("cost is either enqueue or dequeue"); a full or empty queue stops that
CPU early with the original's WARN and a partial count. ``skb_array_parallel_two_CPUs``
on CPUs {0,1}, then ``skb_array_parallel_many_CPUs`` on 0..parallel_cpus-1 (the
original's 4; producers share the producer lock, consumers the consumer lock).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit

from skbbench.bench.pages_common import cpus_wanted, two_cpus
from skbbench.bench.skb_array_bench01 import FAKE_PTR, ptr_ring_prefill
from skbbench.harness.runner import BenchAbort, ParallelCase
from skbbench.harness.window import (
    native_start_barrier,
    new_sync,
    new_window,
    time_bench_start,
    time_bench_stop,
    window_record,
)
from skbbench.model.costs import cost_iters
from skbbench.model.ptr_ring import (
    ptr_ring_alloc,
    ptr_ring_consume,
    ptr_ring_entries,
    ptr_ring_produce,
)
from skbbench.specs.pagepool import (
    SKB_ARRAY_PARALLEL,
    SKB_MANY,
    SKB_MANY_CPUS,
    SKB_TWO_CPUS,
    PagepoolConfig,
)
from skbbench.timebench import Record

_0 = np.uint64(0)
_1 = np.uint64(1)
MIN_CPUS = 2  # the default run skips this module on fewer allowed CPUs
FUNC = "time_bench_CPU_enq_or_deq"


@njit(nogil=True, cache=True, _nrt=False)
def time_bench_cpu_enq_or_deq(q, loops, producer, window, warn, sync, nthreads):
    # time_bench_CPU_enq_or_deq: loops single produces or consumes; stop on full/empty
    n = np.uint64(loops)
    ptr = np.uint64(FAKE_PTR)
    cnt = _0
    native_start_barrier(sync, nthreads)
    time_bench_start(window)
    while cnt < n:
        if producer:
            if not ptr_ring_produce(q, _0, ptr):
                warn[0] = _1
                break
        elif ptr_ring_consume(q, _0) == _0:
            warn[0] = _1
            break
        cnt += _1
    warn[1] = cnt
    time_bench_stop(window, cnt)
    return cnt


@dataclass
class _Queue:
    q: np.ndarray
    prefilled: int
    nthreads: int
    sync: np.ndarray = field(default_factory=new_sync)
    warnings: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def parallel_case(
    cfg: PagepoolConfig, name: str, cpus: list[int], notes: list[str]
) -> ParallelCase:
    loops = cfg.parallel_loops

    def setup() -> _Queue:
        q = ptr_ring_alloc(cfg.q_size)
        bh = cost_iters(cfg.profile).bh_disable_enable
        done = int(ptr_ring_prefill(q, cfg.prefill, FAKE_PTR, bh))
        if done != cfg.prefill:
            raise BenchAbort(f"{SKB_ARRAY_PARALLEL}: cannot prefill {cfg.prefill} (got {done})")
        warn = np.zeros(2, dtype=np.uint64)  # compile here, not in the threads
        time_bench_cpu_enq_or_deq(q, 0, True, new_window(), warn, new_sync(), 1)
        return _Queue(q=q, prefilled=done, nthreads=len(cpus))

    def run(data: _Queue, index: int, cpu: int) -> Record:
        producer = index % 2 == 0
        window = new_window()
        warn = np.zeros(2, dtype=np.uint64)
        time_bench_cpu_enq_or_deq(data.q, loops, producer, window, warn, data.sync, data.nthreads)
        if warn[0]:
            what = "enq fullq" if producer else "deq emptyq"
            with data.lock:
                data.warnings.append(f"{FUNC}() WARN: {what}(CPU:{cpu}) i:{int(warn[1])}")
        return window_record(window, loops=loops, step=1 if producer else 0)

    def counters(data: _Queue) -> dict[str, Any]:
        return {
            "prefill": data.prefilled,
            "left_on_queue": len(ptr_ring_entries(data.q)),  # drained before cleanup
            "warnings": sorted(data.warnings),
        }

    return ParallelCase(
        name=name,
        loops=loops,
        step=0,
        cpus=cpus,
        run=run,
        setup=setup,
        counters=counters,
        group=SKB_ARRAY_PARALLEL,
        params={"module": SKB_ARRAY_PARALLEL, "q_size": cfg.q_size, "prefill": cfg.prefill},
        notes=notes,
        expected_invoked=loops,
    )


def build_cases(cfg: PagepoolConfig) -> list[ParallelCase]:
    intro = (
        f"{SKB_ARRAY_PARALLEL}: For '{SKB_TWO_CPUS}' step = enq(1)/deq(0), "
        "cost is either enqueue or dequeue"
    )
    two = two_cpus(SKB_TWO_CPUS)
    many, notes = cpus_wanted(SKB_MANY, cfg.parallel_cpus or None, "--parallel-cpus")
    notes = [n if n.startswith("NOTE") else f"{SKB_ARRAY_PARALLEL}: {n}" for n in notes]
    return [
        parallel_case(cfg, SKB_TWO_CPUS, two, [intro]),
        parallel_case(cfg, SKB_MANY_CPUS, many, notes),
    ]
