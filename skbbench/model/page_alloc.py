"""The v4.6 page allocator (mm/page_alloc.c) on the machine's memory: one zone, one node.

Buddy free lists per order under ``zone->lock``, per-CPU lists of order-0 pages (batch 31,
high 186), compound pages, atomic refcounts in struct page, and the v5.13 bulk API on top.
Every function carries the name of the kernel function it models. As in the kernel,
alloc_pages and put_page are inline wrappers and __alloc_pages_nodemask and __free_pages
exported, out-of-line functions; refills, drains and buddy work are real calls. Layout,
entry points, what is and is not modelled: docs/page_alloc.md.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.harness.calls import FALSE as _FALSE
from skbbench.harness.calls import call_out_of_line, call_static
from skbbench.harness.intrinsics import atomic_add64, atomic_load64, cmpxchg64
from skbbench.harness.locks import spin_lock, spin_unlock
from skbbench.harness.spin import busy_wait
from skbbench.model.list import list_add, list_add_tail, list_del, list_empty
from skbbench.model.machine import (
    U_MH_COST_IRQSAVE,
    U_MH_STATS,
    U_MH_VMEMMAP,
    U_MH_ZONE,
)
from skbbench.model.mm_types import (
    GFP_COLD,
    GFP_COMP,
    MAX_ORDER,
    PG_BUDDY,
    PG_HEAD,
    PG_PCP,
    PG_PFMEMALLOC,
    REFCOUNT_SHIFT,
    U_LOW32_MASK,
    U_PAGE_SHIFT,
    U_PG_CH,
    U_PG_COUNTERS,
    U_PG_FLAGS,
    U_PG_LRU_NEXT,
    U_PG_PRIVATE,
    U_RECW,
    U_REF_ONE,
    U_REFCOUNT_SHIFT,
)
from skbbench.model.page_alloc_layout import (
    BAD_COUNT,
    BAD_FLAGS,
    BAD_MAPCOUNT,
    CHECK_AT_FREE,
    ERR_BAD_ALLOC,
    ERR_BAD_FREE,
    ERR_GET_FREE,
    ERR_ORDER,
    ERR_RANGE,
    ERR_REF_UNDERFLOW,
    ERR_TAIL,
    FA_NR_FREE,
    FA_WORDS,
    PA_STAT_STRIDE,
    PCP_BATCH,
    PCP_COUNT,
    PCP_HIGH,
    PCP_LIST,
    PCP_WORDS,
    ST_ALLOC_BULK,
    ST_ALLOC_BULK_FALLBACK,
    ST_ALLOC_BULK_PAGES,
    ST_ALLOC_FAIL,
    ST_COMPOUND_PREP,
    ST_FREE_ONE_PAGE,
    ST_FREE_PCPPAGES_BULK,
    ST_FREE_PCPPAGES_BULK_PAGES,
    ST_IRQSAVE,
    ST_MERGE,
    ST_PCP_ALLOC,
    ST_PCP_FREE,
    ST_PCP_HIT,
    ST_PGALLOC,
    ST_PGFREE,
    ST_RMQUEUE_BULK,
    ST_RMQUEUE_BULK_PAGES,
    ST_RMQUEUE_ORDER_N,
    ST_SPLIT,
    ST_ZONE_LOCK,
    Z_ERR,
    Z_FREE_AREA,
    Z_LOCK,
    Z_NR_FREE_PAGES,
    Z_PCP_BASE,
    Z_SPANNED,
    Z_START_PFN,
    Z_STAT_BASE,
    Z_WMARK_LOW,
    Z_WMARK_MIN,
)

_0 = np.uint64(0)
_1 = np.uint64(1)
_2 = np.uint64(2)
_3 = np.uint64(3)
_MAXO = np.uint64(MAX_ORDER)
_MAXO_1 = np.uint64(MAX_ORDER - 1)
_MAXO_2 = np.uint64(MAX_ORDER - 2)
_MINUS_REF_ONE = np.uint64((1 << 64) - (1 << REFCOUNT_SHIFT))  # atomic add of -1 to _count
_FAW = np.uint64(FA_WORDS)
_FA_NR_FREE = np.uint64(FA_NR_FREE)
_Z_FREE_AREA = np.uint64(Z_FREE_AREA)
_Z_NR_FREE_PAGES = np.uint64(Z_NR_FREE_PAGES)
_Z_START_PFN = np.uint64(Z_START_PFN)
_Z_SPANNED = np.uint64(Z_SPANNED)
_Z_WMARK_MIN = np.uint64(Z_WMARK_MIN)
_Z_WMARK_LOW = np.uint64(Z_WMARK_LOW)
_Z_PCP_BASE = np.uint64(Z_PCP_BASE)
_Z_STAT_BASE = np.uint64(Z_STAT_BASE)
_Z_LOCK = np.uint64(Z_LOCK)
_Z_ERR = np.uint64(Z_ERR)
_PCPW = np.uint64(PCP_WORDS)
_PCP_COUNT = np.uint64(PCP_COUNT)
_PCP_HIGH = np.uint64(PCP_HIGH)
_PCP_BATCH = np.uint64(PCP_BATCH)
_PCP_LIST = np.uint64(PCP_LIST)
_STATW = np.uint64(PA_STAT_STRIDE)
_PG_BUDDY = np.uint64(PG_BUDDY)
_PG_HEAD = np.uint64(PG_HEAD)
_PG_PCP = np.uint64(PG_PCP)
_PG_PFMEMALLOC = np.uint64(PG_PFMEMALLOC)
_NOT_PG_BUDDY = np.uint64(((1 << 64) - 1) ^ PG_BUDDY)
_NOT_PG_PCP = np.uint64(((1 << 64) - 1) ^ PG_PCP)
_CHECK_AT_FREE = np.uint64(CHECK_AT_FREE)
_GFP_COLD = np.uint64(GFP_COLD)
_GFP_COMP = np.uint64(GFP_COMP)
_E_UNDERFLOW = np.uint64(ERR_REF_UNDERFLOW)
_E_BAD_FREE = np.uint64(ERR_BAD_FREE)
_E_BAD_ALLOC = np.uint64(ERR_BAD_ALLOC)
_E_TAIL = np.uint64(ERR_TAIL)
_E_ORDER = np.uint64(ERR_ORDER)
_E_GET_FREE = np.uint64(ERR_GET_FREE)
_E_RANGE = np.uint64(ERR_RANGE)
_BAD_MAPCOUNT = np.uint64(BAD_MAPCOUNT)
_BAD_COUNT = np.uint64(BAD_COUNT)
_BAD_FLAGS = np.uint64(BAD_FLAGS)

# --------------------------------------------------------------------------------------
# Small inlined helpers: struct page records, list_head, counters, errors


@njit(inline="always", nogil=True)
def pfn_to_page(s, pfn):
    # pfn_to_page: word index of the struct page record (vmemmap + pfn)
    return s[U_MH_VMEMMAP] + pfn * U_RECW


@njit(inline="always", nogil=True)
def page_lru(s, pfn):
    # &page->lru: word index of lru.next (lru.prev is the next word)
    return s[U_MH_VMEMMAP] + pfn * U_RECW + U_PG_LRU_NEXT


@njit(inline="always", nogil=True)
def lru_to_pfn(s, entry):
    # list_entry(entry, struct page, lru) -> page_to_pfn
    return (entry - s[U_MH_VMEMMAP] - U_PG_LRU_NEXT) >> _3


@njit(inline="always", nogil=True)
def pa_stat(s, z, cpu, item, n):
    # __count_vm_events / model event counters: the one place every counter is bumped
    # (not while the machine's counters are off: MH_STATS = 0 in timed runs)
    if s[U_MH_STATS] != _0:
        i = s[z + _Z_STAT_BASE] + cpu * _STATW + item
        s[i] += n


@njit(inline="always", nogil=True)
def pa_set_error(s, z, code, pfn, cpu, aux):
    # bad_page / VM_BUG_ON: record the first violation (first writer wins)
    if cmpxchg64(s, z + _Z_ERR, _0, code) == _0:
        s[z + _Z_ERR + _1] = pfn
        s[z + _Z_ERR + _2] = cpu
        s[z + _Z_ERR + _3] = aux


@njit(inline="always", nogil=True)
def bad_range(s, z, pfn):
    # bad_range: pfn outside [zone_start_pfn, zone_end_pfn)
    return pfn - s[z + _Z_START_PFN] >= s[z + _Z_SPANNED]


@njit(inline="always", nogil=True)
def free_area(z, order):
    # &zone->free_area[order] (its free_list head; nr_free two words on)
    return z + _Z_FREE_AREA + order * _FAW


@njit(inline="always", nogil=True)
def this_cpu_pcp(s, z, cpu):
    # &this_cpu_ptr(zone->pageset)->pcp
    return s[z + _Z_PCP_BASE] + cpu * _PCPW


@njit(inline="always", nogil=True)
def irq_restore(s, z, cpu):
    # local_irq_save ... local_irq_restore: a kernel-only cost, charged at the restore
    pa_stat(s, z, cpu, ST_IRQSAVE, _1)
    busy_wait(s[U_MH_COST_IRQSAVE])


# --------------------------------------------------------------------------------------
# Refcounts (include/linux/page_ref.h, mm.h): the upper 32 bits of the counters word


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def page_ref_count(s, pfn):
    # page_ref_count: atomic_read(&page->_count)
    return atomic_load64(s, pfn_to_page(s, np.uint64(pfn)) + U_PG_COUNTERS) >> U_REFCOUNT_SHIFT


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def page_ref_inc(s, pfn):
    # page_ref_inc: atomic_inc(&page->_count)
    atomic_add64(s, pfn_to_page(s, np.uint64(pfn)) + U_PG_COUNTERS, U_REF_ONE)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def compound_head(s, pfn):
    # compound_head: a tail page (bit 0 set) points at its head
    pfn = np.uint64(pfn)
    ch = s[pfn_to_page(s, pfn) + U_PG_CH]
    if ch & _1:
        return ch >> _1
    return pfn


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def page_count(s, pfn):
    # page_count: page_ref_count(compound_head(page))
    return page_ref_count(s, compound_head(s, pfn))


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def get_page(s, pfn):
    # get_page: page = compound_head(page); VM_BUG_ON(page_ref_count <= 0); page_ref_inc
    head = compound_head(s, pfn)
    old = atomic_add64(s, pfn_to_page(s, head) + U_PG_COUNTERS, U_REF_ONE)
    if old >> U_REFCOUNT_SHIFT == _0:
        pa_set_error(s, s[U_MH_ZONE], _E_GET_FREE, head, _0, _0)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def page_ref_add(s, pfn, n):
    # page_ref_add: atomic_add(nr, &page->_count) (page_frag takes size - 1 at once)
    atomic_add64(
        s, pfn_to_page(s, np.uint64(pfn)) + U_PG_COUNTERS, np.uint64(n) << U_REFCOUNT_SHIFT
    )


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def set_page_count(s, pfn, n):
    # set_page_count: atomic_set(&page->_count, v), a plain store of the refcount half
    w = pfn_to_page(s, np.uint64(pfn)) + U_PG_COUNTERS
    s[w] = (s[w] & U_LOW32_MASK) | (np.uint64(n) << U_REFCOUNT_SHIFT)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def compound_order(s, pfn):
    # compound_order: the head's order, 0 for a page that is not a compound head
    r = pfn_to_page(s, np.uint64(pfn))
    if s[r + U_PG_FLAGS] & _PG_HEAD:
        return s[r + U_PG_CH] >> _1
    return _0


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def virt_to_head_page(s, addr):
    # virt_to_head_page: compound_head(virt_to_page(addr)), addr a byte offset in s
    return compound_head(s, np.uint64(addr) >> U_PAGE_SHIFT)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def page_is_pfmemalloc(s, pfn):
    # page_is_pfmemalloc (the model never hands out reserve pages: always False)
    return (s[pfn_to_page(s, np.uint64(pfn)) + U_PG_FLAGS] & _PG_PFMEMALLOC) != _0


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def page_ref_sub_and_test(s, pfn, n):
    # page_ref_sub_and_test: atomic_sub_and_test(nr, &page->_count)
    w = pfn_to_page(s, np.uint64(pfn)) + U_PG_COUNTERS
    n = np.uint64(n)
    old = atomic_add64(s, w, _0 - (n << U_REFCOUNT_SHIFT))
    cnt = old >> U_REFCOUNT_SHIFT
    if cnt < n:  # would go negative: undo and record (VM_BUG_ON_PAGE)
        atomic_add64(s, w, n << U_REFCOUNT_SHIFT)
        pa_set_error(s, s[U_MH_ZONE], _E_UNDERFLOW, np.uint64(pfn), _0, cnt)
        return False
    return cnt == n


@njit(inline="always", nogil=True)
def put_page_testzero(s, z, cpu, pfn):
    # put_page_testzero: VM_BUG_ON_PAGE(page_ref_count == 0); page_ref_dec_and_test
    w = pfn_to_page(s, pfn) + U_PG_COUNTERS
    old = atomic_add64(s, w, _MINUS_REF_ONE)
    cnt = old >> U_REFCOUNT_SHIFT
    if cnt == _0:  # underflow: undo and record
        atomic_add64(s, w, U_REF_ONE)
        pa_set_error(s, z, _E_UNDERFLOW, pfn, cpu, _0)
        return False
    return cnt == _1


# --------------------------------------------------------------------------------------
# Buddy lists


@njit(inline="always", nogil=True)
def set_page_order(s, pfn, order):
    # set_page_order: set_page_private(page, order); __SetPageBuddy(page)
    r = pfn_to_page(s, pfn)
    s[r + U_PG_PRIVATE] = order
    s[r + U_PG_FLAGS] = s[r + U_PG_FLAGS] | _PG_BUDDY


@njit(inline="always", nogil=True)
def rmv_page_order(s, pfn):
    # rmv_page_order: __ClearPageBuddy(page); set_page_private(page, 0)
    r = pfn_to_page(s, pfn)
    s[r + U_PG_FLAGS] = s[r + U_PG_FLAGS] & _NOT_PG_BUDDY
    s[r + U_PG_PRIVATE] = _0


@njit(inline="always", nogil=True)
def page_is_buddy(s, z, buddy, order):
    # page_is_buddy: PageBuddy(buddy) && page_order(buddy) == order, same zone
    if bad_range(s, z, buddy):  # page_zone_id(page) != page_zone_id(buddy)
        return False
    r = pfn_to_page(s, buddy)
    return (s[r + U_PG_FLAGS] & _PG_BUDDY) != _0 and s[r + U_PG_PRIVATE] == order


@njit(nogil=True, cache=True, _nrt=False)
def __free_one_page(s, z, cpu, pfn, order):
    # __free_one_page: merge with free buddies, then add to free_area[order] (zone->lock held)
    s[z + _Z_NR_FREE_PAGES] += _1 << order  # __mod_zone_freepage_state
    buddy = _0
    # v4.6 merges up to pageblock_order, then (no isolated pageblocks) on to MAX_ORDER - 1
    while order < _MAXO_1:
        buddy = pfn ^ (_1 << order)  # __find_buddy_index
        if not page_is_buddy(s, z, buddy, order):
            break
        list_del(s, page_lru(s, buddy))
        fa = free_area(z, order)
        s[fa + _FA_NR_FREE] -= _1
        rmv_page_order(s, buddy)
        pa_stat(s, z, cpu, ST_MERGE, _1)
        pfn = pfn & buddy  # combined_idx = buddy_idx & page_idx
        order += _1
    set_page_order(s, pfn, order)
    fa = free_area(z, order)
    # The buddy of the next-highest order is free: add to the tail, it may merge soon.
    if order < _MAXO_2:
        higher_page = buddy & pfn
        higher_buddy = higher_page ^ (_1 << (order + _1))
        if page_is_buddy(s, z, higher_buddy, order + _1):
            list_add_tail(s, page_lru(s, pfn), fa)
            s[fa + _FA_NR_FREE] += _1
            return
    list_add(s, page_lru(s, pfn), fa)
    s[fa + _FA_NR_FREE] += _1


@njit(inline="always", nogil=True)
def expand(s, z, cpu, pfn, low, high):
    # expand: split a block of order high, putting the upper halves back on the free lists
    size = _1 << high
    while high > low:
        high -= _1
        size = size >> _1
        fa = free_area(z, high)
        list_add(s, page_lru(s, pfn + size), fa)
        s[fa + _FA_NR_FREE] += _1
        set_page_order(s, pfn + size, high)
        pa_stat(s, z, cpu, ST_SPLIT, _1)


@njit(nogil=True, cache=True, _nrt=False)
def __rmqueue_smallest(s, z, cpu, order):
    # __rmqueue_smallest: first non-empty free list of order >= order, split down (lock held)
    current = order
    while current < _MAXO:
        fa = free_area(z, current)
        if not list_empty(s, fa):
            entry = s[fa]  # list_first_entry
            pfn = lru_to_pfn(s, entry)
            list_del(s, entry)
            rmv_page_order(s, pfn)
            s[fa + _FA_NR_FREE] -= _1
            expand(s, z, cpu, pfn, order, current)
            return pfn
        current += _1
    return _0


@njit(inline="always", nogil=True)
def __rmqueue(s, z, cpu, order):
    # __rmqueue: one migratetype, so no __rmqueue_fallback
    return __rmqueue_smallest(s, z, cpu, order)


@njit(nogil=True, cache=True, _nrt=False)
def free_one_page(s, z, cpu, pfn, order):
    # free_one_page: __free_one_page under zone->lock (IRQs already disabled)
    spin_lock(s, z + _Z_LOCK)
    pa_stat(s, z, cpu, ST_ZONE_LOCK, _1)
    __free_one_page(s, z, cpu, pfn, order)
    spin_unlock(s, z + _Z_LOCK)


# --------------------------------------------------------------------------------------
# Per-CPU page lists (order 0)


@njit(nogil=True, cache=True, _nrt=False)
def rmqueue_bulk(s, z, cpu, order, count, lst, cold):
    # rmqueue_bulk: move count blocks from the buddy lists onto a pcp list (zone->lock)
    spin_lock(s, z + _Z_LOCK)
    pa_stat(s, z, cpu, ST_ZONE_LOCK, _1)
    i = _0
    while i < count:
        pfn = __rmqueue(s, z, cpu, order)
        if pfn == _0:
            break
        entry = page_lru(s, pfn)
        # pages end up in physical order from the list head (list = &page->lru)
        if not cold:
            list_add(s, entry, lst)
        else:
            list_add_tail(s, entry, lst)
        lst = entry
        r = pfn_to_page(s, pfn)
        s[r + U_PG_FLAGS] = s[r + U_PG_FLAGS] | _PG_PCP  # set_pcppage_migratetype
        i += _1
    s[z + _Z_NR_FREE_PAGES] -= i << order  # __mod_zone_page_state(NR_FREE_PAGES)
    spin_unlock(s, z + _Z_LOCK)
    pa_stat(s, z, cpu, ST_RMQUEUE_BULK, _1)
    pa_stat(s, z, cpu, ST_RMQUEUE_BULK_PAGES, i)
    return i


@njit(nogil=True, cache=True, _nrt=False)
def free_pcppages_bulk(s, z, cpu, count, pcp):
    # free_pcppages_bulk: count pages from the pcp list's tail (cold end) to the buddy lists
    spin_lock(s, z + _Z_LOCK)
    pa_stat(s, z, cpu, ST_ZONE_LOCK, _1)
    lst = pcp + _PCP_LIST
    to_free = count
    # one migratetype: batch_free == MIGRATE_PCPTYPES, so the one list gives all of them
    while to_free > _0 and not list_empty(s, lst):
        entry = s[lst + _1]  # list_last_entry
        list_del(s, entry)
        pfn = lru_to_pfn(s, entry)
        r = pfn_to_page(s, pfn)
        s[r + U_PG_FLAGS] = s[r + U_PG_FLAGS] & _NOT_PG_PCP
        __free_one_page(s, z, cpu, pfn, _0)
        to_free -= _1
    spin_unlock(s, z + _Z_LOCK)
    pa_stat(s, z, cpu, ST_FREE_PCPPAGES_BULK, _1)
    pa_stat(s, z, cpu, ST_FREE_PCPPAGES_BULK_PAGES, count - to_free)


@njit(inline="always", nogil=True)
def __rmqueue_pcplist(s, z, cpu, pcp, cold):
    # __rmqueue_pcplist (v5.13 name for v4.6 buffered_rmqueue's order-0 branch), IRQs off
    lst = pcp + _PCP_LIST
    if list_empty(s, lst):
        s[pcp + _PCP_COUNT] += rmqueue_bulk(s, z, cpu, _0, s[pcp + _PCP_BATCH], lst, cold)
        if list_empty(s, lst):
            return _0
    else:
        pa_stat(s, z, cpu, ST_PCP_HIT, _1)
    if cold:
        entry = s[lst + _1]  # list_last_entry
    else:
        entry = s[lst]  # list_first_entry
    list_del(s, entry)
    s[pcp + _PCP_COUNT] -= _1
    pfn = lru_to_pfn(s, entry)
    r = pfn_to_page(s, pfn)
    s[r + U_PG_FLAGS] = s[r + U_PG_FLAGS] & _NOT_PG_PCP
    pa_stat(s, z, cpu, ST_PCP_ALLOC, _1)
    return pfn


@njit(inline="always", nogil=True)
def buffered_rmqueue(s, z, cpu, gfp, order):
    # buffered_rmqueue: order 0 from this CPU's pcp list, higher orders from the buddy lists
    cold = (gfp & _GFP_COLD) != _0
    if order == _0:
        # local_irq_save
        pfn = __rmqueue_pcplist(s, z, cpu, this_cpu_pcp(s, z, cpu), cold)
        if pfn != _0:
            pa_stat(s, z, cpu, ST_PGALLOC, _1)
        irq_restore(s, z, cpu)
        return pfn
    spin_lock(s, z + _Z_LOCK)  # spin_lock_irqsave(&zone->lock)
    pa_stat(s, z, cpu, ST_ZONE_LOCK, _1)
    pfn = __rmqueue(s, z, cpu, order)
    if pfn != _0:
        s[z + _Z_NR_FREE_PAGES] -= _1 << order  # __mod_zone_freepage_state
    spin_unlock(s, z + _Z_LOCK)
    if pfn != _0:
        pa_stat(s, z, cpu, ST_RMQUEUE_ORDER_N, _1)
        pa_stat(s, z, cpu, ST_PGALLOC, _1 << order)
    irq_restore(s, z, cpu)
    return pfn


# --------------------------------------------------------------------------------------
# Allocation: checks, prep, compound pages, watermarks


@njit(inline="always", nogil=True)
def check_new_page(s, z, cpu, pfn):
    # check_new_page: mapcount, _count and flags must all be clear
    r = pfn_to_page(s, pfn)
    bad = s[r + U_PG_COUNTERS] | s[r + U_PG_FLAGS]
    if bad != _0:
        pa_set_error(s, z, _E_BAD_ALLOC, pfn, cpu, bad)
        return True
    return False


@njit(nogil=True, cache=True, _nrt=False)
def prep_compound_page(s, z, cpu, pfn, order):
    # prep_compound_page: head gets PG_head + order, every tail page points at the head
    r = pfn_to_page(s, pfn)
    s[r + U_PG_CH] = order << _1  # set_compound_order
    s[r + U_PG_FLAGS] = s[r + U_PG_FLAGS] | _PG_HEAD  # __SetPageHead
    nr = _1 << order
    link = (pfn << _1) | _1
    i = _1
    while i < nr:
        t = r + i * U_RECW
        s[t + U_PG_COUNTERS] = _0  # set_page_count(p, 0)
        s[t + U_PG_CH] = link  # set_compound_head(p, page)
        i += _1
    pa_stat(s, z, cpu, ST_COMPOUND_PREP, _1)


@njit(inline="always", nogil=True)
def prep_new_page(s, z, cpu, pfn, order, gfp):
    # prep_new_page: check every page, set_page_private(0), set_page_refcounted, compound
    nr = _1 << order
    i = _0
    while i < nr:
        if check_new_page(s, z, cpu, pfn + i):
            return False
        i += _1
    r = pfn_to_page(s, pfn)
    s[r + U_PG_PRIVATE] = _0  # set_page_private(page, 0)
    s[r + U_PG_COUNTERS] = U_REF_ONE  # set_page_refcounted (mapcount half checked 0)
    if order != _0 and (gfp & _GFP_COMP) != _0:
        prep_compound_page(s, z, cpu, pfn, order)
    return True


@njit(inline="always", nogil=True)
def zone_watermark_ok(s, z, order, mark):
    # __zone_watermark_ok: free_pages - (2^order - 1) > mark, and a block of order >= order
    free_pages = atomic_load64(s, z + _Z_NR_FREE_PAGES)
    if free_pages < mark + (_1 << order):
        return False
    if order == _0:
        return True
    o = order
    while o < _MAXO:
        if s[free_area(z, o) + _FA_NR_FREE] != _0:
            return True
        o += _1
    return False


@njit(nogil=True, cache=True, _nrt=False)
def get_page_from_freelist(s, z, cpu, gfp, order, mark):
    # get_page_from_freelist (static, called with call_static): the one zone, if its
    # watermark allows
    if not zone_watermark_ok(s, z, order, mark):
        return _0
    pfn = buffered_rmqueue(s, z, cpu, gfp, order)
    if pfn == _0:
        return _0
    if not prep_new_page(s, z, cpu, pfn, order, gfp):
        return _0
    return pfn


@njit(nogil=True, cache=True, _nrt=False)
def __alloc_pages_slowpath(s, z, cpu, gfp, order):
    # __alloc_pages_slowpath without reclaim/compaction/OOM (atomic): retry at the min
    # watermark lowered by ALLOC_HIGH (min/2) and ALLOC_HARDER (min/4)
    mark = s[z + _Z_WMARK_MIN]
    mark -= mark >> _1
    mark -= mark >> _2
    return call_static(get_page_from_freelist, s, z, cpu, gfp, order, mark)


@njit(nogil=True, cache=True, _nrt=False)
def __alloc_pages_nodemask(s, cpu, gfp, order):
    # __alloc_pages_nodemask (exported, out of line): fast path at the low watermark,
    # then the slowpath
    z = s[U_MH_ZONE]
    cpu = np.uint64(cpu)
    gfp = np.uint64(gfp)
    order = np.uint64(order)
    if order >= _MAXO:  # WARN_ON_ONCE(order >= MAX_ORDER): NULL
        pa_stat(s, z, cpu, ST_ALLOC_FAIL, _1)
        return _0
    pfn = call_static(get_page_from_freelist, s, z, cpu, gfp, order, s[z + _Z_WMARK_LOW])
    if pfn == _0:
        pfn = __alloc_pages_slowpath(s, z, cpu, gfp, order)
        if pfn == _0:
            pa_stat(s, z, cpu, ST_ALLOC_FAIL, _1)
    return pfn


@njit(inline="always", nogil=True)
def alloc_pages(s, cpu, gfp, order):
    # alloc_pages (include/linux/gfp.h, inline): a real call of __alloc_pages_nodemask
    return call_out_of_line(
        __alloc_pages_nodemask, s, np.uint64(cpu), np.uint64(gfp), np.uint64(order)
    )


# --------------------------------------------------------------------------------------
# Free: checks, compound teardown, pcp free, order-N free


@njit(inline="always", nogil=True)
def free_pages_check(s, z, cpu, pfn):
    # free_pages_check: mapcount 0, _count 0, no PAGE_FLAGS_CHECK_AT_FREE; clear prep flags
    r = pfn_to_page(s, pfn)
    counters = s[r + U_PG_COUNTERS]
    flags = s[r + U_PG_FLAGS]
    reason = _0
    if counters & U_LOW32_MASK:
        reason |= _BAD_MAPCOUNT
    if counters >> U_REFCOUNT_SHIFT:
        reason |= _BAD_COUNT
    if flags & _CHECK_AT_FREE:
        reason |= _BAD_FLAGS
    if reason != _0:
        pa_set_error(s, z, _E_BAD_FREE, pfn, cpu, reason)
        return True
    if flags != _0:
        s[r + U_PG_FLAGS] = _0  # page->flags &= ~PAGE_FLAGS_CHECK_AT_PREP
    return False


@njit(nogil=True, cache=True, _nrt=False)
def destroy_compound_page(s, z, cpu, pfn, order):
    # free_pages_prepare's tail loop for a compound page: free_tail_pages_check
    # (compound_head must be the head; clear_compound_head) + free_pages_check per tail
    # (what destroy_compound_page did before v4.6); returns the number of bad tails
    r = pfn_to_page(s, pfn)
    link = (pfn << _1) | _1
    nr = _1 << order
    bad = _0
    i = _1
    while i < nr:
        t = r + i * U_RECW
        if s[t + U_PG_CH] != link:
            pa_set_error(s, z, _E_TAIL, pfn + i, cpu, pfn)
            bad += _1
        s[t + U_PG_CH] = _0  # clear_compound_head
        if free_pages_check(s, z, cpu, pfn + i):
            bad += _1
        i += _1
    s[r + U_PG_CH] = _0  # the compound order goes with the tail pages' state
    return bad


@njit(inline="always", nogil=True)
def free_pages_prepare(s, z, cpu, pfn, order):
    # free_pages_prepare: check the head and every other page of the block
    r = pfn_to_page(s, pfn)
    compound = (s[r + U_PG_FLAGS] & _PG_HEAD) != _0
    if compound and (s[r + U_PG_CH] >> _1) != order:
        pa_set_error(s, z, _E_ORDER, pfn, cpu, s[r + U_PG_CH] >> _1)
        return False
    bad = _0
    if free_pages_check(s, z, cpu, pfn):
        bad += _1
    if compound:
        bad += destroy_compound_page(s, z, cpu, pfn, order)
    else:
        nr = _1 << order
        i = _1
        while i < nr:
            if free_pages_check(s, z, cpu, pfn + i):
                bad += _1
            i += _1
    return bad == _0


@njit(nogil=True, cache=True, _nrt=False)
def _free_hot_cold_page(s, z, cpu, pfn, cold):
    # free_hot_cold_page (called with call_static from __free_pages and __put_page, as gcc
    # may inline it there): onto this CPU's pcp list (head hot, tail cold); drain at high
    if not free_pages_prepare(s, z, cpu, pfn, _0):
        return
    # local_irq_save
    pa_stat(s, z, cpu, ST_PGFREE, _1)
    pcp = this_cpu_pcp(s, z, cpu)
    r = pfn_to_page(s, pfn)
    s[r + U_PG_FLAGS] = s[r + U_PG_FLAGS] | _PG_PCP  # set_pcppage_migratetype
    if not cold:
        list_add(s, r + U_PG_LRU_NEXT, pcp + _PCP_LIST)
    else:
        list_add_tail(s, r + U_PG_LRU_NEXT, pcp + _PCP_LIST)
    pa_stat(s, z, cpu, ST_PCP_FREE, _1)
    count = s[pcp + _PCP_COUNT] + _1
    s[pcp + _PCP_COUNT] = count
    if count >= s[pcp + _PCP_HIGH]:
        batch = s[pcp + _PCP_BATCH]
        free_pcppages_bulk(s, z, cpu, batch, pcp)
        s[pcp + _PCP_COUNT] -= batch
    irq_restore(s, z, cpu)


@njit(nogil=True, cache=True, _nrt=False)
def __free_pages_ok(s, z, cpu, pfn, order):
    # __free_pages_ok: order > 0 straight to the buddy lists, IRQs saved
    if not free_pages_prepare(s, z, cpu, pfn, order):
        return
    # local_irq_save
    pa_stat(s, z, cpu, ST_PGFREE, _1 << order)
    pa_stat(s, z, cpu, ST_FREE_ONE_PAGE, _1)
    free_one_page(s, z, cpu, pfn, order)
    irq_restore(s, z, cpu)


@njit(nogil=True, cache=True, _nrt=False)
def free_hot_cold_page(s, cpu, pfn, cold):
    # free_hot_cold_page (exported): the caller dropped the last reference already
    z = s[U_MH_ZONE]
    pfn = np.uint64(pfn)
    if bad_range(s, z, pfn):
        pa_set_error(s, z, _E_RANGE, pfn, np.uint64(cpu), _0)
        return
    call_static(_free_hot_cold_page, s, z, np.uint64(cpu), pfn, np.bool_(cold))


@njit(nogil=True, cache=True, _nrt=False)
def __free_pages_export(s, cpu, pfn, order):
    # __free_pages (EXPORT_SYMBOL): drop a reference; the last one frees the block (order 0
    # to the pcp list)
    z = s[U_MH_ZONE]
    cpu = np.uint64(cpu)
    pfn = np.uint64(pfn)
    order = np.uint64(order)
    if bad_range(s, z, pfn):
        pa_set_error(s, z, _E_RANGE, pfn, cpu, _0)
        return
    if put_page_testzero(s, z, cpu, pfn):
        if order == _0:
            call_static(_free_hot_cold_page, s, z, cpu, pfn, _FALSE)
        else:
            __free_pages_ok(s, z, cpu, pfn, order)


@njit(inline="always", nogil=True)
def __free_pages(s, cpu, pfn, order):
    # __free_pages: a real call of the exported function
    call_out_of_line(__free_pages_export, s, np.uint64(cpu), np.uint64(pfn), np.uint64(order))


@njit(nogil=True, cache=True, _nrt=False)
def __put_page(s, z, cpu, pfn):
    # __put_page: compound -> free_compound_page (__free_pages_ok of its order),
    # single -> __put_single_page -> free_hot_cold_page(page, false)
    r = pfn_to_page(s, pfn)
    if s[r + U_PG_FLAGS] & _PG_HEAD:
        __free_pages_ok(s, z, cpu, pfn, s[r + U_PG_CH] >> _1)
    else:
        call_static(_free_hot_cold_page, s, z, cpu, pfn, _FALSE)


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def put_page(s, cpu, pfn):
    # put_page: page = compound_head(page); if put_page_testzero: __put_page
    z = s[U_MH_ZONE]
    cpu = np.uint64(cpu)
    pfn = np.uint64(pfn)
    if bad_range(s, z, pfn):
        pa_set_error(s, z, _E_RANGE, pfn, cpu, _0)
        return
    head = compound_head(s, pfn)
    if put_page_testzero(s, z, cpu, head):
        __put_page(s, z, cpu, head)


@njit(nogil=True, cache=True, _nrt=False)
def __free_page_frag(s, cpu, addr):
    # __free_page_frag (v4.6 mm/page_alloc.c): put_page_testzero of the head page, then
    # __free_pages_ok(page, compound_order(page)) -- an order-0 frag page bypasses the pcp
    z = s[U_MH_ZONE]
    cpu = np.uint64(cpu)
    page = virt_to_head_page(s, addr)
    if bad_range(s, z, page):
        pa_set_error(s, z, _E_RANGE, page, cpu, _0)
        return
    if put_page_testzero(s, z, cpu, page):
        __free_pages_ok(s, z, cpu, page, compound_order(s, page))


@njit(nogil=True, cache=True, _nrt=False)
def drain_pages(s, cpu):
    # drain_pages -> drain_pages_zone: the whole pcp list of cpu back to the buddy lists
    z = s[U_MH_ZONE]
    cpu = np.uint64(cpu)
    pcp = this_cpu_pcp(s, z, cpu)
    # local_irq_save
    count = s[pcp + _PCP_COUNT]
    if count != _0:
        free_pcppages_bulk(s, z, cpu, count, pcp)
        s[pcp + _PCP_COUNT] = _0
    irq_restore(s, z, cpu)


# --------------------------------------------------------------------------------------
# alloc_pages_bulk (v5.13 __alloc_pages_bulk over the v4.6 pcp lists)


@njit(inline="always", nogil=True)
def __alloc_pages_bulk(s, cpu, gfp, nr, out, off, is_list):
    # __alloc_pages_bulk: array form fills NULL slots of out[off:off+nr]; list form pushes
    # onto the list whose head pfn is out[off]; returns populated (array) or added (list)
    z = s[U_MH_ZONE]
    cpu = np.uint64(cpu)
    gfp = np.uint64(gfp)
    nr = np.uint64(nr)
    off = np.uint64(off)
    if nr == _0:
        return _0
    nr_populated = _0
    if not is_list:  # skip populated array elements before disabling IRQs
        while nr_populated < nr and out[off + nr_populated] != _0:
            nr_populated += _1
        if nr == nr_populated:
            return nr_populated
    pa_stat(s, z, cpu, ST_ALLOC_BULK, _1)
    failed = nr - nr_populated == _1  # use the single page allocator for one page
    if not failed:
        failed = not zone_watermark_ok(s, z, _0, s[z + _Z_WMARK_LOW] + nr)
    if not failed:
        # local_irq_save
        pcp = this_cpu_pcp(s, z, cpu)
        nr_account = _0
        while nr_populated < nr:
            if not is_list and out[off + nr_populated] != _0:  # skip existing pages
                nr_populated += _1
                continue
            pfn = __rmqueue_pcplist(s, z, cpu, pcp, _FALSE)
            if pfn == _0:
                if nr_populated == _0:  # try and get at least one page
                    failed = True
                break
            nr_account += _1
            if not prep_new_page(s, z, cpu, pfn, _0, gfp):
                continue  # bad_page: the page is leaked, as the kernel does
            if is_list:
                s[page_lru(s, pfn)] = out[off]  # list_add(&page->lru, page_list)
                out[off] = pfn
            else:
                out[off + nr_populated] = pfn
            nr_populated += _1
        irq_restore(s, z, cpu)
        if not failed:
            pa_stat(s, z, cpu, ST_PGALLOC, nr_account)
            pa_stat(s, z, cpu, ST_ALLOC_BULK_PAGES, nr_account)
            return nr_populated
    pa_stat(s, z, cpu, ST_ALLOC_BULK_FALLBACK, _1)
    pfn = __alloc_pages_nodemask(s, cpu, gfp, _0)
    if pfn != _0:
        if is_list:
            s[page_lru(s, pfn)] = out[off]
            out[off] = pfn
        else:
            out[off + nr_populated] = pfn
        nr_populated += _1
    return nr_populated


@njit(nogil=True, cache=True, _nrt=False)
def alloc_pages_bulk_array(s, cpu, gfp, nr, arr):
    # alloc_pages_bulk_array: fill the NULL slots of arr[0:nr]; returns populated entries
    return __alloc_pages_bulk(s, cpu, gfp, nr, arr, _0, False)


@njit(nogil=True, cache=True, _nrt=False)
def alloc_pages_bulk_array_at(s, cpu, gfp, nr, arr, off):
    # alloc_pages_bulk_array on &arr[off] (page_pool passes its alloc cache inside s)
    return __alloc_pages_bulk(s, cpu, gfp, nr, arr, off, False)


@njit(nogil=True, cache=True, _nrt=False)
def alloc_pages_bulk_list(s, cpu, gfp, nr, head_arr):
    # alloc_pages_bulk_list: push up to nr pages on the list head_arr[0]; returns pages added
    return __alloc_pages_bulk(s, cpu, gfp, nr, head_arr, _0, True)
