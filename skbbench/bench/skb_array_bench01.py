"""skb_array_bench01: ptr_ring / skb_array produce + consume on one CPU.

One element = one locked produce (spin_lock + __ptr_ring_produce + spin_unlock of the
producer lock) and one locked consume of the same fake pointer (42), checked:
``skb_array_min_overhead`` on an empty queue of each size (step = queue size; batch 1 for
size 8, 16 otherwise), then ``skb_array_prefilled`` on a queue of 1000 with 64 objects
queued first (step = 64), so producer and consumer work 64 slots apart.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.bench.pages_common import record
from skbbench.harness.runner import Case
from skbbench.harness.window import new_window, time_bench_start, time_bench_stop
from skbbench.model.costs import cost_iters
from skbbench.model.ptr_ring import (
    ptr_ring_alloc,
    ptr_ring_consume,
    ptr_ring_produce,
    ptr_ring_produce_bh,
)
from skbbench.specs.pagepool import (
    PREFILLED_OBJS,
    PREFILLED_QUEUE,
    SKB_ARRAY,
    SKB_MIN_OVERHEAD,
    SKB_PREFILLED,
    PagepoolConfig,
)
from skbbench.timebench import Record

_0 = np.uint64(0)
_1 = np.uint64(1)
FAKE_PTR = 42


@njit(nogil=True, cache=True, _nrt=False)
def ptr_ring_prefill(q, n, ptr, bh_iters):
    # skb_array_produce_bh of n fake pointers (outside any window); returns how many fit
    i = _0
    n = np.uint64(n)
    while i < n:
        if not ptr_ring_produce_bh(q, _0, np.uint64(ptr), bh_iters):
            break
        i += _1
    return i


@njit(nogil=True, cache=True, _nrt=False)
def time_bench_skb_array(q, loops, window):
    # time_bench_one_enq_deq: skb_array_produce + skb_array_consume of the same pointer
    n = np.uint64(loops)
    ptr = np.uint64(FAKE_PTR)
    cnt = _0
    ok = True
    time_bench_start(window)
    while cnt < n:
        if not ptr_ring_produce(q, _0, ptr):
            ok = False
            break
        if ptr_ring_consume(q, _0) != ptr:
            ok = False
            break
        cnt += _1
    time_bench_stop(window, cnt)
    return ok


def skb_array_case(name: str, loops: int, size: int, prefill: int, profile: str) -> Case:
    step = prefill if prefill else size

    def run() -> Record:
        q = ptr_ring_alloc(size)
        if prefill:
            bh = cost_iters(profile).bh_disable_enable
            if int(ptr_ring_prefill(q, prefill, FAKE_PTR, bh)) != prefill:
                return record(new_window(), loops, step, False, "cannot prefill")
        window = new_window()
        ok = bool(time_bench_skb_array(q, loops, window))
        return record(window, loops, step, ok, "produce failed or consumed another pointer")

    return Case(
        name=name,
        loops=loops,
        step=step,
        run=run,
        group=SKB_ARRAY,
        params={"module": SKB_ARRAY, "q_size": size},
        expected_invoked=loops,
    )


def build_cases(cfg: PagepoolConfig) -> list[Case]:
    cases = [
        skb_array_case(SKB_MIN_OVERHEAD, cfg.skb_loops, size, 0, cfg.profile)
        for size in cfg.queue_sizes
    ]
    cases[0].notes.append(
        f"{SKB_ARRAY}: For '{SKB_MIN_OVERHEAD}' step = queue_size, cost is enqueue+dequeue"
    )
    pre = skb_array_case(SKB_PREFILLED, cfg.skb_loops, PREFILLED_QUEUE, PREFILLED_OBJS, cfg.profile)
    pre.notes.append(
        f"{SKB_ARRAY}: For '{SKB_PREFILLED}' step = prefilled objs, cost is enqueue+dequeue"
    )
    return [*cases, pre]
