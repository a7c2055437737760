"""The page_pool debate (netdev/linux-mm, April 2016) as an experiment: an RX ring whose
pages are recycled by the page allocator, by Eric Dumazet's refcount reuse, or by a
page_pool, under a router and a host workload (docs/recycle.md).

One simulated machine per run with two simulated CPUs: CPU 0 runs the driver's RX loop
(NAPI, softirq); the page is released ``d`` packets after it was received -- at TX
completion on CPU 0 in softirq (``router``, d = ``tx_delay``), or by an application on
CPU 1 in process context (``host``, d drawn from an exponential distribution of mean
``hold_mean``, seeded). Both CPUs' work runs on one OS thread in a fixed order, so a run
is deterministic and its counters compare exactly; cycles per page are the whole
system's cost (driver + release) per packet. Per packet ``i`` on RX slot ``i % ring``:

* ``page_allocator``: the posted page takes the frame and goes up the stack; the slot is
  refilled with ``__alloc_pages_nodemask(GFP_COLD)`` (dev_alloc_page); the release is a
  put_page (the last reference: a free into the releasing CPU's per-CPU list).
* ``refcount``: ``rx_refcount_reuse`` on the slot's page (the one that took the frame a
  ring cycle ago): re-post it if ``page_count == 1``, else drop the driver's reference
  and allocate another (GFP_COLD); ``page_ref_inc`` for this frame's skb either way. The
  release is a put_page of the stack's reference (freeing the page only if the driver
  dropped it).
* ``page_pool``: the posted page goes up the stack; the slot is refilled with
  ``page_pool_alloc_pages`` (softirq, pool NAPI-owned by CPU 0); the release is
  ``page_pool_put_page(allow_direct = false)``: on CPU 0 in softirq the modern pool's
  NAPI-local direct recycling puts it in the alloc cache, from CPU 1 it goes to the
  ptr_ring (spin_lock_bh), and to the page allocator when the ring is full.

The frame's sequence number is written into the page's first word at RX and checked at
the release: a page re-posted while the stack still held it would show up as a mismatch
(a ModelError). A run: ``warm`` untimed packets, the timed window of ``packets``, then the
remaining releases and the ring's teardown, the pool's destroy and the conservation check.
The counters of the window (page allocator per CPU, RX, page_pool) are the table's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from skbbench.bench.pages_common import LastCounters, conserve, page_machine, record
from skbbench.errors import ModelError
from skbbench.harness.calls import FALSE as _FALSE
from skbbench.harness.calls import TRUE as _TRUE
from skbbench.harness.runner import Case
from skbbench.harness.window import new_window, time_bench_start, time_bench_stop
from skbbench.model.machine import Machine
from skbbench.model.mm_types import GFP_COLD
from skbbench.model.page_alloc import __alloc_pages_nodemask, put_page
from skbbench.model.page_alloc_view import PageAllocator
from skbbench.model.page_pool import (
    PagePool,
    page_pool_alloc_pages,
    page_pool_create,
    page_pool_put_page,
)
from skbbench.model.pages_layout import PP_ALLOC_CACHE_SIZE
from skbbench.model.rx_page_reuse import (
    RX_SLOTS,
    SLOT_WORDS,
    ST_ALLOC,
    rx_refcount_reuse,
    rx_ring_alloc,
    rx_stat,
    rx_stats,
)
from skbbench.specs.recycle import (
    CASE_NAMES,
    MODULE,
    PAGE_ALLOCATOR,
    PAGE_POOL,
    REFCOUNT,
    ROUTER,
    STRATEGIES,
    RecycleConfig,
    warm_packets,
)
from skbbench.timebench import Record

_0 = np.uint64(0)
_1 = np.uint64(1)
_9 = np.uint64(9)  # PAGE_SHIFT - 3: a page's first word in the machine array
_SLOTS = np.uint64(RX_SLOTS)
_SLOTW = np.uint64(SLOT_WORDS)
_GFP_COLD = np.uint64(GFP_COLD)
STRATEGY_CODES = {s: i for i, s in enumerate(STRATEGIES)}
_S_PAGE_ALLOCATOR = np.uint64(STRATEGY_CODES[PAGE_ALLOCATOR])
_S_REFCOUNT = np.uint64(STRATEGY_CODES[REFCOUNT])
# out[] words
O_OOM = 0  # an allocation failed (the run aborts)
O_BAD_DATA = 1  # releases that found another frame's data in the page
O_CURSOR = 2  # next release event


@njit(inline="always", nogil=True)
def rx_release(s, strategy, pool, cpu, page, softirq):
    # the stack's release of a frame's page: put_page, or page_pool_put_page
    if strategy == np.uint64(2):
        page_pool_put_page(s, pool, cpu, page, _FALSE, softirq)
    else:
        put_page(s, cpu, page)


@njit(inline="always", nogil=True)
def rx_alloc(s, strategy, pool, rx):
    # the driver's refill: dev_alloc_page (page allocator) or page_pool_alloc_pages
    if strategy == _S_PAGE_ALLOCATOR:
        rx_stat(rx, ST_ALLOC)
        return __alloc_pages_nodemask(s, _0, _GFP_COLD, _0)
    return page_pool_alloc_pages(s, pool, _0, _0, _TRUE)


@njit(nogil=True, cache=True, _nrt=False)
def rx_recycle_loop(
    s,
    strategy,
    pool,
    rx,
    rel_cpu,
    rel_softirq,
    first,
    last,
    flush,
    pkt_page,
    rel_time,
    rel_pkt,
    out,
    window,
):
    # packets first..last-1 on RX CPU 0, each preceded by the releases due by then;
    # flush: then every release still pending. The window brackets the packet loop.
    strategy = np.uint64(strategy)
    pool = np.uint64(pool)
    rel_cpu = np.uint64(rel_cpu)
    nring = rx[np.uint64(0)]
    nev = np.uint64(rel_time.shape[0])
    cur = out[O_CURSOR]
    t = np.uint64(first)
    end = np.uint64(last)
    time_bench_start(window)
    while t < end:
        while cur < nev and rel_time[cur] <= t:  # releases due before this packet
            i = rel_pkt[cur]
            page = pkt_page[i]
            if s[page << _9] != i + _1:
                out[O_BAD_DATA] += _1
            rx_release(s, strategy, pool, rel_cpu, page, rel_softirq)
            cur += _1
        w = _SLOTS + (t % nring) * _SLOTW
        if strategy == _S_REFCOUNT:
            page = rx_refcount_reuse(s, _0, rx, rx[w], _0)
            if page == _0:
                out[O_OOM] = _1
                break
            rx[w] = page  # the driver keeps its reference in the slot
        else:
            page = rx[w]
            if page == _0:  # the first ring cycle: post a page first
                page = rx_alloc(s, strategy, pool, rx)
            refill = rx_alloc(s, strategy, pool, rx)  # posted for the next frame here
            if page == _0 or refill == _0:
                out[O_OOM] = _1
                break
            rx[w] = refill
        s[page << _9] = t + _1  # the NIC writes the frame
        pkt_page[t] = page  # ... and the page goes up the stack with it
        t += _1
    time_bench_stop(window, t - np.uint64(first))
    if flush and out[O_OOM] == _0:
        while cur < nev:
            i = rel_pkt[cur]
            page = pkt_page[i]
            if s[page << _9] != i + _1:
                out[O_BAD_DATA] += _1
            rx_release(s, strategy, pool, rel_cpu, page, rel_softirq)
            cur += _1
    out[O_CURSOR] = cur
    return t - np.uint64(first)


@njit(nogil=True, cache=True, _nrt=False)
def rx_ring_teardown(s, strategy, pool, rx):
    # the driver's ring teardown: each posted page back (put_page, or to the pool)
    nring = rx[np.uint64(0)]
    k = _0
    while k < nring:
        w = _SLOTS + k * _SLOTW
        page = rx[w]
        if page != _0:
            if strategy == np.uint64(2):
                page_pool_put_page(s, np.uint64(pool), _0, page, _FALSE, _TRUE)
            else:
                put_page(s, _0, page)
            rx[w] = _0
        k += _1


def delays(cfg: RecycleConfig, workload: str, delay: int, n: int) -> np.ndarray:
    """The release delay of each of ``n`` packets: the router's fixed TX completion delay,
    or the host's exponential holding delays of mean ``delay`` (floored, seeded)."""
    if workload == ROUTER or delay == 0:
        return np.full(n, delay, dtype=np.uint64)
    rng = np.random.default_rng([cfg.seed, delay])
    return np.floor(rng.exponential(float(delay), n)).astype(np.uint64)


