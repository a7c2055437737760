"""page_pool (net/core/page_pool.c) in two versions over the page allocator model.

``v4.18`` is the first page_pool (read from v4.19.1): the alloc path returns NULL as soon
as the ptr_ring is empty, even with pages in the alloc cache; a softirq refill moves 64
pages from the ring under the consumer lock and returns the 65th, or NULL if the ring
drained first; the slow path allocates one page. ``modern`` is v6.19: alloc cache 128,
refill 64 from the ring without a lock, a bulk refill of 64 from alloc_pages_bulk on the
slow path, NAPI-local direct recycling, ring full => the page goes back to the page
allocator, and the kernel's alloc/recycle statistics. The pool lives in the machine's meta
area; pages are pfns. Layout and what is not modelled: docs/page_alloc.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from skbbench.errors import ModelError, UsageError
from skbbench.harness.calls import TRUE as _TRUE
from skbbench.harness.intrinsics import atomic_add64
from skbbench.harness.locks import spin_lock, spin_unlock
from skbbench.model.machine import MH_ZONE, U_MH_COST_BH, Machine
from skbbench.model.mm_types import (
    GFP_COMP,
    GFP_NOWARN,
    MAX_ORDER,
    PG_PFMEMALLOC,
    U_PG_AUX,
    U_PG_FLAGS,
    U_PG_FREELIST,
    U_PG_LRU_PREV,
)
from skbbench.model.page_alloc import (
    __alloc_pages_nodemask,
    alloc_pages_bulk_array_at,
    page_ref_count,
    pfn_to_page,
    put_page,
)
from skbbench.model.pages_layout import (
    PP_ALLOC_CACHE_REFILL,
    PP_ALLOC_CACHE_SIZE,
    PP_RING_CAP_MODERN,
    PP_RING_DEFAULT,
    PP_RING_MAX,
)
from skbbench.model.ptr_ring import (
    PTR_RING_WORDS,
    R_CONSUMER_LOCK,
    R_PRODUCER_LOCK,
    __ptr_ring_consume,
    __ptr_ring_empty,
    __ptr_ring_produce,
    ptr_ring_consume,
    ptr_ring_entries,
    ptr_ring_init,
    ptr_ring_produce_bh,
)

V4_18 = 0
MODERN = 1
VERSIONS = {"v4.18": V4_18, "modern": MODERN}

PP_SIGNATURE = 0x40  # pp_magic (POISON_POINTER_DELTA + 0x40 with the delta 0)
NO_CPU = (1 << 64) - 1  # pool->cpuid = -1: no NAPI owner
NODE_SHIFT = 48  # page_to_nid: node id in the flags word's top bits (one node: always 0)

# Pool region (word offsets from the pool's base word).
PP_MAGIC = 0
PP_VERSION = 1
PP_ORDER = 2
PP_POOL_SIZE = 3  # params.pool_size as given
PP_RING_SIZE = 4  # the ptr_ring's size
PP_NID = 5
PP_CPUID = 6  # pool->cpuid / NAPI owner (NO_CPU: none)
PP_CACHE_SIZE = 7  # PP_ALLOC_CACHE_SIZE (128; another value only as a what-if)
PP_REFILL = 8  # PP_ALLOC_CACHE_REFILL (64)
PP_NR_CPUS = 9
PP_RING = 10  # word index of the ptr_ring
PP_RELEASE = 11  # word index of pages_state_release_cnt (own line)
PP_RECYCLE_STATS = 12  # word index of CPU 0's recycle stats
PP_ERR = 13  # model error: 1 = a cached/ring page without refcount 1 at destroy
PP_ERR_PFN = 14
PP_HOLD_CNT = 16  # alloc side (NAPI-owned) line: pages_state_hold_cnt, alloc stats
PP_ALLOC_STATS = 17
PP_ALLOC_COUNT = 24  # struct pp_alloc_cache {count; cache[]} (cache-line aligned)
PP_CACHE = 25
POOL_MAGIC = 0x50505F4F_4F4C0001  # "PP_OOL"

ALLOC_STATS = ("fast", "slow", "slow_high_order", "empty", "refill", "waive")
RECYCLE_STATS = ("cached", "cache_full", "ring", "ring_full", "released_refcnt")
RECYCLE_STRIDE = 8
(A_FAST, A_SLOW, A_SLOW_HIGH_ORDER, A_EMPTY, A_REFILL, A_WAIVE) = (np.uint64(i) for i in range(6))
(R_CACHED, R_CACHE_FULL, R_RING, R_RING_FULL, R_RELEASED_REFCNT) = (
    np.uint64(8 + i) for i in range(5)
)

_0 = np.uint64(0)
_1 = np.uint64(1)
_8 = np.uint64(8)
_V4_18 = np.uint64(V4_18)
_PP_VERSION = np.uint64(PP_VERSION)
_PP_ORDER = np.uint64(PP_ORDER)
_PP_NID = np.uint64(PP_NID)
_PP_CPUID = np.uint64(PP_CPUID)
_PP_CACHE_SIZE = np.uint64(PP_CACHE_SIZE)
_PP_REFILL = np.uint64(PP_REFILL)
_PP_RING = np.uint64(PP_RING)
_PP_RELEASE = np.uint64(PP_RELEASE)
_PP_RECYCLE_STATS = np.uint64(PP_RECYCLE_STATS)
_PP_ERR = np.uint64(PP_ERR)
_PP_HOLD_CNT = np.uint64(PP_HOLD_CNT)
_PP_ALLOC_STATS = np.uint64(PP_ALLOC_STATS)
_PP_ALLOC_COUNT = np.uint64(PP_ALLOC_COUNT)
_PP_CACHE = np.uint64(PP_CACHE)
_RSTRIDE = np.uint64(RECYCLE_STRIDE)
_R_CONSUMER_LOCK = np.uint64(R_CONSUMER_LOCK)
_R_PRODUCER_LOCK = np.uint64(R_PRODUCER_LOCK)
_GFP_COMP = np.uint64(GFP_COMP)
_GFP_NOWARN = np.uint64(GFP_NOWARN)
_PP_SIGNATURE = np.uint64(PP_SIGNATURE)
_PG_PFMEMALLOC = np.uint64(PG_PFMEMALLOC)
_NODE_SHIFT = np.uint64(NODE_SHIFT)


# --------------------------------------------------------------------------------------
# Helpers


@njit(inline="always", nogil=True)
def pp_stat(s, pool, cpu, item):
    # alloc_stat_inc (pool->alloc_stats, NAPI-owned) / recycle_stat_inc (per CPU):
    # the one place every page_pool counter is bumped
    if item < _8:
        s[pool + _PP_ALLOC_STATS + item] += _1
    else:
        s[s[pool + _PP_RECYCLE_STATS] + cpu * _RSTRIDE + item - _8] += _1


@njit(inline="always", nogil=True)
def page_to_nid(s, pfn):
    # page_to_nid: the node bits of page->flags (one node: 0)
    return s[pfn_to_page(s, pfn) + U_PG_FLAGS] >> _NODE_SHIFT


@njit(inline="always", nogil=True)
def page_pool_set_pp_info(s, pool, pfn):
    # page_pool_set_pp_info: pp = pool, pp_magic |= PP_SIGNATURE, pp_ref_count = 1
    r = pfn_to_page(s, pfn)
    s[r + U_PG_AUX] = pool
    s[r + U_PG_FREELIST] = s[r + U_PG_FREELIST] | _PP_SIGNATURE
    s[r + U_PG_LRU_PREV] = _1


@njit(nogil=True, cache=True, _nrt=False)
def page_pool_return_page(s, pool, cpu, pfn):
    # v4.18 __page_pool_return_page / v6.19 page_pool_return_netmem: release the pool's
    # state (DMA unmap: not modelled) and put_page back to the page allocator
    if s[pool + _PP_VERSION] != _V4_18:
        atomic_add64(s, s[pool + _PP_RELEASE], _1)  # pages_state_release_cnt
        r = pfn_to_page(s, pfn)
        s[r + U_PG_FREELIST] = _0  # page_pool_clear_pp_info: pp_magic, pp
        s[r + U_PG_AUX] = _0
    put_page(s, cpu, pfn)


@njit(inline="always", nogil=True)
def page_pool_recycle_in_cache(s, pool, cpu, pfn):
    # page_pool_recycle_in_cache (v4.18 __page_pool_recycle_direct): push if not full
    count = s[pool + _PP_ALLOC_COUNT]
    if count == s[pool + _PP_CACHE_SIZE]:
        pp_stat(s, pool, cpu, R_CACHE_FULL)
        return False
    s[pool + _PP_CACHE + count] = pfn
    s[pool + _PP_ALLOC_COUNT] = count + _1
    pp_stat(s, pool, cpu, R_CACHED)
    return True


@njit(inline="always", nogil=True)
def page_pool_recycle_in_ring(s, pool, cpu, pfn, in_softirq):
    # v6.19 page_pool_recycle_in_ring (page_pool_producer_lock: spin_lock in softirq,
    # spin_lock_bh otherwise) / v4.18 __page_pool_recycle_into_ring (ptr_ring_produce[_bh])
    ring = s[pool + _PP_RING]
    if in_softirq:
        spin_lock(s, ring + _R_PRODUCER_LOCK)
        ok = __ptr_ring_produce(s, ring, pfn)
        if ok:
            pp_stat(s, pool, cpu, R_RING)
        spin_unlock(s, ring + _R_PRODUCER_LOCK)
        return ok
    ok = ptr_ring_produce_bh(s, ring, pfn, s[U_MH_COST_BH])
    if ok:
        pp_stat(s, pool, cpu, R_RING)
    return ok


# --------------------------------------------------------------------------------------
# v4.18


@njit(inline="always", nogil=True)
def __page_pool_get_cached_v4_18(s, pool, cpu, in_softirq):
    # v4.18 __page_pool_get_cached: NULL when the ring is empty (alloc cache not consulted)
    ring = s[pool + _PP_RING]
    if __ptr_ring_empty(s, ring):
        pp_stat(s, pool, cpu, A_EMPTY)
        return _0
    if in_softirq:
        count = s[pool + _PP_ALLOC_COUNT]
        if count != _0:  # fast path
            count -= _1
            s[pool + _PP_ALLOC_COUNT] = count
            pp_stat(s, pool, cpu, A_FAST)
            return s[pool + _PP_CACHE + count]
        # open-coded bulk consumer under the consumer lock: 64 into the cache, the 65th
        # returned, NULL if the ring drains first
        refill = s[pool + _PP_REFILL]
        page = _0
        spin_lock(s, ring + _R_CONSUMER_LOCK)
        while True:
            page = __ptr_ring_consume(s, ring)
            if page == _0:
                break
            if count == refill:
                break
            s[pool + _PP_CACHE + count] = page
            count += _1
        s[pool + _PP_ALLOC_COUNT] = count
        spin_unlock(s, ring + _R_CONSUMER_LOCK)
        if page != _0:
            pp_stat(s, pool, cpu, A_REFILL)
        return page
    page = ptr_ring_consume(s, ring)  # not in softirq: locked ring consume of one page
    if page != _0:
        pp_stat(s, pool, cpu, A_REFILL)
    return page


@njit(nogil=True, cache=True, _nrt=False)
def __page_pool_alloc_pages_slow_v4_18(s, pool, cpu, gfp):
    # v4.18 __page_pool_alloc_pages_slow (noinline): one page from the page allocator
    order = s[pool + _PP_ORDER]
    if order != _0:
        gfp |= _GFP_COMP
        pp_stat(s, pool, cpu, A_SLOW_HIGH_ORDER)
    else:
        pp_stat(s, pool, cpu, A_SLOW)
    return __alloc_pages_nodemask(s, cpu, gfp, order)  # alloc_pages_node(nid, gfp, order)


@njit(inline="always", nogil=True)
def page_pool_alloc_pages_v4_18(s, pool, cpu, gfp, in_softirq):
    # v4.18 page_pool_alloc_pages: cached, else the slow path
    page = __page_pool_get_cached_v4_18(s, pool, cpu, in_softirq)
    if page != _0:
        return page
    return __page_pool_alloc_pages_slow_v4_18(s, pool, cpu, gfp)


@njit(inline="always", nogil=True)
def page_pool_put_page_v4_18(s, pool, cpu, pfn, allow_direct, in_softirq):
    # v4.18 __page_pool_put_page
    if page_ref_count(s, pfn) == _1:  # the pool owns the page: recycle
        if allow_direct and in_softirq:
            if page_pool_recycle_in_cache(s, pool, cpu, pfn):
                return
        if not page_pool_recycle_in_ring(s, pool, cpu, pfn, in_softirq):
            pp_stat(s, pool, cpu, R_RING_FULL)
            page_pool_return_page(s, pool, cpu, pfn)  # ring full: back to the allocator
        return
    pp_stat(s, pool, cpu, R_RELEASED_REFCNT)  # elevated refcount: the page leaves the pool
    page_pool_return_page(s, pool, cpu, pfn)  # __page_pool_clean_page + put_page


# --------------------------------------------------------------------------------------
# v6.19 ("modern")


@njit(inline="always", nogil=True)
def page_pool_refill_alloc_cache(s, pool, cpu):
    # page_pool_refill_alloc_cache: up to 64 from the ring (NAPI protection, no lock),
    # stop at a page of another NUMA node (waive); return the last one cached
    ring = s[pool + _PP_RING]
    if __ptr_ring_empty(s, ring):
        pp_stat(s, pool, cpu, A_EMPTY)
        return _0
    pref_nid = s[pool + _PP_NID]
    refill = s[pool + _PP_REFILL]
    count = s[pool + _PP_ALLOC_COUNT]
    page = _0
    while True:
        page = __ptr_ring_consume(s, ring)
        if page == _0:
            break
        if page_to_nid(s, page) == pref_nid:
            s[pool + _PP_CACHE + count] = page
            count += _1
        else:  # NUMA mismatch: release it and fall through to the page allocator
            page_pool_return_page(s, pool, cpu, page)
            pp_stat(s, pool, cpu, A_WAIVE)
            page = _0
            break
        if count >= refill:
            break
    if count > _0:
        count -= _1
        page = s[pool + _PP_CACHE + count]
        pp_stat(s, pool, cpu, A_REFILL)
    s[pool + _PP_ALLOC_COUNT] = count
    return page


@njit(inline="always", nogil=True)
def __page_pool_get_cached(s, pool, cpu):
    # __page_pool_get_cached: pop the alloc cache, else refill it from the ring
    count = s[pool + _PP_ALLOC_COUNT]
    if count != _0:
        count -= _1
        s[pool + _PP_ALLOC_COUNT] = count
        pp_stat(s, pool, cpu, A_FAST)
        return s[pool + _PP_CACHE + count]
    return page_pool_refill_alloc_cache(s, pool, cpu)


@njit(nogil=True, cache=True, _nrt=False)
def __page_pool_alloc_pages_slow(s, pool, cpu, gfp):
    # __page_pool_alloc_netmems_slow: order 0 bulk-refills the alloc cache with up to 64
    # pages from alloc_pages_bulk; higher orders take __page_pool_alloc_page_order
    gfp |= _GFP_NOWARN  # (gfp & GFP_ATOMIC) == GFP_ATOMIC
    order = s[pool + _PP_ORDER]
    if order != _0:  # __page_pool_alloc_page_order
        page = __alloc_pages_nodemask(s, cpu, gfp | _GFP_COMP, order)
        if page == _0:
            return _0
        page_pool_set_pp_info(s, pool, page)
        s[pool + _PP_HOLD_CNT] += _1
        pp_stat(s, pool, cpu, A_SLOW_HIGH_ORDER)
        return page
    count = s[pool + _PP_ALLOC_COUNT]
    if count > _0:  # unnecessary, as the cache is empty; guarantees a zero count
        count -= _1
        s[pool + _PP_ALLOC_COUNT] = count
        return s[pool + _PP_CACHE + count]
    bulk = s[pool + _PP_REFILL]
    cache = pool + _PP_CACHE
    i = _0
    while i < bulk:  # mark the slots empty for alloc_pages_bulk
        s[cache + i] = _0
        i += _1
    nr_pages = alloc_pages_bulk_array_at(s, cpu, gfp, bulk, s, cache)
    if nr_pages == _0:
        return _0
    i = _0
    while i < nr_pages:  # no DMA mapping to fail: every page is kept
        page = s[cache + i]
        page_pool_set_pp_info(s, pool, page)
        s[cache + count] = page
        count += _1
        s[pool + _PP_HOLD_CNT] += _1  # pages_state_hold_cnt
        i += _1
    page = _0
    if count > _0:
        count -= _1
        page = s[cache + count]
        pp_stat(s, pool, cpu, A_SLOW)
    s[pool + _PP_ALLOC_COUNT] = count
    return page


@njit(inline="always", nogil=True)
def page_pool_alloc_pages_modern(s, pool, cpu, gfp):
    # page_pool_alloc_netmems: cached, else the slow path
    page = __page_pool_get_cached(s, pool, cpu)
    if page != _0:
        return page
    return __page_pool_alloc_pages_slow(s, pool, cpu, gfp)


@njit(inline="always", nogil=True)
def page_pool_napi_local(s, pool, cpu, in_softirq):
    # page_pool_napi_local: in softirq on the CPU that owns the pool's NAPI
    if not in_softirq:
        return False
    return s[pool + _PP_CPUID] == cpu


@njit(inline="always", nogil=True)
def page_pool_put_page_modern(s, pool, cpu, pfn, allow_direct, in_softirq):
    # page_pool_put_netmem: unref_and_test, then page_pool_put_unrefed_netmem
    r = pfn_to_page(s, pfn)
    if s[r + U_PG_LRU_PREV] != _1:  # page_pool_unref_and_test (pp_ref_count != 1: frags)
        if atomic_add64(s, r + U_PG_LRU_PREV, np.uint64(0xFFFFFFFFFFFFFFFF)) != _1:
            return
    if not allow_direct:
        allow_direct = page_pool_napi_local(s, pool, cpu, in_softirq)
    # __page_pool_put_page: recyclable if refcount 1 and not pfmemalloc
    if page_ref_count(s, pfn) == _1 and (s[r + U_PG_FLAGS] & _PG_PFMEMALLOC) == _0:
        if allow_direct and page_pool_recycle_in_cache(s, pool, cpu, pfn):
            return
        if not page_pool_recycle_in_ring(s, pool, cpu, pfn, in_softirq):
            pp_stat(s, pool, cpu, R_RING_FULL)
            page_pool_return_page(s, pool, cpu, pfn)
        return
    pp_stat(s, pool, cpu, R_RELEASED_REFCNT)
    page_pool_return_page(s, pool, cpu, pfn)


# --------------------------------------------------------------------------------------
# Entry points (the pool's version word selects the code)


@njit(nogil=True, cache=True, _nrt=False)
def page_pool_alloc_pages(s, pool, cpu, gfp, in_softirq):
    # page_pool_alloc_pages
    pool = np.uint64(pool)
    cpu = np.uint64(cpu)
    gfp = np.uint64(gfp)
    if s[pool + _PP_VERSION] == _V4_18:
        return page_pool_alloc_pages_v4_18(s, pool, cpu, gfp, in_softirq)
    return page_pool_alloc_pages_modern(s, pool, cpu, gfp)


@njit(inline="always", nogil=True)
def __page_pool_put_page(s, pool, cpu, pfn, allow_direct, in_softirq):
    # __page_pool_put_page of the pool's version
    pool = np.uint64(pool)
    cpu = np.uint64(cpu)
    pfn = np.uint64(pfn)
    if s[pool + _PP_VERSION] == _V4_18:
        page_pool_put_page_v4_18(s, pool, cpu, pfn, allow_direct, in_softirq)
    else:
        page_pool_put_page_modern(s, pool, cpu, pfn, allow_direct, in_softirq)


@njit(nogil=True, cache=True, _nrt=False)
def page_pool_put_page(s, pool, cpu, pfn, allow_direct, in_softirq):
    # page_pool_put_page(pool, page, allow_direct)
    __page_pool_put_page(s, pool, cpu, pfn, bool(allow_direct), bool(in_softirq))


@njit(nogil=True, cache=True, _nrt=False)
def page_pool_recycle_direct(s, pool, cpu, pfn, in_softirq):
    # page_pool_recycle_direct: put with allow_direct = true
    __page_pool_put_page(s, pool, cpu, pfn, _TRUE, bool(in_softirq))


@njit(nogil=True, cache=True, _nrt=False)
def page_pool_scrub(s, pool, cpu):
    # page_pool_destroy's emptying (v4.18 page_pool_destroy + __page_pool_empty_ring,
    # v6.19 page_pool_scrub): alloc cache, then the ring, back to the page allocator;
    # returns the pages returned
    pool = np.uint64(pool)
    cpu = np.uint64(cpu)
    n = _0
    count = s[pool + _PP_ALLOC_COUNT]
    while count != _0:
        count -= _1
        s[pool + _PP_ALLOC_COUNT] = count
        page_pool_return_page(s, pool, cpu, s[pool + _PP_CACHE + count])
        n += _1
    ring = s[pool + _PP_RING]
    while True:
        page = ptr_ring_consume(s, ring)
        if page == _0:
            break
        if page_ref_count(s, page) != _1 and s[pool + _PP_ERR] == _0:  # "refcnt violation"
            s[pool + _PP_ERR] = _1
            s[pool + _PP_ERR + _1] = page
        page_pool_return_page(s, pool, cpu, page)
        n += _1
    return n


# --------------------------------------------------------------------------------------
# Python side


def page_pool_words(cache_size: int, ring_size: int, nr_cpus: int) -> int:
    """Meta-area words of a pool (header, alloc cache, release line, ring, recycle stats)."""
    head = -(-(PP_CACHE + cache_size) // 8) * 8 + 8
    return head + PTR_RING_WORDS + -(-ring_size // 8) * 8 + nr_cpus * RECYCLE_STRIDE


@dataclass
class PagePool:
    """One page_pool in a machine: the @njit entry points with checks, stats, teardown."""

    machine: Machine
    base: int
    version: str
    order: int
    pool_size: int
    ring_size: int
    cache_size: int
    refill: int
    napi_cpu: int | None

    @property
    def s(self) -> np.ndarray:
        return self.machine.s

    def _cpu(self, cpu: int) -> np.uint64:
        if not 0 <= cpu < self.machine.nr_cpus:
            raise UsageError(
                f"cpu {cpu}: the machine has simulated CPUs 0..{self.machine.nr_cpus - 1}"
            )
        return np.uint64(cpu)  # the kernels' argument type: one compiled signature

    def _raise(self) -> None:
        from skbbench.model.page_alloc_view import PageAllocator

        PageAllocator(self.machine).raise_if_error()
        if int(self.s[self.base + PP_ERR]):
            pfn = int(self.s[self.base + PP_ERR_PFN])
            raise ModelError(
                f"page_pool: page_pool refcnt violation: pfn {pfn} cached without refcount 1"
            )

    def alloc(self, cpu: int, in_softirq: bool = True, gfp: int = 0) -> int:
        """page_pool_alloc_pages; 0 when the page allocator is exhausted."""
        pfn = int(
            page_pool_alloc_pages(
                self.s, np.uint64(self.base), self._cpu(cpu), np.uint64(gfp), bool(in_softirq)
            )
        )
        self._raise()
        return pfn

    def put(self, cpu: int, pfn: int, allow_direct: bool = False, in_softirq: bool = True) -> None:
        """page_pool_put_page(pool, page, allow_direct)."""
        page_pool_put_page(
            self.s,
            np.uint64(self.base),
            self._cpu(cpu),
            np.uint64(pfn),
            bool(allow_direct),
            bool(in_softirq),
        )
        self._raise()

    def recycle_direct(self, cpu: int, pfn: int, in_softirq: bool = True) -> None:
        page_pool_recycle_direct(
            self.s, np.uint64(self.base), self._cpu(cpu), np.uint64(pfn), bool(in_softirq)
        )
        self._raise()

    def alloc_cache(self) -> list[int]:
        """The alloc cache, bottom first (the top is popped next)."""
        n = int(self.s[self.base + PP_ALLOC_COUNT])
        c = self.base + PP_CACHE
        return [int(x) for x in self.s[c : c + n]]

    def ring(self) -> list[int]:
        return ptr_ring_entries(self.s, int(self.s[self.base + PP_RING]))

    def hold_cnt(self) -> int:
        return int(self.s[self.base + PP_HOLD_CNT])

    def release_cnt(self) -> int:
        return int(self.s[int(self.s[self.base + PP_RELEASE])])

    def inflight(self) -> int | None:
        """v6.19 page_pool_inflight: hold - release (None for v4.18: no such counters)."""
        if self.version == "v4.18":
            return None
        return self.hold_cnt() - self.release_cnt()

    def stats(self) -> dict[str, dict[str, int]]:
        """page_pool_get_stats: alloc stats and recycle stats (summed over CPUs)."""
        s, b = self.s, self.base
        alloc = {n: int(s[b + PP_ALLOC_STATS + i]) for i, n in enumerate(ALLOC_STATS)}
        rb = int(s[b + PP_RECYCLE_STATS])
        block = s[rb : rb + RECYCLE_STRIDE * self.machine.nr_cpus].reshape(-1, RECYCLE_STRIDE)
        row = block.sum(axis=0)
        return {"alloc": alloc, "recycle": {n: int(row[i]) for i, n in enumerate(RECYCLE_STATS)}}

    def params(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "order": self.order,
            "pool_size": self.pool_size,
            "ring_size": self.ring_size,
            "alloc_cache_size": self.cache_size,
            "alloc_cache_refill": self.refill,
            "napi_cpu": self.napi_cpu,
        }

    def destroy(self, cpu: int = 0) -> dict[str, int | None]:
        """page_pool_destroy: the alloc cache and the ring back to the page allocator.
        Returns the pages returned and (modern) the pages still in flight."""
        returned = int(page_pool_scrub(self.s, self.base, self._cpu(cpu)))
        self._raise()
        return {"returned": returned, "inflight": self.inflight()}


def page_pool_create(
    machine: Machine,
    version: str = "modern",
    pool_size: int = 0,
    order: int = 0,
    napi_cpu: int | None = None,
    alloc_cache_size: int = PP_ALLOC_CACHE_SIZE,
    alloc_cache_refill: int = PP_ALLOC_CACHE_REFILL,
    what_if: bool = False,
) -> PagePool:
    """page_pool_create (order, pool_size, NUMA_NO_NODE, no DMA mapping) in the machine's
    meta area. ``pool_size`` 0 = the default ring of 1024; above 32768 is -E2BIG (both
    versions: the project's limit; v6.19 itself caps the ring at 16384, which the model
    also does). The alloc cache is the kernel's 128/64 unless ``what_if`` allows others.
    ``napi_cpu``: the CPU owning the pool's NAPI (modern direct recycling)."""
    if version not in VERSIONS:
        raise UsageError(f"page_pool version {version!r}: choose from {', '.join(VERSIONS)}")
    if int(machine.s[MH_ZONE]) == 0:
        raise UsageError("page_pool_create: the machine has no page allocator")
    if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 0:
        raise UsageError(f"pool_size {pool_size!r}: must be an integer >= 0")
    if pool_size > PP_RING_MAX:
        raise UsageError(f"pool_size {pool_size}: ptr_ring larger than {PP_RING_MAX} (-E2BIG)")
    if not 0 <= order < MAX_ORDER:
        raise UsageError(f"order {order}: must be 0..{MAX_ORDER - 1}")
    if napi_cpu is not None and not 0 <= napi_cpu < machine.nr_cpus:
        raise UsageError(f"napi_cpu {napi_cpu}: the machine has CPUs 0..{machine.nr_cpus - 1}")
    if not what_if and (
        alloc_cache_size != PP_ALLOC_CACHE_SIZE or alloc_cache_refill != PP_ALLOC_CACHE_REFILL
    ):
        raise UsageError(
            f"alloc cache {alloc_cache_size}/{alloc_cache_refill}: the kernel's is "
            f"{PP_ALLOC_CACHE_SIZE}/{PP_ALLOC_CACHE_REFILL} (other sizes only as a what-if)"
        )
    if not 1 <= alloc_cache_refill <= alloc_cache_size <= 65536:
        raise UsageError(
            f"alloc cache {alloc_cache_size}/{alloc_cache_refill}: need 1 <= refill <= size"
        )
    ring_size = pool_size or PP_RING_DEFAULT
    if version == "modern":
        ring_size = min(ring_size, PP_RING_CAP_MODERN)
    nr = machine.nr_cpus
    base = machine.reserve(page_pool_words(alloc_cache_size, ring_size, nr), align=8)
    s = machine.s
    release = base + -(-(PP_CACHE + alloc_cache_size) // 8) * 8
    ring = release + 8
    recycle = ring + PTR_RING_WORDS + -(-ring_size // 8) * 8
    s[base + PP_MAGIC] = POOL_MAGIC
    s[base + PP_VERSION] = VERSIONS[version]
    s[base + PP_ORDER] = order
    s[base + PP_POOL_SIZE] = pool_size
    s[base + PP_RING_SIZE] = ring_size
    s[base + PP_NID] = 0  # NUMA_NO_NODE resolves to the one node
    s[base + PP_CPUID] = NO_CPU if napi_cpu is None else napi_cpu
    s[base + PP_CACHE_SIZE] = alloc_cache_size
    s[base + PP_REFILL] = alloc_cache_refill
    s[base + PP_NR_CPUS] = nr
    s[base + PP_RING] = ring
    s[base + PP_RELEASE] = release
    s[base + PP_RECYCLE_STATS] = recycle
    ptr_ring_init(s, ring, ring_size)
    return PagePool(
        machine=machine,
        base=base,
        version=version,
        order=order,
        pool_size=pool_size,
        ring_size=ring_size,
        cache_size=alloc_cache_size,
        refill=alloc_cache_refill,
        napi_cpu=napi_cpu,
    )
