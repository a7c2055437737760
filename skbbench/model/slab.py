"""SLAB (Linux v4.6 mm/slab.c) executing on the machine array: array caches and slabs.

Per-CPU ``array_cache`` stacks, the per-node shared array and alien caches, the
slabs_partial / slabs_full / slabs_free lists under the node ``list_lock`` (a real
spinlock), the OBJFREELIST / on-slab ``freelist_idx_t`` index array with
``page->active``, ``cache_grow`` / ``slab_destroy`` through the machine's page
allocator, and the v4.6 bulk API. Entry points have SLUB's signatures
(:mod:`skbbench.model.slub`) so a bench switches by import; the layout is in
:mod:`skbbench.model.slab_layout`, the reaper (``drain_array``, ``cache_reap``) in
:mod:`skbbench.model.slab_reap`, Python setup in :mod:`skbbench.model.slab_create`,
checks in :mod:`skbbench.model.slab_debug`; docs/slab.md tells what is modelled.
Objects are byte addresses in ``s``; NULL is 0.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.harness.calls import call_out_of_line
from skbbench.harness.intrinsics import load_u8, store_u8
from skbbench.harness.locks import spin_lock, spin_unlock
from skbbench.harness.spin import busy_wait
from skbbench.model import slab_layout as L
from skbbench.model.list import INIT_LIST_HEAD, list_add, list_add_tail, list_del
from skbbench.model.machine import U_MH_COST_IRQ, U_MH_COST_IRQSAVE, U_MH_STATS, U_MH_VMEMMAP
from skbbench.model.mm_types import (
    GFP_COMP,
    PAGE_SIZE,
    PG_SLAB,
    SLAB_CACHE_SHIFT,
    U_PAGE_SHIFT,
    U_PG_AUX,
    U_PG_CH,
    U_PG_FLAGS,
    U_PG_FREELIST,
    U_PG_LRU_NEXT,
    U_PG_PRIVATE,
    U_RECW,
)
from skbbench.model.page_alloc import __free_pages, alloc_pages

# Bulk variants: the same numbers as SLUB's (model.bulk) so a bench passes one value.
BULK_FALLBACK = 0  # __kmem_cache_alloc_bulk / __kmem_cache_free_bulk: loops of singles
BULK_BEFORE = 1  # SLAB has no before/after split: both are v4.6 SLAB bulk
BULK_AFTER = 2
BULK_KFREE = 3  # kfree_bulk: v4.6 SLAB bulk free with virt_to_cache per object
VARIANTS = {
    "fallback": BULK_FALLBACK,
    "before": BULK_BEFORE,
    "after": BULK_AFTER,
    "kfree_bulk": BULK_KFREE,
}

U = np.uint64
_0, _1, _2, _3, _4, _5, _8, _32 = U(0), U(1), U(2), U(3), U(4), U(5), U(8), U(32)
_M32 = U(0xFFFFFFFF)
_PAGE_SIZE = U(PAGE_SIZE)
_GFP_COMP = U(GFP_COMP)
_BATCHREFILL_LIMIT = U(L.BATCHREFILL_LIMIT)
_OBJFREELIST = U(L.CFLGS_OBJFREELIST_SLAB)
_PG_SLAB = U(PG_SLAB)
_CACHE_SHIFT = U(SLAB_CACHE_SHIFT)
_CACHE_MASK = U(0xFFFFFF)
_NODE_SHIFT = U(L.PG_NODE_SHIFT)
_SLAB_FLAGS_CLEAR = U((1 << 64) - 1) ^ U(PG_SLAB) ^ U(0xFFFFFF << SLAB_CACHE_SHIFT)
_NODE_CLEAR = U((1 << L.PG_NODE_SHIFT) - 1)
# kmem_cache header words
_K_NUM, _K_SIZE, _K_GFPORDER = U(L.K_NUM), U(L.K_SIZE), U(L.K_GFPORDER)
_K_COLOUR_OFF, _K_COLOUR, _K_CFLAGS = U(L.K_COLOUR_OFF), U(L.K_COLOUR), U(L.K_CFLAGS)
_K_FREELIST_SIZE = U(L.K_FREELIST_SIZE)
_K_RM, _K_RSH1, _K_RSH2 = U(L.K_RECIP_M), U(L.K_RECIP_SH1), U(L.K_RECIP_SH2)
_K_CACHE_ID, _K_NR_NODES, _K_NR_CPUS = U(L.K_CACHE_ID), U(L.K_NR_NODES), U(L.K_NR_CPUS)
_K_CPU_BASE, _K_AC_STRIDE, _K_INFO_BASE = U(L.K_CPU_BASE), U(L.K_AC_STRIDE), U(L.K_INFO_BASE)
_K_NODE_BASE, _K_STAT_BASE = U(L.K_NODE_BASE), U(L.K_STAT_BASE)
_K_NUM_ACTIVE, _K_HIGH_MARK = U(L.K_NUM_ACTIVE), U(L.K_HIGH_MARK)
_K_MAX_FREEABLE, _K_ERR_AUX = U(L.K_MAX_FREEABLE), U(L.K_ERR_AUX)
# array_cache, per-CPU info, kmem_cache_node
_AVAIL, _LIMIT, _BATCH, _TOUCHED, _ENTRY = (
    U(L.AC_AVAIL),
    U(L.AC_LIMIT),
    U(L.AC_BATCHCOUNT),
    U(L.AC_TOUCHED),
    U(L.AC_ENTRY),
)
_ALIEN_AC = U(L.ALIEN_AC)
_INFOW, _CI_NODE, _CI_REAP_NODE, _CI_LIST = (
    U(L.INFO_WORDS),
    U(L.CI_NODE),
    U(L.CI_REAP_NODE),
    U(L.CI_LIST),
)
_CI_OBJP = U(L.CI_LIST + 2)  # the on-stack ``objp`` whose address free_block gets
_NODEW = U(L.NODE_WORDS)
_N_LOCK, _N_PARTIAL, _N_FULL, _N_FREE = (
    U(L.N_LIST_LOCK),
    U(L.N_SLABS_PARTIAL),
    U(L.N_SLABS_FULL),
    U(L.N_SLABS_FREE),
)
_N_FREE_OBJECTS, _N_FREE_LIMIT, _N_COLOUR_NEXT = (
    U(L.N_FREE_OBJECTS),
    U(L.N_FREE_LIMIT),
    U(L.N_COLOUR_NEXT),
)
_N_SHARED, _N_ALIEN, _N_FREE_TOUCHED = U(L.N_SHARED), U(L.N_ALIEN), U(L.N_FREE_TOUCHED)
_N_TOTAL_SLABS, _N_FREE_SLABS = U(L.N_TOTAL_SLABS), U(L.N_FREE_SLABS)
# counters: per-CPU rows of STAT_ITEMS then MODEL_EVENTS
_STATW = U(L.STAT_STRIDE)
(
    NUM_ALLOCATIONS,
    GROWN,
    REAPED,
    ERRORS,
    NODE_ALLOCS,
    NODE_FREES,
    NODE_OVERFLOW,
    ALLOCHIT,
    ALLOCMISS,
    FREEHIT,
    FREEMISS,
) = (U(i) for i in range(len(L.STAT_ITEMS)))
(
    EV_LIST_LOCK,
    EV_ALIEN_LOCK,
    EV_IRQ,
    EV_IRQSAVE,
    EV_PAGE_ALLOC,
    EV_PAGE_FREE,
    EV_SLABS_DESTROYED,
    EV_REFILL_SHARED,
    EV_REFILL_SLABS,
    EV_FLUSH_SHARED,
    EV_FLUSH_FREE_BLOCK,
    EV_FREE_BLOCK_OBJECTS,
    EV_BULK_ALLOC,
    EV_BULK_FREE,
) = (U(len(L.STAT_ITEMS) + i) for i in range(len(L.MODEL_EVENTS)))

# --------------------------------------------------------------------------------------
# Counters (STATS_*): every increment goes through these helpers


@njit(inline="always", nogil=True)
def slab_stat(s, cpu, item, n):
    # STATS_INC_* / STATS_ADD_*: per-CPU row of the counter ``item`` (not while the
    # machine's counters are off: MH_STATS = 0 in timed runs)
    if s[U_MH_STATS] != _0:
        s[s[_K_STAT_BASE] + cpu * _STATW + item] += n


@njit(inline="always", nogil=True)
def slab_stat_active(s, inc):
    # STATS_INC_ACTIVE + STATS_SET_HIGH / STATS_DEC_ACTIVE (under a node's list_lock)
    if s[U_MH_STATS] == _0:
        return
    if inc:
        a = s[_K_NUM_ACTIVE] + _1
        s[_K_NUM_ACTIVE] = a
        if a > s[_K_HIGH_MARK]:
            s[_K_HIGH_MARK] = a
    else:
        s[_K_NUM_ACTIVE] -= _1


@njit(inline="always", nogil=True)
def slab_stat_freeable(s, n):
    # STATS_SET_FREEABLE(cachep, i): i = slabs on n->slabs_free (kept count, no walk)
    if s[U_MH_STATS] == _0:
        return
    i = s[n + _N_FREE_SLABS]
    if i > s[_K_MAX_FREEABLE]:
        s[_K_MAX_FREEABLE] = i


# --------------------------------------------------------------------------------------
# Small helpers: per-CPU data, nodes, struct page, lists


@njit(inline="always", nogil=True)
def cpu_cache_get(s, cpu):
    # cpu_cache_get: this_cpu_ptr(cachep->cpu_cache)
    return s[_K_CPU_BASE] + cpu * s[_K_AC_STRIDE]


@njit(inline="always", nogil=True)
def _info(s, cpu):
    # the per-CPU variables of this CPU (numa_mem_id, slab_reap_node, stack scratch)
    return s[_K_INFO_BASE] + cpu * _INFOW


@njit(inline="always", nogil=True)
def numa_mem_id(s, cpu):
    # numa_mem_id: the node of this CPU
    return s[_info(s, cpu) + _CI_NODE]


@njit(inline="always", nogil=True)
def get_node(s, node):
    # get_node(cachep, node): word of the kmem_cache_node
    return s[_K_NODE_BASE] + node * _NODEW


@njit(inline="always", nogil=True)
def page_rec(s, pfn):
    # pfn_to_page: word of the struct page record
    return s[U_MH_VMEMMAP] + pfn * U_RECW


@njit(inline="always", nogil=True)
def virt_to_head_page(s, x):
    # virt_to_head_page: compound_head(virt_to_page(x)); returns the head pfn
    pfn = x >> U_PAGE_SHIFT
    ch = s[page_rec(s, pfn) + U_PG_CH]
    if ch & _1:
        return ch >> _1
    return pfn


@njit(inline="always", nogil=True)
def page_to_nid(s, x):
    # page_to_nid(virt_to_page(x)): the node bits of page->flags
    return s[page_rec(s, x >> U_PAGE_SHIFT) + U_PG_FLAGS] >> _NODE_SHIFT


@njit(inline="always", nogil=True)
def lru_to_page(s, entry):
    # list_entry(entry, struct page, lru): pfn of the page whose lru is ``entry``
    return (entry - U_PG_LRU_NEXT - s[U_MH_VMEMMAP]) // U_RECW


@njit(inline="always", nogil=True)
def _list_lock(s, cpu, n):
    # spin_lock(&n->list_lock)
    slab_stat(s, cpu, EV_LIST_LOCK, _1)
    spin_lock(s, n + _N_LOCK)


@njit(inline="always", nogil=True)
def _list_unlock(s, n):
    # spin_unlock(&n->list_lock)
    spin_unlock(s, n + _N_LOCK)


@njit(inline="always", nogil=True)
def _charge_irq(s, cpu):
    # local_irq_disable + local_irq_enable (or spin_lock_irq/unlock_irq): kernel-only cost
    slab_stat(s, cpu, EV_IRQ, _1)
    busy_wait(np.int64(s[U_MH_COST_IRQ]))


@njit(inline="always", nogil=True)
def _charge_irqsave(s, cpu):
    # local_irq_save + local_irq_restore: kernel-only cost
    slab_stat(s, cpu, EV_IRQSAVE, _1)
    busy_wait(np.int64(s[U_MH_COST_IRQSAVE]))


# --------------------------------------------------------------------------------------
# The slab: objects, the freelist index array, page->active


@njit(inline="always", nogil=True)
def index_to_obj(s, rec, idx):
    # index_to_obj: page->s_mem + cache->size * idx
    return s[rec + U_PG_PRIVATE] + s[_K_SIZE] * idx


@njit(inline="always", nogil=True)
def obj_to_index(s, rec, obj):
    # obj_to_index: reciprocal_divide(obj - page->s_mem, cache->reciprocal_buffer_size)
    a = (obj - s[rec + U_PG_PRIVATE]) & _M32
    t = (a * s[_K_RM]) >> _32
    return (t + ((a - t) >> s[_K_RSH1])) >> s[_K_RSH2]


@njit(inline="always", nogil=True)
def get_free_obj(s, rec, idx):
    # get_free_obj: ((freelist_idx_t *)page->freelist)[idx]
    return load_u8(s, s[rec + U_PG_FREELIST] + idx)


@njit(inline="always", nogil=True)
def set_free_obj(s, rec, idx, val):
    # set_free_obj: ((freelist_idx_t *)page->freelist)[idx] = val
    store_u8(s, s[rec + U_PG_FREELIST] + idx, val)


@njit(inline="always", nogil=True)
def slab_get_obj(s, rec):
    # slab_get_obj: the object named by freelist[page->active]; page->active++
    active = s[rec + U_PG_AUX]
    objp = index_to_obj(s, rec, get_free_obj(s, rec, active))
    s[rec + U_PG_AUX] = active + _1
    return objp


@njit(inline="always", nogil=True)
def slab_put_obj(s, rec, objp):
    # slab_put_obj: page->active--; freelist[page->active] = obj_to_index(objp);
    # a full OBJFREELIST slab (freelist NULL) keeps its index array in this object
    objnr = obj_to_index(s, rec, objp)
    active = s[rec + U_PG_AUX] - _1
    s[rec + U_PG_AUX] = active
    if s[rec + U_PG_FREELIST] == _0:
        s[rec + U_PG_FREELIST] = objp
    set_free_obj(s, rec, active, objnr)


# --------------------------------------------------------------------------------------
# Pages: kmem_getpages / kmem_freepages / cache_grow / slab destruction


@njit(nogil=True, cache=True, _nrt=False)
def kmem_getpages(s, cpu, nodeid):
    # kmem_getpages: alloc_pages(GFP_ATOMIC | cachep->allocflags (__GFP_COMP), gfporder);
    # __SetPageSlab
    pfn = alloc_pages(s, cpu, _GFP_COMP, s[_K_GFPORDER])
    if pfn == _0:
        return _0
    slab_stat(s, cpu, EV_PAGE_ALLOC, _1)
    rec = page_rec(s, pfn)
    s[rec + U_PG_FLAGS] |= _PG_SLAB
    if s[_K_NR_NODES] > _1:
        # the model's page allocator has one zone: the slab's pages take the node
        # that asked for them (the kernel's page->flags carry it from boot)
        i = _0
        nr = _1 << s[_K_GFPORDER]
        while i < nr:
            r = rec + i * U_RECW
            s[r + U_PG_FLAGS] = (s[r + U_PG_FLAGS] & _NODE_CLEAR) | (nodeid << _NODE_SHIFT)
            i += _1
    return pfn


@njit(nogil=True, cache=True, _nrt=False)
def kmem_freepages(s, cpu, pfn):
    # kmem_freepages: __ClearPageSlab, page->mapping (s_mem) = NULL, __free_pages
    rec = page_rec(s, pfn)
    s[rec + U_PG_FLAGS] &= _SLAB_FLAGS_CLEAR
    s[rec + U_PG_PRIVATE] = _0
    s[rec + U_PG_FREELIST] = _0
    s[rec + U_PG_AUX] = _0
    if s[_K_NR_NODES] > _1:
        i = _0
        nr = _1 << s[_K_GFPORDER]
        while i < nr:
            s[rec + i * U_RECW + U_PG_FLAGS] &= _NODE_CLEAR
            i += _1
    slab_stat(s, cpu, EV_PAGE_FREE, _1)
    __free_pages(s, cpu, pfn, s[_K_GFPORDER])


@njit(inline="always", nogil=True)
def alloc_slabmgmt(s, rec, pfn, colour_off):
    # alloc_slabmgmt: page->s_mem, page->active = 0; OBJFREELIST: freelist NULL (set by
    # cache_init_objs), on-slab: the last freelist_size bytes of the slab
    addr = pfn << U_PAGE_SHIFT
    s[rec + U_PG_PRIVATE] = addr + colour_off
    s[rec + U_PG_AUX] = _0
    if s[_K_CFLAGS] & _OBJFREELIST:
        return _0
    return addr + (_PAGE_SIZE << s[_K_GFPORDER]) - s[_K_FREELIST_SIZE]


@njit(inline="always", nogil=True)
def cache_init_objs(s, rec):
    # cache_init_objs: OBJFREELIST keeps the index array in the last object; freelist[i] = i
    num = s[_K_NUM]
    if s[_K_CFLAGS] & _OBJFREELIST:
        s[rec + U_PG_FREELIST] = index_to_obj(s, rec, num - _1)
    i = _0
    while i < num:
        set_free_obj(s, rec, i, i)
        i += _1


@njit(nogil=True, cache=True, _nrt=False)
def cache_grow(s, cpu, nodeid):
    # cache_grow: colour, kmem_getpages, slab_map_pages, cache_init_objs, slabs_free tail.
    # GFP_ATOMIC: IRQs stay off throughout (no local_irq_enable around the page alloc).
    n = get_node(s, nodeid)
    _list_lock(s, cpu, n)
    offset = s[n + _N_COLOUR_NEXT]
    nxt = offset + _1
    if nxt >= s[_K_COLOUR]:
        nxt = _0
    s[n + _N_COLOUR_NEXT] = nxt
    _list_unlock(s, n)
    offset *= s[_K_COLOUR_OFF]
    pfn = kmem_getpages(s, cpu, nodeid)
    if pfn == _0:
        return _0
    rec = page_rec(s, pfn)
    freelist = alloc_slabmgmt(s, rec, pfn, offset)
    # slab_map_pages: page->slab_cache = cache; page->freelist = freelist
    s[rec + U_PG_FLAGS] |= s[_K_CACHE_ID] << _CACHE_SHIFT
    s[rec + U_PG_FREELIST] = freelist
    cache_init_objs(s, rec)
    _list_lock(s, cpu, n)
    list_add_tail(s, rec + U_PG_LRU_NEXT, n + _N_FREE)
    slab_stat(s, cpu, GROWN, _1)
    s[n + _N_FREE_OBJECTS] += s[_K_NUM]
    s[n + _N_TOTAL_SLABS] += _1
    s[n + _N_FREE_SLABS] += _1
    _list_unlock(s, n)
    return _1


@njit(nogil=True, cache=True, _nrt=False)
def slabs_destroy(s, cpu, head):
    # slabs_destroy: slab_destroy (-> kmem_freepages) every page on the local list
    while s[head] != head:
        entry = s[head]
        list_del(s, entry)
        slab_stat(s, cpu, EV_SLABS_DESTROYED, _1)
        kmem_freepages(s, cpu, lru_to_page(s, entry))  # slab_destroy


@njit(nogil=True, cache=True, _nrt=False)
def free_block(s, cpu, objpp, nr_objects, node, head):
    # free_block: return nr_objects objects (words objpp..) to their slabs on ``node``;
    # empty slabs beyond free_limit go to the local list ``head`` for slabs_destroy
    n = get_node(s, node)
    num = s[_K_NUM]
    slab_stat(s, cpu, EV_FREE_BLOCK_OBJECTS, nr_objects)
    i = _0
    while i < nr_objects:
        objp = s[objpp + i]
        i += _1
        rec = page_rec(s, virt_to_head_page(s, objp))
        lru = rec + U_PG_LRU_NEXT
        list_del(s, lru)
        slab_put_obj(s, rec, objp)
        slab_stat_active(s, False)
        free_objects = s[n + _N_FREE_OBJECTS] + _1
        if s[rec + U_PG_AUX] == _0:
            if free_objects > s[n + _N_FREE_LIMIT]:
                free_objects -= num
                list_add_tail(s, lru, head)
                s[n + _N_TOTAL_SLABS] -= _1
            else:
                list_add(s, lru, n + _N_FREE)
                s[n + _N_FREE_SLABS] += _1
        else:
            # unconditionally to the end of slabs_partial: time for the others to be freed
            list_add_tail(s, lru, n + _N_PARTIAL)
        s[n + _N_FREE_OBJECTS] = free_objects


@njit(inline="always", nogil=True)
def transfer_objects(s, to, frm, max_):
    # transfer_objects: move min(from->avail, max, to room) pointers from the top of from
    fa = s[frm + _AVAIL]
    ta = s[to + _AVAIL]
    nr = min(fa, max_, s[to + _LIMIT] - ta)
    if nr == _0:
        return _0
    src = frm + _ENTRY + fa - nr
    dst = to + _ENTRY + ta
    i = _0
    while i < nr:  # memcpy
        s[dst + i] = s[src + i]
        i += _1
    s[frm + _AVAIL] = fa - nr
    s[to + _AVAIL] = ta + nr
    return nr


@njit(inline="always", nogil=True)
def _memmove_down(s, ac, by, count):
    # memmove(ac->entry, &ac->entry[by], count pointers)
    i = _0
    dst = ac + _ENTRY
    while i < count:
        s[dst + i] = s[dst + by + i]
        i += _1


# --------------------------------------------------------------------------------------
# Allocation


@njit(inline="always", nogil=True)
def get_first_slab(s, n):
    # get_first_slab: first of slabs_partial, else of slabs_free (free_touched = 1); pfn
    head = n + _N_PARTIAL
    e = s[head]
    if e == head:
        s[n + _N_FREE_TOUCHED] = _1
        head = n + _N_FREE
        e = s[head]
        if e == head:
            return _0
    return lru_to_page(s, e)


@njit(nogil=True, cache=True, _nrt=False)
def cache_alloc_refill(s, cpu):
    # cache_alloc_refill: batch from the shared array, else from slabs; cache_grow if none
    node = numa_mem_id(s, cpu)
    ac = cpu_cache_get(s, cpu)
    num = s[_K_NUM]
    while True:  # retry:
        batchcount = s[ac + _BATCH]
        if s[ac + _TOUCHED] == _0 and batchcount > _BATCHREFILL_LIMIT:
            batchcount = _BATCHREFILL_LIMIT  # little recent activity: partial refill
        n = get_node(s, node)
        _list_lock(s, cpu, n)
        shared = s[n + _N_SHARED]
        if shared != _0 and transfer_objects(s, ac, shared, batchcount) != _0:
            s[shared + _TOUCHED] = _1
            slab_stat(s, cpu, EV_REFILL_SHARED, _1)
        else:
            while batchcount > _0:
                pfn = get_first_slab(s, n)
                if pfn == _0:
                    break  # must_grow
                rec = page_rec(s, pfn)
                active = s[rec + U_PG_AUX]
                if active == _0:
                    s[n + _N_FREE_SLABS] -= _1
                slab_stat(s, cpu, EV_REFILL_SLABS, _1)
                avail = s[ac + _AVAIL]
                while active < num and batchcount > _0:
                    batchcount -= _1
                    slab_stat(s, cpu, NUM_ALLOCATIONS, _1)
                    slab_stat_active(s, True)
                    s[ac + _ENTRY + avail] = slab_get_obj(s, rec)  # ac_put_obj
                    avail += _1
                    active += _1
                s[ac + _AVAIL] = avail
                lru = rec + U_PG_LRU_NEXT
                list_del(s, lru)  # move the slab to the correct list
                if active == num:
                    list_add(s, lru, n + _N_FULL)
                    if s[_K_CFLAGS] & _OBJFREELIST:
                        s[rec + U_PG_FREELIST] = _0
                else:
                    list_add(s, lru, n + _N_PARTIAL)
            # must_grow:
            s[n + _N_FREE_OBJECTS] -= s[ac + _AVAIL]
        _list_unlock(s, n)  # alloc_done:
        if s[ac + _AVAIL] == _0:
            x = cache_grow(s, cpu, node)
            if x == _0 and s[ac + _AVAIL] == _0:
                return _0  # no objects in sight
            if s[ac + _AVAIL] == _0:
                continue
        break
    s[ac + _TOUCHED] = _1
    avail = s[ac + _AVAIL] - _1
    s[ac + _AVAIL] = avail
    return s[ac + _ENTRY + avail]  # ac_get_obj


@njit(inline="always", nogil=True)
def ____cache_alloc(s, cpu):
    # ____cache_alloc: pop ac->entry[--ac->avail] (touched = 1), else cache_alloc_refill
    ac = cpu_cache_get(s, cpu)
    avail = s[ac + _AVAIL]
    if avail != _0:
        s[ac + _TOUCHED] = _1
        avail -= _1
        s[ac + _AVAIL] = avail
        slab_stat(s, cpu, ALLOCHIT, _1)
        return s[ac + _ENTRY + avail]
    slab_stat(s, cpu, ALLOCMISS, _1)
    return cache_alloc_refill(s, cpu)


# __do_cache_alloc (no mempolicy, no cpuset spread) is ____cache_alloc; its fallback
# ____cache_alloc_node after a failed grow is not modelled (one zone: no other memory).
__do_cache_alloc = ____cache_alloc


# --------------------------------------------------------------------------------------
# Free


@njit(nogil=True, cache=True, _nrt=False)
def cache_flusharray(s, cpu, ac):
    # cache_flusharray: the oldest batchcount entries to the shared array (if room) or
    # free_block; then memmove the rest down
    batchcount = s[ac + _BATCH]
    node = numa_mem_id(s, cpu)
    n = get_node(s, node)
    head = _info(s, cpu) + _CI_LIST
    INIT_LIST_HEAD(s, head)
    _list_lock(s, cpu, n)
    shared = s[n + _N_SHARED]
    done = False
    if shared != _0:
        sa = s[shared + _AVAIL]
        max_ = s[shared + _LIMIT] - sa
        if max_ != _0:
            if batchcount > max_:
                batchcount = max_
            dst = shared + _ENTRY + sa
            src = ac + _ENTRY
            i = _0
            while i < batchcount:  # memcpy
                s[dst + i] = s[src + i]
                i += _1
            s[shared + _AVAIL] = sa + batchcount
            slab_stat(s, cpu, EV_FLUSH_SHARED, _1)
            done = True
    if not done:
        free_block(s, cpu, ac + _ENTRY, batchcount, node, head)
        slab_stat(s, cpu, EV_FLUSH_FREE_BLOCK, _1)
    slab_stat_freeable(s, n)  # free_done:
    _list_unlock(s, n)
    slabs_destroy(s, cpu, head)
    avail = s[ac + _AVAIL] - batchcount
    s[ac + _AVAIL] = avail
    _memmove_down(s, ac, batchcount, avail)


@njit(nogil=True, cache=True, _nrt=False)
def __drain_alien_cache(s, cpu, ac, node, head):
    # __drain_alien_cache: alien objects to the remote node's shared array, rest free_block
    if s[ac + _AVAIL] != _0:
        n = get_node(s, node)
        _list_lock(s, cpu, n)
        shared = s[n + _N_SHARED]
        if shared != _0:
            transfer_objects(s, shared, ac, s[ac + _LIMIT])
        free_block(s, cpu, ac + _ENTRY, s[ac + _AVAIL], node, head)
        s[ac + _AVAIL] = _0
        _list_unlock(s, n)


@njit(nogil=True, cache=True, _nrt=False)
def __cache_free_alien(s, cpu, objp, node, page_node):
    # __cache_free_alien: into this node's alien cache for page_node (drain when full),
    # or without alien caches straight to the remote node's slabs
    n = get_node(s, node)
    slab_stat(s, cpu, NODE_FREES, _1)
    head = _info(s, cpu) + _CI_LIST
    INIT_LIST_HEAD(s, head)
    alien = s[n + _N_ALIEN]
    alc = _0
    if alien != _0:
        alc = s[alien + page_node]
    if alc != _0:
        ac = alc + _ALIEN_AC
        slab_stat(s, cpu, EV_ALIEN_LOCK, _1)
        spin_lock(s, alc)
        if s[ac + _AVAIL] == s[ac + _LIMIT]:
            slab_stat(s, cpu, NODE_OVERFLOW, _1)
            __drain_alien_cache(s, cpu, ac, page_node, head)
        avail = s[ac + _AVAIL]
        s[ac + _ENTRY + avail] = objp  # ac_put_obj
        s[ac + _AVAIL] = avail + _1
        spin_unlock(s, alc)
    else:
        n = get_node(s, page_node)
        _list_lock(s, cpu, n)
        scratch = _info(s, cpu) + _CI_OBJP
        s[scratch] = objp
        free_block(s, cpu, scratch, _1, page_node, head)
        _list_unlock(s, n)
    slabs_destroy(s, cpu, head)


@njit(inline="always", nogil=True)
def __cache_free(s, cpu, objp):
    # __cache_free: (NUMA) alien check; push on ac, cache_flusharray first when full
    if s[_K_NR_NODES] > _1:
        # cache_free_alien: only multi-node machines read the object's page
        node = numa_mem_id(s, cpu)
        page_node = page_to_nid(s, objp)
        if node != page_node:
            __cache_free_alien(s, cpu, objp, node, page_node)
            return
    ac = cpu_cache_get(s, cpu)
    if s[ac + _AVAIL] < s[ac + _LIMIT]:
        slab_stat(s, cpu, FREEHIT, _1)
    else:
        slab_stat(s, cpu, FREEMISS, _1)
        cache_flusharray(s, cpu, ac)
    avail = s[ac + _AVAIL]
    s[ac + _ENTRY + avail] = objp  # ac_put_obj
    s[ac + _AVAIL] = avail + _1


# --------------------------------------------------------------------------------------
# Public entry points: SLUB's signatures


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc(s, cpu):
    # kmem_cache_alloc -> slab_alloc: local_irq_save; __do_cache_alloc; local_irq_restore
    cpu = U(cpu)
    objp = __do_cache_alloc(s, cpu)
    _charge_irqsave(s, cpu)
    return objp


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_free(s, cpu, x):
    # kmem_cache_free: local_irq_save; __cache_free; local_irq_restore
    cpu = U(cpu)
    __cache_free(s, cpu, U(x))
    _charge_irqsave(s, cpu)


@njit(nogil=True, cache=True, _nrt=False)
def __kmem_cache_free_bulk(s, cpu, size, p):
    # __kmem_cache_free_bulk (slab_common.c, another unit: a real call): kmem_cache_free
    # per object
    i = _0
    while i < size:
        kmem_cache_free(s, cpu, p[i])
        i += _1


@njit(inline="always", nogil=True)
def __kmem_cache_alloc_bulk(s, cpu, size, p):
    # __kmem_cache_alloc_bulk (slab_common.c): loop of kmem_cache_alloc, all-or-nothing
    i = _0
    while i < size:
        objp = kmem_cache_alloc(s, cpu)
        if objp == _0:
            __kmem_cache_free_bulk(s, cpu, i, p)
            return _0
        p[i] = objp
        i += _1
    return size


@njit(inline="always", nogil=True)
def virt_to_cache(s, objp):
    # virt_to_cache: virt_to_head_page(obj)->slab_cache (one cache per machine: a check)
    flags = s[page_rec(s, virt_to_head_page(s, objp)) + U_PG_FLAGS]
    return (flags >> _CACHE_SHIFT) & _CACHE_MASK


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_bulk(s, cpu, size, p, variant):
    # kmem_cache_alloc_bulk (v4.6): IRQs off once, __do_cache_alloc per object; size or 0
    cpu = U(cpu)
    size = U(size)
    slab_stat(s, cpu, EV_BULK_ALLOC, size)
    if variant == BULK_FALLBACK:
        return __kmem_cache_alloc_bulk(s, cpu, size, p)
    i = _0
    while i < size:
        objp = __do_cache_alloc(s, cpu)
        if objp == _0:
            _charge_irq(s, cpu)  # error: local_irq_enable, then free what we got
            __kmem_cache_free_bulk(s, cpu, i, p)
            return _0
        p[i] = objp
        i += _1
    _charge_irq(s, cpu)  # local_irq_disable + local_irq_enable
    return size


@njit(inline="always", nogil=True, cache=True, _nrt=False)
def kmem_cache_free_bulk(s, cpu, size, p, variant):
    # kmem_cache_free_bulk (v4.6): IRQs off once, __cache_free per object; kfree_bulk
    # (variant BULK_KFREE) reads each object's cache from its slab page
    cpu = U(cpu)
    size = U(size)
    slab_stat(s, cpu, EV_BULK_FREE, size)
    if variant == BULK_FALLBACK:
        __kmem_cache_free_bulk(s, cpu, size, p)
        return
    kfree = variant == BULK_KFREE
    i = _0
    while i < size:
        objp = p[i]
        i += _1
        if kfree and virt_to_cache(s, objp) != s[_K_CACHE_ID]:
            s[_K_ERR_AUX] = objp  # not this cache's slab: the kernel would oops
            continue
        __cache_free(s, cpu, objp)
    _charge_irq(s, cpu)  # local_irq_disable + local_irq_enable


# --------------------------------------------------------------------------------------
# Exported functions (EXPORT_SYMBOL in mm/slab.c; callers reach them with
# call_out_of_line) and slab_bulk_test's noinline fallback loops


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_export(s, cpu):
    # kmem_cache_alloc (exported): slab_alloc with IRQs saved
    return kmem_cache_alloc(s, cpu)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_free_export(s, cpu, x):
    # kmem_cache_free (exported)
    kmem_cache_free(s, cpu, x)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_alloc_bulk_export(s, cpu, size, p):
    # kmem_cache_alloc_bulk (v4.6, exported)
    return kmem_cache_alloc_bulk(s, cpu, size, p, BULK_AFTER)


@njit(nogil=True, cache=True, _nrt=False)
def kmem_cache_free_bulk_export(s, cpu, size, p, kfree):
    # kmem_cache_free_bulk (v4.6, exported; kfree_bulk passes s == NULL)
    kmem_cache_free_bulk(s, cpu, size, p, BULK_KFREE if kfree else BULK_AFTER)


@njit(nogil=True, cache=True, _nrt=False)
def my_kmem_cache_alloc_bulk(s, cpu, size, p):
    # slab_bulk_test's noinline fallback: exported kmem_cache_alloc per object
    cpu = U(cpu)
    slab_stat(s, cpu, EV_BULK_ALLOC, size)
    i = _0
    while i < size:
        objp = call_out_of_line(kmem_cache_alloc_export, s, cpu)
        if objp == _0:
            j = _0
            while j < i:
                call_out_of_line(kmem_cache_free_export, s, cpu, p[j])
                j += _1
            return _0
        p[i] = objp
        i += _1
    return size


@njit(nogil=True, cache=True, _nrt=False)
def my_kmem_cache_free_bulk(s, cpu, size, p):
    # slab_bulk_test's noinline fallback: exported kmem_cache_free per object
    cpu = U(cpu)
    slab_stat(s, cpu, EV_BULK_FREE, size)
    i = _0
    while i < size:
        call_out_of_line(kmem_cache_free_export, s, cpu, p[i])
        i += _1