def schedule(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Release events sorted by time (packet i is released before packet i + 1 + d[i]),
    and the most pages the stack holds at once."""
    n = len(d)
    t = np.arange(1, n + 1, dtype=np.uint64) + d
    order = np.argsort(t, kind="stable").astype(np.uint64)
    held = np.zeros(n + 2, dtype=np.int64)
    np.add.at(held, np.arange(1, n + 1), 1)
    np.add.at(held, np.minimum(t, n + 1).astype(np.int64), -1)
    return t[order], order, int(np.cumsum(held).max())


def _window_counters(pa: PageAllocator, rx: np.ndarray, pool: PagePool | None) -> dict[str, Any]:
    out: dict[str, Any] = {f"page_alloc_cpu{c}": pa.stats(c) for c in range(pa.nr_cpus)}
    out["rx"] = rx_stats(rx)
    if pool is not None:
        out["page_pool"] = pool.stats()
    return out


def _diff(after: Any, before: Any) -> Any:
    if isinstance(after, dict):
        return {k: _diff(v, before[k]) for k, v in after.items()}
    return after - before


def recycle_case(cfg: RecycleConfig, workload: str, strategy: str, delay: int) -> Case:
    warm = cfg.warm or warm_packets(cfg.ring, delay)
    total = warm + cfg.packets
    code = STRATEGY_CODES[strategy]
    rel_cpu = 0 if workload == ROUTER else 1
    softirq = workload == ROUTER
    last = LastCounters()
    plan: list[tuple[np.ndarray, np.ndarray, int]] = []  # the seeded schedule, made once

    def run() -> Record:
        if not plan:
            plan.append(schedule(delays(cfg, workload, delay, total)))
        rel_time, rel_pkt, max_held = plan[0]
        nr_pages = 2 * cfg.ring + cfg.pool_size + PP_ALLOC_CACHE_SIZE + max_held + 2048
        m = page_machine(nr_pages, 2, cfg.profile, CASE_NAMES[strategy])
        pool = None
        if strategy == PAGE_POOL:
            pool = page_pool_create(m, cfg.version, pool_size=cfg.pool_size, napi_cpu=0)
        base = pool.base if pool else 0
        rx = rx_ring_alloc(cfg.ring)
        pa = PageAllocator(m)
        pkt_page = np.zeros(total, dtype=np.uint64)
        out = np.zeros(4, dtype=np.uint64)
        args = (m.s, code, base, rx, rel_cpu, softirq)
        rx_recycle_loop(*args, 0, warm, False, pkt_page, rel_time, rel_pkt, out, new_window())
        before = _window_counters(pa, rx, pool)
        window = new_window()
        rx_recycle_loop(*args, warm, total, False, pkt_page, rel_time, rel_pkt, out, window)
        after = _window_counters(pa, rx, pool)
        ok = not out[O_OOM]
        if ok:  # the releases still pending, the ring, the pool
            rx_recycle_loop(
                *args, total, total, True, pkt_page, rel_time, rel_pkt, out, new_window()
            )
            rx_ring_teardown(m.s, code, base, rx)
        last.value = {
            "window": _diff(after, before),
            "max_held_by_stack": max_held,
            **teardown(m, pool, int(out[O_BAD_DATA]), ok),
        }
        return record(window, cfg.packets, delay, ok, f"out of pages ({nr_pages})")

    return Case(
        name=CASE_NAMES[strategy],
        loops=cfg.packets,
        step=delay,
        run=run,
        counters=last,
        group=MODULE,
        params={
            "workload": workload,
            "strategy": strategy,
            "delay": delay,
            "series": f"{workload}: {strategy}",
            "ring": cfg.ring,
        },
        expected_invoked=cfg.packets,
    )


def teardown(m: Machine, pool: PagePool | None, bad_data: int, ok: bool) -> dict[str, Any]:
    """The pool's destroy and the conservation check (after a complete run)."""
    if bad_data:
        raise ModelError(
            f"rx_recycle: {bad_data} pages held by the stack were written by a later frame "
            "(re-posted while still in use)"
        )
    out: dict[str, Any] = {}
    if pool is not None:
        destroyed = pool.destroy(0)
        if ok and destroyed["inflight"]:
            raise ModelError(f"page_pool: {destroyed['inflight']} pages in flight at destroy")
    if ok:
        out.update(conserve(m))
        out.pop("page_alloc")  # the whole run's counters: the window's are above
    return out


def build_cases(cfg: RecycleConfig) -> list[Case]:
    cases = []
    for workload in cfg.workloads:
        sweep = cfg.tx_delay if workload == ROUTER else cfg.hold_means
        for delay in sweep:
            for strategy in cfg.strategies:
                cases.append(recycle_case(cfg, workload, strategy, delay))
    if cases:
        cases[0].notes.append(
            f"{MODULE}: RX ring {cfg.ring}, {cfg.packets} packets per window, page_pool "
            f"{cfg.version} (ptr_ring {cfg.pool_size}), holding delays seeded with {cfg.seed}"
        )
    return cases
